"""Factories for certification: a signing key, recommended assessments (with the review rows
that make someone a scorer), approvers, decisions and certificates."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from functools import wraps

from flask import current_app, has_app_context

from lgo_assess.assessments.states import AssessmentStatus
from lgo_assess.certification import services
from lgo_assess.certification.models import DecisionOutcome
from lgo_assess.certification.signing import KeyDirectory
from lgo_assess.core.db import db, utcnow
from lgo_assess.core.security import Role
from lgo_assess.review.models import AssessorScore, Recommendation, RecommendationOutcome
from tests.factories import make_user
from tests.factories_assessments import make_assessment, make_cycle, make_published_edition

ISSUED_ON = date(2026, 7, 15)      # FY 2569; with the TST edition's 36 months: to 2029-07-15


@contextmanager
def app_context():
    """The app's context for factories that sign (KEYS_DIR comes from the config). Web tests
    call them outside any context: then one is pushed for the call and what the factory made is
    committed before it is left (leaving a context rolls back what is not)."""
    if has_app_context():
        yield
        return
    from tests.conftest import SCENE_APPS
    with SCENE_APPS[-1].app_context():
        yield
        db.session.commit()


def in_app_context(function):
    @wraps(function)
    def wrapper(*args, **kwargs):
        with app_context():
            return function(*args, **kwargs)
    return wrapper


@in_app_context
def ensure_signing_key() -> str:
    """The active key of the app's KEYS_DIR (made once per test session)."""
    keys = KeyDirectory(current_app.config["KEYS_DIR"])
    return keys.active_kid() or keys.generate()


def tst_cycle():
    """The cycle of the TST 2569 fixture edition (opened once per test)."""
    from sqlalchemy import select

    from lgo_assess.assessments.models import Cycle
    edition = make_published_edition()
    found = db.session.execute(select(Cycle).where(Cycle.edition_id == edition.id,
                                                   Cycle.fiscal_year == 2569)).scalar()
    return found or make_cycle(edition)


def make_approver(**kwargs):
    return make_user(Role.DLA_APPROVER, **kwargs)


def make_recommended_assessment(lgo=None, cycle=None, *, level: str | None = "good",
                                computed: str | None = None, scorers=(), lead=None,
                                divergent: bool = False, **lgo_kwargs):
    """An assessment the review has recommended at ``level`` (None: do not certify). The rules
    computed ``computed`` (default: the same level); a different one flags it to DLA. Each of
    ``scorers`` scored criterion 1.1 (``divergent``: 0 and 4, far apart); ``lead`` recommended."""
    assessment = make_assessment(lgo, cycle or tst_cycle(), **lgo_kwargs)
    executive = make_user(Role.LGO_EXECUTIVE, lgo=assessment.lgo)
    lead = lead or make_user(Role.ASSESSOR)
    assessment.status = AssessmentStatus.RECOMMENDED
    assessment.submitted_at, assessment.submitted_by_id = utcnow(), executive.id
    for index, scorer in enumerate(scorers):
        db.session.add(AssessorScore(assessment_id=assessment.id, assessor_id=scorer.id,
                                     criterion_code="1.1",
                                     level=(0 if index % 2 == 0 else 4) if divergent else 3))
    computed = level if computed is None else computed
    flagged = (level or "") != (computed or "")
    db.session.add(Recommendation(
        assessment_id=assessment.id,
        outcome=RecommendationOutcome.PASS if level else RecommendationOutcome.FAIL,
        result_level_code=level, computed_result_code=computed, computed_percent=80.0,
        is_flagged_to_dla=flagged, justification="ผลงานเด่นกว่าคะแนน" if flagged else None,
        recommended_by_id=lead.id))
    db.session.flush()
    db.session.refresh(assessment)
    return assessment


@in_app_context
def make_decision(assessment=None, *, approver=None, outcome=DecisionOutcome.APPROVED,
                  reason: str | None = None, issue: bool = True, today: date = ISSUED_ON,
                  **kwargs):
    """A decision on a (new) recommended assessment; an approval issues its certificate when
    ``issue`` (a signing key is made if need be)."""
    if issue:
        ensure_signing_key()
    assessment = assessment or make_recommended_assessment(**kwargs)
    approver = approver or make_approver()
    if outcome == DecisionOutcome.REJECTED and reason is None:
        reason = "หลักฐานไม่เพียงพอ"
    return services.decide(assessment, outcome, reason=reason, actor=approver, issue=issue,
                           today=today)


@in_app_context
def make_certificate(**kwargs):
    decision = make_decision(**kwargs)
    return decision.current_certificate
