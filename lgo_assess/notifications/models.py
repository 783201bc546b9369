"""In-app notifications and the e-mail outbox.

A **notification** belongs to one user and is stored as a message key with parameters, so it is
rendered in the language the user reads it in (``messages.render``). An **outbox message** is one
e-mail, already rendered in the recipient's language: kept in the table until it is sent through
SMTP (or for ever, where no SMTP server is configured, as in development and tests). A dedupe key,
unique per user for notifications and unique for e-mails, makes a reminder run idempotent.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lgo_assess.core.db import UTCDateTime, db, utcnow


class Notification(db.Model):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(60))          # the message key (messages.MESSAGES)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    link: Mapped[str | None] = mapped_column(String(300))  # a path inside the app
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dedupe_key: Mapped[str | None] = mapped_column(String(200))

    user = relationship("User")

    __table_args__ = (
        UniqueConstraint("user_id", "dedupe_key"),
        # the header badge counts unread notifications of one user on every page
        Index("ix_notifications_user_id_read_at", "user_id", "read_at"),
        CheckConstraint("link IS NULL OR link LIKE '/%'", name="link_is_a_path"),
    )

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    to_address: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)        # the last failure, until it is sent
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)

    user = relationship("User")

    __table_args__ = (
        CheckConstraint("sent_at IS NULL OR error IS NULL", name="sent_has_no_error"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )

    @property
    def state(self) -> str:
        """pending | sent | failed (tried and not sent)."""
        if self.sent_at is not None:
            return "sent"
        return "failed" if self.error else "pending"
