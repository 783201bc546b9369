"""Who may do what: roles, the permissions they carry, and the login gate.

Three layers, all visible in code:
1. the login gate: every endpoint declares its access with ``@public``, ``@login_required_only``
   or ``@require(Permission.X)``; an endpoint that declares nothing is refused (fail closed);
2. roles map to ``Permission``s of domain verbs (``ROLE_PERMISSIONS``);
3. ``can_<verb>(user, obj)`` predicates in each package's ``policies.py`` check scope on objects
   loaded through scoped queries.
"""
from __future__ import annotations

import enum
from functools import wraps

from flask import Flask, abort, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user


class Role(enum.StrEnum):
    LGO_EDITOR = "lgo_editor"
    LGO_EXECUTIVE = "lgo_executive"
    PROVINCIAL_OFFICER = "provincial_officer"
    ASSESSOR = "assessor"
    DLA_APPROVER = "dla_approver"
    DLA_ADMIN = "dla_admin"

    @property
    def title(self) -> str:
        return str(ROLE_TITLES[self])

    @property
    def scope(self) -> str:
        """What a grant of this role is bound to: ``lgo``, ``province`` or ``nation``."""
        return {Role.LGO_EDITOR: "lgo", Role.LGO_EXECUTIVE: "lgo",
                Role.PROVINCIAL_OFFICER: "province"}.get(self, "nation")


ROLE_TITLES = {
    Role.LGO_EDITOR: _l("LGO editor"),
    Role.LGO_EXECUTIVE: _l("LGO executive"),
    Role.PROVINCIAL_OFFICER: _l("Provincial local-administration officer"),
    Role.ASSESSOR: _l("Assessor"),
    Role.DLA_APPROVER: _l("DLA approver"),
    Role.DLA_ADMIN: _l("DLA administrator"),
}


class Permission(enum.StrEnum):
    VIEW_REGISTRY_ADMIN = "view_registry_admin"
    MANAGE_REGISTRY = "manage_registry"
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT_LOG = "view_audit_log"
    MANAGE_CRITERIA = "manage_criteria"
    MANAGE_CYCLES = "manage_cycles"
    EDIT_ASSESSMENT = "edit_assessment"
    SUBMIT_ASSESSMENT = "submit_assessment"
    MANAGE_EVIDENCE = "manage_evidence"
    SCREEN_ASSESSMENT = "screen_assessment"
    ASSIGN_ASSESSORS = "assign_assessors"
    SCORE_ASSESSMENT = "score_assessment"
    DECIDE_CERTIFICATION = "decide_certification"
    REVOKE_CERTIFICATE = "revoke_certificate"
    IMPORT_CERTIFICATE_HISTORY = "import_certificate_history"
    ENTER_KPI_VALUES = "enter_kpi_values"
    VIEW_NATIONAL_KPIS = "view_national_kpis"
    VIEW_PROVINCE = "view_province"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.LGO_EDITOR: frozenset({Permission.EDIT_ASSESSMENT, Permission.MANAGE_EVIDENCE}),
    Role.LGO_EXECUTIVE: frozenset({Permission.EDIT_ASSESSMENT, Permission.MANAGE_EVIDENCE,
                                   Permission.SUBMIT_ASSESSMENT}),
    Role.PROVINCIAL_OFFICER: frozenset({Permission.SCREEN_ASSESSMENT, Permission.ASSIGN_ASSESSORS,
                                        Permission.VIEW_PROVINCE}),
    Role.ASSESSOR: frozenset({Permission.SCORE_ASSESSMENT}),
    Role.DLA_APPROVER: frozenset({Permission.DECIDE_CERTIFICATION, Permission.REVOKE_CERTIFICATE,
                                  Permission.ENTER_KPI_VALUES, Permission.VIEW_NATIONAL_KPIS,
                                  Permission.VIEW_PROVINCE}),
    Role.DLA_ADMIN: frozenset({Permission.VIEW_REGISTRY_ADMIN, Permission.MANAGE_REGISTRY,
                               Permission.MANAGE_USERS, Permission.VIEW_AUDIT_LOG,
                               Permission.MANAGE_CRITERIA, Permission.MANAGE_CYCLES,
                               Permission.IMPORT_CERTIFICATE_HISTORY,
                               Permission.VIEW_NATIONAL_KPIS, Permission.VIEW_PROVINCE}),
}

ACCESS_ATTR = "_lgo_access"
PUBLIC = "public"
AUTHENTICATED = "authenticated"


def public(view):
    """Mark a view as open to anyone, logged in or not."""
    setattr(view, ACCESS_ATTR, PUBLIC)
    return view


def login_required_only(view):
    """Mark a view as open to any logged-in user; the view itself scopes what it shows."""
    setattr(view, ACCESS_ATTR, AUTHENTICATED)
    return view


def require(*permissions: Permission):
    """Mark a view as needing any one of ``permissions`` (checked by the gate before the view)."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            return view(*args, **kwargs)
        setattr(wrapper, ACCESS_ATTR, frozenset(permissions))
        return wrapper
    return decorate


def access_of(view) -> object:
    return getattr(view, ACCESS_ATTR, None)


def install_login_gate(app: Flask) -> None:
    """Refuse every request whose endpoint is not public unless the user may reach it."""

    @app.before_request
    def login_gate():
        if request.endpoint is None:
            return None  # 404 / 405 handled by Flask
        view = app.view_functions.get(request.endpoint)
        access = access_of(view)
        if request.endpoint == "static" or access == PUBLIC:
            return None
        if not current_user.is_authenticated:
            if request.path.startswith("/api/"):
                abort(401)
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        if access == AUTHENTICATED:
            return None
        if isinstance(access, frozenset):
            if any(current_user.has_permission(p) for p in access):
                return None
            abort(403)
        abort(403)  # an endpoint that declared no access is closed to everyone
