"""The append-only, hash-chained audit log: ``record(actor, action, obj, **details)``.

Every service that writes calls ``record``. Each event stores the hash of the one before it, so an
edit or deletion anywhere in the table breaks the chain, which ``verify_chain`` reports.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, select, text
from sqlalchemy.orm import Mapped, mapped_column

from lgo_assess.core.db import UTCDateTime, db, utcnow

GENESIS = "0" * 64
_PG_AUDIT_LOCK = 461_207_331  # an arbitrary advisory-lock key that serialises chain appends


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    actor_label: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str | None] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(60))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    ip_address: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    __table_args__ = (db.Index("ix_audit_events_object", "object_type", "object_id"),)

    def payload(self) -> dict:
        return {
            "occurred_at": self.occurred_at.isoformat(),
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "details": self.details,
            "ip_address": self.ip_address,
        }


def _digest(prev_hash: str, payload: dict) -> str:
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                           default=str)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _object_ref(obj) -> tuple[str | None, str | None]:
    if obj is None:
        return None, None
    if isinstance(obj, tuple):
        return str(obj[0]), str(obj[1])
    table = getattr(obj, "__tablename__", type(obj).__name__)
    return table, str(getattr(obj, "id", None))


def record(actor, action: str, obj=None, *, ip_address: str | None = None,
           **details) -> AuditEvent:
    """Append one event. ``actor`` is a user (or None for the system); ``obj`` a model instance
    or an ``(object_type, object_id)`` pair. "From where" is the client's address when a request
    is being served (behind ``TRUSTED_PROXIES``, the forwarded one); commands record none.
    Flushes; the caller's transaction commits it."""
    session = db.session()
    if ip_address is None:
        ip_address = _client_address()
    prev = _chain_tip(session)
    object_type, object_id = _object_ref(obj)
    event = AuditEvent(
        occurred_at=utcnow(),
        actor_id=getattr(actor, "id", None),
        actor_label=str(getattr(actor, "email", None) or actor or "system"),
        action=action,
        object_type=object_type,
        object_id=object_id,
        details=json.loads(json.dumps(details, default=str)),
        ip_address=ip_address,
        prev_hash=prev,
    )
    event.hash = _digest(event.prev_hash, event.payload())
    session.add(event)
    session.flush()
    session.info[_TIP] = (_innermost(session), event.hash)
    return event


# The hash of the event this transaction appended last: the next event of the same transaction
# links to it without reading the table again (a decision records four events). Safe because
# once a transaction has appended an event nobody else can append until it ends: on PostgreSQL
# it holds the advisory lock, on SQLite the database's write lock (its INSERT took it). The tip
# is kept with the transaction (or SAVEPOINT) that wrote it and trusted only while that one is
# still the innermost: a new savepoint, a rollback to one, a commit or a rollback all read the
# table afresh (and take the lock again), as does a bulk statement on the table itself.
_TIP = "audit_chain_tip"


def _innermost(session):
    return session.get_nested_transaction() or session.get_transaction()


def _chain_tip(session) -> str:
    """The hash the next event links to: the newest event's, under the lock that serialises
    appends."""
    tip = session.info.get(_TIP)
    if tip is not None and tip[0] is _innermost(session) and tip[0] is not None:
        return tip[1]
    session.info.pop(_TIP, None)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
    prev = session.execute(
        select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar()
    return prev or GENESIS


def _forget_tip(session, transaction) -> None:
    tip = session.info.get(_TIP)
    if tip is not None and tip[0] is transaction:
        del session.info[_TIP]


def _forget_tip_on_bulk_write(state) -> None:
    if (state.is_insert or state.is_update or state.is_delete) and getattr(
            getattr(state.statement, "table", None), "name", None) == AuditEvent.__tablename__:
        state.session.info.pop(_TIP, None)


def _install_tip_listeners() -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session
    if not event.contains(Session, "after_transaction_end", _forget_tip):
        event.listen(Session, "after_transaction_end", _forget_tip)
        event.listen(Session, "do_orm_execute", _forget_tip_on_bulk_write)


_install_tip_listeners()


def _client_address() -> str | None:
    from flask import has_request_context, request
    return request.remote_addr if has_request_context() else None


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(batch: int = 5000) -> ChainReport:
    """Walk the log in order and report the first event whose link or content does not match."""
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        events = db.session.execute(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).scalars().all()
        if not events:
            return ChainReport(checked)
        for event in events:
            if event.prev_hash != prev:
                return ChainReport(checked, event.id, "previous-hash link does not match "
                                                      "(an event before it was changed or removed)")
            if _digest(event.prev_hash, event.payload()) != event.hash:
                return ChainReport(checked, event.id, "content does not match its hash "
                                                      "(the event was changed)")
            prev = event.hash
            checked += 1
            last_id = event.id
        db.session.expunge_all()


# The guard: no request commits a write without an audit event ---------------------------------
# Tables a request may write without an event of its own: the log itself, and the bookkeeping of
# logins and rate limits (each login is audited by the accounts service; counters are not acts).
UNAUDITED_TABLES = frozenset({
    "audit_events", "login_attempts", "login_sessions", "api_rate_counters",
    "verification_hits",
})
# Columns a request may change without an event: an API token's last use (marked by the
# authentication itself, at most once a minute).
UNAUDITED_COLUMNS = {"api_tokens": frozenset({"last_used_at"})}
_WRITTEN, _RECORDED = "audit_guard_written", "audit_guard_recorded"


class UnauditedWrite(RuntimeError):
    """A request tried to commit changes to tables without recording an audit event."""


def _guard_mode() -> str | None:
    from flask import g, has_app_context
    return g.get("audit_guard") if has_app_context() else None


def _note_flush(session, _flush_context) -> None:
    if not _guard_mode():
        return
    written = session.info.setdefault(_WRITTEN, set())
    for obj in (*session.new, *session.deleted, *session.dirty):
        if isinstance(obj, AuditEvent):
            session.info[_RECORDED] = True
        else:
            table = getattr(obj, "__tablename__", type(obj).__name__)
            if obj in session.dirty and not _changed_columns(obj) - UNAUDITED_COLUMNS.get(
                    table, frozenset()):
                continue
            written.add(table)


def _changed_columns(obj) -> set[str]:
    from sqlalchemy import inspect as inspect_object
    state = inspect_object(obj)
    return {prop.key for prop in state.mapper.column_attrs
            if state.attrs[prop.key].history.has_changes()}


def _note_statement(state):
    """Bulk INSERT/UPDATE/DELETE statements count when they change a row."""
    if not (state.is_insert or state.is_update or state.is_delete) or not _guard_mode():
        return None
    result = state.invoke_statement()
    if getattr(result, "rowcount", 1) != 0:
        name = getattr(getattr(state.statement, "table", None), "name", None) or "?"
        if name == AuditEvent.__tablename__:
            state.session.info[_RECORDED] = True
        else:
            state.session.info.setdefault(_WRITTEN, set()).add(name)
    return result


def _check_before_commit(session) -> None:
    mode = _guard_mode()
    if not mode:
        return
    session.flush()
    tables = session.info.get(_WRITTEN, set()) - UNAUDITED_TABLES
    if tables and not session.info.get(_RECORDED):
        from flask import current_app, request
        message = (f"{request.method} {request.path} ({request.endpoint}) commits changes to "
                   f"{', '.join(sorted(tables))} without an audit event")
        current_app.logger.error("unaudited write: %s", message)
        if mode == "raise":
            raise UnauditedWrite(message)


def _forget(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WRITTEN, None)
        session.info.pop(_RECORDED, None)


def install_audit_guard(app) -> None:
    """Watch every request's commits: one that writes to a table outside ``UNAUDITED_TABLES``
    without adding an ``AuditEvent`` in the same transaction is logged as an error, or refused
    when ``AUDIT_GUARD`` is ``"raise"`` (the test suite), so a write path that forgets
    ``record`` fails the tests that exercise it."""
    from flask import g
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    mode = app.config.get("AUDIT_GUARD", "log")
    if not mode:
        return

    @app.before_request
    def watch_writes():
        # Nothing is pending here in production; in tests, objects made by factories are
        # written before the request's own work is watched.
        db.session.flush()
        db.session.info.pop(_WRITTEN, None)
        db.session.info.pop(_RECORDED, None)
        g.audit_guard = mode

    @app.teardown_request
    def stop_watching(_error=None):
        g.pop("audit_guard", None)

    if not event.contains(Session, "before_commit", _check_before_commit):
        event.listen(Session, "after_flush", _note_flush)
        event.listen(Session, "do_orm_execute", _note_statement)
        event.listen(Session, "before_commit", _check_before_commit)
        event.listen(Session, "after_transaction_end", _forget)
