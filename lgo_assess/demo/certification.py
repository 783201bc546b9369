"""Demo certificates: one valid, one expired and one revoked, listed in the public register
(``/register``) so a newcomer can open each verification page (``/v/<token>``) from there.

Each comes from a real run of the workflow through the services: the LGO answers and submits,
the province's officer accepts it and assigns the two demo assessors, they score, the lead
records the consensus, a site visit and the recommendation (the review demo's helpers do all of
that), then DLA decides:

- **valid**: Chiang Mai City (3500101), democracy learning centre (DLC), approved by
  ``approver`` today;
- **expired**: Chiang Mai City, Local 4.0 (L40), approved with its date set back
  by the edition's validity and two months, so that it has run out. (Every shipped edition
  serves FY 2569, whose certificates cannot have expired yet: this one is back-dated demo data);
- **revoked**: Ban Kho SAO (6400101), Local 4.0 (L40), approved, then revoked by two
  approvers: ``approver`` asks, ``approver2`` (made here) confirms.

The demo's recommended assessment from the review step stays in the approver's queue, to try a
decision by hand. A signing key is generated in KEYS_DIR if none is active. A second run finds
the decisions and changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from lgo_assess.accounts import services as accounts
from lgo_assess.accounts.models import User
from lgo_assess.assessments.models import Assessment
from lgo_assess.assessments.states import AssessmentStatus
from lgo_assess.certification import services
from lgo_assess.certification.models import DecisionOutcome
from lgo_assess.certification.signing import KeyDirectory
from lgo_assess.core.db import db
from lgo_assess.core.errors import DomainError
from lgo_assess.core.security import Role
from lgo_assess.core.thaidate import today_bangkok
from lgo_assess.demo import DEMO_EMAIL_DOMAIN
from lgo_assess.demo import review as demo_review
from lgo_assess.registry.models import Lgo

VALID, EXPIRED, REVOKED = "valid", "expired", "revoked"
SECOND_APPROVER = ("approver2", "จันทร์เพ็ญ ศรีสุข")
REVOCATION_REASON = ("ตรวจพบภายหลังว่าหลักฐานการประชุมประชาคมที่ใช้ประกอบการประเมินไม่ตรงกับ"
                     "ข้อเท็จจริง")


@dataclass(frozen=True)
class DemoCertificate:
    outcome: str
    review: demo_review.DemoReview


CERTIFICATES = (
    DemoCertificate(VALID, demo_review.DemoReview(
        demo_review.RECOMMENDED, "3500101", "DLC", "editor.cm-city", "executive.cm-city",
        "officer.chiangmai", lead="assessor1", member="assessor2")),
    DemoCertificate(EXPIRED, demo_review.DemoReview(
        demo_review.RECOMMENDED, "3500101", "L40", "editor.cm-city", "executive.cm-city",
        "officer.chiangmai", lead="assessor1", member="assessor2")),
    DemoCertificate(REVOKED, demo_review.DemoReview(
        demo_review.RECOMMENDED, "6400101", "L40", "editor.bankho", "executive.bankho",
        "officer.khonkaen", lead="assessor1", member="assessor2")),
)


def _user(name: str) -> User | None:
    return db.session.execute(select(User).where(
        User.email == f"{name}@{DEMO_EMAIL_DOMAIN}")).scalar_one_or_none()


def _second_approver(ctx) -> tuple[User, int]:
    name, display_name = SECOND_APPROVER
    user = _user(name)
    if user is not None:
        return user, 0
    user = accounts.create_user(f"{name}@{DEMO_EMAIL_DOMAIN}", display_name, ctx.password,
                                hash_method=ctx.hash_method, min_length=ctx.min_length)
    accounts.grant_role(user, Role.DLA_APPROVER)
    from lgo_assess.demo.accounts import enrol_demo_second_factor
    enrol_demo_second_factor(user)
    ctx.echo(f"demo certification: second approver {user.email} (password and authenticator "
             "key as the others) confirms revocations")
    return user, 3


def _ensure_key(ctx) -> None:
    keys = KeyDirectory(current_app.config["KEYS_DIR"])
    if keys.active_kid() is None:
        kid = keys.generate()
        ctx.echo(f"demo certification: signing key {kid} generated in {keys.path}")


def _recommended(demo: demo_review.DemoReview, today) -> Assessment | None:
    """The LGO's assessment of the standard, taken to a recommendation; None if another step
    already has an assessment of this LGO in that cycle (left as it is)."""
    lgo = db.session.execute(select(Lgo).where(Lgo.dla_code == demo.lgo)).scalar_one_or_none()
    cycle = demo_review._cycle(demo.standard, today, _user("admin"))
    if lgo is None or cycle is None:
        return None
    if db.session.execute(select(Assessment.id).where(
            Assessment.cycle_id == cycle.id, Assessment.lgo_id == lgo.id)).first():
        return None
    assessment = demo_review._submitted(demo, cycle, lgo, today)
    demo_review._recommended(assessment, demo, today)
    return assessment


def load(ctx) -> int:
    approver = _user("approver")
    people = [_user(name) for name in ("admin", "approver", "officer.chiangmai",
                                       "officer.khonkaen", "assessor1", "assessor2")]
    if not all(people):
        return 0
    today = today_bangkok()
    created = 0
    for demo in CERTIFICATES:
        try:
            with db.session.begin_nested():
                assessment = _recommended(demo.review, today)
                if assessment is None:
                    continue
                if assessment.status != AssessmentStatus.RECOMMENDED:
                    raise DomainError(f"the review ended {assessment.status.value}")
                _ensure_key(ctx)
                day = today
                if demo.outcome == EXPIRED:
                    months = assessment.edition.certificate_validity_months
                    day = services.add_months(today, -(months + 2))
                decision = services.decide(assessment, DecisionOutcome.APPROVED, actor=approver,
                                           today=day)
                if decision.current_certificate is None:
                    raise DomainError("the approval was not certified")
                created += 2
                if demo.outcome == REVOKED:
                    second, made = _second_approver(ctx)
                    request = services.request_revocation(decision, REVOCATION_REASON,
                                                          actor=approver)
                    services.confirm_revocation(request, actor=second)
                    created += 2 + made
        except DomainError as error:
            ctx.echo(f"demo certification: {demo.review.lgo} {demo.review.standard} "
                     f"({demo.outcome}): {error.message}")
    return created
