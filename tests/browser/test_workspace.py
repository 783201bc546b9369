"""The LGO editor's workspace in a real browser: autosave, the live score, offline safety,
a phone-sized screen, and logging in by keyboard only."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, demo_email, log_in

SAVED = re.compile(r"^(Saved|บันทึก)")


def open_workspace(page, base):
    log_in(page, base, "editor.cm-city")
    page.goto(base + "/assessments/")
    hrefs = [h for h in page.eval_on_selector_all("main a", "as => as.map(a => a.href)")
             if re.search(r"/assessments/\d+$", h)]
    for href in dict.fromkeys(hrefs):  # the half-way demo assessment is the editable one
        page.goto(href)
        if page.locator("#workspace[data-editable]").count():
            break
    expect(page.locator("#workspace[data-editable]")).to_be_visible()
    page.evaluate("document.fonts.ready")


def unanswered_level_form(page):
    """The first editable criterion scored by level that has no level picked yet."""
    forms = page.locator("form.answer[data-method=level]")
    for i in range(forms.count()):
        form = forms.nth(i)
        if form.locator("input[name=level]:checked").count() == 0 and \
                form.locator(".save-status").count():
            return form
    raise AssertionError("the half-way demo assessment has no unanswered level criterion")


def test_answer_autosaves_updates_score_and_persists(live_server, page):
    open_workspace(page, live_server)
    assert page.evaluate("document.fonts.check('16px Sarabun')"), "Sarabun web font not used"
    form = unanswered_level_form(page)
    code = form.get_attribute("data-code")
    overall_before = page.locator("[data-overall]").inner_text()
    levels = form.locator("input[name=level]")
    top = levels.nth(levels.count() - 1)
    top_value = top.get_attribute("value")
    top.check()
    form.locator("textarea[name=narrative]").fill("ทดสอบเบราว์เซอร์: มีคำสั่งแต่งตั้งคณะทำงาน")
    expect(form.locator(".save-status")).to_have_class(re.compile(r"\bok\b"), timeout=20_000)
    expect(form.locator(".save-status")).to_have_text(SAVED)
    expect(page.locator("[data-overall]")).not_to_have_text(overall_before)

    page.reload()
    form = page.locator(f"form.answer[data-code='{code}']")
    expect(form.locator(f"input[name=level][value='{top_value}']")).to_be_checked()
    expect(form.locator("textarea[name=narrative]")).to_have_value(
        "ทดสอบเบราว์เซอร์: มีคำสั่งแต่งตั้งคณะทำงาน")
    expect(page.locator("[data-overall]")).not_to_have_text(overall_before)


def test_autosave_survives_going_offline(live_server, page, context):
    open_workspace(page, live_server)
    form = page.locator("form.answer:has(.save-status)").nth(1)
    code = form.get_attribute("data-code")
    narrative = form.locator("textarea[name=narrative]")
    text = "เขียนระหว่างเน็ตหลุด offline draft"
    context.set_offline(True)
    narrative.fill(text)
    expect(form.locator(".save-status")).to_have_class(re.compile(r"\boffline\b"),
                                                        timeout=20_000)
    expect(page.locator("#global-status")).to_have_class(re.compile(r"\boffline\b"))
    expect(narrative).to_have_value(text)
    context.set_offline(False)
    expect(form.locator(".save-status")).to_have_text(SAVED, timeout=20_000)
    expect(form.locator(".save-status")).to_have_class(re.compile(r"\bok\b"))
    page.reload()
    expect(page.locator(f"form.answer[data-code='{code}'] textarea[name=narrative]")
           ).to_have_value(text)


def test_workspace_fits_a_phone(live_server, browser):
    ctx = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True,
                              has_touch=True)
    try:
        page = ctx.new_page()
        open_workspace(page, live_server)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 376, f"the page scrolls sideways on a phone: {width}px wide"
        outside = page.evaluate("""() => [...document.querySelectorAll(
              'main input:not([type=hidden]), main textarea, main select, main button, main a')]
            .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
            .map(e => [e, e.getBoundingClientRect()])
            .filter(([e, r]) => r.left < -1 || r.right > 376)
            .map(([e, r]) => e.outerHTML.slice(0, 100) + ' ' + Math.round(r.left) + '..'
                 + Math.round(r.right))""")
        assert not outside, "controls outside the 375px screen:\n" + "\n".join(outside)
        narrative = page.locator("form.answer:has(.save-status) textarea[name=narrative]").nth(2)
        narrative.scroll_into_view_if_needed()
        narrative.fill("กรอกจากโทรศัพท์")
        expect(narrative).to_have_value("กรอกจากโทรศัพท์")
    finally:
        ctx.close()


def test_keyboard_only_login_through_the_skip_link(live_server, page):
    page.goto(live_server + "/login")
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.className, "
                            "document.activeElement.getAttribute('href')]")
    assert focused == ["skip-link", "#main"], f"first Tab stop is {focused}"
    expect(page.locator(".skip-link")).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("input[name=email]")).to_be_focused()
    page.keyboard.type(demo_email("editor.cm-city"))
    page.keyboard.press("Tab")
    expect(page.locator("input[name=password]")).to_be_focused()
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)
    expect(page.locator("form[action$='/logout'] button")).to_be_visible()
