"""``flask notify …``: deadline reminders and e-mail delivery, for cron.

    # every morning (Bangkok time): reminders, then send what waits in the outbox
    15 7 * * *   cd /srv/lgo-assess && flask notify deadlines
    # every five minutes: send e-mails of workflow notifications
    */5 * * * *  cd /srv/lgo-assess && flask notify send
"""
from __future__ import annotations

from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup

from lgo_assess.core.db import db
from lgo_assess.core.thaidate import today_bangkok
from lgo_assess.notifications import reminders, services
from lgo_assess.notifications.mail import SmtpSettings

cli = AppGroup("notify", help="Deadline reminders and e-mail delivery (run them from cron).")


def _deliver() -> None:
    settings = SmtpSettings.from_config(current_app.config)
    if settings is None:
        pending = services.outbox_counts()["pending"]
        click.echo(f"e-mail: MAIL_SERVER is not set; {pending} messages wait in the outbox "
                   "(see /admin/outbox)")
        return
    total_sent = total_failed = last_id = 0
    while True:
        report = services.deliver_outbox(settings, after_id=last_id)
        db.session.commit()
        total_sent += report.sent
        total_failed += report.failed
        if report.last_id is None or not report.sent:
            break   # nothing left, or the server takes nothing: try again on the next run
        last_id = report.last_id
    click.echo(f"e-mail: {total_sent} sent, {total_failed} failed "
               f"(through {settings.server}:{settings.port})")
    if total_failed:
        raise SystemExit(1)


@cli.command("deadlines")
@click.option("--today", "today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as if today (Bangkok) were this date, YYYY-MM-DD (Gregorian).")
@click.option("--no-send", is_flag=True, help="Queue the e-mails in the outbox, do not send.")
def deadlines(today, no_send: bool):
    """Remind people 30, 7 and 1 days before each deadline; never twice."""
    day: date = today.date() if today else today_bangkok()
    report = reminders.send_deadline_reminders(day)
    db.session.commit()
    detail = ", ".join(f"{kind} {n}" for kind, n in sorted(report.sent.items())) or "none due"
    click.echo(f"reminders for {day.isoformat()}: {report.total} notifications ({detail})")
    if not no_send:
        _deliver()


@cli.command("send")
def send():
    """Send the e-mails waiting in the outbox through MAIL_SERVER."""
    _deliver()
