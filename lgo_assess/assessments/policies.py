"""Who may do what with an assessment. ``ACTOR_CHECKS`` says who counts as each workflow actor
for one assessment; the review package adds the lead assessor."""
from __future__ import annotations

from typing import Callable

from lgo_assess.assessments.states import Actor
from lgo_assess.core.security import Role


def is_lgo_member(user, lgo_id: int) -> bool:
    return user is not None and lgo_id in user.lgo_ids_with(Role.LGO_EDITOR, Role.LGO_EXECUTIVE)


def is_lgo_executive(user, lgo_id: int) -> bool:
    return user is not None and lgo_id in user.lgo_ids_with(Role.LGO_EXECUTIVE)


def is_provincial_officer_for(user, province_id: int) -> bool:
    return user is not None and province_id in user.province_ids_with(Role.PROVINCIAL_OFFICER)


ACTOR_CHECKS: dict[Actor, Callable] = {
    Actor.LGO_EXECUTIVE: lambda user, a: is_lgo_executive(user, a.lgo_id),
    Actor.LGO_MEMBER: lambda user, a: is_lgo_member(user, a.lgo_id),
    Actor.PROVINCIAL_OFFICER: lambda user, a: is_provincial_officer_for(user, a.lgo.province_id),
    Actor.DLA_APPROVER: lambda user, a: user is not None and user.has_role(Role.DLA_APPROVER),
    # Actor.LEAD_ASSESSOR is added by the review package, which knows the assignments.
}


def acts_as(user, actor: Actor, assessment) -> bool:
    check = ACTOR_CHECKS.get(actor)
    return bool(check and check(user, assessment))


def can_view(user, assessment) -> bool:
    """LGO members, the province's officers and DLA see an assessment; review adds assessors."""
    if user is None:
        return False
    if is_lgo_member(user, assessment.lgo_id):
        return True
    if is_provincial_officer_for(user, assessment.lgo.province_id):
        return True
    if user.has_role(Role.DLA_APPROVER) or user.has_role(Role.DLA_ADMIN):
        return True
    return any(extra(user, assessment) for extra in VIEW_GRANTERS)


VIEW_GRANTERS: list[Callable] = []   # review: assessors assigned to the assessment


def can_edit(user, assessment) -> bool:
    return is_lgo_member(user, assessment.lgo_id)


def can_submit(user, assessment) -> bool:
    return is_lgo_executive(user, assessment.lgo_id)
