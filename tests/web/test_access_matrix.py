"""The route × role matrix: every endpoint in ``app.url_map``, requested by an anonymous visitor
and by a user of every role, answers as ``tests/web/access_matrix.py`` says."""
from __future__ import annotations

import pytest

from lgo_assess.accounts import services as accounts
from lgo_assess.accounts.models import User
from lgo_assess.core.db import db
from lgo_assess.core.security import (AUTHENTICATED, PUBLIC, ROLE_PERMISSIONS, Role,
                                      access_of)
from tests.factories import TEST_PASSWORD
from tests.web.access_matrix import ACCESS, ANONYMOUS, PRINCIPALS, Scene, url_values
from tests.web.walk import (build_scene, is_login_redirect, isolated, request_as,
                            request_with, rules, session_cookie)


@pytest.fixture
def scene(app) -> Scene:
    return build_scene()


def problem(response, access, principal: str) -> str | None:
    """What is wrong with ``response`` for this principal, or None."""
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if access.allows(principal):
        if is_login_redirect(response):
            return "sent to the login page"
        if status in (401, 403, 404) and status not in access.allowed_statuses:
            return f"refused with {status}"
        return None
    expected_refusal = "login" if principal == ANONYMOUS else 403
    if expected_refusal == "login":
        return None if is_login_redirect(response) else f"{status}, not a redirect to login"
    return None if status == 403 else f"{status}, not 403"


# The tests -----------------------------------------------------------------------------------
def test_every_view_declares_its_access(app):
    undeclared = sorted(endpoint for endpoint, view in app.view_functions.items()
                        if endpoint != "static" and access_of(view) is None)
    assert not undeclared, (
        "these views carry none of @public, @login_required_only, @require(...), so the login "
        f"gate refuses them to everyone: {undeclared}")


def test_the_matrix_covers_every_endpoint_and_every_url_argument(app, scene):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing_rows = sorted(endpoints - ACCESS.keys())
    stale_rows = sorted(ACCESS.keys() - endpoints)
    unfillable = {}
    for endpoint, rule, _method in rules(app):
        _values, missing = url_values(endpoint, rule.arguments, scene, scene.own)
        if missing:
            unfillable[f"{endpoint} ({rule.rule})"] = missing
    messages = []
    if missing_rows:
        messages.append("endpoints with no row in ACCESS (tests/web/access_matrix.py): "
                        f"{missing_rows}")
    if stale_rows:
        messages.append(f"rows in ACCESS for endpoints that no longer exist: {stale_rows}")
    if unfillable:
        messages.append("URL arguments with no value in URL_ARGS / URL_ARGS_FOR: "
                        f"{unfillable}")
    assert not messages, "\n".join(messages)


def test_the_matrix_agrees_with_what_the_views_declare(app):
    disagreements = []
    for endpoint, access in ACCESS.items():
        view = app.view_functions.get(endpoint)
        if view is None:
            continue
        declared = PUBLIC if endpoint == "static" else access_of(view)
        if access.kind == "public":
            ok = declared == PUBLIC
        elif access.kind == "authenticated":
            ok = declared == AUTHENTICATED
        else:
            permitted = {role for role in Role
                         if isinstance(declared, frozenset) and declared & ROLE_PERMISSIONS[role]}
            ok = permitted == set(access.roles)
        if not ok:
            disagreements.append(f"{endpoint}: the matrix says {access.kind} "
                                 f"{sorted(r.value for r in access.roles)}, the view declares "
                                 f"{declared!r}")
    assert not disagreements, "\n".join(disagreements)


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_every_endpoint_answers_each_role_as_the_matrix_says(app, scene, principal):
    failures = []
    cookie = session_cookie(app, scene.principals[principal])
    for endpoint, rule, method in rules(app):
        access = ACCESS.get(endpoint)
        values, missing = url_values(endpoint, rule.arguments, scene, scene.own)
        if access is None or missing:
            continue  # reported by test_the_matrix_covers_every_endpoint...
        url = rule.build(values, append_unknown=False)[1]
        with isolated():
            response = request_with(app, cookie, method, url)
            wrong = problem(response, access, principal)
        if wrong:
            failures.append(f"{method} {url} ({endpoint}) as {principal}: {wrong}")
    assert not failures, "\n".join(failures)


SCOPED_PRINCIPALS = [role.value for role in Role if role.scope in ("lgo", "province")]


@pytest.mark.parametrize("principal", SCOPED_PRINCIPALS)
def test_staff_of_one_lgo_or_province_are_refused_pages_of_another(app, scene, principal):
    """Pages about one LGO or province (rows with ``scope``) refuse staff of another one with
    403; so do the national administration pages."""
    role = Role(principal)
    checked, failures = [], []
    cookie = session_cookie(app, scene.principals[principal])
    for endpoint, rule, method in rules(app):
        access = ACCESS.get(endpoint)
        if access is None or access.kind == "public":
            continue
        if not (access.scope == role.scope or (access.kind == "roles"
                                               and role not in access.roles)):
            continue
        values, missing = url_values(endpoint, rule.arguments, scene, scene.other)
        if missing:
            continue
        url = rule.build(values, append_unknown=False)[1]
        with isolated():
            response = request_with(app, cookie, method, url)
        checked.append(endpoint)
        if response.status_code != 403:
            failures.append(f"{method} {url} ({endpoint}) as {principal} of another "
                            f"{role.scope}: {response.status_code}, not 403")
    assert checked, "no page was checked"
    assert "accounts.show_user" in checked
    assert not failures, "\n".join(failures)


def test_isolation_undoes_what_a_request_commits(app, scene):
    """The matrix relies on it: a POST that disables an account is undone before the next."""
    admin_email = scene.principals[Role.DLA_ADMIN.value]
    with isolated():
        response = request_as(app, admin_email, "POST", f"/admin/users/{scene.user_id}/disable")
        assert response.status_code == 302
        assert db.session.get(User, scene.user_id).is_enabled is False
    assert db.session.get(User, scene.user_id).is_enabled is True
    assert accounts.authenticate("matrix-target@example.go.th", TEST_PASSWORD) is not None
