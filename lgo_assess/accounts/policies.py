"""Who may do what to accounts. Managing users is a national permission (``MANAGE_USERS``)
checked by the login gate; these predicates add the rules about particular accounts."""
from __future__ import annotations

from lgo_assess.core.security import Permission


def can_manage_users(user) -> bool:
    return bool(user.is_authenticated and user.has_permission(Permission.MANAGE_USERS))


def can_disable(actor, user) -> bool:
    """Administrators may disable any enabled account except their own."""
    return can_manage_users(actor) and user.is_enabled and actor.id != user.id
