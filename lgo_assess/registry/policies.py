"""Who may do what in the registry. Reading it is public; changing it is DLA administration."""
from __future__ import annotations

from lgo_assess.core.security import Permission


def can_manage_registry(user) -> bool:
    return bool(user and user.is_authenticated and user.has_permission(Permission.MANAGE_REGISTRY))


def can_edit_lgo(user, lgo) -> bool:
    """Upgrade the type, set the area tags or deactivate ``lgo``."""
    return can_manage_registry(user) and lgo.is_active
