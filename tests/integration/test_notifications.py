"""Notifications: one per user in the reader's language, e-mails kept in the outbox without an
SMTP server, dedupe keys, reading them, and who hears of each move of an assessment."""
from datetime import date

import pytest

from lgo_assess.assessments import services as assessments
from lgo_assess.assessments.states import AssessmentStatus as S
from lgo_assess.core.audit import AuditEvent
from lgo_assess.core.errors import NotFound
from lgo_assess.core.security import Role
from lgo_assess.notifications import services
from lgo_assess.notifications.mail import SmtpSettings
from tests.factories import make_province, make_user
from tests.factories_assessments import make_cycle
from tests.notification_helpers import (mails_to, notifications_of, staffed_lgo,
                                        submitted_assessment)

LGO_NAMES = {"lgo": {"th": "เทศบาลตำบลทดสอบ", "en": "Test Subdistrict Municipality"},
             "standard": {"th": "มาตรฐานทดสอบ", "en": "Test Standard"}, "fiscal_year": 2569}


def test_each_user_gets_a_notification_and_an_email_in_their_own_language(app_ctx, db_session):
    thai, english = make_user(locale="th"), make_user(locale="en")
    created = services.notify([thai, english, thai], "assessment.submitted", LGO_NAMES,
                              link="/assessments/1")
    assert [n.user_id for n in created] == [thai.id, english.id]      # once each
    [thai_mail], [english_mail] = mails_to(thai), mails_to(english)
    assert "เทศบาลตำบลทดสอบ" in thai_mail.subject
    assert "Test Subdistrict Municipality" in english_mail.subject
    assert "ปีงบประมาณ 2569" in thai_mail.body and "FY 2569 BE" in english_mail.body
    assert english_mail.body.count("http://") == 1 and "/assessments/1" in english_mail.body
    assert thai_mail.sent_at is None and thai_mail.state == "pending"


def test_disabled_accounts_are_not_told(app_ctx, db_session):
    user = make_user()
    user.is_enabled = False
    assert services.notify(user, "assessment.accepted", LGO_NAMES) == []
    assert mails_to(user) == []


def test_a_dedupe_key_sends_each_user_a_notification_once(app_ctx, db_session):
    first, second = make_user(), make_user()
    assert len(services.notify(first, "assessment.accepted", LGO_NAMES, dedupe_key="k1")) == 1
    again = services.notify([first, second], "assessment.accepted", LGO_NAMES, dedupe_key="k1")
    assert [n.user_id for n in again] == [second.id]
    assert len(notifications_of(first)) == 1 and len(mails_to(first)) == 1


def test_reading_marks_only_your_own_notifications(app_ctx, db_session):
    me, other = make_user(), make_user()
    mine = services.notify(me, "assessment.accepted", LGO_NAMES, email=False)
    theirs = services.notify(other, "assessment.accepted", LGO_NAMES, email=False)
    services.notify(me, "assessment.in_review", LGO_NAMES, email=False)
    assert services.unread_count(me) == 2
    with pytest.raises(NotFound):
        services.get_notification_for(me, theirs[0].id)
    with pytest.raises(NotFound):
        services.mark_read(theirs[0], actor=me)
    services.mark_read(mine[0], actor=me)
    assert mine[0].is_read and services.unread_count(me) == 1
    assert services.mark_all_read(me, actor=me) == 1
    assert services.unread_count(me) == 0 and services.unread_count(other) == 1


def test_without_an_smtp_server_mail_stays_in_the_outbox(app, app_ctx, db_session):
    assert SmtpSettings.from_config(app.config) is None      # tests configure no MAIL_SERVER
    services.notify(make_user(), "assessment.accepted", LGO_NAMES)
    report = services.deliver_outbox(SmtpSettings.from_config(app.config))
    assert not report.configured and report.sent == 0
    assert services.outbox_counts()["pending"] >= 1


def test_an_unknown_kind_still_renders():
    from lgo_assess.notifications import messages
    assert messages.render("no.such.kind", {}).body == ""


# -- Transitions ----------------------------------------------------------------------------------

@pytest.fixture
def setting(app_ctx, db_session):
    cycle = make_cycle()
    province = make_province()
    lgo, editor, executive = staffed_lgo(province=province)
    officer = make_user(Role.PROVINCIAL_OFFICER, province=province)
    elsewhere = make_user(Role.PROVINCIAL_OFFICER, province=make_province())
    approver = make_user(Role.DLA_APPROVER)
    return cycle, lgo, editor, executive, officer, elsewhere, approver


def test_a_submission_tells_the_provinces_officers_and_the_lgos_other_staff(setting):
    cycle, lgo, editor, executive, officer, elsewhere, approver = setting
    assessment = submitted_assessment(cycle, lgo, editor, executive)
    [told] = notifications_of(officer, "assessment.submitted")
    assert told.params["assessment_id"] == assessment.id
    assert told.link == f"/assessments/{assessment.id}"
    assert notifications_of(editor, "assessment.submitted_for_lgo")
    assert notifications_of(executive) == []         # the one who submitted is not told
    assert notifications_of(elsewhere) == [] and notifications_of(approver) == []
    assert len(mails_to(officer)) == 1


def test_a_return_tells_the_lgos_staff_with_the_reason(setting):
    cycle, lgo, editor, executive, officer, _elsewhere, _approver = setting
    assessment = submitted_assessment(cycle, lgo, editor, executive)
    assessments.transition(assessment, S.RETURNED, actor=officer,
                           reason="แนบแผนพัฒนาท้องถิ่นฉบับลงนาม")
    for member in (editor, executive):
        [returned] = notifications_of(member, "assessment.returned")
        assert returned.params["reason"] == "แนบแผนพัฒนาท้องถิ่นฉบับลงนาม"
        assert returned.params["due"] == cycle.self_assessment_due.isoformat()
        assert "แนบแผนพัฒนาท้องถิ่นฉบับลงนาม" in mails_to(member)[-1].body
    assert notifications_of(officer, "assessment.returned") == []


def test_a_withdrawal_tells_the_province(setting):
    cycle, lgo, editor, executive, officer, _elsewhere, _approver = setting
    assessment = submitted_assessment(cycle, lgo, editor, executive)
    assessments.transition(assessment, S.WITHDRAWN, actor=executive, reason="ยุบรวมหน่วยงาน")
    [withdrawn] = notifications_of(officer, "assessment.withdrawn")
    assert withdrawn.params["reason"] == "ยุบรวมหน่วยงาน"
    assert notifications_of(editor, "assessment.withdrawn")


def test_notifications_leave_an_audit_trail(setting):
    cycle, lgo, editor, executive, officer, _elsewhere, _approver = setting
    submitted_assessment(cycle, lgo, editor, executive)
    from sqlalchemy import select

    from lgo_assess.core.db import db
    events = db.session.execute(select(AuditEvent).where(
        AuditEvent.action == "notifications.sent")).scalars().all()
    assert any(officer.id in e.details["users"] for e in events)
    assert all(e.details["kind"].startswith("assessment.") for e in events)


def test_dates_in_messages_are_buddhist_era(app_ctx, db_session):
    from lgo_assess.notifications import messages
    rendered = messages.render("assessment.returned",
                               {**LGO_NAMES, "reason": "x", "due": date(2026, 3, 31).isoformat()})
    assert "2569" in rendered.body and "2026" not in rendered.body


def test_notifying_works_without_an_app_context(db_session):
    """Services run from scripts and tests with no app pushed: the mail is still queued."""
    from flask import has_app_context
    assert not has_app_context()
    user = make_user()
    [notification] = services.notify(user, "assessment.accepted", LGO_NAMES,
                                     link="/assessments/1")
    [mail] = mails_to(user)
    assert notification.link == "/assessments/1" and mail.body.count("/assessments/1") == 1
