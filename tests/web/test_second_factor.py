"""The second factor: a password alone logs no approver or administrator in; enrolment (QR and
key, confirmed with a code) before anything else; single-use codes within one step of the
clock; throttling of wrong codes; recovery codes; resets by an administrator and by the CLI."""
import re
from datetime import datetime, timedelta, timezone

import pyotp
from sqlalchemy import select, update

from lgo_assess.accounts import services, totp
from lgo_assess.accounts.models import LoginSession, RecoveryCode, SecondFactor, User
from lgo_assess.core.audit import AuditEvent
from lgo_assess.core.db import db, utcnow
from lgo_assess.core.security import Role
from tests.factories import TEST_PASSWORD, TEST_TOTP_SECRET, make_user
from tests.logins import log_in_client

NOW_STEP = lambda: totp.step_at(datetime.now(timezone.utc))  # noqa: E731


def _password(client, user, query: str = ""):
    return client.post("/login" + query, data={"email": user.email, "password": TEST_PASSWORD})


def _code(client, code: str):
    return client.post("/login/code", data={"code": code})


def _flashes(response) -> list[str]:
    return re.findall(r'<p class="flash flash-error">([^<]*)</p>', response.get_data(as_text=True))


def _sent_to_login(response) -> bool:
    return response.status_code == 302 and response.location.startswith("/login")


def _cookie(app, client) -> str:
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


def _actions(user) -> list[str]:
    return list(db.session.execute(select(AuditEvent.action).where(
        AuditEvent.object_id == str(user.id)).order_by(AuditEvent.id)).scalars())


# Two steps -----------------------------------------------------------------------------------
def test_a_password_alone_does_not_log_an_administrator_in(app, client):
    admin = make_user(Role.DLA_ADMIN, locale="en")
    db.session.commit()
    response = _password(client, admin, "?next=/admin/users")
    assert response.status_code == 302 and response.location == "/login/code"
    waiting_cookie = _cookie(app, client)
    for path in ("/admin/users", "/profile"):
        assert _sent_to_login(client.get(path)), f"{path} opened before the code"
    assert client.get("/login").location == "/login/code", "the login page forgets the step"
    page = client.get("/login/code").get_data(as_text=True)
    assert 'name="code"' in page and 'autocomplete="one-time-code"' in page
    response = _code(client, pyotp.TOTP(TEST_TOTP_SECRET).now())
    assert response.status_code == 302 and response.location == "/admin/users"
    assert client.get("/admin/users").status_code == 200
    other = app.test_client()
    other.set_cookie(app.config["SESSION_COOKIE_NAME"], waiting_cookie)
    assert _sent_to_login(other.get("/admin/users")), "the cookie before the code logs in"
    assert "user.logged_in" in _actions(admin)


def test_a_user_without_a_second_factor_logs_in_with_the_password(client):
    editor = make_user(Role.LGO_EDITOR)
    response = _password(client, editor)
    assert response.status_code == 302 and response.location == "/"
    assert client.get("/profile").status_code == 200


def test_a_wrong_code_is_refused_and_recorded(client):
    approver = make_user(Role.DLA_APPROVER, locale="en")
    _password(client, approver)
    right = pyotp.TOTP(TEST_TOTP_SECRET).now()
    response = _code(client, "000000" if right != "000000" else "111111")
    assert response.status_code == 401
    assert "not right" in _flashes(response)[0]
    assert _sent_to_login(client.get("/profile"))
    assert "user.second_factor_failed" in _actions(approver)


def test_a_code_is_accepted_once(app, client):
    admin = make_user(Role.DLA_ADMIN)
    code = totp.code_at_step(TEST_TOTP_SECRET, NOW_STEP())
    _password(client, admin)
    assert _code(client, code).status_code == 302
    client.post("/logout")
    _password(client, admin)
    replay = _code(client, code)
    assert replay.status_code == 401, "a used code was accepted again"
    assert _sent_to_login(client.get("/profile"))


def test_a_code_of_the_step_before_is_accepted_but_not_an_older_one(client):
    admin = make_user(Role.DLA_ADMIN)
    _password(client, admin)
    assert _code(client, totp.code_at_step(TEST_TOTP_SECRET, NOW_STEP() - 3)).status_code == 401
    assert _code(client, totp.code_at_step(TEST_TOTP_SECRET, NOW_STEP() - 1)).status_code == 302


def test_an_older_code_than_the_last_accepted_one_is_refused(client):
    """Accepting the next step's code burns the current one: steps only move forward."""
    admin = make_user(Role.DLA_ADMIN)
    _password(client, admin)
    assert _code(client, totp.code_at_step(TEST_TOTP_SECRET, NOW_STEP() + 1)).status_code == 302
    client.post("/logout")
    _password(client, admin)
    assert _code(client, totp.code_at_step(TEST_TOTP_SECRET, NOW_STEP())).status_code == 401


def test_wrong_codes_are_throttled_and_a_right_password_does_not_reset_the_count(client):
    admin = make_user(Role.DLA_ADMIN, locale="en")
    right = totp.code_at_step(TEST_TOTP_SECRET, NOW_STEP())
    wrong = "123456" if right != "123456" else "654321"
    _password(client, admin)
    for attempt in range(5):
        if attempt == 3:  # log in again with the right password half way
            client.post("/login/cancel")
            assert _password(client, admin).location == "/login/code"
        assert _code(client, wrong).status_code == 401
    response = _code(client, right)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) == 900
    assert "Too many wrong codes" in _flashes(response)[0] and "15" in _flashes(response)[0]
    assert _sent_to_login(client.get("/profile"))


def test_the_code_throttle_is_per_account(app, client):
    admin, other = make_user(Role.DLA_ADMIN), make_user(Role.DLA_ADMIN)
    _password(client, admin)
    for _ in range(5):
        _code(client, "000001")
    elsewhere = app.test_client()
    _password(elsewhere, other)
    assert _code(elsewhere, pyotp.TOTP(TEST_TOTP_SECRET).now()).status_code == 302


def test_the_waiting_login_expires_after_ten_minutes(client):
    admin = make_user(Role.DLA_ADMIN, locale="en")
    _password(client, admin)
    db.session.execute(update(LoginSession).where(LoginSession.user_id == admin.id)
                       .values(created_at=utcnow() - timedelta(minutes=11)))
    response = _code(client, pyotp.TOTP(TEST_TOTP_SECRET).now())
    assert _sent_to_login(response)
    assert "expired" in client.get("/login").get_data(as_text=True)


def test_cancel_ends_the_waiting_login(client):
    admin = make_user(Role.DLA_ADMIN)
    _password(client, admin)
    assert client.post("/login/cancel").location == "/login"
    assert db.session.execute(select(LoginSession.revoked_at).where(
        LoginSession.user_id == admin.id)).scalar_one() is not None
    assert _sent_to_login(_code(client, pyotp.TOTP(TEST_TOTP_SECRET).now()))


# Enrolment -----------------------------------------------------------------------------------
def _enrol_secret(client) -> str:
    with client.session_transaction() as session:
        return session["enrol_secret"]


def test_an_approver_without_an_authenticator_must_set_one_up_first(app, client):
    approver = make_user(Role.DLA_APPROVER, locale="en", second_factor=False)
    db.session.commit()
    response = _password(client, approver)
    assert response.location == "/login/enrol"
    for path in ("/profile", "/kpi/", "/certification/decisions"):
        assert _sent_to_login(client.get(path)), f"{path} opened before enrolment"
    page = client.get("/login/enrol").get_data(as_text=True)
    secret = _enrol_secret(client)
    assert totp.grouped(secret) in page
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert "<path" in svg and "script" not in svg and "style=" not in svg
    assert client.post("/login/enrol", data={"code": "12345"}).status_code == 422
    wrong = client.post("/login/enrol", data={"code": totp.code_at_step(secret, NOW_STEP() - 5)})
    assert wrong.status_code == 422 and "does not match" in wrong.get_data(as_text=True)
    assert not services.has_second_factor(approver)
    done = client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", done.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/profile").status_code == 200, "enrolment did not finish the login"
    stored = db.session.execute(select(SecondFactor).where(
        SecondFactor.user_id == approver.id)).scalar_one()
    assert secret not in stored.secret_encrypted, "the secret is stored in the clear"
    hashes = set(db.session.execute(select(RecoveryCode.code_hash).where(
        RecoveryCode.user_id == approver.id)).scalars())
    assert hashes == {totp.hash_recovery_code(c) for c in codes}
    assert not any(c.replace("-", "") in h for c in codes for h in hashes)
    later = client.get("/profile/two-factor").get_data(as_text=True)
    assert totp.grouped(secret) not in later and "10 unused recovery codes" in later
    assert "user.second_factor_enrolled" in _actions(approver)


def test_a_role_that_needs_a_second_factor_given_mid_session_sends_the_user_to_enrol(client,
                                                                                    login):
    user = login(make_user(Role.ASSESSOR))
    services.grant_role(user, Role.DLA_APPROVER)
    db.session.commit()
    assert _sent_to_login(client.get("/profile"))
    client.post("/logout")
    assert _password(client, user).location == "/login/enrol"


def test_any_user_can_set_up_an_authenticator_from_the_profile(app, client, login):
    editor = login(make_user(Role.LGO_EDITOR, locale="en"))
    phone = app.test_client()
    log_in_client(phone, editor.email)
    assert "Set up an authenticator app" in client.get("/profile").get_data(as_text=True)
    page = client.get("/profile/two-factor").get_data(as_text=True)
    secret = _enrol_secret(client)
    assert totp.grouped(secret) in page
    done = client.post("/profile/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and done.get_data(as_text=True).count("<li><code>") == 10
    assert client.get("/profile").status_code == 200, "the enrolling session was logged out"
    assert _sent_to_login(phone.get("/profile")), "a session without the code stays in"
    client.post("/logout")
    assert _password(client, editor).location == "/login/code"
    assert _code(client, totp.code_at_step(secret, NOW_STEP() + 1)).status_code == 302


def test_a_recovery_code_works_once_and_new_ones_replace_the_old(app, client):
    admin = make_user(Role.DLA_ADMIN, locale="en")
    codes = services.new_recovery_codes(admin)
    db.session.commit()
    _password(client, admin)
    response = _code(client, codes[0].upper().replace("-", " "))
    assert response.status_code == 302
    assert "9 are left" in client.get("/profile").get_data(as_text=True)
    client.post("/logout")
    _password(client, admin)
    assert _code(client, codes[0]).status_code == 401, "a used recovery code worked again"
    assert _code(client, codes[1]).status_code == 302
    new = client.post("/profile/two-factor/recovery-codes")
    fresh = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", new.get_data(as_text=True))
    assert len(fresh) == 10
    client.post("/logout")
    _password(client, admin)
    assert _code(client, codes[2]).status_code == 401, "an old recovery code still works"
    assert _code(client, fresh[0]).status_code == 302


def test_a_password_change_keeps_an_administrator_logged_in(client, login):
    admin = login(make_user(Role.DLA_ADMIN))
    response = client.post("/profile", data={
        "current_password": TEST_PASSWORD, "new_password": "a brand new passphrase 42",
        "confirm": "a brand new passphrase 42"})
    assert response.status_code == 302
    assert client.get("/admin/users").status_code == 200
    assert len(services.active_sessions(admin)) == 1


# Resets --------------------------------------------------------------------------------------
def test_an_administrator_resets_a_lost_second_factor(app, client, login_as):
    login_as(Role.DLA_ADMIN, locale="en")
    approver = make_user(Role.DLA_APPROVER)
    db.session.commit()
    their_browser = app.test_client()
    log_in_client(their_browser, approver.email)
    page = client.get(f"/admin/users/{approver.id}").get_data(as_text=True)
    assert "Authenticator app set up" in page
    response = client.post(f"/admin/users/{approver.id}/second-factor/reset",
                           follow_redirects=True)
    assert "second factor was removed" in response.get_data(as_text=True)
    assert not services.has_second_factor(approver)
    assert _sent_to_login(their_browser.get("/profile")), "their sessions survived the reset"
    event = db.session.execute(select(AuditEvent).where(
        AuditEvent.action == "user.second_factor_reset")).scalar_one()
    assert event.object_id == str(approver.id)
    their_browser.post("/login/cancel")
    assert _password(their_browser, approver).location == "/login/enrol"


def test_flask_users_reset_2fa(app):
    approver = make_user(Role.DLA_APPROVER, email="lost.phone@example.go.th")
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "reset-2fa", "Lost.Phone@example.go.th"])
    assert result.exit_code == 0, result.output
    assert not services.has_second_factor(approver)
    again = runner.invoke(args=["users", "reset-2fa", "lost.phone@example.go.th"])
    assert again.exit_code != 0 and "no second factor" in again.output
    unknown = runner.invoke(args=["users", "reset-2fa", "nobody@example.go.th"])
    assert unknown.exit_code != 0 and "no user" in unknown.output


def test_a_secret_encrypted_under_another_key_asks_for_a_reset(client):
    admin = make_user(Role.DLA_ADMIN, locale="en")
    db.session.execute(update(SecondFactor).where(SecondFactor.user_id == admin.id).values(
        secret_encrypted=totp.encrypt_secret(TEST_TOTP_SECRET, "another key")))
    _password(client, admin)
    response = _code(client, pyotp.TOTP(TEST_TOTP_SECRET).now())
    assert response.status_code == 409
    assert "reset your second factor" in _flashes(response)[0]


def test_the_demo_administrator_passes_with_the_published_demo_key(app, client):
    from lgo_assess.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
    from lgo_assess.demo.accounts import enrol_demo_second_factor
    user = services.create_user("admin2fa@demo.example", "Demo", DEMO_PASSWORD,
                                hash_method="pbkdf2:sha256:1000")
    services.grant_role(user, Role.DLA_ADMIN)
    with app.app_context():
        assert enrol_demo_second_factor(user) == 1
        db.session.commit()
        code = app.test_cli_runner().invoke(args=["demo", "code"]).output.split()[0]
    client.post("/login", data={"email": user.email, "password": DEMO_PASSWORD})
    assert code == pyotp.TOTP(DEMO_TOTP_SECRET).now() or code == totp.code_at_step(
        DEMO_TOTP_SECRET, NOW_STEP() - 1)
    assert _code(client, code).status_code == 302
    assert db.session.get(User, user.id) is not None


def test_the_second_step_speaks_thai(thai_client):
    admin = make_user(Role.DLA_ADMIN, locale="th")
    db.session.commit()
    thai_client.post("/login", data={"email": admin.email, "password": TEST_PASSWORD})
    page = thai_client.get("/login/code").get_data(as_text=True)
    assert "กรอกรหัสยืนยันตัวตน" in page and "ยกเลิกและเข้าสู่ระบบด้วยบัญชีอื่น" in page
    wrong = thai_client.post("/login/code", data={"code": "12"})
    assert "รหัสไม่ถูกต้องหรือถูกใช้ไปแล้ว" in wrong.get_data(as_text=True)


def test_a_code_sent_before_any_key_was_shown_is_refused(client):
    approver = make_user(Role.DLA_APPROVER, second_factor=False)
    _password(client, approver)
    response = client.post("/login/enrol", data={"code": "123456"})
    assert response.status_code == 422
    assert not services.has_second_factor(approver)
