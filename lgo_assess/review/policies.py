"""Who may do what in a review. The login gate checks the permission; these predicates add the
scope: the province of the assessment's LGO for officers, an active assignment for assessors.

Independence: an assessor sees the other team members' scores only after submitting their
own, and only the scores of members who have submitted theirs too (``can_see_team_scores``).

Importing this module registers the review's hooks in the assessments and evidence packages:
the lead assessor as a workflow actor, assigned assessors as viewers of the assessment and of
its LGO's evidence for the cycle's fiscal year.
"""
from __future__ import annotations

from sqlalchemy import select

from lgo_assess.assessments import policies as assessment_policies
from lgo_assess.assessments.models import Assessment, Cycle
from lgo_assess.assessments.states import Actor, AssessmentStatus
from lgo_assess.core.db import db
from lgo_assess.core.security import Permission, Role
from lgo_assess.review.models import Assignment, AssignmentRole

S = AssessmentStatus
REVIEW_STATES = frozenset({S.IN_REVIEW, S.EVIDENCE_REQUESTED})
AFTER_REVIEW = frozenset({S.REVIEWED, S.RECOMMENDED, S.APPROVED, S.REJECTED})


def _authenticated(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def active_assignment(user, assessment) -> Assignment | None:
    if not _authenticated(user) or not user.has_role(Role.ASSESSOR):
        return None
    return db.session.execute(select(Assignment).where(
        Assignment.assessment_id == assessment.id, Assignment.assessor_id == user.id,
        Assignment.ended_at.is_(None))).scalar_one_or_none()


def is_team_member(user, assessment) -> bool:
    return active_assignment(user, assessment) is not None


def is_lead(user, assessment) -> bool:
    assignment = active_assignment(user, assessment)
    return assignment is not None and assignment.role == AssignmentRole.LEAD


def is_officer_for(user, assessment) -> bool:
    return _authenticated(user) and assessment_policies.is_provincial_officer_for(
        user, assessment.lgo.province_id)


def is_dla(user) -> bool:
    return _authenticated(user) and bool(user.roles & {Role.DLA_APPROVER, Role.DLA_ADMIN})


def can_view_review(user, assessment) -> bool:
    """The review pages: the province's officers, the team, DLA."""
    return is_officer_for(user, assessment) or is_team_member(user, assessment) or is_dla(user)


def can_screen(user, assessment) -> bool:
    return is_officer_for(user, assessment)


can_assign = can_screen


def can_score(user, assessment) -> bool:
    return is_team_member(user, assessment)


def can_lead(user, assessment) -> bool:
    return is_lead(user, assessment)


def can_see_team_scores(user, assessment) -> bool:
    """Team members once they have submitted their own scores; DLA once the review is over."""
    assignment = active_assignment(user, assessment)
    if assignment is not None:
        return assignment.has_submitted
    return is_dla(user) and assessment.status in AFTER_REVIEW


def can_view_scores_page(user, assessment) -> bool:
    """The side-by-side page: the team; DLA (who sees the scores once the review is over)."""
    return is_team_member(user, assessment) or is_dla(user)


def can_answer_requests(user, assessment) -> bool:
    return _authenticated(user) and assessment_policies.is_lgo_member(user, assessment.lgo_id)


def can_end_assignment(user, assignment) -> bool:
    """The province's officer ends any assignment; an assessor ends their own (a declared
    conflict of interest)."""
    if not _authenticated(user) or assignment.ended_at is not None:
        return False
    return is_officer_for(user, assignment.assessment) or assignment.assessor_id == user.id


def can_view_calibration(user) -> bool:
    return _authenticated(user) and (user.has_permission(Permission.DECIDE_CERTIFICATION)
                                     or user.has_permission(Permission.MANAGE_USERS))


def can_manage_settings(user) -> bool:
    return _authenticated(user) and user.has_permission(Permission.MANAGE_CYCLES)


# -- Hooks into the packages review builds on ---------------------------------------------------

def _assigned_to_library(user, item) -> bool:
    """An assessor on the team of an assessment of the item's LGO, in the item's fiscal year,
    may see and download the item (the evidence the LGO cites, the photos of the site visit)."""
    if not _authenticated(user) or not user.has_role(Role.ASSESSOR):
        return False
    return db.session.execute(
        select(Assignment.id).join(Assessment, Assessment.id == Assignment.assessment_id)
        .join(Cycle, Cycle.id == Assessment.cycle_id)
        .where(Assignment.assessor_id == user.id, Assignment.ended_at.is_(None),
               Assessment.lgo_id == item.lgo_id, Cycle.fiscal_year == item.fiscal_year)
        .limit(1)).first() is not None


def register_hooks() -> None:
    assessment_policies.ACTOR_CHECKS[Actor.LEAD_ASSESSOR] = is_lead
    if is_team_member not in assessment_policies.VIEW_GRANTERS:
        assessment_policies.VIEW_GRANTERS.append(is_team_member)
    try:
        from lgo_assess.evidence import policies as evidence_policies
    except ImportError:  # pragma: no cover - the evidence package is optional here
        return
    if _assigned_to_library not in evidence_policies.ACCESS_GRANTERS:
        evidence_policies.ACCESS_GRANTERS.append(_assigned_to_library)


register_hooks()
