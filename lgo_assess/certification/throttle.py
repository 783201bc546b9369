"""A per-address rate limit for the public verification pages, counted in the database (as the
login throttle counts failed logins), so every gunicorn worker and every host sees the same
numbers without another piece of infrastructure."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from lgo_assess.certification.models import VerificationHit
from lgo_assess.core.db import db, utcnow


def allow_hit(ip_address: str | None, *, limit: int, window_seconds: int,
              now: datetime | None = None) -> bool:
    """Count one request from ``ip_address`` and say whether it is within ``limit`` requests
    per ``window_seconds``. Refused requests are not counted, so waiting lets a client in
    again. Flushes; the caller commits."""
    now = now or utcnow()
    since = now - timedelta(seconds=window_seconds)
    address = (ip_address or "unknown")[:64]
    db.session.execute(delete(VerificationHit).where(VerificationHit.hit_at <= since))
    used = db.session.execute(
        select(func.count()).select_from(VerificationHit)
        .where(VerificationHit.ip_address == address, VerificationHit.hit_at > since)
    ).scalar_one()
    if used >= limit:
        return False
    db.session.add(VerificationHit(ip_address=address, hit_at=now))
    db.session.flush()
    return True
