"""Issue #4, first "Done when": on the demo, an LGO editor completes and the executive submits a
full self-assessment of each of the five shipped standards, in Thai, with evidence reused across
standards, all through the pages and endpoints the browser uses (login form, start, autosave
JSON, evidence upload and link forms, citing, the submission page).

The demo LGO is Su Thep Subdistrict Municipality (5500101): the demo staffs it with
editor.suthep and executive.suthep and starts nothing for it, whereas Chiang Mai City and Ban
Kho SAO already have assessments under review or decided in most cycles. One test, since a demo
load takes seconds.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from io import BytesIO

from sqlalchemy import select

from lgo_assess.assessments import services
from lgo_assess.assessments.models import Assessment, AssessmentSnapshot, Cycle
from lgo_assess.assessments.states import AssessmentStatus
from lgo_assess.core.db import db
from lgo_assess.core.thaidate import today_bangkok
from lgo_assess.criteria.edition import (ScoringChecklist, ScoringLevel, ScoringNumeric,
                                         ScoringYesNo)
from lgo_assess.criteria.models import Standard, StandardEdition
from lgo_assess.demo import DEMO_EMAIL_DOMAIN, DEMO_PASSWORD
from lgo_assess.evidence.models import EvidenceItem
from lgo_assess.notifications.models import Notification
from lgo_assess.registry.models import Lgo
from tests.evidence_files import image_bytes, pdf_bytes

STANDARDS = ("SEP", "GGL", "DGO", "DLC", "L40")   # criteria/<code>/2569.yaml
LGO_CODE = "5500101"
EDITOR, EXECUTIVE, OFFICER = "editor.suthep", "executive.suthep", "officer.chiangmai"
NARRATIVE = ("เทศบาลดำเนินการตามแผนพัฒนาท้องถิ่น มีคำสั่งแต่งตั้งผู้รับผิดชอบ รายงานผลต่อผู้บริหาร "
             "และเผยแพร่ผลการดำเนินงานต่อประชาชนทางเว็บไซต์")
THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
# Thai labels (translations/th) the pages must show.
SCORE_SO_FAR = "คะแนนขณะนี้"                      # Score so far
EVERY_LEVEL_REACHED = "ถึงทุกระดับผลการประเมินแล้ว"   # Every result level is reached.
READY_TO_SUBMIT = "พร้อมส่ง"                       # Ready to submit
SUBMIT_BUTTON = "ส่งแบบประเมินตนเอง"                # Submit the self-assessment
SUBMITTED_PAGE = "การส่งแบบประเมินและประวัติ"         # Submission and history


def _log_in(thai_app, name: str):
    """A browser of its own for ``name``, logged in through the real form."""
    client = thai_app.test_client()
    response = client.post("/login", data={"email": f"{name}@{DEMO_EMAIL_DOMAIN}",
                                           "password": DEMO_PASSWORD})
    assert response.status_code == 302, f"demo login of {name} failed: {response.status_code}"
    return client


def _thai_page(client, url: str, *labels: str) -> str:
    response = client.get(url)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    assert '<html lang="th">' in html, f"{url} is not in Thai"
    for label in labels:
        assert label in html, f"{url} does not show {label!r}"
    return html


def best_answer(scoring) -> dict:
    """The autosave body of the best answer, as workspace.js sends it: a level as a number, the
    ticked items, a number as typed (here in Thai digits), yes as a boolean."""
    if isinstance(scoring, ScoringLevel):
        return {"level": max(scoring.scale.values, key=scoring.fraction)}
    if isinstance(scoring, ScoringChecklist):
        return {"checked": [item.code for item in scoring.items]}
    if isinstance(scoring, ScoringNumeric):
        best = max(scoring.bands, key=lambda band: band.fraction).threshold
        value = min(max(best, scoring.min), scoring.max)
        text = str(int(value)) if float(value).is_integer() else str(value)
        return {"value": text.translate(THAI_DIGITS)}
    if isinstance(scoring, ScoringYesNo):
        return {"yes": True}
    raise AssertionError(f"no answer for scoring method {scoring!r}")


@dataclass
class Library:
    """The LGO's evidence library for the year, filled through the real endpoints as the
    criteria ask for it: the n-th file a criterion needs is the n-th PDF (or the n-th photo where
    a photo is required), the n-th web address the n-th link. Each item is made once and then
    cited wherever it serves, in every standard."""
    client: object
    lgo_id: int
    fiscal_year: int
    items: dict[tuple[str, int], int] = field(default_factory=dict)
    contents: dict[int, bytes] = field(default_factory=dict)

    def item(self, pool: str, n: int) -> int:
        if (pool, n) not in self.items:
            self.items[pool, n] = (self._link(n) if pool == "url" else self._upload(pool, n))
        return self.items[pool, n]

    def _upload(self, pool: str, n: int) -> int:
        if pool == "photo":
            content, name = image_bytes("JPEG", color=(40 * n, 120, 60)), f"ภาพกิจกรรม-{n}.jpg"
            title = f"ภาพถ่ายกิจกรรมประชาคม {n}"
        else:
            content, name = pdf_bytes(f"Su Thep local development plan, part {n}"), \
                f"แผนพัฒนาท้องถิ่น-{n}.pdf"
            title = f"แผนพัฒนาท้องถิ่นและรายงานผล ส่วนที่ {n}"
        response = self.client.post(
            f"/evidence/lgo/{self.lgo_id}/{self.fiscal_year}/upload",
            data={"rows-0-file": (BytesIO(content), name), "rows-0-title": title},
            headers={"Accept": "application/json"}, content_type="multipart/form-data")
        assert response.status_code == 201, response.get_data(as_text=True)
        [created] = response.get_json()["items"]
        assert created["created"] and created["title"] == title
        self.contents[created["id"]] = content
        return created["id"]

    def _link(self, n: int) -> int:
        response = self.client.post(f"/evidence/lgo/{self.lgo_id}/{self.fiscal_year}/link", data={
            "url": f"https://www.suthep.go.th/news/{n}", "title": f"ข่าวประชาสัมพันธ์ของเทศบาล {n}",
            "accessed_on": today_bangkok().isoformat()})
        assert response.status_code == 302, response.get_data(as_text=True)
        return int(response.headers["Location"].rsplit("/", 1)[-1])


def _pool(kind: str) -> str:
    """Which kind of library item meets an expectation (services.EVIDENCE_KIND_MATCHES)."""
    return {"url": "url", "photo": "photo"}.get(kind, "file")


def _complete(editor, assessment_id: int, library: Library) -> dict[str, set[int]]:
    """Answer every applicable criterion through the autosave and cite the required evidence;
    returns the items cited per criterion."""
    assessment = db.session.get(Assessment, assessment_id)
    applicable = [e for e in services.edition_of(assessment).criteria_for(
        assessment.lgo_type, assessment.area_tags or ()) if e.applicable]
    assert applicable, f"assessment {assessment_id} has no applicable criteria"
    cited: dict[str, set[int]] = {}
    for effective in applicable:
        response = editor.post(f"/assessments/{assessment_id}/responses/{effective.code}", json={
            **best_answer(effective.scoring), "narrative": NARRATIVE, "version": None})
        body = response.get_json()
        assert response.status_code == 200, f"{effective.code}: {body}"
        assert body["version"] == 1 and body["state"] != "unanswered", body
        used: dict[str, int] = {}
        for expectation in (e for e in effective.evidence if e.required):
            pool = _pool(expectation.kind)
            used[pool] = used.get(pool, 0) + 1
            item_id = library.item(pool, used[pool])
            linked = editor.post(f"/assessments/{assessment_id}/responses/{effective.code}"
                                 "/evidence", json={"item_id": item_id})
            assert linked.status_code == 200, f"{effective.code}: {linked.get_json()}"
            cited.setdefault(effective.code, set()).add(item_id)
    return cited


def _demo_objects():
    lgo = db.session.execute(select(Lgo).where(Lgo.dla_code == LGO_CODE)).scalar_one()
    cycles = {code: db.session.execute(
        select(Cycle).join(StandardEdition).join(Standard).where(Standard.code == code)
        .order_by(Cycle.fiscal_year.desc())).scalars().first() for code in STANDARDS}
    return lgo, cycles


def test_an_lgo_completes_and_submits_all_five_standards_in_thai(app, thai_app):
    loaded = app.test_cli_runner().invoke(args=["demo", "load"])
    assert loaded.exit_code == 0, loaded.output
    lgo, cycles = _demo_objects()
    assert all(cycles.values()), f"the demo opened no cycle for {cycles}"
    assert not db.session.execute(select(Assessment).where(Assessment.lgo_id == lgo.id)).first(), \
        "the demo LGO for this test must have started nothing"
    fiscal_years = {cycle.fiscal_year for cycle in cycles.values()}
    assert len(fiscal_years) == 1, "the five cycles share one fiscal year, hence one library"
    lgo_id, fiscal_year = lgo.id, fiscal_years.pop()
    cycle_ids = {code: cycle.id for code, cycle in cycles.items()}

    # The editor, in Thai: start each standard, answer everything, cite the evidence.
    editor = _log_in(thai_app, EDITOR)
    mine = _thai_page(editor, "/assessments/")
    for code, cycle_id in cycle_ids.items():
        assert f'action="/assessments/lgos/{lgo_id}/cycles/{cycle_id}/start"' in mine, \
            f"my assessments offers no start of {code}"
    library = Library(editor, lgo_id, fiscal_year)
    assessment_ids: dict[str, int] = {}
    cited: dict[str, dict[str, set[int]]] = {}
    for code in STANDARDS:
        started = editor.post(f"/assessments/lgos/{lgo_id}/cycles/{cycle_ids[code]}/start",
                              data={"copy_from": ""})
        assert started.status_code == 302, f"{code}: {started.status_code}"
        assessment_ids[code] = int(started.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
        cited[code] = _complete(editor, assessment_ids[code], library)
        workspace = _thai_page(editor, f"/assessments/{assessment_ids[code]}", SCORE_SO_FAR,
                               EVERY_LEVEL_REACHED)
        assert f'href="/assessments/{assessment_ids[code]}/submit"' in workspace
        assert "รายการก่อนส่ง" not in workspace, f"{code}: the workspace lists missing things"
        ready = _thai_page(editor, f"/assessments/{assessment_ids[code]}/submit", READY_TO_SUBMIT)
        assert 'name="confirm"' not in ready, "only the executive may submit"
        assessment = db.session.get(Assessment, assessment_ids[code])
        assert services.completeness(assessment) == [], code
        assert services.missing_evidence(assessment) == {}, code

    # Every kind of evidence was needed, and one library served all five standards.
    assert {pool for pool, _n in library.items} == {"file", "photo", "url"}
    first_plan = library.items["file", 1]
    citing = {code for code in STANDARDS
              if any(first_plan in items for items in cited[code].values())}
    assert citing == set(STANDARDS), f"the first plan is cited only in {citing}"
    item_page = _thai_page(editor, f"/evidence/items/{first_plan}")
    for code in STANDARDS:
        assert f"/assessments/{assessment_ids[code]}#c-" in item_page, \
            f"the plan's page does not show its citation in {code}"

    # The executive checks and submits each through the submission page.
    executive = _log_in(thai_app, EXECUTIVE)
    for code in STANDARDS:
        url = f"/assessments/{assessment_ids[code]}/submit"
        page = _thai_page(executive, url, READY_TO_SUBMIT, SUBMIT_BUTTON)
        assert 'name="confirm"' in page, f"{code}: the executive is offered no submission"
        submitted = executive.post(url, data={"confirm": "y"})
        assert submitted.status_code == 302, f"{code}: {submitted.get_data(as_text=True)[:500]}"
        _thai_page(executive, url, SUBMITTED_PAGE)

    # Submitted, frozen with the evidence's hashes, and the province's officer told.
    for code in STANDARDS:
        assessment = db.session.get(Assessment, assessment_ids[code])
        db.session.refresh(assessment)
        assert assessment.status == AssessmentStatus.SUBMITTED, code
        assert assessment.submitted_by.email == f"{EXECUTIVE}@{DEMO_EMAIL_DOMAIN}"
        [snap] = db.session.execute(select(AssessmentSnapshot).where(
            AssessmentSnapshot.assessment_id == assessment.id,
            AssessmentSnapshot.kind == "submission")).scalars().all()
        frozen = snap.payload["evidence"]
        assert {c: {e["evidence_item_id"] for e in entries} for c, entries in frozen.items()} \
            == cited[code], code
        for entries in frozen.values():
            for entry in entries:
                content = library.contents.get(entry["evidence_item_id"])
                if content is None:      # a web link: no file, its address kept
                    assert entry["url"].startswith("https://") and entry["sha256"] is None
                else:
                    assert entry["sha256"] == hashlib.sha256(content).hexdigest(), entry
        assert len(snap.payload["responses"]) == assessment.applicable_count
    stored = db.session.execute(select(EvidenceItem).where(
        EvidenceItem.id.in_(list(library.contents)))).scalars().all()
    assert {item.id: item.sha256 for item in stored} == {
        item_id: hashlib.sha256(content).hexdigest()
        for item_id, content in library.contents.items()}
    told = db.session.execute(select(Notification).where(
        Notification.kind == "assessment.submitted",
        Notification.user.has(email=f"{OFFICER}@{DEMO_EMAIL_DOMAIN}"))).scalars().all()
    assert set(assessment_ids.values()) <= {n.params["assessment_id"] for n in told}
