"""Account services against the database: scopes of grants, the last administrator, disabling,
login throttling, and the audit events each write leaves."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lgo_assess.accounts import services
from lgo_assess.accounts.models import LoginAttempt, LoginSession
from lgo_assess.core.audit import AuditEvent
from lgo_assess.core.db import db, utcnow
from lgo_assess.core.errors import Conflict, Invalid
from lgo_assess.core.security import Role
from tests.factories import TEST_PASSWORD, make_lgo, make_province, make_user


def _actions(user=None) -> list[str]:
    query = select(AuditEvent.action).order_by(AuditEvent.id)
    if user is not None:
        query = query.where(AuditEvent.object_type == "users",
                            AuditEvent.object_id == str(user.id))
    return list(db.session.execute(query).scalars())


# Grants and scopes ---------------------------------------------------------------------------
@pytest.mark.parametrize("role, scope, message_part", [
    (Role.LGO_EDITOR, "province", "one LGO"),
    (Role.LGO_EXECUTIVE, None, "one LGO"),
    (Role.PROVINCIAL_OFFICER, "lgo", "one province"),
    (Role.PROVINCIAL_OFFICER, None, "one province"),
    (Role.DLA_ADMIN, "lgo", "whole country"),
    (Role.ASSESSOR, "province", "whole country"),
])
def test_a_grant_with_the_wrong_scope_is_refused_with_a_clear_message(app_ctx, role, scope,
                                                                      message_part):
    user = make_user()
    kwargs = {"lgo": make_lgo()} if scope == "lgo" else (
        {"province": make_province()} if scope == "province" else {})
    with pytest.raises(Invalid) as refused:
        services.grant_role(user, role, **kwargs)
    assert message_part in str(refused.value.message)
    assert user.grants == []


def test_grants_bind_the_scope_the_role_needs_and_are_audited():
    admin = make_user(Role.DLA_ADMIN)
    user = make_user()
    lgo, province = make_lgo(), make_province()
    services.grant_role(user, Role.LGO_EDITOR, lgo=lgo, actor=admin)
    services.grant_role(user, Role.PROVINCIAL_OFFICER, province=province, actor=admin)
    services.grant_role(user, Role.ASSESSOR, actor=admin)
    assert {(g.role, g.lgo_id, g.province_id) for g in user.grants} == {
        (Role.LGO_EDITOR, lgo.id, None), (Role.PROVINCIAL_OFFICER, None, province.id),
        (Role.ASSESSOR, None, None)}
    assert all(g.granted_by_id == admin.id for g in user.grants)
    assert _actions(user).count("role.granted") == 3
    with pytest.raises(Conflict):
        services.grant_role(user, Role.ASSESSOR, actor=admin)


def test_removing_a_grant_is_audited():
    admin = make_user(Role.DLA_ADMIN)
    user = make_user(Role.ASSESSOR)
    services.revoke_role(user.grants[0], actor=admin)
    assert user.grants == []
    assert _actions(user)[-1] == "role.revoked"


def test_the_last_administrator_keeps_the_role_and_the_account():
    admin = make_user(Role.DLA_ADMIN)
    with pytest.raises(Invalid):
        services.revoke_role(admin.grants[0], actor=None)
    with pytest.raises(Invalid):
        services.set_enabled(admin, False, actor=None)
    second = make_user(Role.DLA_ADMIN)
    services.revoke_role(admin.grants[0], actor=second)
    assert not admin.has_role(Role.DLA_ADMIN)


def test_an_administrator_cannot_disable_their_own_account():
    admin = make_user(Role.DLA_ADMIN)
    make_user(Role.DLA_ADMIN)
    with pytest.raises(Invalid):
        services.set_enabled(admin, False, actor=admin)
    assert admin.is_enabled


def test_disabling_ends_every_session_and_enabling_does_not_revive_them():
    admin = make_user(Role.DLA_ADMIN)
    user = make_user(Role.ASSESSOR)
    tokens = [services.start_login_session(user) for _ in range(2)]
    services.set_enabled(user, False, actor=admin)
    assert all(services.load_user_by_session_token(t) is None for t in tokens)
    services.set_enabled(user, True, actor=admin)
    assert all(services.load_user_by_session_token(t) is None for t in tokens)
    assert _actions(user)[-2:] == ["user.disabled", "user.enabled"]


def test_create_user_checks_the_password_and_duplicates_and_audits(app_ctx):
    admin = make_user(Role.DLA_ADMIN)
    user = services.create_user(" New.Person@Example.go.th ", "คนใหม่", TEST_PASSWORD,
                                actor=admin, hash_method="pbkdf2:sha256:1000")
    assert user.email == "new.person@example.go.th"
    assert _actions(user) == ["user.created"]
    with pytest.raises(Conflict):
        services.create_user("NEW.person@example.go.th", "ซ้ำ", TEST_PASSWORD, actor=admin)
    with pytest.raises(Invalid):
        services.create_user("other@example.go.th", "อื่น", "sawasdee2567", actor=admin)


def test_login_sessions_expire_after_the_session_lifetime(app_ctx):
    user = make_user()
    token = services.start_login_session(user)
    assert services.load_user_by_session_token(token) is user
    later = utcnow() + timedelta(hours=8, minutes=1)
    assert services.load_user_by_session_token(token, now=later) is None
    assert services.active_sessions(user, now=later) == []


def test_end_other_sessions_keeps_only_the_current_one(app_ctx):
    user = make_user()
    keep, other1, other2 = (services.start_login_session(user) for _ in range(3))
    assert services.end_other_sessions(user, keep, actor=user) == 2
    assert services.load_user_by_session_token(keep) is user
    assert services.load_user_by_session_token(other1) is None
    assert [s.token_hash for s in services.active_sessions(user)] == [
        LoginSession.hash_token(keep)]


# Throttling ----------------------------------------------------------------------------------
POLICY = services.ThrottlePolicy(window_seconds=900, per_account=5, per_address=20)


def _fail(email, ip, now=None):
    with pytest.raises(services.LoginRefused):
        services.log_in(email, "wrong password!", ip_address=ip, policy=POLICY, now=now)


def test_five_failures_lock_the_account_from_any_address_even_with_the_right_password(app_ctx):
    user = make_user()
    for i in range(5):
        _fail(user.email, f"10.0.0.{i}")
    with pytest.raises(services.LoginThrottled) as throttled:
        services.log_in(user.email, TEST_PASSWORD, ip_address="10.9.9.9", policy=POLICY)
    assert throttled.value.status == 429
    assert "15" in str(throttled.value.message)
    assert "user.login_throttled" in _actions()


def test_the_account_lock_is_not_global_and_lifts_after_the_window(app_ctx):
    locked, other = make_user(), make_user()
    start = utcnow()
    for _ in range(5):
        _fail(locked.email, "10.0.0.1", now=start)
    assert services.log_in(other.email, TEST_PASSWORD, ip_address="10.0.0.1",
                           policy=POLICY) is other
    later = start + timedelta(seconds=901)
    assert services.log_in(locked.email, TEST_PASSWORD, ip_address="10.0.0.1", policy=POLICY,
                           now=later) is locked


def test_a_successful_login_restarts_the_account_count(app_ctx):
    user = make_user()
    start = utcnow()
    for i in range(4):
        _fail(user.email, "10.0.0.2", now=start + timedelta(seconds=i))
    services.log_in(user.email, TEST_PASSWORD, ip_address="10.0.0.2", policy=POLICY,
                    now=start + timedelta(seconds=10))
    for i in range(4):
        _fail(user.email, "10.0.0.2", now=start + timedelta(seconds=20 + i))
    assert not services.login_throttled(user.email, "10.0.0.2", POLICY,
                                        now=start + timedelta(seconds=30))


def test_twenty_failures_from_one_address_block_it_for_every_account(app_ctx):
    start = utcnow()
    for i in range(20):
        _fail(f"guess{i}@example.go.th", "10.6.6.6", now=start)
    user = make_user()
    with pytest.raises(services.LoginThrottled):
        services.log_in(user.email, TEST_PASSWORD, ip_address="10.6.6.6", policy=POLICY,
                        now=start + timedelta(seconds=1))
    assert services.log_in(user.email, TEST_PASSWORD, ip_address="10.7.7.7", policy=POLICY,
                           now=start + timedelta(seconds=1)) is user


def test_unknown_and_wrong_password_and_disabled_fail_alike_but_are_told_apart_in_audit(app_ctx):
    user = make_user()
    disabled = make_user()
    make_user(Role.DLA_ADMIN)
    services.set_enabled(disabled, False)
    refusals = []
    for email, password in [("nobody@example.go.th", TEST_PASSWORD),
                            (user.email, "wrong password!"), (disabled.email, TEST_PASSWORD)]:
        with pytest.raises(services.LoginRefused) as refused:
            services.log_in(email, password, ip_address="10.1.1.1", policy=POLICY)
        refusals.append((refused.value.status, str(refused.value.message)))
    assert len(set(refusals)) == 1 and refusals[0][0] == 401
    reasons = db.session.execute(select(AuditEvent.details["reason"].as_string()).where(
        AuditEvent.action == "user.login_failed").order_by(AuditEvent.id)).scalars().all()
    assert reasons == ["unknown e-mail", "wrong password", "account disabled"]


def test_old_attempts_are_pruned(app_ctx):
    start = utcnow()
    _fail("someone@example.go.th", "10.2.2.2", now=start - timedelta(days=2))
    _fail("someone@example.go.th", "10.2.2.2", now=start)
    assert db.session.execute(select(func.count()).select_from(LoginAttempt)).scalar() == 1
