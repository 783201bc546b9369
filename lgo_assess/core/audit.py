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
    or an ``(object_type, object_id)`` pair. Flushes; the caller's transaction commits it."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
    prev = session.execute(
        select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar()
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
        prev_hash=prev or GENESIS,
    )
    event.hash = _digest(event.prev_hash, event.payload())
    session.add(event)
    session.flush()
    return event


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
