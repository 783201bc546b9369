"""Logging in and out: a fresh session at login, cookies that stop working server-side after
logout, a password change or disabling, one message for every failure, and throttling."""
import re
from datetime import timedelta

from sqlalchemy import select, update

from lgo_assess import create_app
from lgo_assess.accounts import services
from lgo_assess.accounts.models import LoginAttempt, LoginSession
from lgo_assess.core.db import db, utcnow
from lgo_assess.core.security import Role
from tests.conftest import make_test_config
from tests.factories import TEST_PASSWORD, make_user


def _cookie(client, app) -> str:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None, "no session cookie was set"
    return cookie.value


def _replay(app, value: str):
    """A new browser that presents a saved session cookie."""
    other = app.test_client()
    other.set_cookie(app.config["SESSION_COOKIE_NAME"], value)
    return other


def _refused(response) -> bool:
    return response.status_code == 302 and response.location.startswith("/login")


def _flashes(response) -> list[str]:
    return re.findall(r'<p class="flash flash-error">([^<]*)</p>', response.get_data(as_text=True))


def test_login_renews_the_session_and_drops_what_was_in_it(app, client):
    with client.session_transaction() as session:  # (its teardown rolls back unsaved rows)
        session["planted_before_login"] = "attacker-chosen"
    user = make_user()
    before = _cookie(client, app)
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    after = _cookie(client, app)
    assert after != before
    with client.session_transaction() as session:
        assert "planted_before_login" not in session
        assert session.get("_user_id"), "the new session does not carry the login token"


def test_after_logout_the_old_cookie_is_refused(app, client, login):
    login(make_user())
    saved = _cookie(client, app)
    assert client.get("/profile").status_code == 200
    assert client.post("/logout").status_code == 302
    replayed = _replay(app, saved).get("/profile")
    assert _refused(replayed), replayed.status_code


def test_after_a_password_change_old_cookies_are_refused_and_the_changer_stays_in(app, client,
                                                                                   login):
    user = login(make_user())
    elsewhere = app.test_client()
    elsewhere.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    saved_here, saved_elsewhere = _cookie(client, app), _cookie(elsewhere, app)
    response = client.post("/profile", data={
        "current_password": TEST_PASSWORD, "new_password": "a brand new passphrase 42",
        "confirm": "a brand new passphrase 42"})
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200, "the user who changed it was logged out"
    assert _refused(_replay(app, saved_here).get("/profile"))
    assert _refused(_replay(app, saved_elsewhere).get("/profile"))


def test_a_weak_new_password_is_refused_on_the_profile_page(client, login):
    user = login(make_user())
    response = client.post("/profile", data={
        "current_password": TEST_PASSWORD, "new_password": "password1234",
        "confirm": "password1234"})
    assert response.status_code == 422
    assert "too common" in response.get_data(as_text=True)
    assert services.authenticate(user.email, TEST_PASSWORD) is user


def test_after_the_account_is_disabled_its_cookie_is_refused(app, client, login):
    user = login(make_user(locale="en"))
    saved = _cookie(client, app)
    admin = make_user(Role.DLA_ADMIN)
    services.set_enabled(user, False, actor=admin)
    db.session.commit()
    assert _refused(_replay(app, saved).get("/profile"))
    assert _refused(client.get("/profile"))


def test_a_session_older_than_its_lifetime_is_refused(app, client, login):
    user = login(make_user())
    db.session.execute(update(LoginSession).where(LoginSession.user_id == user.id).values(
        created_at=utcnow() - timedelta(hours=8, minutes=1)))
    db.session.commit()
    assert _refused(client.get("/profile"))


def test_wrong_password_and_unknown_email_get_the_same_401_and_message(client):
    user = make_user(locale="en")
    wrong = client.post("/login?lang=en", data={"email": user.email, "password": "not it at all"})
    unknown = client.post("/login", data={"email": "nobody@example.go.th",
                                          "password": "not it at all"})
    assert wrong.status_code == unknown.status_code == 401
    assert _flashes(wrong) and _flashes(wrong) == _flashes(unknown)
    assert user.email not in unknown.get_data(as_text=True)


def test_the_login_page_refuses_a_disabled_account_like_a_wrong_password(client):
    user = make_user()
    make_user(Role.DLA_ADMIN)
    services.set_enabled(user, False)
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 401


def test_repeated_failures_are_throttled_with_429_and_a_translated_message(client):
    user = make_user()
    for _ in range(5):
        assert client.post("/login", data={"email": user.email,
                                           "password": "still wrong!"}).status_code == 401
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) == 900
    messages = _flashes(response)
    assert messages and "15" in messages[0]
    assert "<form" in response.get_data(as_text=True), "the 429 page should still offer the form"


def test_the_throttle_is_per_address_not_global(client):
    attacker = {"REMOTE_ADDR": "203.0.113.9"}
    for i in range(20):
        client.post("/login", data={"email": f"guess{i}@example.go.th", "password": "guess it!"},
                    environ_base=attacker)
    user = make_user()
    blocked = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD},
                          environ_base=attacker)
    assert blocked.status_code == 429
    elsewhere = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD},
                            environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert elsewhere.status_code == 302


def test_login_goes_to_next_but_never_off_site(client):
    user = make_user()
    ok = client.post("/login?next=/profile", data={"email": user.email,
                                                   "password": TEST_PASSWORD})
    assert ok.location == "/profile"
    for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        client.post("/logout")
        response = client.post("/login", query_string={"next": evil},
                               data={"email": user.email, "password": TEST_PASSWORD})
        assert response.location == "/", evil


def test_after_login_the_users_language_is_used(client):
    user = make_user(locale="en")
    client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert '<html lang="en">' in client.get("/profile").get_data(as_text=True)


def _attempt_addresses():
    return list(db.session.execute(select(LoginAttempt.ip_address)).scalars())


def test_behind_a_trusted_proxy_the_throttle_sees_the_forwarded_client_address(database_url,
                                                                               tmp_path):
    proxied = create_app({**make_test_config(tmp_path, database_url), "TRUSTED_PROXIES": 1})
    proxied.test_client().post("/login", data={"email": "a@example.go.th",
                                               "password": "wrong password!"},
                               headers={"X-Forwarded-For": "203.0.113.50"})
    assert _attempt_addresses() == ["203.0.113.50"]


def test_without_trusted_proxies_a_forwarded_address_is_ignored(client):
    client.post("/login", data={"email": "a@example.go.th", "password": "wrong password!"},
                headers={"X-Forwarded-For": "203.0.113.50"})
    assert _attempt_addresses() == ["127.0.0.1"]
