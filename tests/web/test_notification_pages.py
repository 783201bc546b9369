"""The notifications page and the unread badge on every page; opening a notification marks it
read and follows its link; the e-mail outbox for DLA administrators."""
import re

from lgo_assess.core.db import db
from lgo_assess.core.security import Role
from lgo_assess.notifications import services
from tests.factories import make_user

PARAMS = {"lgo": {"th": "เทศบาลนครทดสอบ", "en": "Test City"},
          "standard": {"th": "มาตรฐานทดสอบ", "en": "Test Standard"}, "fiscal_year": 2569,
          "reason": "ขาดแผนพัฒนาท้องถิ่น", "due": "2026-03-31"}


def notify(app, *args, **kwargs):
    """``services.notify`` in a request context, committed (a request rolls back the rest)."""
    with app.test_request_context():
        created = services.notify(*args, **kwargs)
        db.session.commit()
    return created


def badge(html: str) -> str | None:
    match = re.search(r'class="notifications-link"[^>]*>.*?<span class="badge count">(\d+)',
                      html, re.S)
    return match.group(1) if match else None


def test_the_header_counts_unread_notifications_on_every_page(app, client, login_as):
    user = login_as(Role.LGO_EDITOR, locale="th")
    notify(app, user, "assessment.returned", PARAMS, link="/criteria/")
    notify(app, user, "assessment.accepted", PARAMS)
    for url in ("/", "/criteria/", "/profile"):
        assert badge(client.get(url).get_data(as_text=True)) == "2", url
    assert badge(client.get("/").get_data(as_text=True)) == "2"


def test_the_page_renders_each_notification_in_the_readers_language(app, client, login_as):
    user = login_as(Role.LGO_EDITOR, locale="en")
    notify(app, user, "assessment.returned", PARAMS)
    html = client.get("/notifications").get_data(as_text=True)
    assert "Your self-assessment was returned" in html
    assert "Test City" in html and "ขาดแผนพัฒนาท้องถิ่น" in html
    assert "31 March 2569 BE" in html


def test_opening_marks_read_and_follows_the_link(app, client, login_as):
    user = login_as(Role.LGO_EDITOR)
    [notification] = notify(app, user, "assessment.accepted", PARAMS, link="/criteria/")
    response = client.post(f"/notifications/{notification.id}/open")
    assert response.status_code == 302 and response.location.endswith("/criteria/")
    assert db.session.get(type(notification), notification.id).read_at is not None
    assert badge(client.get("/").get_data(as_text=True)) is None


def test_mark_all_as_read(app, client, login_as):
    user = login_as(Role.LGO_EXECUTIVE)
    for _ in range(3):
        notify(app, user, "assessment.accepted", PARAMS, email=False)
    assert client.post("/notifications/read-all").status_code == 302
    assert services.unread_count(user) == 0


def test_someone_elses_notification_is_not_found(app, client, login_as):
    other = make_user()
    [theirs] = notify(app, other, "assessment.accepted", PARAMS, email=False)
    login_as(Role.LGO_EDITOR)
    assert client.post(f"/notifications/{theirs.id}/open").status_code == 404
    assert db.session.get(type(theirs), theirs.id).read_at is None


def test_the_outbox_shows_the_mail_that_was_not_sent(app, client, login_as):
    recipient = make_user(email="nayok@example.go.th", locale="th")
    notify(app, recipient, "assessment.returned", PARAMS)
    login_as(Role.DLA_ADMIN, locale="en")
    html = client.get("/admin/outbox").get_data(as_text=True)
    assert "nayok@example.go.th" in html and "ขาดแผนพัฒนาท้องถิ่น" in html
    assert "No SMTP server is configured" in html
    assert "nayok@example.go.th" in client.get("/admin/outbox?state=pending").get_data(
        as_text=True)
    assert "nayok@example.go.th" not in client.get("/admin/outbox?state=sent").get_data(
        as_text=True)


def test_the_outbox_is_for_administrators(client, login_as):
    login_as(Role.DLA_APPROVER)
    assert client.get("/admin/outbox").status_code == 403
