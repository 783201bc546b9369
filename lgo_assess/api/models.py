"""Personal API tokens and the per-token request counters of the rate limit.

A token is shown once, when it is created; only its SHA-256 is stored (the token is 256 random
bits, so a plain hash is enough: nothing to brute-force), with a short prefix that lets its owner
tell tokens apart. A token acts as its user, with the user's roles and scopes as they are at the
time of each request.
"""
from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lgo_assess.core.db import UTCDateTime, db, utcnow


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")

    __table_args__ = (
        CheckConstraint("length(trim(name)) > 0", name="has_name"),
        CheckConstraint("expires_at IS NULL OR expires_at > created_at",
                        name="expires_after_creation"),
    )

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def is_usable_at(self, moment: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or moment < self.expires_at)


class ApiRateCounter(db.Model):
    """Requests counted for one key (``token:<id>`` or ``session:<user id>``) in one fixed
    window. In the database, so every worker and host counts the same; a key's older windows
    are deleted when its next window opens."""

    __tablename__ = "api_rate_counters"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (CheckConstraint("count >= 0", name="not_negative"),)
