"""Users, role grants (each bound to an LGO, a province or the nation) and login sessions."""
from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Enum, ForeignKey, Index, String,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lgo_assess.core.db import UTCDateTime, db, utcnow
from lgo_assess.core.security import ROLE_PERMISSIONS, Permission, Role
from lgo_assess.registry.models import District, Lgo, Province


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    locale: Mapped[str] = mapped_column(String(5), default="th")
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Where the user works; used by conflict-of-interest rules for assessors.
    home_district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    home_district: Mapped[District | None] = relationship()
    grants: Mapped[list["RoleGrant"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin",
        order_by="RoleGrant.id", foreign_keys="RoleGrant.user_id")

    # Flask-Login protocol. ``get_id`` returns the current login session's token, set by the
    # user loader, so that ending one session (logout) never leaves its cookie usable.
    login_session_token = None  # not a column

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.is_enabled

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.login_session_token

    # Roles and scope -------------------------------------------------------------------------
    def has_role(self, role: Role) -> bool:
        return any(grant.role == role for grant in self.grants)

    def has_permission(self, permission: Permission) -> bool:
        return any(permission in ROLE_PERMISSIONS[grant.role] for grant in self.grants)

    def lgo_ids_with(self, *roles: Role) -> set[int]:
        return {g.lgo_id for g in self.grants if g.role in roles and g.lgo_id is not None}

    def province_ids_with(self, *roles: Role) -> set[int]:
        return {g.province_id for g in self.grants if g.role in roles and g.province_id is not None}

    @property
    def roles(self) -> set[Role]:
        return {grant.role for grant in self.grants}


class RoleGrant(db.Model):
    """One role for one user, bound to the scope the role needs."""

    __tablename__ = "role_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=30, values_callable=lambda e: [m.value for m in e]))
    lgo_id: Mapped[int | None] = mapped_column(ForeignKey("lgos.id"), index=True)
    province_id: Mapped[int | None] = mapped_column(ForeignKey("provinces.id"), index=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(back_populates="grants", foreign_keys=[user_id])
    lgo: Mapped[Lgo | None] = relationship()
    province: Mapped[Province | None] = relationship()

    __table_args__ = (
        UniqueConstraint("user_id", "role", "lgo_id", "province_id"),
        CheckConstraint(
            "(role IN ('lgo_editor', 'lgo_executive') AND lgo_id IS NOT NULL "
            "AND province_id IS NULL) "
            "OR (role = 'provincial_officer' AND province_id IS NOT NULL AND lgo_id IS NULL) "
            "OR (role IN ('assessor', 'dla_approver', 'dla_admin') AND lgo_id IS NULL "
            "AND province_id IS NULL)",
            name="scope_matches_role"),
    )


class LoginSession(db.Model):
    """A server-side record of one login. The browser's cookie holds only its token; logout,
    a password change or disabling the account revokes it, and the cookie stops working."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    # When the second factor was passed in this session (None: not yet, or not needed). A user
    # who has or needs a second factor is logged in only once this is set.
    second_factor_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    __table_args__ = (Index("ix_login_sessions_created_at", "created_at"),)

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class LoginAttempt(db.Model):
    """One try at logging in. Failures are counted per e-mail address and per IP address over
    a sliding window to throttle password guessing; kept in the database so that every gunicorn
    worker (and every host) sees the same counts. Rows older than a day are pruned."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    email: Mapped[str] = mapped_column(String(200))  # as typed, lower-cased; may be unknown
    ip_address: Mapped[str | None] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    # What was tried: the password, or the second factor (counted apart, so that knowing the
    # password never resets the count of wrong codes).
    kind: Mapped[str] = mapped_column(String(20), default="password", server_default="password")

    __table_args__ = (
        CheckConstraint("kind IN ('password', 'second_factor')", name="kind_known"),
        Index("ix_login_attempts_email_attempted_at", "email", "attempted_at"),
        Index("ix_login_attempts_ip_address_attempted_at", "ip_address", "attempted_at"),
    )


class SecondFactor(db.Model):
    """A user's TOTP authenticator (RFC 6238). The shared secret is stored encrypted and never
    shown again after enrolment; ``last_step`` is the last accepted time step, so a code is
    accepted once."""

    __tablename__ = "second_factors"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    secret_encrypted: Mapped[str] = mapped_column(String(300))
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_step: Mapped[int | None] = mapped_column(BigInteger)

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator; only its SHA-256 is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)
