"""Who may see and change evidence. The login gate checks the permission; these predicates add
the scope, always judged from the item's (or library's) own LGO, never from a form field.

- LGO editors and executives of the LGO manage its library (upload, edit, delete) and see it;
- provincial officers see the libraries of LGOs in their province;
- DLA approvers and administrators see every library;
- anyone else sees an item only if a hook in ``ACCESS_GRANTERS`` says so (review adds "an
  assessor assigned to an assessment that cites it").
"""
from __future__ import annotations

from typing import Callable

from lgo_assess.core.security import Permission, Role

LGO_MEMBER_ROLES = (Role.LGO_EDITOR, Role.LGO_EXECUTIVE)
NATIONAL_VIEWER_ROLES = frozenset({Role.DLA_APPROVER, Role.DLA_ADMIN})

# (user, item) → True to let the user see and download the item. Filled by later packages.
ACCESS_GRANTERS: list[Callable[[object, object], bool]] = []


def managed_lgo_ids(user) -> set[int]:
    """The LGOs whose libraries ``user`` may change."""
    if not (user.is_authenticated and user.has_permission(Permission.MANAGE_EVIDENCE)):
        return set()
    return user.lgo_ids_with(*LGO_MEMBER_ROLES)


def can_manage_library(user, lgo) -> bool:
    return lgo is not None and lgo.id in managed_lgo_ids(user)


def can_view_library(user, lgo) -> bool:
    if lgo is None or not user.is_authenticated:
        return False
    return (can_manage_library(user, lgo)
            or lgo.province_id in user.province_ids_with(Role.PROVINCIAL_OFFICER)
            or bool(user.roles & NATIONAL_VIEWER_ROLES))


def can_view_item(user, item) -> bool:
    if item is None or item.is_deleted or not user.is_authenticated:
        return False
    return can_view_library(user, item.lgo) or any(grant(user, item)
                                                   for grant in ACCESS_GRANTERS)


def can_edit_item(user, item) -> bool:
    return item is not None and not item.is_deleted and can_manage_library(user, item.lgo)


can_delete_item = can_edit_item
