"""E-mail through a real SMTP server: an aiosmtpd sink on 127.0.0.1 receives what
``flask notify send`` delivers, Thai subject and body intact (UTF-8)."""
import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller

from lgo_assess.notifications import services
from lgo_assess.notifications.models import OutboxMessage
from tests.factories import make_user

THAI = {"lgo": {"th": "องค์การบริหารส่วนตำบลหนองปลาไหล", "en": "Nong Pla Lai SAO"},
        "standard": {"th": "มาตรฐานการบริหารจัดการที่ดี", "en": "Good governance"},
        "fiscal_year": 2569}


class Sink:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_sink(app, monkeypatch):
    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    monkeypatch.setitem(app.config, "MAIL_FROM", "ระบบประเมิน LGO <no-reply@lgo-assess.example>")
    try:
        yield sink
    finally:
        controller.stop()


def test_a_thai_message_arrives_intact(app, app_ctx, db_session, smtp_sink):
    user = make_user(locale="th", email="palad@example.go.th")
    services.notify(user, "assessment.submitted", THAI, link="/assessments/7")
    result = app.test_cli_runner().invoke(args=["notify", "send"])
    assert result.exit_code == 0, result.output
    assert "1 sent" in result.output
    [envelope] = smtp_sink.envelopes
    assert envelope.rcpt_tos == ["palad@example.go.th"]
    raw = envelope.original_content
    assert b"=?utf-8?" in raw.lower()                 # the Thai subject as encoded-words
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert "องค์การบริหารส่วนตำบลหนองปลาไหล" in message["Subject"]
    assert message["From"].addresses[0].display_name == "ระบบประเมิน LGO"
    body = message.get_body(("plain",))
    assert body.get_content_charset() == "utf-8"
    text = body.get_content()
    assert "มาตรฐานการบริหารจัดการที่ดี" in text and "ปีงบประมาณ 2569" in text
    assert "http://127.0.0.1:5000/assessments/7" in text
    [stored] = db_session.query(OutboxMessage).filter_by(to_address=user.email).all()
    assert stored.sent_at is not None and stored.error is None and stored.attempts == 1


def test_nothing_is_sent_twice(app, app_ctx, db_session, smtp_sink):
    services.notify([make_user(), make_user()], "assessment.accepted", THAI)
    for _ in range(2):
        assert app.test_cli_runner().invoke(args=["notify", "send"]).exit_code == 0
    assert len(smtp_sink.envelopes) == 2


def test_an_unreachable_server_leaves_the_message_waiting_with_the_error(app, app_ctx,
                                                                          db_session,
                                                                          monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())    # nobody listens there
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    user = make_user()
    services.notify(user, "assessment.accepted", THAI)
    result = app.test_cli_runner().invoke(args=["notify", "send"])
    assert result.exit_code == 1 and "1 failed" in result.output
    [stored] = db_session.query(OutboxMessage).filter_by(to_address=user.email).all()
    assert stored.sent_at is None and stored.attempts == 1
    assert "ConnectionRefusedError" in stored.error and stored.state == "failed"
