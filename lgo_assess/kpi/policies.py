"""Who may see and change KPIs. The login gate checks the permission; these predicates add the
scope: a provincial officer sees their own province, an LGO's staff their own LGO.

Targets are set by DLA administrators (``MANAGE_CRITERIA``: they keep the standards and the
plan's KPI catalogue), values of manual KPIs are entered by DLA approvers
(``ENTER_KPI_VALUES``): the people who report a figure are not the ones who set what it must
reach."""
from __future__ import annotations

from lgo_assess.core.security import Permission, Role


def _authenticated(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def can_view_national(user) -> bool:
    return _authenticated(user) and user.has_permission(Permission.VIEW_NATIONAL_KPIS)


def province_ids(user) -> set[int]:
    return user.province_ids_with(Role.PROVINCIAL_OFFICER) if _authenticated(user) else set()


def can_view_province(user, province_id: int) -> bool:
    return can_view_national(user) or province_id in province_ids(user)


def can_view_lgo(user, lgo) -> bool:
    if not _authenticated(user):
        return False
    return (can_view_province(user, lgo.province_id)
            or lgo.id in user.lgo_ids_with(Role.LGO_EDITOR, Role.LGO_EXECUTIVE))


def can_enter_values(user) -> bool:
    return _authenticated(user) and user.has_permission(Permission.ENTER_KPI_VALUES)


def can_set_targets(user) -> bool:
    return _authenticated(user) and user.has_permission(Permission.MANAGE_CRITERIA)
