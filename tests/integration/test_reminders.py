"""``flask notify deadlines``: reminders 30, 7 and 1 days before the self-assessment deadline to
the staff of LGOs that have not submitted, never twice, following an LGO's extension; the
review and decision deadlines remind officers and approvers."""
from datetime import date, timedelta

import pytest

from lgo_assess.assessments import services as assessments
from lgo_assess.assessments.states import AssessmentStatus as S
from lgo_assess.core.security import Role
from lgo_assess.notifications import reminders
from tests.factories import make_lgo, make_province, make_user
from tests.factories_assessments import DURING, make_cycle
from tests.notification_helpers import (mails_to, notifications_of, staffed_lgo,
                                        submitted_assessment)

DUE = date(2026, 3, 31)          # make_cycle's self-assessment deadline


@pytest.fixture
def cycle(app_ctx, db_session):
    return make_cycle()


def run(app, day: date):
    result = app.test_cli_runner().invoke(args=["notify", "deadlines", "--today",
                                                day.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


def reminded_days(user) -> list[int]:
    return [n.params["days_left"] for n in notifications_of(user, "reminder.self_assessment")]


@pytest.mark.parametrize("days", [30, 7, 1])
def test_a_reminder_goes_out_30_7_and_1_days_before(app, cycle, days):
    _lgo, editor, executive = staffed_lgo()
    output = run(app, DUE - timedelta(days=days))
    assert reminded_days(editor) == [days] and reminded_days(executive) == [days]
    assert "self_assessment 2" in output
    [mail] = mails_to(editor)
    assert mail.sent_at is None                       # no MAIL_SERVER: kept in the outbox
    assert "2569" in mail.body                        # the deadline in B.E.


def test_days_between_the_thresholds_send_nothing_new(app, cycle):
    _lgo, editor, _executive = staffed_lgo()
    for day in (DUE - timedelta(days=45), DUE - timedelta(days=31)):
        reminders.send_deadline_reminders(day)
    assert reminded_days(editor) == []
    for offset in range(30, -3, -1):                   # every day of the last month, and after
        reminders.send_deadline_reminders(DUE - timedelta(days=offset))
    assert reminded_days(editor) == [30, 7, 1]


def test_running_twice_sends_nothing_twice(app, cycle):
    _lgo, editor, _executive = staffed_lgo()
    run(app, DUE - timedelta(days=7))
    second = run(app, DUE - timedelta(days=7))
    assert "0 notifications" in second
    assert reminded_days(editor) == [7] and len(mails_to(editor)) == 1


def test_a_missed_run_is_caught_up_with_the_nearest_reminder(app, cycle):
    _lgo, editor, _executive = staffed_lgo()
    run(app, DUE - timedelta(days=5))                  # the cron job did not run on day 7
    assert reminded_days(editor) == [5]


def test_who_is_reminded(app, cycle):
    province = make_province()
    not_started = staffed_lgo(province=province)
    draft = staffed_lgo(province=province)
    done = staffed_lgo(province=province)
    returned = staffed_lgo(province=province)
    unstaffed = make_lgo(province=province)
    officer = make_user(Role.PROVINCIAL_OFFICER, province=province)
    assessments.start_assessment(cycle, draft[0], actor=draft[1], today=DURING)
    submitted_assessment(cycle, *done)
    sent_back = submitted_assessment(cycle, *returned)
    assessments.transition(sent_back, S.RETURNED, actor=officer, reason="ขาดหลักฐาน")
    run(app, DUE - timedelta(days=7))
    assert reminded_days(not_started[1]) == [7]
    assert reminded_days(draft[2]) == [7]
    assert reminded_days(returned[1]) == [7]
    assert reminded_days(done[1]) == [] and reminded_days(done[2]) == []
    assert notifications_of(officer, "reminder.self_assessment") == []
    stages = {n.params["lgo"]["th"]: n.params["stage"]
              for n in notifications_of(not_started[1]) + notifications_of(draft[1])
              + notifications_of(returned[1], "reminder.self_assessment")}
    assert stages == {not_started[0].name_th: "not_started", draft[0].name_th: "draft",
                      returned[0].name_th: "returned"}
    assert unstaffed.id  # an LGO without staff has no one to remind, and breaks nothing


def test_an_extension_moves_the_reminders_to_the_new_date(app, cycle):
    _lgo, editor, _executive = staffed_lgo()
    extended, extended_editor, _ = staffed_lgo()
    new_due = DUE + timedelta(days=14)
    assessments.extend_deadline(cycle, extended, new_due, "อุทกภัย", actor=None)
    run(app, DUE - timedelta(days=30))
    run(app, DUE - timedelta(days=1))
    assert reminded_days(editor) == [30, 1]
    on_extension = notifications_of(extended_editor, "reminder.self_assessment")
    assert all(n.params["due"] == new_due.isoformat() for n in on_extension)
    assert reminded_days(extended_editor) == [15]     # 30-day window of the new date
    run(app, new_due - timedelta(days=7))
    run(app, new_due - timedelta(days=1))
    assert reminded_days(extended_editor) == [15, 7, 1]
    assert reminded_days(editor) == [30, 1]           # its deadline has passed


def test_a_cycle_not_yet_open_sends_no_reminders(app, app_ctx, db_session):
    make_cycle(opens_on=date(2026, 3, 20))
    _lgo, editor, _executive = staffed_lgo()
    run(app, DUE - timedelta(days=30))
    assert reminded_days(editor) == []
    run(app, DUE - timedelta(days=7))
    assert reminded_days(editor) == [7]


def test_review_and_decision_deadlines_remind_officers_and_approvers(app, cycle):
    province = make_province()
    lgo, editor, executive = staffed_lgo(province=province)
    officer = make_user(Role.PROVINCIAL_OFFICER, province=province)
    other_officer = make_user(Role.PROVINCIAL_OFFICER, province=make_province())
    approver = make_user(Role.DLA_APPROVER)
    submitted_assessment(cycle, lgo, editor, executive)
    run(app, cycle.review_due - timedelta(days=7))
    [review] = notifications_of(officer, "reminder.review")
    assert review.params["count"] == 1 and review.params["days_left"] == 7
    assert notifications_of(other_officer) == []
    run(app, cycle.decision_due - timedelta(days=30))
    [decision] = notifications_of(approver, "reminder.decision")
    assert decision.params["count"] == 1


def test_thresholds():
    assert [reminders.reminder_for(d) for d in (45, 31, 30, 8, 7, 2, 1, 0, -1)] == [
        None, None, 30, 30, 7, 7, 1, None, None]
