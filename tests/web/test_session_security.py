"""Start-up and cookie settings that protect sessions: no development SECRET_KEY outside debug
and testing; session cookies HttpOnly, SameSite=Lax, and Secure when the site is on HTTPS;
ended login sessions pruned."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lgo_assess import InsecureConfiguration, create_app
from lgo_assess.accounts import services
from lgo_assess.accounts.models import LoginSession
from lgo_assess.config import DEVELOPMENT_SECRET_KEY, Config
from lgo_assess.core.db import db, utcnow
from tests.conftest import make_test_config
from tests.factories import TEST_PASSWORD, make_user


def _config(tmp_path, database_url, **overrides) -> dict:
    return {**make_test_config(tmp_path, database_url), "TESTING": False, **overrides}


@pytest.mark.parametrize("key", [DEVELOPMENT_SECRET_KEY, "", "   "])
def test_production_refuses_to_start_with_the_development_or_no_secret_key(tmp_path, database_url,
                                                                            key):
    with pytest.raises(InsecureConfiguration) as refusal:
        create_app(_config(tmp_path, database_url, SECRET_KEY=key))
    message = str(refusal.value)
    assert "SECRET_KEY" in message and "export SECRET_KEY=" in message and "FLASK_DEBUG" in message


def test_the_development_key_is_allowed_in_debug_and_testing_and_a_real_key_anywhere(
        tmp_path, database_url):
    assert create_app(_config(tmp_path, database_url, SECRET_KEY=DEVELOPMENT_SECRET_KEY,
                              DEBUG=True)).debug
    assert create_app(_config(tmp_path, database_url, SECRET_KEY=DEVELOPMENT_SECRET_KEY,
                              TESTING=True)).testing
    assert create_app(_config(tmp_path, database_url, SECRET_KEY="a" * 64)) is not None


def test_the_default_secret_key_is_the_refused_one():
    assert Config.from_env({})["SECRET_KEY"] == DEVELOPMENT_SECRET_KEY
    assert Config.from_env({"SECRET_KEY": "from the environment"})["SECRET_KEY"] == \
        "from the environment"


def test_cookies_are_secure_when_the_site_is_on_https_unless_told_otherwise():
    assert Config.from_env({})["SESSION_COOKIE_SECURE"] is False
    assert Config.from_env({"PUBLIC_BASE_URL": "https://lgo.example.go.th"})[
        "SESSION_COOKIE_SECURE"] is True
    assert Config.from_env({"PUBLIC_BASE_URL": "http://127.0.0.1:5000",
                            "SESSION_COOKIE_SECURE": "1"})["SESSION_COOKIE_SECURE"] is True
    assert Config.from_env({"PUBLIC_BASE_URL": "https://lgo.example.go.th",
                            "SESSION_COOKIE_SECURE": "0"})["SESSION_COOKIE_SECURE"] is False


def _login_cookie_header(app, user) -> str:
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD},
                           base_url="https://localhost")
    assert response.status_code == 302
    cookies = [h for h in response.headers.getlist("Set-Cookie")
               if h.startswith(app.config["SESSION_COOKIE_NAME"] + "=")]
    assert cookies, "the login set no session cookie"
    return cookies[-1]


def test_the_session_cookie_is_httponly_and_samesite_lax(app):
    user = make_user()
    header = _login_cookie_header(app, user)
    assert "HttpOnly" in header and "SameSite=Lax" in header
    assert "Secure" not in header  # the test app runs on http://


def test_on_https_the_session_cookie_is_secure(tmp_path, database_url):
    secure = Config.from_env({"PUBLIC_BASE_URL": "https://lgo.example.go.th"})[
        "SESSION_COOKIE_SECURE"]
    https_app = create_app({**make_test_config(tmp_path, database_url),
                            "SESSION_COOKIE_SECURE": secure})
    header = _login_cookie_header(https_app, make_user())
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header


# Pruning -------------------------------------------------------------------------------------
def _session(user, age: timedelta, *, ended: bool = False) -> LoginSession:
    token = services.start_login_session(user)
    row = db.session.execute(select(LoginSession).where(
        LoginSession.token_hash == LoginSession.hash_token(token))).scalar_one()
    row.created_at = utcnow() - age
    if ended:
        row.revoked_at = row.created_at + timedelta(hours=1)
    db.session.flush()
    return row


def _count(user) -> int:
    return db.session.execute(select(func.count()).select_from(LoginSession)
                              .where(LoginSession.user_id == user.id)).scalar_one()


def test_sessions_that_ended_over_the_retention_ago_are_pruned(app_ctx):
    user = make_user()
    old_ended = _session(user, timedelta(days=100), ended=True)
    old_expired = _session(user, timedelta(days=91))
    recent_ended = _session(user, timedelta(days=10), ended=True)
    live = _session(user, timedelta(hours=1))
    assert services.prune_login_sessions() == 2
    left = set(db.session.execute(select(LoginSession.id).where(
        LoginSession.user_id == user.id)).scalars())
    assert left == {recent_ended.id, live.id}
    assert old_ended.id not in left and old_expired.id not in left


def test_a_login_prunes_old_sessions(client):
    user = make_user()
    _session(user, timedelta(days=120), ended=True)
    assert _count(user) == 1
    client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert _count(user) == 1, "the old session was not pruned at login (or no new one opened)"
    assert db.session.execute(select(func.min(LoginSession.created_at)).where(
        LoginSession.user_id == user.id)).scalar_one() > utcnow() - timedelta(minutes=5)


def test_flask_users_prune_sessions(app):
    user = make_user()
    _session(user, timedelta(days=200))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["users", "prune-sessions"])
    assert result.exit_code == 0, result.output
    assert "1 old login sessions deleted" in result.output
    assert _count(user) == 0
