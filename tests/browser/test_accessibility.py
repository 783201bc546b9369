"""Every main page, as the person who uses it sees it with the demo data: no serious or critical
WCAG 2.1 A/AA violation for axe-core, Thai drawn with the app's own Sarabun web font, and
usable with the keyboard alone (every control reached by Tab in reading order, each showing
where the focus is)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, log_in, screenshot, uses_web_font

EDITOR, LEAD, OFFICER, APPROVER = "editor.cm-city", "assessor2", "officer.khonkaen", "approver"
CITY = re.compile("เชียงใหม่|Chiang Mai")   # the lead, assessor2, reads English


def first_link(page, base: str, listing: str, pattern: str, has_text: str | None = None) -> str:
    page.goto(base + listing)
    links = page.locator("main a", has_text=has_text) if has_text else page.locator("main a")
    for href in links.evaluate_all("as => as.map(a => a.href)"):
        if re.search(pattern, href):
            return href
    raise AssertionError(f"{listing} links to nothing like {pattern}")


# (id, person or None for a visitor, how to reach the page)
PAGES = (
    ("login", None, lambda p, b: b + "/login"),
    ("directory", OFFICER, lambda p, b: b + "/lgos/"),
    ("my-assessments", EDITOR, lambda p, b: b + "/assessments/"),
    ("workspace", EDITOR, lambda p, b: first_link(p, b, "/assessments/", r"/assessments/\d+$",
                                                  has_text=re.compile("ดำเนินการต่อ|Continue"))),
    ("screening-queue", OFFICER, lambda p, b: b + "/review/screening"),
    ("review", LEAD, lambda p, b: first_link(p, b, "/review/mine", r"/review/\d+$",
                                             has_text=CITY)),
    ("review-scores", LEAD, lambda p, b: first_link(p, b, "/review/mine", r"/review/\d+$",
                                                    has_text=CITY) + "/scores"),
    ("review-consensus", LEAD, lambda p, b: first_link(p, b, "/review/mine", r"/review/\d+$",
                                                       has_text=CITY) + "/consensus"),
    ("decision-queue", APPROVER, lambda p, b: b + "/certification/"),
    ("certificate-verify", None, lambda p, b: first_link(p, b, "/register", r"/v/[a-z0-9]+$")),
    ("register", None, lambda p, b: b + "/register"),
    ("kpi-national", APPROVER, lambda p, b: b + "/kpi/"),
    ("kpi-province", APPROVER, lambda p, b: b + "/kpi/province/50"),
    ("criteria", None, lambda p, b: b + "/criteria/"),
    ("criteria-edition", None, lambda p, b: b + "/criteria/GGL/2569/"),
)


@pytest.fixture(scope="module")
def people(browser, live_server):
    """One logged-in page per person (and one for a visitor), kept for the whole module."""
    contexts, pages = [], {}

    def page_of(person):
        if person not in pages:
            context = browser.new_context(viewport={"width": 1280, "height": 900},
                                          locale="th-TH")
            context.set_default_timeout(15_000)
            contexts.append(context)
            pages[person] = context.new_page()
            if person:
                log_in(pages[person], live_server, person)
        return pages[person]
    yield page_of
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def addresses(people, live_server):
    """Each main page's address, found once through the pages that link to it."""
    found = {}

    def address(name):
        if name not in found:
            person, reach = next((person, reach) for n, person, reach in PAGES if n == name)
            found[name] = reach(people(person), live_server)
        return found[name]
    return address


def open_page(people, addresses, name):
    person = next(person for n, person, _ in PAGES if n == name)
    page = people(person)
    page.goto(addresses(name))
    expect(page.locator("main")).to_be_visible()
    assert page.url.rstrip("/") == addresses(name).rstrip("/") or "/login" not in page.url
    return page


@pytest.mark.parametrize("name", [n for n, _, _ in PAGES])
def test_page_has_no_serious_accessibility_violation(name, people, addresses, shots):
    page = open_page(people, addresses, name)
    violations = axe_violations(page, record=shots / f"axe-{name}.txt")
    screenshot(page, shots, f"axe-{name}")
    assert not violations, f"axe-core on {name} ({page.url}):\n" + "\n".join(violations)
    duplicated = page.evaluate("""() => Object.entries([...document.querySelectorAll(
            '[id]:not(input[type=hidden])')]
        .reduce((seen, el) => (seen[el.id] = (seen[el.id] || 0) + 1, seen), {}))
        .filter(([id, n]) => n > 1).map(([id]) => id)""")
    assert not duplicated, f"{name}: ids used twice (a label finds only the first): {duplicated}"
    assert uses_web_font(page), f"{name}: the Thai text is not drawn with the Sarabun web font"
    assert rendered_font_families(page, "h1") & {"Sarabun"}, \
        f"{name}: the heading is drawn with {rendered_font_families(page, 'h1')}"


def rendered_font_families(page, selector: str) -> set[str]:
    """The fonts Chromium actually drew ``selector``'s text with (DevTools' "Rendered fonts")."""
    session = page.context.new_cdp_session(page)
    try:
        session.send("DOM.enable")
        session.send("CSS.enable")
        root = session.send("DOM.getDocument")["root"]["nodeId"]
        node = session.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        return {font["familyName"] for font in fonts}
    finally:
        session.detach()


# -- Keyboard --------------------------------------------------------------------------------------

TAB_STOPS = """() => {
    const focusable = 'a[href], button, input:not([type=hidden]), select, textarea, summary, '
        + '[tabindex]:not([tabindex="-1"])';
    const stops = [], groups = new Map();
    for (const el of document.querySelectorAll(focusable)) {
        // hidden, disabled, or inside a closed <details>: not a stop
        if (el.disabled || el.tabIndex < 0 || el.closest('[inert]')
            || !el.checkVisibility({visibilityProperty: true, contentVisibilityAuto: true}))
            continue;
        if (el.type === 'radio') {          // a radio group is one stop; arrows move inside it
            const owner = el.form || document;
            if (!groups.has(owner)) groups.set(owner, new Set());
            if (groups.get(owner).has(el.name)) continue;
            groups.get(owner).add(el.name);
        }
        stops.push(el);
    }
    window.__stops = stops;
    return stops.length;
}"""

FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const index = window.__stops.findIndex(s => s === el
        || (s.type === 'radio' && el.type === 'radio' && s.name === el.name && s.form === el.form));
    const style = getComputedStyle(el);
    const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
        || style.boxShadow !== 'none';
    return {index, ring, html: el.outerHTML.slice(0, 120)};
}"""

MAX_TABS = 40   # long pages (the workspace) are walked this far: the order is checked, not all


@pytest.mark.parametrize("name", [n for n, _, _ in PAGES])
def test_page_is_usable_with_the_keyboard_alone(name, people, addresses):
    page = open_page(people, addresses, name)
    total = page.evaluate(TAB_STOPS)
    assert total, f"{name}: nothing on the page takes the focus"
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("Tab")
    first = page.evaluate(FOCUSED)
    assert first and "skip-link" in first["html"], f"{name}: the first Tab stop is {first}"
    expected = 0
    for _ in range(min(total, MAX_TABS)):
        stop = page.evaluate(FOCUSED)
        assert stop is not None, f"{name}: the focus left the page after {expected} stops"
        assert stop["index"] == expected, (
            f"{name}: Tab stop {expected} should be control {expected} in reading order, "
            f"but is control {stop['index']}: {stop['html']}")
        assert stop["ring"], f"{name}: no visible focus indicator on {stop['html']}"
        expected += 1
        page.keyboard.press("Tab")


def test_keyboard_only_answer_in_the_workspace(people, addresses):
    """An editor picks a level with the arrow keys and types a narrative, without a mouse: the
    answer is saved."""
    page = open_page(people, addresses, "workspace")
    form = page.locator("form.answer[data-method=level]:has(.save-status)").nth(3)
    first_level = form.locator("input[name=level]").first
    first_level.focus()   # where Tab from the criterion before would land
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    checked = form.locator("input[name=level]:checked")
    expect(checked).to_have_count(1)
    value = checked.get_attribute("value")
    page.keyboard.press("Tab")
    while not page.evaluate("document.activeElement.name === 'narrative'"):
        page.keyboard.press("Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type("พิมพ์ด้วยแป้นพิมพ์อย่างเดียว")
    page.keyboard.press("Tab")
    expect(form.locator(".save-status")).to_have_class(re.compile(r"\bok\b"), timeout=20_000)
    page.reload()
    code = form.get_attribute("data-code")
    saved = page.locator(f"form.answer[data-code='{code}']")
    expect(saved.locator(f"input[name=level][value='{value}']")).to_be_checked()
    expect(saved.locator("textarea[name=narrative]")).to_have_value("พิมพ์ด้วยแป้นพิมพ์อย่างเดียว")
