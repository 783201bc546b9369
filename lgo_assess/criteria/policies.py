"""Who may see what of the criteria: published and retired editions are public; drafts only to
those who manage criteria."""
from __future__ import annotations

from lgo_assess.core.security import Permission


def can_view_drafts(user) -> bool:
    return bool(user and user.is_authenticated and user.has_permission(Permission.MANAGE_CRITERIA))
