"""The profile: language preference, the list of active sessions, logging out the others."""
from lgo_assess.accounts.models import User
from lgo_assess.core.audit import AuditEvent
from lgo_assess.core.db import db
from tests.factories import TEST_PASSWORD, make_user


def test_the_language_is_saved_for_the_user_and_used_at_the_next_login(app, client, login):
    user = login(make_user(locale="th"))
    response = client.post("/profile/language", data={"locale": "en"})
    assert response.status_code == 302
    assert db.session.get(User, user.id).locale == "en"
    client.post("/logout")
    fresh = app.test_client()
    fresh.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert '<html lang="en">' in fresh.get("/profile").get_data(as_text=True)
    assert db.session.query(AuditEvent).filter_by(action="user.locale_changed").count() == 1


def test_the_header_switch_also_saves_the_language_for_the_user(client, login):
    user = login(make_user(locale="th"))
    client.post("/language", data={"lang": "en", "next": "/profile"})
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "en"


def test_an_invalid_language_is_refused(client, login):
    user = login(make_user(locale="th"))
    client.post("/profile/language", data={"locale": "fr"})
    assert db.session.get(User, user.id).locale == "th"


def test_the_profile_lists_active_sessions_and_logs_out_the_others(app, client, login):
    user = login(make_user(locale="en"))
    phone = app.test_client()
    phone.post("/login", data={"email": user.email, "password": TEST_PASSWORD},
               headers={"User-Agent": "PhoneBrowser/1.0"}, environ_base={"REMOTE_ADDR": "10.3.3.3"})
    page = client.get("/profile").get_data(as_text=True)
    assert "PhoneBrowser/1.0" in page and "10.3.3.3" in page and "This session" in page
    response = client.post("/profile/sessions/end-others", follow_redirects=True)
    assert "1 other session was logged out" in response.get_data(as_text=True)
    assert phone.get("/profile").status_code == 302
    assert client.get("/profile").status_code == 200
