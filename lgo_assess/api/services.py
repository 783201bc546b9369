"""API token and rate-limit services: the only code that writes ``api_tokens`` and
``api_rate_counters``. They flush and never commit (the rate limit's caller commits at once, so
a refused or failed request still counts)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from lgo_assess.api.models import ApiRateCounter, ApiToken
from lgo_assess.core.audit import record
from lgo_assess.core.db import db, utcnow
from lgo_assess.core.errors import Invalid, NotFound

TOKEN_MARK = "lgoa_"          # tells a leaked string apart as one of ours (secret scanners)  # noqa: S105 -- a public token prefix, not a secret
PREFIX_LENGTH = 12            # "lgoa_" and the first 7 characters of the secret
NAME_MAX = 100
MAX_ACTIVE_TOKENS = 20
EXPIRY_DAYS = (30, 90, 365)   # the choices offered; None: no expiry
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    """A new token and the secret, which exists only here: show it once, never store it."""

    token: ApiToken
    secret: str


def active_tokens(user) -> list[ApiToken]:
    """The user's tokens not revoked, newest first (expired ones included, marked by date)."""
    return list(db.session.execute(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).scalars())


def create_token(user, name: str, *, expires_in_days: int | None, actor,
                 now: datetime | None = None) -> IssuedToken:
    """A new personal token for ``user``, acting with the user's roles and scopes."""
    name = (name or "").strip()
    if not name:
        raise Invalid(_l("Give the token a name, so you know later what uses it."))
    if len(name) > NAME_MAX:
        raise Invalid(_l("The name can have at most %(n)s characters.", n=NAME_MAX))
    if expires_in_days is not None and expires_in_days not in EXPIRY_DAYS:
        raise Invalid(_l("Choose one of the offered lifetimes."))
    now = now or utcnow()
    live = [t for t in active_tokens(user) if t.is_usable_at(now)]
    if len(live) >= MAX_ACTIVE_TOKENS:
        raise Invalid(_l("You have %(n)s active tokens, the most allowed; revoke one first.",
                         n=MAX_ACTIVE_TOKENS))
    secret = TOKEN_MARK + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, prefix=secret[:PREFIX_LENGTH],
                     token_hash=ApiToken.hash_token(secret), created_at=now,
                     expires_at=now + timedelta(days=expires_in_days) if expires_in_days
                     else None)
    db.session.add(token)
    db.session.flush()
    record(actor, "api_token.created", token, user_id=user.id, name=name, prefix=token.prefix,
           expires_at=token.expires_at)
    return IssuedToken(token, secret)


def get_own_token(user, token_id: int) -> ApiToken:
    """One of ``user``'s tokens; anyone else's is not found."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound()
    return token


def revoke_token(token: ApiToken, *, actor, now: datetime | None = None) -> None:
    """Stop a token working, at once and for good. Revoking twice changes nothing."""
    if token.revoked_at is not None:
        return
    token.revoked_at = now or utcnow()
    db.session.flush()
    record(actor, "api_token.revoked", token, user_id=token.user_id, prefix=token.prefix)


def token_for(secret: str, *, now: datetime | None = None) -> ApiToken | None:
    """The usable token whose secret this is (its user enabled), or None. Marks it used, at
    most once a minute, so that a busy client does not write on every request."""
    if not secret.startswith(TOKEN_MARK) or len(secret) > 200:
        return None
    token = db.session.execute(select(ApiToken).where(
        ApiToken.token_hash == ApiToken.hash_token(secret))).scalar_one_or_none()
    now = now or utcnow()
    if token is None or not token.is_usable_at(now) or not token.user.is_enabled:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.flush()
    return token


# -- Rate limit ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RateState:
    limit: int
    count: int
    resets_at: datetime

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)

    def seconds_to_reset(self, now: datetime) -> int:
        return max(1, int((self.resets_at - now).total_seconds() + 0.999))


def window_start(now: datetime, window_seconds: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % window_seconds, tz=timezone.utc)


def count_request(key: str, *, limit: int, window_seconds: int,
                  now: datetime | None = None) -> RateState:
    """Count one request for ``key`` in the current fixed window and say where it stands.
    One statement (an upsert that returns the new count), so concurrent workers never lose a
    count."""
    now = now or utcnow()
    start = window_start(now, window_seconds)
    session = db.session
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = ApiRateCounter.__table__
    statement = insert(table).values(key=key, window_start=start, count=1)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.key, table.c.window_start],
        set_={"count": table.c.count + 1}).returning(table.c.count)
    count = session.execute(statement).scalar_one()
    if count == 1:  # a new window: the key's older ones are no longer needed
        session.execute(delete(ApiRateCounter).where(ApiRateCounter.key == key,
                                                     ApiRateCounter.window_start < start))
    return RateState(limit=limit, count=count,
                     resets_at=start + timedelta(seconds=window_seconds))
