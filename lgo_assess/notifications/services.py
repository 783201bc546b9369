"""Notification services: the only code that writes notifications and the outbox.

``notify`` stores an in-app notification for each user and, unless told not to, an e-mail in the
outbox rendered in that user's language. ``deliver_outbox`` sends what waits in the outbox when
an SMTP server is configured; otherwise messages stay there, readable on the admin outbox page
(development, tests). Services flush and never commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Iterable

from flask import current_app, has_app_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.orm import lazyload

from lgo_assess.accounts.models import RoleGrant, User
from lgo_assess.core.audit import record
from lgo_assess.core.db import db, utcnow
from lgo_assess.core.errors import NotFound
from lgo_assess.core.security import Role
from lgo_assess.notifications import mail, messages
from lgo_assess.notifications.models import Notification, OutboxMessage

MAX_ATTEMPTS = 5          # an e-mail that failed this often stays in the outbox, marked failed
DELIVERY_BATCH = 200


# -- Who ------------------------------------------------------------------------------------------

def users_with_role(*roles: Role, lgo_id: int | None = None, province_id: int | None = None
                    ) -> list[User]:
    """Enabled users holding one of ``roles`` (for the LGO or province given), by id. Their
    role grants are not read with them (``User.grants`` is selectin by default): recipients
    need an address and a language, not their roles."""
    query = (select(User).join(RoleGrant, RoleGrant.user_id == User.id)
             .where(RoleGrant.role.in_(roles), User.is_enabled.is_(True))
             .options(lazyload(User.grants)))
    if lgo_id is not None:
        query = query.where(RoleGrant.lgo_id == lgo_id)
    if province_id is not None:
        query = query.where(RoleGrant.province_id == province_id)
    return list(db.session.execute(query.distinct().order_by(User.id)).scalars())


def lgo_members(lgo_id: int) -> list[User]:
    return users_with_role(*LGO_STAFF_ROLES, lgo_id=lgo_id)


def provincial_officers(province_id: int) -> list[User]:
    return users_with_role(Role.PROVINCIAL_OFFICER, province_id=province_id)


LGO_STAFF_ROLES = (Role.LGO_EDITOR, Role.LGO_EXECUTIVE)


def lgo_members_and_provincial_officers(lgo_id: int, province_id: int
                                        ) -> tuple[list[User], list[User]]:
    """``lgo_members(lgo_id)`` and ``provincial_officers(province_id)`` in one query (most
    moves of an assessment tell both)."""
    members: dict[int, User] = {}
    officers: dict[int, User] = {}
    for user, role in db.session.execute(_staff_and_officers_statement(),
                                         {"lgo_id": lgo_id, "province_id": province_id}):
        (officers if role == Role.PROVINCIAL_OFFICER else members).setdefault(user.id, user)
    return list(members.values()), list(officers.values())


@cache
def _staff_and_officers_statement():
    """Built once: it runs at almost every move of an assessment."""
    return (select(User, RoleGrant.role).join(RoleGrant, RoleGrant.user_id == User.id)
            .where(User.is_enabled.is_(True),
                   or_(and_(RoleGrant.role.in_(LGO_STAFF_ROLES),
                            RoleGrant.lgo_id == bindparam("lgo_id")),
                       and_(RoleGrant.role == Role.PROVINCIAL_OFFICER,
                            RoleGrant.province_id == bindparam("province_id"))))
            .options(lazyload(User.grants)).order_by(User.id))


# -- Writing --------------------------------------------------------------------------------------

def notify(users: User | Iterable[User], kind: str, params: dict | None = None, *,
           link: str | None = None, dedupe_key: str | None = None, email: bool = True,
           actor=None, audit: bool = True) -> list[Notification]:
    """Tell ``users`` (disabled accounts are skipped): one notification each and, with
    ``email``, one outbox message each in the user's language. With ``dedupe_key`` a user who
    already had this notification gets nothing, so a rerun sends nothing twice."""
    if isinstance(users, User):
        users = [users]
    recipients = list({u.id: u for u in users if u is not None and u.is_enabled}.values())
    if dedupe_key is not None and recipients:
        done = set(db.session.execute(select(Notification.user_id).where(
            Notification.dedupe_key == dedupe_key,
            Notification.user_id.in_([u.id for u in recipients]))).scalars())
        recipients = [u for u in recipients if u.id not in done]
    if not recipients:
        return []
    params = dict(params or {})
    created = []
    for user in recipients:
        notification = Notification(user_id=user.id, kind=kind, params=params, link=link,
                                    dedupe_key=dedupe_key)
        db.session.add(notification)
        created.append(notification)
        if email:
            db.session.add(_outbox_message(user, kind, params, link, dedupe_key))
    db.session.flush()
    if audit:
        record(actor, "notifications.sent", None, kind=kind,
               users=[u.id for u in recipients], dedupe_key=dedupe_key)
    return created


def _outbox_message(user: User, kind: str, params: dict, link: str | None,
                    dedupe_key: str | None) -> OutboxMessage:
    subject, body = render_email(user.locale, kind, params, link)
    return OutboxMessage(user_id=user.id, to_address=user.email, subject=subject[:300], body=body,
                         dedupe_key=f"{dedupe_key}|{user.id}" if dedupe_key else None)


def _setting(key: str, default):
    """A config value; services also run without an app (scripts, some tests)."""
    return current_app.config.get(key, default) if has_app_context() else default


def render_email(locale: str | None, kind: str, params: dict, link: str | None
                 ) -> tuple[str, str]:
    """Subject and plain-text body in ``locale``."""
    languages = _setting("LANGUAGES", ("th", "en"))
    with force_locale(locale if locale in languages else _setting("BABEL_DEFAULT_LOCALE", "th")):
        rendered = messages.render(kind, params)
        parts = [rendered.title, "", rendered.body]
        if link:
            base = _setting("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
            parts += ["", base.rstrip("/") + link]
        parts += ["", "-- ", messages.email_footer()]
        return rendered.title, "\n".join(parts) + "\n"


def mark_read(notification: Notification, *, actor) -> Notification:
    if notification.user_id != getattr(actor, "id", None):
        raise NotFound()
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()
        record(actor, "notification.read", notification)
    return notification


def mark_all_read(user: User, *, actor) -> int:
    result = db.session.execute(
        update(Notification).where(Notification.user_id == user.id,
                                   Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False))
    count = result.rowcount or 0
    if count:
        db.session.expire_all()
        record(actor, "notifications.all_read", None, user_id=user.id, count=count)
    return count


# -- Reading --------------------------------------------------------------------------------------

def unread_count(user) -> int:
    """For the header badge on every page: one indexed count."""
    return db.session.execute(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))).scalar() or 0


def notifications_query(user):
    return (select(Notification).where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc()))


def get_notification_for(user, notification_id: int) -> Notification:
    """The user's own notification; anyone else's is not found."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotFound(_l("The notification was not found."))
    return notification


OUTBOX_STATES = ("pending", "sent", "failed")


def outbox_query(state: str | None = None):
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if state == "sent":
        query = query.where(OutboxMessage.sent_at.is_not(None))
    elif state == "failed":
        query = query.where(OutboxMessage.sent_at.is_(None), OutboxMessage.error.is_not(None))
    elif state == "pending":
        query = query.where(OutboxMessage.sent_at.is_(None), OutboxMessage.error.is_(None))
    return query


def outbox_counts() -> dict[str, int]:
    sent = func.count(OutboxMessage.sent_at)
    failed = func.count(OutboxMessage.error)
    total, sent_n, failed_n = db.session.execute(
        select(func.count(OutboxMessage.id), sent, failed)).one()
    return {"pending": total - sent_n - failed_n, "sent": sent_n, "failed": failed_n}


# -- Delivery -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DeliveryReport:
    configured: bool
    sent: int = 0
    failed: int = 0
    last_id: int | None = None     # the last message tried: the next batch starts after it


def deliver_outbox(settings: mail.SmtpSettings | None, *, limit: int = DELIVERY_BATCH,
                   after_id: int = 0, now: datetime | None = None) -> DeliveryReport:
    """Send waiting e-mails through SMTP (oldest first, up to ``limit``, after ``after_id``).
    Without settings nothing is sent: the messages stay in the outbox."""
    if settings is None:
        return DeliveryReport(configured=False)
    query = (select(OutboxMessage)
             .where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS,
                    OutboxMessage.id > after_id)
             .order_by(OutboxMessage.id).limit(limit))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)   # two cron runs never send one twice
    waiting = list(db.session.execute(query).scalars())
    if not waiting:
        return DeliveryReport(configured=True)
    results = mail.send_all(settings, [mail.Mail(m.to_address, m.subject, m.body)
                                       for m in waiting])
    sent = failed = 0
    moment = now or utcnow()
    for message, error in zip(waiting, results):
        message.attempts += 1
        if error is None:
            message.sent_at, message.error = moment, None
            sent += 1
        else:
            message.error = error
            failed += 1
    db.session.flush()
    record(None, "outbox.delivered", None, sent=sent, failed=failed)
    return DeliveryReport(configured=True, sent=sent, failed=failed, last_id=waiting[-1].id)
