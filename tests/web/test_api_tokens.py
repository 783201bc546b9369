"""Personal API tokens: made and revoked on the profile page, shown once, stored as a hash;
revoked, expired and disabled-account tokens refused."""
from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lgo_assess.accounts import services as accounts
from lgo_assess.api import services
from lgo_assess.api.models import ApiToken
from lgo_assess.core.audit import AuditEvent
from lgo_assess.core.db import db, utcnow
from lgo_assess.core.errors import Invalid
from lgo_assess.core.security import Role
from tests.factories import make_user
from tests.web.api_helpers import bearer, token_for

SECRET = re.compile(r"lgoa_[A-Za-z0-9_-]{40,}")


def _tokens(user) -> list[ApiToken]:
    return list(db.session.execute(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.id)).scalars())


def _actions(user) -> list[str]:
    return list(db.session.execute(select(AuditEvent.action).where(
        AuditEvent.actor_id == user.id, AuditEvent.action.like("api_token.%"))
        .order_by(AuditEvent.id)).scalars())


def test_a_token_made_on_the_profile_is_shown_once_and_stored_hashed(client, login):
    user = login(make_user(Role.LGO_EDITOR))
    profile = client.get("/profile").get_data(as_text=True)
    assert 'id="api-tokens"' in profile and "/profile/api-tokens" in profile
    created = client.post("/profile/api-tokens", data={"name": "ระบบ e-plan", "expires": "90"})
    assert created.status_code == 200
    assert created.headers["Cache-Control"] == "no-store"
    secret = SECRET.search(created.get_data(as_text=True)).group(0)
    [token] = _tokens(user)
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(token.prefix) and len(token.prefix) < len(secret) // 3
    assert secret not in {token.name, token.prefix, token.token_hash}
    assert timedelta(days=89) < token.expires_at - token.created_at <= timedelta(days=90)
    again = client.get("/profile").get_data(as_text=True)
    assert secret not in again and token.prefix in again and "ระบบ e-plan" in again
    assert client.get("/api/v1/regions", headers=bearer(secret)).status_code == 200
    assert _actions(user) == ["api_token.created"]


def test_a_token_revoked_on_the_profile_stops_working(client, login):
    user = login(make_user(Role.LGO_EDITOR))
    secret = token_for(user)
    db.session.commit()
    [token] = _tokens(user)
    assert client.get("/api/v1/regions", headers=bearer(secret)).status_code == 200
    response = client.post(f"/profile/api-tokens/{token.id}/revoke")
    assert response.status_code == 302
    assert token.revoked_at is not None
    assert client.get("/api/v1/regions", headers=bearer(secret)).status_code == 401
    assert token.prefix not in client.get("/profile").get_data(as_text=True)
    assert _actions(user) == ["api_token.created", "api_token.revoked"]


def test_nobody_revokes_someone_elses_token(client, login):
    owner = make_user(Role.DLA_ADMIN)
    secret = token_for(owner)
    [token] = _tokens(owner)
    login(make_user(Role.DLA_ADMIN))
    assert client.post(f"/profile/api-tokens/{token.id}/revoke").status_code == 404
    assert token.revoked_at is None
    assert client.get("/api/v1/regions", headers=bearer(secret)).status_code == 200


def test_an_expired_token_is_refused(client, app_ctx):
    user = make_user(Role.DLA_ADMIN)
    issued = services.create_token(user, "old", expires_in_days=30, actor=user,
                                   now=utcnow() - timedelta(days=31))
    response = client.get("/api/v1/regions", headers=bearer(issued.secret))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_disabled_accounts_token_is_refused(client, app_ctx):
    user = make_user(Role.LGO_EDITOR)
    secret = token_for(user)
    make_user(Role.DLA_ADMIN)  # someone else stays administrator
    accounts.set_enabled(user, False)
    assert client.get("/api/v1/regions", headers=bearer(secret)).status_code == 401


def test_a_token_acts_with_its_users_roles_as_they_are_now(client, app_ctx):
    user = make_user(Role.DLA_ADMIN)
    secret = token_for(user)
    url = "/api/v1/assessments/1/scores"
    assert client.get(url, headers=bearer(secret)).status_code == 403   # not an assessor
    accounts.grant_role(user, Role.ASSESSOR)
    assert client.get(url, headers=bearer(secret)).status_code == 404   # now past the gate


def test_a_token_needs_a_name_and_an_offered_lifetime(client, login):
    user = login(make_user(Role.LGO_EDITOR))
    client.post("/profile/api-tokens", data={"name": "  ", "expires": "90"})
    client.post("/profile/api-tokens", data={"name": "x", "expires": "7"})
    assert _tokens(user) == []
    response = client.post("/profile/api-tokens", data={"name": "x", "expires": "never"})
    assert response.status_code == 200
    assert [t.expires_at for t in _tokens(user)] == [None]


def test_a_user_holds_a_bounded_number_of_live_tokens(app_ctx):
    user = make_user()
    for n in range(services.MAX_ACTIVE_TOKENS):
        services.create_token(user, f"t{n}", expires_in_days=None, actor=user)
    with pytest.raises(Invalid):
        services.create_token(user, "one more", expires_in_days=None, actor=user)
    services.revoke_token(_tokens(user)[0], actor=user)
    assert services.create_token(user, "after a revocation", expires_in_days=None, actor=user)


def test_last_use_is_written_at_most_once_a_minute(app_ctx):
    user = make_user()
    issued = services.create_token(user, "busy", expires_in_days=None, actor=user)
    start = utcnow()
    services.token_for(issued.secret, now=start)
    services.token_for(issued.secret, now=start + timedelta(seconds=59))
    assert issued.token.last_used_at == start
    services.token_for(issued.secret, now=start + timedelta(seconds=61))
    assert issued.token.last_used_at == start + timedelta(seconds=61)
