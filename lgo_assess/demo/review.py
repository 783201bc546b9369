"""Demo reviews: assessments at every review stage, worked through the services by the demo
provincial officers and the two demo assessors, so a newcomer sees each page with something
on it.

- **screening**: Ban Kho SAO (6400101) in the Good-Governance cycle, submitted and waiting for
  officer.khonkaen (the assessments step submits it; made here if that step did not);
- **under review with an open evidence request**: Chiang Mai City (3500101) in the
  sufficiency-economy (SEP) cycle: officer.chiangmai assigned assessor2 as lead and assessor1 as
  member; both submitted their scores (they diverge on one criterion), the lead recorded most of
  the consensus, asked the city for more evidence on one criterion and scheduled a site visit;
- **recommended**: Ban Kho SAO in the democracy learning centre (DLC) cycle: officer.khonkaen
  assigned assessor1 as lead and assessor2 as member; the visit's findings, the consensus and
  the lead's recommendation to DLA are recorded.

Neither assessor works in the district of an LGO they review (assessor1: San Sai, Chiang Mai;
assessor2: Ban Phai, Khon Kaen), so the default conflict-of-interest rules let them in.
An assessment already in a cycle is left as it is: a second run changes nothing.
"""
from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from lgo_assess.accounts.models import User
from lgo_assess.assessments import scoring
from lgo_assess.assessments import services as assessments
from lgo_assess.assessments.models import Assessment, Cycle
from lgo_assess.core.db import db
from lgo_assess.core.errors import DomainError
from lgo_assess.core.thaidate import fiscal_year, today_bangkok
from lgo_assess.criteria.edition import (ScoringChecklist, ScoringLevel, ScoringNumeric,
                                         ScoringYesNo)
from lgo_assess.criteria.models import EditionStatus, Standard, StandardEdition
from lgo_assess.demo import DEMO_EMAIL_DOMAIN
from lgo_assess.registry.models import Lgo
from lgo_assess.review import services as review
from lgo_assess.review.models import RecommendationOutcome

SCREENING, EVIDENCE_REQUESTED, RECOMMENDED = "screening", "evidence_requested", "recommended"


@dataclass(frozen=True)
class DemoReview:
    stage: str
    lgo: str              # DLA code
    standard: str
    editor: str           # demo e-mail names (before @)
    executive: str
    officer: str
    lead: str | None = None
    member: str | None = None


REVIEWS = (
    DemoReview(SCREENING, "6400101", "GGL", "editor.bankho", "executive.bankho",
               "officer.khonkaen"),
    DemoReview(EVIDENCE_REQUESTED, "3500101", "SEP", "editor.cm-city", "executive.cm-city",
               "officer.chiangmai", lead="assessor2", member="assessor1"),
    DemoReview(RECOMMENDED, "6400101", "DLC", "editor.bankho", "executive.bankho",
               "officer.khonkaen", lead="assessor1", member="assessor2"),
)

NARRATIVE = ("ดำเนินการตามแผนพัฒนาท้องถิ่น มีคำสั่งแต่งตั้งผู้รับผิดชอบ รายงานผลต่อผู้บริหาร "
             "และเผยแพร่ผลการดำเนินงานต่อประชาชน")


def _user(name: str | None) -> User | None:
    if name is None:
        return None
    return db.session.execute(select(User).where(
        User.email == f"{name}@{DEMO_EMAIL_DOMAIN}")).scalar_one_or_none()


def _cycle(standard_code: str, today: date, admin) -> Cycle | None:
    """The standard's cycle (the assessments step opens one per standard); opened here, the same
    way, when that step has not run."""
    edition = db.session.execute(
        select(StandardEdition).join(Standard)
        .where(Standard.code == standard_code, StandardEdition.status == EditionStatus.PUBLISHED)
        .order_by(StandardEdition.code.desc()).limit(1)).scalar_one_or_none()
    if edition is None:
        return None
    found = db.session.execute(select(Cycle).where(Cycle.edition_id == edition.id)
                               .order_by(Cycle.fiscal_year.desc()).limit(1)).scalar_one_or_none()
    if found is not None:
        return found
    served = [fy for fy in sorted(edition.fiscal_years) if fy <= fiscal_year(today)]
    return assessments.open_cycle(
        edition, served[-1] if served else min(edition.fiscal_years),
        opens_on=today - timedelta(days=30), self_assessment_due=today + timedelta(days=60),
        review_due=today + timedelta(days=120), decision_due=today + timedelta(days=150),
        actor=admin)


# -- Answers and scores -------------------------------------------------------------------------

def best_answer(effective, step_down: int = 0) -> scoring.Answer:
    """Full marks, or ``step_down`` steps below (levels, checklist items, bands)."""
    method = effective.scoring
    if isinstance(method, ScoringLevel):
        values = method.scale.values
        return scoring.Answer(level=values[max(len(values) - 1 - step_down, 0)])
    if isinstance(method, ScoringChecklist):
        codes = [item.code for item in method.items]
        return scoring.Answer(checked=frozenset(codes[:max(len(codes) - step_down, 0)]))
    if isinstance(method, ScoringNumeric):
        thresholds = sorted({band.threshold for band in method.bands},
                            reverse=method.higher_is_better)
        value = thresholds[min(step_down, len(thresholds) - 1)]
        return scoring.Answer(value=float(min(max(value, method.min), method.max)))
    if isinstance(method, ScoringYesNo):
        return scoring.Answer(yes=step_down < 2)
    raise ValueError(f"no demo answer for {method!r}")  # pragma: no cover


def _as_data(answer: scoring.Answer) -> dict:
    data = {"level": answer.level, "value": answer.value, "yes": answer.yes,
            "checked": sorted(answer.checked) if answer.checked is not None else None}
    return {key: value for key, value in data.items() if value is not None}


def _answer_all(assessment: Assessment, editor, today: date) -> None:
    for index, effective in enumerate(review.applicable_criteria(assessment)):
        answer = best_answer(effective, 1 if index % 5 == 4 else 0)
        response = assessment.response_for(effective.code)
        assessments.save_response(assessment, effective.code,
                                  {**_as_data(answer), "narrative": NARRATIVE},
                                  expected_version=response.version if response else None,
                                  actor=editor, today=today)


def _png(seed: int) -> bytes:
    """A small valid PNG, its colour from ``seed`` so that each file is distinct."""
    pixel = bytes(((seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256))
    raw = b"".join(b"\x00" + pixel * 8 for _ in range(8))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _cite_required_evidence(assessment: Assessment, executive, today: date) -> None:
    """Cite an item of a fitting kind for each piece of required evidence still missing: an
    image file (it serves documents and photos) or a link."""
    missing = getattr(assessments, "missing_evidence", None)
    if missing is None:
        return
    from lgo_assess.evidence import services as evidence
    settings = evidence.EvidenceSettings.from_config(current_app.config)
    lgo, fy = assessment.lgo, assessment.cycle.fiscal_year
    for n, (code, expectations) in enumerate(sorted(missing(assessment).items()), start=1):
        for m, expectation in enumerate(expectations, start=1):
            title = f"{expectation.description.th[:200]} ({code})"
            if expectation.kind == "url":
                item = evidence.add_link(lgo, fy, url=f"https://example.org/demo/{lgo.dla_code}"
                                         f"/{assessment.id}/{code}/{m}", title=title,
                                         accessed_on=today, actor=executive)
            else:
                upload = evidence.Upload(io.BytesIO(_png(assessment.id * 100 + n * 10 + m)),
                                         f"evidence-{code}-{m}.png", title)
                item = evidence.add_files(lgo, fy, [upload], actor=executive,
                                          settings=settings)[0].item
            assessments.link_evidence(assessment, code, item.id, actor=executive, today=today)


def _score(assessment: Assessment, user, *, diverge_on: str | None) -> None:
    """The assessor's own scores: the LGO's answers, but two steps lower on ``diverge_on``."""
    answers = assessments.answers_of(assessment)
    given = {}
    for effective in review.applicable_criteria(assessment):
        answer = answers.get(effective.code) or best_answer(effective)
        if effective.code == diverge_on:
            answer = best_answer(effective, 2)
        given[effective.code] = review.ScoreInput(answer, "ตรวจเอกสารและหลักฐานแล้ว", True)
    review.save_scores(assessment, given, actor=user)
    review.submit_scoring(assessment, actor=user)


def _agree(assessment: Assessment, lead, *, leave_out: set[str] = frozenset()) -> None:
    own = review.own_scores(assessment, lead)
    review.record_consensus(assessment, {
        code: review.ScoreInput(review.row_answer(row), "ทีมเห็นพ้องตามหลักฐานที่ตรวจ")
        for code, row in own.items() if code not in leave_out}, actor=lead)


# -- The stages ---------------------------------------------------------------------------------

def _submitted(demo: DemoReview, cycle: Cycle, lgo: Lgo, today: date) -> Assessment:
    editor, executive = _user(demo.editor), _user(demo.executive)
    assessment = assessments.start_assessment(cycle, lgo, actor=editor, today=today)
    _answer_all(assessment, editor, today)
    _cite_required_evidence(assessment, executive, today)
    assessments.submit(assessment, actor=executive, today=today)
    return assessment


def _under_review(assessment: Assessment, demo: DemoReview) -> tuple[object, object]:
    officer, lead, member = _user(demo.officer), _user(demo.lead), _user(demo.member)
    review.accept(assessment, actor=officer)
    review.assign_team(assessment, lead, [member], actor=officer)
    criteria = review.applicable_criteria(assessment)
    levelled = next((e.code for e in criteria if isinstance(e.scoring, ScoringLevel)
                     and len(e.scoring.scale.values) >= 3), None)
    _score(assessment, lead, diverge_on=None)
    _score(assessment, member, diverge_on=levelled)
    return lead, member


def _with_evidence_request(assessment: Assessment, demo: DemoReview, today: date) -> None:
    lead, member = _under_review(assessment, demo)
    criteria = review.applicable_criteria(assessment)
    asked = criteria[-1].code
    _agree(assessment, lead, leave_out={asked})
    review.request_evidence(
        assessment, asked, "ขอรายงานการประชุมประชาคมฉบับลงนาม และภาพถ่ายกิจกรรมที่ระบุวันที่",
        today + timedelta(days=14), actor=lead, today=today)
    review.schedule_visit(assessment, today + timedelta(days=21), [member.id],
                          "ปลัดเทศบาล และผู้อำนวยการกองยุทธศาสตร์และงบประมาณ", actor=lead,
                          today=today)


def _recommended(assessment: Assessment, demo: DemoReview, today: date) -> None:
    lead, member = _under_review(assessment, demo)
    visit = review.schedule_visit(assessment, today, [member.id], "ปลัด อบต. และหัวหน้าสำนักปลัด",
                                  actor=lead, today=today)
    _agree(assessment, lead)
    findings = {row.code: review.FindingInput("ตรวจพบการดำเนินงานจริงตามที่รายงาน")
                for row in _sheet(assessment)[:3]}
    review.record_findings(visit, "การดำเนินงานสอดคล้องกับที่รายงานในแบบประเมินตนเอง", findings,
                           actor=lead)
    review.complete_review(assessment, actor=lead)
    card = review.final_score(assessment)
    if card.result_level is not None:
        review.recommend(assessment, RecommendationOutcome.PASS, card.result_level.code, None,
                         actor=lead)
    else:
        review.recommend(assessment, RecommendationOutcome.FAIL, None, None, actor=lead)


def _sheet(assessment: Assessment):
    from lgo_assess.review.pdf import sheet_criteria
    return sheet_criteria(assessments.edition_of(assessment), assessment.lgo_type,
                          assessment.area_tags or ())


def load(ctx) -> int:
    today = today_bangkok()
    admin = _user("admin")
    created = 0
    for demo in REVIEWS:
        lgo = db.session.execute(select(Lgo).where(Lgo.dla_code == demo.lgo)).scalar_one_or_none()
        people = [_user(name) for name in (demo.editor, demo.executive, demo.officer,
                                           demo.lead, demo.member) if name]
        if lgo is None or not all(people):
            continue
        try:
            with db.session.begin_nested():
                cycle = _cycle(demo.standard, today, admin)
                if cycle is None:
                    continue
                if db.session.execute(select(Assessment.id).where(
                        Assessment.cycle_id == cycle.id, Assessment.lgo_id == lgo.id)).first():
                    continue      # there already (this step's or the assessments step's)
                assessment = _submitted(demo, cycle, lgo, today)
                if demo.stage == EVIDENCE_REQUESTED:
                    _with_evidence_request(assessment, demo, today)
                elif demo.stage == RECOMMENDED:
                    _recommended(assessment, demo, today)
                created += 1
        except DomainError as error:
            ctx.echo(f"demo review: {demo.lgo} {demo.standard} ({demo.stage}): {error.message}")
    return created
