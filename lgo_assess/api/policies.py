"""Which assessments an API caller sees: the same scope as the pages, as one query condition for
lists and one predicate for single objects.

LGO staff see their LGO's assessments; provincial officers their province's; DLA approvers and
administrators every one; assessors those they are assigned to (an active assignment).
"""
from __future__ import annotations

from sqlalchemy import false, or_, select

from lgo_assess.assessments import policies as assessment_policies
from lgo_assess.assessments.models import Assessment
from lgo_assess.core.security import Role
from lgo_assess.registry.models import Lgo
from lgo_assess.review.models import Assignment

NATIONAL_ROLES = frozenset({Role.DLA_APPROVER, Role.DLA_ADMIN})
LGO_ROLES = (Role.LGO_EDITOR, Role.LGO_EXECUTIVE)


def _assigned_ids(user):
    return select(Assignment.assessment_id).where(Assignment.assessor_id == user.id,
                                                  Assignment.ended_at.is_(None))


def visible_assessments(user):
    """A condition on ``Assessment`` for the rows ``user`` may read (None: every row)."""
    if user.roles & NATIONAL_ROLES:
        return None
    conditions = []
    lgo_ids = user.lgo_ids_with(*LGO_ROLES)
    if lgo_ids:
        conditions.append(Assessment.lgo_id.in_(lgo_ids))
    province_ids = user.province_ids_with(Role.PROVINCIAL_OFFICER)
    if province_ids:
        conditions.append(Assessment.lgo_id.in_(
            select(Lgo.id).where(Lgo.province_id.in_(province_ids))))
    if user.has_role(Role.ASSESSOR):
        conditions.append(Assessment.id.in_(_assigned_ids(user)))
    return or_(*conditions) if conditions else false()


def is_assigned(user, assessment) -> bool:
    from lgo_assess.core.db import db
    return user.has_role(Role.ASSESSOR) and db.session.execute(
        _assigned_ids(user).where(Assignment.assessment_id == assessment.id)).first() is not None


def can_read(user, assessment) -> bool:
    return assessment_policies.can_view(user, assessment) or is_assigned(user, assessment)


def can_edit(user, assessment) -> bool:
    return assessment_policies.can_edit(user, assessment)
