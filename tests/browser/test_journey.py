"""The whole certification journey in a real browser, one role per browser context, on a server
of its own (the steps change the demo data, so no other module shares it):

1. Chiang Mai City's editor answers the rest of its Good-Governance (GGL) self-assessment,
   uploads a PDF and a photo, cites every required piece of evidence, reuses the PDF in the
   Digital Organisation (DGO) standard and watches the gap-to-pass explanation change; the
   executive submits;
2. the Chiang Mai provincial officer accepts it and assigns a lead and a member; the assessor
   who works in the city's own district is not offered, and the page says why;
3. both assessors score on their own; the lead sees where they diverge, asks the city for more
   evidence on one criterion, the city answers, the lead records the consensus and recommends;
4. DLA's approver approves; the certificate PDF downloads, the address its QR code carries opens
   the public page saying the certificate is valid, and the province's KPI dashboard shows the
   city certified under GGL, beside its LGO type.

The steps run in file order and build on each other: a failing step leaves the next ones failing.
Screenshots of each page go to the ``shots`` folder printed at the end of the run.
"""
from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from lgo_assess.review.views import AGREED, SHEET
from tests.browser.conftest import ROOT, log_in, screenshot, serve_app, uses_web_font

STANDARD_FILE = ROOT / "criteria" / "GGL" / "2569.yaml"
CITY = "เทศบาลนครเชียงใหม่"
CITY_TYPE = ("city_municipality", ("urban", "international_tourism"))
EDITOR, EXECUTIVE = "editor.cm-city", "executive.cm-city"
OFFICER, LEAD, MEMBER = "officer.chiangmai", "assessor2", "assessor1"
CONFLICTED, APPROVER = "assessor3", "approver"
LEAD_NAME, MEMBER_NAME, CONFLICTED_NAME = "Napaporn Chanpen", "กิตติพงษ์ สายสุวรรณ", \
    "ชัยวัฒน์ อินทร์แก้ว"
PDF_NAME, PHOTO_NAME, MINUTES_NAME = "journey-plan.pdf", "journey-activity.png", \
    "journey-minutes.pdf"
LINKS = ("https://example.org/cm-city/open-budget", "https://example.org/cm-city/procurement")
UI_CITED = 4             # criteria whose evidence is cited by clicking through the picker
DIVERGING = "1.3"        # a 0–4 level criterion the member scores two levels lower
REQUESTED = "1.4"        # the criterion the lead asks more evidence for


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with serve_app(tmp_path_factory.mktemp("journey-instance")) as base:
        yield base


@pytest.fixture(scope="module")
def edition():
    from lgo_assess.criteria.loader import load_file
    loaded = load_file(STANDARD_FILE)
    assert loaded.ok, loaded.problems
    return loaded.edition


@pytest.fixture(scope="module")
def criteria(edition):
    """The GGL criteria as they stand for Chiang Mai City (a city municipality, urban and
    international-tourism area), applicable ones only."""
    lgo_type, tags = CITY_TYPE
    return [e for e in edition.criteria_for(lgo_type, tags) if e.applicable]


class Journey:
    """What the steps hand on to each other, and one logged-in page per person."""

    def __init__(self, browser, base):
        self.browser, self.base, self.pages, self.contexts = browser, base, {}, []
        self.assessment_url = None
        self.review_id = None
        self.gap_before = None
        self.library_url = None
        self.decision_url = None
        self.verify_url = None

    def page(self, name: str, locale: str = "th-TH"):
        if name not in self.pages:
            context = self.browser.new_context(viewport={"width": 1280, "height": 900},
                                               locale=locale, accept_downloads=True)
            context.set_default_timeout(15_000)
            self.contexts.append(context)
            page = context.new_page()
            log_in(page, self.base, name)
            self.pages[name] = page
        return self.pages[name]

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture(scope="module")
def journey(browser, server):
    state = Journey(browser, server)
    yield state
    state.close()


def article(page, code: str):
    return page.locator(f'article[id="c-{code}"]')


def all_saved(page):
    expect(page.locator("form.answer .save-status.pending")).to_have_count(0, timeout=30_000)
    expect(page.locator("form.answer .save-status.bad")).to_have_count(0)
    expect(page.locator("form.answer .save-status.offline")).to_have_count(0)


def answer_in_workspace(form, page):
    """Give the best answer the form offers, as an editor would by clicking and typing."""
    method = form.get_attribute("data-method")
    if method == "level":
        levels = form.locator("input[name=level]")
        levels.nth(levels.count() - 1).check()
    elif method == "checklist":
        items = form.locator("input[name=checked]")
        for i in range(items.count()):
            items.nth(i).check()
    elif method == "numeric":
        hint = form.locator(".numeric .hint").inner_text()
        best = re.findall(r"\d+(?:\.\d+)?", hint.replace(",", ""))[-1]
        form.locator("input[name=value]").fill(best)
    else:
        form.locator("input[name=yes][value=yes]").check()
    form.locator("textarea[name=narrative]").fill(
        "ดำเนินการครบถ้วนตามเกณฑ์ มีหลักฐานประกอบและรายงานผลต่อผู้บริหารแล้ว")


def cite(page, code: str, search: str):
    """Cite the library item matching ``search`` for criterion ``code`` with the workspace's
    picker (opened if it is closed)."""
    box = article(page, code)
    if not box.locator(".picker").count():
        box.locator("a.pick-evidence").click()
    box.locator(".picker input[type=search]").fill(search)
    box.locator(".picker-list li", has_text=search).first.locator("button").click()
    try:
        expect(box.locator(f"[data-links-for='{code}'] li", has_text=search)).to_have_count(1)
    except AssertionError:
        raise AssertionError(f"citing {search} for {code} failed: "
                             + box.locator(".picker").inner_text()) from None


def upload_in_picker(page, code: str, name: str, mime: str, content: bytes):
    box = article(page, code)
    if not box.locator(".picker").count():
        box.locator("a.pick-evidence").click()
    box.locator(".picker input[type=file]").set_input_files(
        {"name": name, "mimeType": mime, "buffer": content})
    box.locator(".picker-upload button").click()
    expect(box.locator(f"[data-links-for='{code}'] li", has_text=name)).to_have_count(1)


def evidence_plan(criteria) -> dict[str, list[str]]:
    """What to cite for each criterion's required evidence: a file for each document (the PDF,
    the photo, the minutes), a link for each web page and for a national-system record."""
    files, links = [PDF_NAME, PHOTO_NAME, MINUTES_NAME], [*LINKS, LINKS[0]]
    plan = {}
    for effective in criteria:
        kinds = [e.kind for e in effective.evidence if e.required]
        documents = [k for k in kinds if k in ("document", "photo")]
        others = [k for k in kinds if k not in ("document", "photo")]
        assert len(documents) <= len(files) and len(others) <= len(links), effective.code
        plan[effective.code] = files[:len(documents)] + \
            [link.split("/")[-1] for link in links[:len(others)]]
    return plan


CITE_ALL = """async ({plan}) => {
    const root = document.getElementById('workspace');
    const csrf = document.querySelector('meta[name=csrf-token]').content;
    const lib = await (await fetch(document.getElementById('ws-messages').dataset.libraryUrl,
                                   {headers: {Accept: 'application/json'}})).json();
    const failures = [];
    for (const [code, wanted] of Object.entries(plan)) {
        const url = root.querySelector(`article[id="c-${code}"] a.pick-evidence`).dataset.linkUrl;
        for (const search of wanted) {
            const item = lib.items.find(i => (i.title + ' ' + (i.filename || i.url || ''))
                                              .includes(search));
            const r = await fetch(url, {method: 'POST', body: JSON.stringify({item_id: item.id}),
                headers: {'Content-Type': 'application/json', Accept: 'application/json',
                          'X-CSRFToken': csrf}});
            if (!r.ok) failures.push(`${code} ${search}: ${r.status}`);
        }
    }
    return failures;
}"""


def printed_pdf(context, title: str) -> bytes:
    """A real PDF, printed by Chromium from a one-line page."""
    scratch = context.new_page()
    try:
        scratch.set_content(f"<html lang=th><h1>{title}</h1></html>")
        pdf = scratch.pdf()
    finally:
        scratch.close()
    assert pdf.startswith(b"%PDF")
    return pdf


def gap_text(page) -> str:
    """The panel's explanation of what stands between the LGO and the next result level."""
    return " ".join(page.locator("#score-panel .gap").all_inner_texts())


# -- 1. The LGO ---------------------------------------------------------------------------------

def test_editor_answers_uploads_cites_and_sees_the_gap_close(journey, criteria, shots):
    page = journey.page(EDITOR)
    base = journey.base
    page.goto(base + "/assessments/")
    card = page.locator("ul.assessment-cards > li", has_text="GGL 2569")
    card.locator("a.button.primary").click()
    expect(page.locator("#workspace[data-editable]")).to_be_visible()
    journey.assessment_url = page.url
    assert uses_web_font(page), "the workspace's Thai text is not drawn with Sarabun"
    journey.gap_before = gap_text(page)
    assert journey.gap_before, "the half-answered assessment shows no gap-to-pass explanation"
    expect(page.locator("main")).to_contain_text("ธรรมาภิบาล")

    # Links to the city's web pages go into the library first, through its own form.
    lgo_fy = re.search(r"/evidence/lgo/(\d+)/(\d+)", page.content())
    assert lgo_fy, "the workspace links to no evidence library"
    journey.library_url = f"{base}/evidence/lgo/{lgo_fy[1]}/{lgo_fy[2]}"
    for url in LINKS:
        page.goto(journey.library_url + "/link")
        page.fill("input[name=url]", url)
        page.fill("input[name=title]", "หน้าเว็บไซต์ " + url.split("/")[-1])
        page.fill("input[name=accessed_on]", date.today().isoformat())
        page.click("main button[type=submit].primary")
        expect(page.locator(".flash-success, .flash-info")).to_have_count(1)
    page.goto(journey.assessment_url)

    unanswered = [f for f in page.locator("form.answer:has(.save-status)").all()
                  if f.locator("xpath=..").locator("[data-state].warn").count()]
    assert len(unanswered) >= 10, f"only {len(unanswered)} criteria left to answer"
    for form in unanswered:
        answer_in_workspace(form, page)
        form.locator("button.save").click()
        expect(form.locator(".save-status")).to_have_class(re.compile(r"\bok\b"))
    all_saved(page)
    expect(page.locator("[data-state].warn")).to_have_count(0)
    assert gap_text(page) != journey.gap_before, "the gap-to-pass explanation did not change"

    # A PDF and a photo, uploaded from the criterion itself, then every required item cited.
    pdf = printed_pdf(page.context, "แผนพัฒนาท้องถิ่น เทศบาลนครเชียงใหม่")
    upload_in_picker(page, criteria[0].code, PDF_NAME, "application/pdf", pdf)
    photo = page.screenshot(clip={"x": 0, "y": 0, "width": 320, "height": 200})
    upload_in_picker(page, "5.4", PHOTO_NAME, "image/png", photo)
    upload_in_picker(page, "5.4", MINUTES_NAME, "application/pdf",
                     printed_pdf(page.context, "รายงานการประชุมคณะกรรมการ"))
    plan = evidence_plan(criteria)
    by_hand = list(plan)[:UI_CITED]
    for code in by_hand:      # the first criteria through the picker, as an editor does
        have = " ".join(article(page, code).locator(f"[data-links-for='{code}'] li")
                        .all_inner_texts())
        for search in plan[code]:
            if search not in have:
                cite(page, code, search)
                have += " " + search
    # The rest through the same endpoint the picker posts to, in one go: forty more rounds of
    # clicking would test nothing new and cost a minute.
    failures = page.evaluate(CITE_ALL, {"plan": {c: w for c, w in plan.items()
                                                 if c not in by_hand}})
    assert not failures, f"citing evidence was refused: {failures}"
    page.reload()
    expect(page.locator(".missing-evidence")).to_have_count(0)
    screenshot(page, shots, "01-workspace-ready")

    page.goto(journey.assessment_url + "/submit")
    expect(page.locator("main form[action$='/submit']")).to_have_count(0)  # the editor cannot
    screenshot(page, shots, "02-submit-page-editor")


def test_editor_reuses_the_pdf_in_a_second_standard(journey, shots):
    page = journey.page(EDITOR)
    page.goto(journey.base + "/assessments/")
    card = page.locator("ul.assessment-cards > li", has_text="DGO 2569")
    card.locator("form.start-form button[type=submit]").click()
    expect(page.locator("#workspace[data-editable]")).to_be_visible()
    assert page.url != journey.assessment_url
    expect(page.locator("main")).to_contain_text("มาตรฐานองค์กรดิจิทัล")
    first = page.locator("article.criterion:has(a.pick-evidence)").first
    code = first.get_attribute("id")[2:]
    cite(page, code, PDF_NAME)
    page.reload()
    expect(article(page, code).locator(f"[data-links-for='{code}'] li", has_text=PDF_NAME)
           ).to_have_count(1)
    # The library lists both standards where the PDF is cited.
    page.goto(journey.library_url)
    row = page.locator("main tr", has_text=PDF_NAME)
    expect(row.locator("a", has_text="GGL")).not_to_have_count(0)
    expect(row.locator("a", has_text="DGO")).to_have_count(1)
    screenshot(page, shots, "03-evidence-library-reused")


def test_executive_submits(journey, shots):
    page = journey.page(EXECUTIVE)
    page.goto(journey.assessment_url + "/submit")
    screenshot(page, shots, "04-submit-page")
    page.locator("main input[name=confirm]").check()
    page.locator("main form[action$='/submit'] button[type=submit]").click()
    expect(page.locator(".flash-success")).to_have_count(1)
    assert page.locator("main form[action$='/withdraw']").count() == 1


# -- 2. The province ----------------------------------------------------------------------------

def test_officer_accepts_and_assigns_a_team_without_the_conflicted_assessor(journey, shots):
    page = journey.page(OFFICER)
    page.goto(journey.base + "/review/screening")
    screenshot(page, shots, "05-screening-queue")
    row = page.locator("main tr", has_text=CITY).filter(has_text="ธรรมาภิบาล")
    row.locator("a").first.click()
    journey.review_id = int(re.search(r"/review/(\d+)", page.url)[1])
    page.locator("main form[action$='/accept'] button").click()
    expect(page.locator(".flash-success")).to_have_count(1)
    if "/team" not in page.url:
        page.goto(f"{journey.base}/review/{journey.review_id}/team")
    screenshot(page, shots, "06-team")

    refused = page.locator("main tr", has_text=CONFLICTED_NAME)
    expect(refused).to_have_class(re.compile(r"\bunavailable\b"))
    expect(refused.locator("p.error")).to_contain_text("เมืองเชียงใหม่")
    for select in ("select[name=lead]", "select[name=members]"):
        options = page.locator(f"main {select} option").all_inner_texts()
        assert CONFLICTED_NAME not in options, f"the conflicted assessor is offered in {select}"
        assert LEAD_NAME in options and MEMBER_NAME in options, options
    page.select_option("main select[name=lead]", label=LEAD_NAME)
    page.select_option("main select[name=members]", label=MEMBER_NAME)
    page.locator("main form button.primary").click()
    expect(page.locator(".flash-success")).to_have_count(1)
    team = page.inner_text("main")
    assert LEAD_NAME in team and MEMBER_NAME in team


# -- 3. The review team -------------------------------------------------------------------------

def fill_scores(page, criteria, prefix: str, lower: dict[str, int] | None = None):
    """Score every criterion: full marks, or ``lower[code]`` steps below on a level scale. The
    lowered ones are picked with the mouse; the rest of the plain form is filled in one script
    (eighty more clicks per sheet would test nothing new)."""
    from lgo_assess.demo.review import best_answer
    lower = lower or {}
    values = {}
    for effective in criteria:
        answer = best_answer(effective, lower.get(effective.code, 0))
        base = f"{prefix}{effective.code}"
        method = effective.scoring.method
        if method == "level":
            values[f"{base}-level"] = str(answer.level)
        elif method == "checklist":
            values[f"{base}-checked"] = sorted(answer.checked)
        elif method == "numeric":
            value = float(answer.value)
            values[f"{base}-value"] = str(int(value)) if value.is_integer() else str(value)
        else:
            values[f"{base}-yes"] = "1" if answer.yes else "0"
    by_hand = {name: values.pop(name) for name in list(values)
               if name.removeprefix(prefix).rsplit("-", 1)[0] in lower}
    page.evaluate("""values => {
        for (const [name, value] of Object.entries(values)) {
            for (const input of document.getElementsByName(name)) {
                if (input.type === 'checkbox') input.checked = value.includes(input.value);
                else if (input.type === 'radio') input.checked = input.value === value;
                else input.value = value;
            }
        }
    }""", values)
    for name, value in by_hand.items():
        page.select_option(f'select[name="{name}"]', value)


def test_assessors_score_on_their_own(journey, criteria, shots):
    for name, lower in ((MEMBER, {DIVERGING: 2}), (LEAD, {})):
        page = journey.page(name)
        page.goto(f"{journey.base}/review/{journey.review_id}/scores")
        fill_scores(page, criteria, SHEET, lower)
        if name == LEAD:
            screenshot(page, shots, "07-scores-lead")
        page.locator("main button[name=action][value=submit]").click()
        expect(page.locator(".flash-success")).to_have_count(1)
        assert "/consensus" in page.url


def test_lead_sees_divergence_and_asks_for_evidence(journey, shots):
    page = journey.page(LEAD)
    page.goto(f"{journey.base}/review/{journey.review_id}/consensus")
    diverging = page.locator("main tr.diverges")
    expect(diverging).to_have_count(1)
    expect(diverging).to_contain_text(DIVERGING)
    screenshot(page, shots, "08-consensus-divergence")

    page.goto(f"{journey.base}/review/{journey.review_id}")
    page.locator("main details:has(form[action$='/requests']) > summary").click()
    form = page.locator("main form[action$='/requests']")
    form.locator("select[name=criterion_code]").select_option(value=REQUESTED)
    form.locator("textarea[name=reason]").fill("Please add the signed minutes of the committee.")
    form.locator("input[name=due_on]").fill((date.today() + timedelta(days=7)).isoformat())
    form.locator("button").click()
    expect(page.locator(".flash-success")).to_have_count(1)
    screenshot(page, shots, "09-review-evidence-requested")


def test_lgo_answers_the_request(journey, shots):
    page = journey.page(EDITOR)
    page.goto(f"{journey.base}/review/{journey.review_id}/lgo")
    expect(page.locator("main")).to_contain_text("signed minutes")
    screenshot(page, shots, "10-lgo-evidence-request")
    page.locator(f"main a.button[href$='{journey.assessment_url[len(journey.base):]}']").click()
    expect(page.locator("#workspace")).to_be_visible()
    cite(page, REQUESTED, MINUTES_NAME)
    narrative = article(page, REQUESTED).locator("textarea[name=narrative]")
    narrative.fill("แนบรายงานการประชุมคณะกรรมการที่ลงนามแล้วตามที่ทีมผู้ตรวจประเมินขอ")
    narrative.press("Tab")
    all_saved(page)
    page.goto(f"{journey.base}/review/{journey.review_id}/lgo")
    page.locator("main form[action$='/lgo/answer'] button").click()
    expect(page.locator(".flash-success")).to_have_count(1)


def test_lead_records_consensus_and_recommends(journey, criteria, shots):
    page = journey.page(LEAD)
    page.goto(f"{journey.base}/review/{journey.review_id}/consensus")
    fill_scores(page, criteria, AGREED)
    page.locator("main form button.primary").click()
    expect(page.locator(".flash-success")).to_have_count(1)

    page.goto(f"{journey.base}/review/{journey.review_id}")
    page.locator("main form[action$='/complete'] button").click()
    expect(page.locator(".flash-success")).to_have_count(1)
    assert "/recommendation" in page.url
    page.check("main input[name=outcome][value=pass]")
    assert page.locator("main select[name=result_level]").input_value(), \
        "no result level is proposed for full marks"
    screenshot(page, shots, "11-recommendation")
    page.locator("main form button.primary").click()
    expect(page.locator(".flash-success")).to_have_count(1)


# -- 4. DLA -------------------------------------------------------------------------------------

def test_approver_approves_and_the_certificate_verifies(journey, shots, tmp_path):
    page = journey.page(APPROVER)
    page.goto(journey.base + "/certification/")
    screenshot(page, shots, "12-decision-queue")
    page.locator("main tr", has_text=CITY).filter(has_text="GGL 2569").locator(
        "a").first.click()
    page.check("main input[name=outcome][value=approved]")
    page.locator("main form[action$='/decide'] button").click()
    expect(page.locator(".flash-success")).to_have_count(1)
    journey.decision_url = page.url
    screenshot(page, shots, "13-decision")

    pdf_link = page.locator("main a[href*='/certificate.pdf']").first
    with page.expect_download() as download_info:
        page.evaluate("href => { const a = document.createElement('a'); a.href = href; "
                      "a.download = 'certificate.pdf'; document.body.append(a); a.click(); }",
                      pdf_link.get_attribute("href"))
    path = tmp_path / "certificate.pdf"
    download_info.value.save_as(path)
    content = path.read_bytes()
    assert content.startswith(b"%PDF"), "the certificate download is not a PDF"

    from pypdf import PdfReader
    text = PdfReader(io.BytesIO(content)).pages[0].extract_text()
    qr_url = re.search(r"https?://\S+/v/[a-z0-9]+", text)
    assert qr_url and qr_url[0].startswith(journey.base), f"no verification URL in:\n{text}"
    assert qr_matches(content, qr_url[0]), "the QR code does not carry the printed address"
    journey.verify_url = qr_url[0]

    visitor = journey.browser.new_context(locale="th-TH")
    try:
        public = visitor.new_page()
        public.goto(qr_url[0])
        expect(public.locator("section.verify-valid")).to_be_visible()
        expect(public.locator("main")).to_contain_text(CITY)
        screenshot(public, shots, "14-verify-valid")
    finally:
        visitor.close()


def test_kpi_dashboard_counts_the_new_certificate(journey, shots):
    page = journey.page(APPROVER)
    page.goto(journey.base + "/kpi/province/50")
    row = page.locator("main table.kpi-lgos tr", has_text=CITY)
    headers = page.locator("main table.kpi-lgos thead th").all_inner_texts()
    assert any("GGL" in h for h in headers), f"no GGL column: {headers}"
    column = next(i for i, h in enumerate(headers) if "GGL" in h)
    cell = row.locator("th, td").nth(column)
    expect(cell.locator(".kpi-met")).to_have_count(1)
    expect(row.locator("td").first).to_contain_text("เทศบาลนคร")
    ggl = page.locator("#province-kpis tr", has_text="SI3-G1-K1")
    assert ggl.locator("td").nth(3).inner_text().strip() == "1", ggl.inner_text()
    screenshot(page, shots, "15-kpi-province")


# -- 5. In English ------------------------------------------------------------------------------

def switch_to_english(page):
    expect(page.locator("html")).to_have_attribute("lang", "th")
    page.locator("form.lang-switch button[value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


ENGLISH_PAGES = (  # (person, page, what an English reader finds on it)
    (EDITOR, lambda j: j.assessment_url, ("Score so far", "Evidence cited")),
    (EDITOR, lambda j: f"{j.base}/review/{j.review_id}/lgo", ("Answered requests",)),
    (OFFICER, lambda j: f"{j.base}/review/{j.review_id}", ("Review",)),
    (OFFICER, lambda j: f"{j.base}/review/{j.review_id}/team", ("The team", "Assessors")),
    (LEAD, lambda j: f"{j.base}/review/{j.review_id}/consensus", ("Team scores and consensus",
                                                                  "The final score")),
    (APPROVER, lambda j: j.decision_url, ("Decision", "Public page")),
    (APPROVER, lambda j: j.base + "/kpi/province/50", ("LGOs by standard and status",
                                                       "City municipality")),
    (None, lambda j: j.verify_url, ("Certificate verification", "This certificate is valid")),
)


def test_the_journey_in_english(journey, shots):
    for person in (EDITOR, OFFICER, APPROVER):     # the lead reads English already
        page = journey.page(person)
        page.goto(journey.base + "/")
        switch_to_english(page)
    visitor = journey.browser.new_context(locale="th-TH")
    try:
        anonymous = visitor.new_page()
        anonymous.goto(journey.verify_url)
        switch_to_english(anonymous)
        for n, (person, url, phrases) in enumerate(ENGLISH_PAGES, start=1):
            page = journey.page(person) if person else anonymous
            page.goto(url(journey))
            expect(page.locator("html")).to_have_attribute("lang", "en")
            for phrase in phrases:
                expect(page.locator("main")).to_contain_text(phrase)
            screenshot(page, shots, f"20-english-{n:02d}")
    finally:
        visitor.close()


# -- The QR code ---------------------------------------------------------------------------------

def qr_matches(pdf: bytes, url: str) -> bool:
    """True when the certificate's first page draws the QR code of ``url``: the runs of dark
    modules ReportLab drew as filled rectangles, read back into a module grid and compared
    with the code segno makes for the address."""
    import segno
    from pypdf import PdfReader
    rects = []

    def visit(operator, operands, cm, tm):
        if operator == b"re":
            rects.append(tuple(float(v) for v in operands))
    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_operand_before=visit)
    code = segno.make(url, error="m", micro=False, boost_error=False)
    width = len(code.matrix) + 8                      # modules across, quiet zone included
    frame = next((r for r in rects if r[2] == r[3] and r[2] > 40), None)  # the white square
    if frame is None:
        return False
    x0, y0, size, _ = frame
    cell = size / width
    drawn = set()
    for x, y, w, h in rects:
        if abs(h - cell) < 1e-3 and x0 <= x < x0 + size and y0 <= y < y0 + size:
            row = round((y0 + size - y) / cell) - 1 - 4
            first = round((x - x0) / cell) - 4
            drawn |= {(row, first + k) for k in range(round(w / cell))}
    dark = {(r, c) for r, line in enumerate(code.matrix) for c, v in enumerate(line) if v}
    return drawn == dark
