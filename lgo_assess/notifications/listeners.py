"""Who hears of each move of an assessment: the ``TRANSITION_LISTENERS`` entry of the workflow.

Each transition names its audiences (the LGO's staff, the province's officers, DLA's approvers,
the assessors) and the message each receives; the person who made the move is never told of it.
"""
from __future__ import annotations

from typing import Callable

from sqlalchemy import select

from lgo_assess.assessments import services as assessments
from lgo_assess.assessments.models import Assessment, StatusChange
from lgo_assess.assessments.states import Transition
from lgo_assess.core.db import db
from lgo_assess.core.security import Role
from lgo_assess.notifications import links
from lgo_assess.notifications.services import (lgo_members,
                                               lgo_members_and_provincial_officers, notify,
                                               provincial_officers, users_with_role)

# The review package adds the assessors of an assessment: (assessment) → users.
ASSESSOR_PROVIDERS: list[Callable] = []


def _assessors(assessment: Assessment) -> list:
    users: list = []
    for provider in ASSESSOR_PROVIDERS:
        users.extend(provider(assessment))
    return users


AUDIENCES: dict[str, Callable[[Assessment], list]] = {
    "lgo": lambda a: lgo_members(a.lgo_id),
    "province": lambda a: provincial_officers(a.lgo.province_id),
    "approvers": lambda a: users_with_role(Role.DLA_APPROVER),
    "assessors": _assessors,
}

# transition name → (audience, message key) pairs
MESSAGES_BY_TRANSITION: dict[str, tuple[tuple[str, str], ...]] = {
    "submit": (("province", "assessment.submitted"), ("lgo", "assessment.submitted_for_lgo")),
    "resubmit": (("province", "assessment.submitted"),
                 ("lgo", "assessment.submitted_for_lgo")),
    "return": (("lgo", "assessment.returned"),),
    "accept": (("lgo", "assessment.accepted"),),
    "assign": (("lgo", "assessment.in_review"),),
    "request_evidence": (("lgo", "assessment.evidence_requested"),),
    "answer_evidence": (("assessors", "assessment.evidence_answered"),
                        ("province", "assessment.evidence_answered")),
    "complete_review": (("province", "assessment.reviewed"),),
    "reopen_review": (("province", "assessment.review_reopened"),),
    "recommend": (("approvers", "assessment.recommended"),
                  ("province", "assessment.recommended")),
    "approve": (("lgo", "assessment.approved"), ("province", "assessment.approved")),
    "reject": (("lgo", "assessment.rejected"), ("province", "assessment.rejected")),
    "withdraw": (("province", "assessment.withdrawn"), ("lgo", "assessment.withdrawn")),
}


def assessment_params(assessment: Assessment, *, actor=None, reason: str | None = None) -> dict:
    lgo, standard = assessment.lgo, assessment.edition.standard
    params = {
        "assessment_id": assessment.id,
        "lgo": {"th": lgo.name_th, "en": lgo.name_en or lgo.name_th},
        "standard": {"th": standard.name_th, "en": standard.name_en},
        "standard_code": standard.code,
        "fiscal_year": assessment.cycle.fiscal_year,
        "due": assessment.cycle.due_for(assessment.lgo_id).isoformat(),
    }
    if actor is not None:
        params["actor"] = getattr(actor, "display_name", str(actor))
    if reason:
        params["reason"] = reason
    return params


def on_transition(move: Transition, assessment: Assessment, actor) -> None:
    plan = MESSAGES_BY_TRANSITION.get(move.name, ())
    if not plan:
        return
    reason = assessment_reason(assessment, move)
    params = assessment_params(assessment, actor=actor, reason=reason)
    link = links.path_to("assessment", assessment_id=assessment.id)
    told: set[int] = {getattr(actor, "id", None)}
    audiences = {}
    if {"lgo", "province"} <= {audience for audience, _ in plan}:
        audiences["lgo"], audiences["province"] = lgo_members_and_provincial_officers(
            assessment.lgo_id, assessment.lgo.province_id)
    for audience, kind in plan:
        found = audiences[audience] if audience in audiences else \
            AUDIENCES[audience](assessment)
        users = [u for u in found if u.id not in told]
        told.update(u.id for u in users)
        notify(users, kind, params, link=link, actor=actor)


def assessment_reason(assessment: Assessment, move: Transition) -> str | None:
    """The reason given for this move (the status change just written)."""
    if not move.needs_reason:
        return None
    return db.session.execute(
        select(StatusChange.reason).where(StatusChange.assessment_id == assessment.id,
                                          StatusChange.transition == move.name)
        .order_by(StatusChange.id.desc()).limit(1)).scalar()


def install() -> None:
    """Add the listener to the workflow (once, however many apps are built)."""
    if on_transition not in assessments.TRANSITION_LISTENERS:
        assessments.TRANSITION_LISTENERS.append(on_transition)
