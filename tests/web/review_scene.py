"""Reviews for the route × role matrix: the assessment of the LGO a request is about, under
review (with an open evidence request, a scheduled visit, the lead's submitted scores and a
first consensus), made on first use in a cycle of its own.

The team: on the scene's own LGO, the matrix assessor is the lead, and the users holding every
role (``everyone-…``, made by the every-page-renders test) are members, so every review page
opens for them; on the other LGO the lead is the matrix target account, so the matrix assessor
is an unassigned assessor there. Rows are written directly: a scene, not a test of the services.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lgo_assess.accounts.models import RoleGrant, User
from lgo_assess.assessments import services as assessments
from lgo_assess.assessments.models import Assessment, Cycle, Response
from lgo_assess.assessments.states import AssessmentStatus
from lgo_assess.core.db import db, utcnow
from lgo_assess.core.security import Role
from lgo_assess.core.thaidate import today_bangkok
from lgo_assess.criteria import services as criteria_services
from lgo_assess.criteria.loader import load_text
from lgo_assess.registry.models import Lgo
from lgo_assess.review.models import (AssessorScore, Assignment, AssignmentRole, ConsensusScore,
                                      EvidenceRequest, SiteVisit)
from tests.factories_assessments import SAO_FULL_ANSWERS, TST_EDITION

REVIEW_FISCAL_YEAR = 2572


def _edition():
    text = TST_EDITION.read_text(encoding="utf-8")
    text = text.replace('code: "2569"', f'code: "{REVIEW_FISCAL_YEAR}"', 1).replace(
        "fiscal_years: [2569]", f"fiscal_years: [{REVIEW_FISCAL_YEAR}]", 1)
    row = criteria_services.import_edition(load_text(text, "TST/review.yaml")).edition
    if row.status == "draft":
        criteria_services.publish_edition(row)
    return row


def review_cycle() -> Cycle:
    edition = _edition()
    found = db.session.execute(select(Cycle).where(
        Cycle.edition_id == edition.id,
        Cycle.fiscal_year == REVIEW_FISCAL_YEAR)).scalar_one_or_none()
    if found is not None:
        return found
    today = today_bangkok()
    return assessments.open_cycle(edition, REVIEW_FISCAL_YEAR, opens_on=today - timedelta(days=90),
                                  self_assessment_due=today - timedelta(days=30),
                                  review_due=today + timedelta(days=60),
                                  decision_due=today + timedelta(days=120), actor=None)


def _user(email: str | None) -> User | None:
    if email is None:
        return None
    return db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()


def _everyone() -> list[User]:
    return list(db.session.execute(
        select(User).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.ASSESSOR, User.email.like("everyone-%"))
        .order_by(User.id)).scalars())


def review_assessment(scene, place) -> Assessment:
    cycle = review_cycle()
    found = db.session.execute(select(Assessment).where(
        Assessment.cycle_id == cycle.id, Assessment.lgo_id == place.lgo_id)).scalar_one_or_none()
    if found is not None:
        return found
    lgo = db.session.get(Lgo, place.lgo_id)
    own = place == scene.own
    lead = _user(scene.principals[Role.ASSESSOR.value]) if own else db.session.get(
        User, scene.user_id)
    submitter = _user(scene.principals[Role.LGO_EXECUTIVE.value]) if own else lead
    now = utcnow()
    assessment = Assessment(cycle=cycle, lgo=lgo, edition_id=cycle.edition_id,
                            lgo_type=lgo.type_in(REVIEW_FISCAL_YEAR), area_tags=[],
                            status=AssessmentStatus.SUBMITTED, submitted_at=now,
                            submitted_by_id=submitter.id)
    db.session.add(assessment)
    for code, data in SAO_FULL_ANSWERS.items():
        assessment.responses.append(Response(criterion_code=code, narrative="ดำเนินการแล้ว",
                                             **data))
    db.session.flush()
    base = assessments.snapshot(assessment, "submission", actor=submitter)
    assessment.status = AssessmentStatus.EVIDENCE_REQUESTED
    db.session.add(Assignment(assessment_id=assessment.id, assessor_id=lead.id,
                              role=AssignmentRole.LEAD, due_on=cycle.review_due,
                              scoring_submitted_at=now))
    if own:
        for member in _everyone():
            db.session.add(Assignment(assessment_id=assessment.id, assessor_id=member.id,
                                      role=AssignmentRole.MEMBER, due_on=cycle.review_due))
    for code, data in SAO_FULL_ANSWERS.items():
        checked = data.get("checked")
        db.session.add(AssessorScore(assessment_id=assessment.id, assessor_id=lead.id,
                                     criterion_code=code, comment="ครบถ้วน",
                                     evidence_checked=True, **{**data, "checked": checked}))
    db.session.add(ConsensusScore(assessment_id=assessment.id, criterion_code="1.1", level=3,
                                  comment="ตกลงร่วมกัน", lead_id=lead.id))
    db.session.add(EvidenceRequest(assessment_id=assessment.id, criterion_code="1.2",
                                   reason="ขอภาพหน้าเว็บไซต์ที่เผยแพร่งบประมาณ",
                                   due_on=today_bangkok() + timedelta(days=14),
                                   requested_by_id=lead.id, base_snapshot_id=base.id))
    db.session.add(SiteVisit(assessment_id=assessment.id, visit_on=today_bangkok() + timedelta(
        days=21), team_ids=[lead.id], lgo_contacts="ปลัด อบต.", scheduled_by_id=lead.id))
    db.session.flush()
    return assessment


def assessment_id(scene, place) -> int:
    return review_assessment(scene, place).id


def cycle_id(scene, place) -> int:
    return review_cycle().id


_ASSESSMENT = {"assessment_id": assessment_id}
_CYCLE = {"cycle_id": cycle_id}

# URL arguments of the review endpoints, merged into ``URL_ARGS_FOR``.
URL_ARGS_FOR = {
    **{f"review.{name}": _ASSESSMENT for name in (
        "show", "accept", "return_assessment", "team", "end_assignment", "scores", "consensus",
        "complete", "reopen", "request_evidence", "changes", "lgo_requests", "answer_requests",
        "schedule_visit", "visit", "visit_photos", "onsite_sheet", "recommend")},
    "review.settings": _CYCLE,
    "review.calibration": _CYCLE,
}
