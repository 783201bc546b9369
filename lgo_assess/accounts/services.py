"""Account services: the only code that writes users, grants, login sessions and login attempts."""
from __future__ import annotations

import math
import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from lgo_assess.accounts import totp
from lgo_assess.accounts.models import (LoginAttempt, LoginSession, RecoveryCode, RoleGrant,
                                        SecondFactor, User)
from lgo_assess.core.audit import record
from lgo_assess.core.db import db, utcnow
from lgo_assess.core.errors import Conflict, DomainError, Invalid, NotFound
from lgo_assess.core.security import Role
from lgo_assess.registry.models import District, Lgo, Province

COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "data" / "common-passwords.txt"
PASSWORD_MAX_LENGTH = 256  # long enough for any passphrase, short enough to hash cheaply
LANGUAGES = ("th", "en")

_DUMMY_HASH = generate_password_hash("not a real password", method="pbkdf2:sha256:1000")
_DECORATION = string.digits + string.punctuation + string.whitespace + "๐๑๒๓๔๕๖๗๘๙"
# Runs people type without thinking: a password that is part of one of these is refused.
_SEQUENCES = ("01234567890123456789", "98765432109876543210", "abcdefghijklmnopqrstuvwxyz",
              "zyxwvutsrqponmlkjihgfedcba", "qwertyuiopasdfghjklzxcvbnm", "qwertyuiop[]\\",
              "asdfghjkl;'", "zxcvbnm,./", "poiuytrewq", "lkjhgfdsa", "mnbvcxz")
ATTEMPTS_KEPT = timedelta(days=1)


# Passwords -----------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The refused passwords and password stems, from ``data/common-passwords.txt``."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines
                     if line.strip() and not line.startswith("#"))


def is_guessable(password: str, context: Iterable[str] = ()) -> bool:
    """True if the password is common, a common stem with digits or symbols around it, a short
    unit repeated, a keyboard or alphabet run, or the user's own e-mail address or name."""
    lowered = password.lower()
    banned = common_passwords() | {word.strip().lower() for word in context
                                   if word and len(word.strip()) >= 4}
    stem = lowered.strip(_DECORATION)
    if lowered in banned or stem in banned or len(set(lowered)) < 4:
        return True
    if any(lowered in run for run in _SEQUENCES) or (stem and any(stem in run for run in _SEQUENCES)
                                                     and len(stem) >= 6):
        return True
    for size in range(1, len(stem) // 2 + 1):
        if len(stem) % size == 0 and stem[:size] * (len(stem) // size) == stem:
            return size <= 4 or stem[:size] in banned
    return False


def check_password_policy(password: str, *, min_length: int = 12,
                          context: Iterable[str] = ()) -> None:
    """At least ``min_length`` characters, no composition rules, and not guessable (ASVS 6.2)."""
    if len(password) < min_length:
        raise Invalid(_l("The password must have at least %(n)d characters.", n=min_length))
    if len(password) > PASSWORD_MAX_LENGTH:
        raise Invalid(_l("The password may have at most %(n)d characters.",
                         n=PASSWORD_MAX_LENGTH))
    if is_guessable(password, context):
        raise Invalid(_l("This password is too common or too easy to guess; choose another."))


def _context_words(email: str, display_name: str = "") -> list[str]:
    return [email, email.split("@")[0], display_name, display_name.replace(" ", "")]


def hash_password(password: str, method: str = "scrypt") -> str:
    return generate_password_hash(password, method=method)


# Users and roles -----------------------------------------------------------------------------
def create_user(email: str, display_name: str, password: str, *, actor=None,
                locale: str = "th", hash_method: str = "scrypt", min_length: int = 12,
                home_district: District | None = None) -> User:
    email = email.strip().lower()
    if db.session.execute(select(User.id).where(func.lower(User.email) == email)).first():
        raise Conflict(_l("A user with this e-mail address already exists."))
    if locale not in LANGUAGES:
        raise Invalid(_l("Choose Thai or English."))
    check_password_policy(password, min_length=min_length,
                          context=_context_words(email, display_name))
    user = User(email=email, display_name=display_name.strip(), locale=locale,
                password_hash=hash_password(password, hash_method), home_district=home_district)
    db.session.add(user)
    db.session.flush()
    record(actor, "user.created", user, email=email,
           home_district=home_district.code if home_district else None)
    return user


def grant_role(user: User, role: Role, *, lgo: Lgo | None = None,
               province: Province | None = None, actor=None) -> RoleGrant:
    """Give ``user`` the role, bound to the scope the role needs: one LGO for LGO staff, one
    province for provincial officers, the nation (no LGO, no province) for the others."""
    scope = role.scope
    if scope == "lgo" and (lgo is None or province is not None):
        raise Invalid(_l("The role %(role)s is given for one LGO: give its DLA code and no "
                         "province.", role=role.title))
    if scope == "province" and (province is None or lgo is not None):
        raise Invalid(_l("The role %(role)s is given for one province: give its code and no "
                         "LGO.", role=role.title))
    if scope == "nation" and (lgo is not None or province is not None):
        raise Invalid(_l("The role %(role)s applies to the whole country: give no LGO and no "
                         "province.", role=role.title))
    for grant in user.grants:
        if (grant.role == role and grant.lgo_id == getattr(lgo, "id", None)
                and grant.province_id == getattr(province, "id", None)):
            raise Conflict(_l("The user already has this role."))
    grant = RoleGrant(user=user, role=role, lgo=lgo, province=province,
                      granted_by_id=getattr(actor, "id", None))
    db.session.add(grant)
    db.session.flush()
    record(actor, "role.granted", user, role=role.value, lgo_id=getattr(lgo, "id", None),
           province_id=getattr(province, "id", None))
    return grant


def _other_enabled_admins(user: User) -> int:
    return db.session.execute(
        select(func.count(func.distinct(User.id))).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.DLA_ADMIN, User.is_enabled.is_(True), User.id != user.id)
    ).scalar_one()


def revoke_role(grant: RoleGrant, *, actor=None) -> None:
    """Remove one grant. The last enabled administrator keeps theirs, so someone can always
    manage users."""
    user = grant.user
    if grant.role == Role.DLA_ADMIN and user.is_enabled and not _other_enabled_admins(user):
        raise Invalid(_l("This is the last administrator; give another user the role first."))
    record(actor, "role.revoked", user, role=grant.role.value, lgo_id=grant.lgo_id,
           province_id=grant.province_id)
    user.grants.remove(grant)
    db.session.flush()


def set_enabled(user: User, enabled: bool, *, actor=None) -> None:
    """Enable or disable an account; disabling ends every session it has open."""
    if user.is_enabled == enabled:
        return
    if not enabled:
        if actor is not None and getattr(actor, "id", None) == user.id:
            raise Invalid(_l("You cannot disable your own account."))
        if user.has_role(Role.DLA_ADMIN) and not _other_enabled_admins(user):
            raise Invalid(_l("This is the last administrator; give another user the role "
                             "first."))
    user.is_enabled = enabled
    if not enabled:
        revoke_all_sessions(user)
    db.session.flush()
    record(actor, "user.enabled" if enabled else "user.disabled", user)


def set_locale(user: User, locale: str, *, actor=None) -> None:
    if locale not in LANGUAGES:
        raise Invalid(_l("Choose Thai or English."))
    if user.locale == locale:
        return
    user.locale = locale
    db.session.flush()
    record(actor, "user.locale_changed", user, locale=locale)


def set_home_district(user: User, district: District | None, *, actor=None) -> None:
    """Where the user works: conflict-of-interest rules keep assessors away from it."""
    user.home_district = district
    db.session.flush()
    record(actor, "user.home_district_set", user, district=district.code if district else None)


def change_password(user: User, current: str, new: str, *, hash_method: str = "scrypt",
                    min_length: int = 12) -> None:
    """Change the password and end every session of the user (the caller opens a new one)."""
    if not check_password_hash(user.password_hash, current):
        raise Invalid(_l("The current password is not right."))
    check_password_policy(new, min_length=min_length,
                          context=_context_words(user.email, user.display_name))
    user.password_hash = hash_password(new, hash_method)
    user.password_changed_at = utcnow()
    revoke_all_sessions(user)
    record(user, "user.password_changed", user)


# Reads for the admin pages -------------------------------------------------------------------
def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def get_grant(user: User, grant_id: int) -> RoleGrant:
    """One of ``user``'s grants (a grant of another user is not found)."""
    for grant in user.grants:
        if grant.id == grant_id:
            return grant
    raise NotFound()


def users_query(text: str | None = None, role: Role | None = None) -> Select:
    """Users whose name or e-mail contains ``text`` and who hold ``role``, by name."""
    query = select(User).order_by(User.display_name, User.id)
    if text and text.strip():
        pattern = f"%{text.strip().lower()}%"
        query = query.where(or_(func.lower(User.email).like(pattern),
                                func.lower(User.display_name).like(pattern)))
    if role is not None:
        query = query.where(User.id.in_(select(RoleGrant.user_id).where(RoleGrant.role == role)))
    return query


def find_lgo(dla_code: str) -> Lgo | None:
    return db.session.execute(
        select(Lgo).where(Lgo.dla_code == dla_code.strip())).scalar_one_or_none()


def find_province(code: str) -> Province | None:
    return db.session.execute(
        select(Province).where(Province.code == code.strip())).scalar_one_or_none()


def find_district(code: str) -> District | None:
    return db.session.execute(
        select(District).where(District.code == code.strip())).scalar_one_or_none()


# Logging in ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ThrottlePolicy:
    """Failed logins allowed per e-mail address and per IP address within a sliding window.

    Per account, so one account cannot be guessed at from many addresses; per address, so one
    address cannot try many accounts; never global, so an attacker cannot lock everyone out."""

    window_seconds: int = 15 * 60
    per_account: int = 5
    per_address: int = 20

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.window_seconds / 60))


class LoginRefused(DomainError):
    status = 401
    default_message = _l("The e-mail address or password is not right.")


class LoginThrottled(DomainError):
    status = 429
    default_message = _l("Too many failed logins. Wait a few minutes and try again.")


def _email_key(email: str) -> str:
    return (email or "").strip().lower()[:200]


def _user_by_email(email_key: str) -> User | None:
    return db.session.execute(
        select(User).where(func.lower(User.email) == email_key)).scalar_one_or_none()


def login_throttled(email: str, ip_address: str | None, policy: ThrottlePolicy,
                    now: datetime | None = None, *, kind: str = "password") -> bool:
    """True if the e-mail address or the IP address has used up its failed logins. An account's
    count of wrong passwords starts again after a right password, its count of wrong codes
    after a right code (never after a right password); an address's count (of both) does not."""
    now = now or utcnow()
    since = now - timedelta(seconds=policy.window_seconds)
    key = _email_key(email)
    last_success = db.session.execute(
        select(func.max(LoginAttempt.attempted_at))
        .where(LoginAttempt.email == key, LoginAttempt.kind == kind,
               LoginAttempt.succeeded.is_(True), LoginAttempt.attempted_at > since)).scalar()
    account_failures = db.session.execute(
        select(func.count()).select_from(LoginAttempt)
        .where(LoginAttempt.email == key, LoginAttempt.kind == kind,
               LoginAttempt.succeeded.is_(False),
               LoginAttempt.attempted_at > (last_success or since))).scalar_one()
    if account_failures >= policy.per_account:
        return True
    if ip_address is None:
        return False
    address_failures = db.session.execute(
        select(func.count()).select_from(LoginAttempt)
        .where(LoginAttempt.ip_address == ip_address, LoginAttempt.succeeded.is_(False),
               LoginAttempt.attempted_at > since)).scalar_one()
    return address_failures >= policy.per_address


def log_in(email: str, password: str, *, ip_address: str | None = None,
           user_agent: str | None = None, policy: ThrottlePolicy = ThrottlePolicy(),
           now: datetime | None = None) -> User:
    """Check the throttle and the password, keep the attempt and open a login session (which
    waits for the second factor if the user has or needs one: see ``needs_second_factor``).

    Raises ``LoginThrottled`` (429) or ``LoginRefused`` (401) with the same message whether or
    not the address is registered; the caller commits in every case, so that failures count."""
    now = now or utcnow()
    key = _email_key(email)
    if login_throttled(key, ip_address, policy, now):
        record(key or None, "user.login_throttled", None, ip_address=ip_address, email=key)
        raise LoginThrottled(_l("Too many failed logins. Wait %(minutes)d minutes and try "
                                "again.", minutes=policy.minutes))
    user = _user_by_email(key)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)  # the same work as for a real account
        reason = "unknown e-mail"
    elif not check_password_hash(user.password_hash, password):
        reason = "wrong password"
    elif not user.is_enabled:
        reason = "account disabled"
    else:
        reason = None
    db.session.add(LoginAttempt(attempted_at=now, email=key, ip_address=ip_address,
                                succeeded=reason is None))
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at < now - ATTEMPTS_KEPT))
    if reason is not None:
        record(key or None, "user.login_failed", user, ip_address=ip_address, reason=reason)
        raise LoginRefused()
    prune_login_sessions(now=now)
    start_login_session(user, ip_address=ip_address, user_agent=user_agent)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The enabled user with this e-mail and password, or None, in the same time either way.
    Keeps no record and applies no throttle: the login page uses ``log_in``."""
    user = _user_by_email(_email_key(email))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.is_enabled:
        return None
    return user


# Login sessions ------------------------------------------------------------------------------
def start_login_session(user: User, *, ip_address: str | None = None,
                        user_agent: str | None = None, second_factor_passed: bool = False) -> str:
    """Open a new server-side session for ``user`` and return the token its cookie carries.

    A user who has or needs a second factor is not logged in by it until ``pass_second_factor``
    (or enrolment) marks it, unless ``second_factor_passed`` (a password change in a session
    that had already passed it)."""
    token = secrets.token_urlsafe(32)
    waiting = needs_second_factor(user) and not second_factor_passed
    db.session.add(LoginSession(token_hash=LoginSession.hash_token(token), user_id=user.id,
                                ip_address=ip_address, user_agent=(user_agent or "")[:300],
                                second_factor_at=utcnow() if second_factor_passed else None))
    db.session.flush()
    record(user, "user.password_accepted" if waiting else "user.logged_in", user,
           ip_address=ip_address)
    user.login_session_token = token
    return token


def _session_lifetime() -> timedelta:
    from flask import current_app, has_app_context
    if has_app_context():
        return current_app.permanent_session_lifetime
    return timedelta(hours=8)


def load_user_by_session_token(token: str, *, now: datetime | None = None) -> User | None:
    """The user of a live login session: not revoked, not older than the session lifetime
    (an absolute limit, whatever the browser does with its cookie), the account enabled."""
    oldest = (now or utcnow()) - _session_lifetime()
    # Every request asks this: one statement brings the session, its user, the user's roles and
    # whether they have a second factor (four statements before).
    has_factor = select(SecondFactor.id).where(
        SecondFactor.user_id == LoginSession.user_id).exists().label("has_second_factor")
    found = db.session.execute(
        select(LoginSession, has_factor)
        .where(LoginSession.token_hash == LoginSession.hash_token(token),
               LoginSession.revoked_at.is_(None), LoginSession.created_at > oldest)
        .options(joinedload(LoginSession.user).joinedload(User.grants))).unique().first()
    if found is None or not found.LoginSession.user.is_enabled:
        return None
    row, user = found.LoginSession, found.LoginSession.user
    if row.second_factor_at is None and (found.has_second_factor
                                         or second_factor_required(user)):
        return None  # the password alone logs in no one who has or needs a second factor
    user.login_session_token = token
    return user


def active_sessions(user: User, *, now: datetime | None = None) -> list[LoginSession]:
    oldest = (now or utcnow()) - _session_lifetime()
    query = select(LoginSession).where(LoginSession.user_id == user.id,
                                       LoginSession.revoked_at.is_(None),
                                       LoginSession.created_at > oldest)
    if needs_second_factor(user):
        query = query.where(LoginSession.second_factor_at.is_not(None))
    return list(db.session.execute(query.order_by(LoginSession.created_at.desc())).scalars())


def end_login_session(token: str, *, actor=None) -> None:
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.token_hash == LoginSession.hash_token(token),
               LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow()))
    record(actor, "user.logged_out", actor)


def end_other_sessions(user: User, keep_token: str, *, actor=None) -> int:
    """Log out every session of ``user`` except the one holding ``keep_token``."""
    result = db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None),
               LoginSession.token_hash != LoginSession.hash_token(keep_token))
        .values(revoked_at=utcnow()))
    record(actor, "user.other_sessions_ended", user, count=result.rowcount)
    return result.rowcount


def revoke_all_sessions(user: User) -> None:
    db.session.execute(update(LoginSession)
                       .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
                       .values(revoked_at=utcnow()))


def _config(name: str, default):
    from flask import current_app, has_app_context
    return current_app.config.get(name, default) if has_app_context() else default


def prune_login_sessions(*, now: datetime | None = None,
                         retention: timedelta | None = None) -> int:
    """Delete login sessions that ended (logged out or expired) more than ``retention`` ago
    (``LOGIN_SESSION_RETENTION_DAYS``, 90 by default): a session lasts at most its lifetime,
    so every row created more than lifetime + retention ago has ended at least that long."""
    if retention is None:
        retention = timedelta(days=_config("LOGIN_SESSION_RETENTION_DAYS", 90))
    oldest = (now or utcnow()) - _session_lifetime() - retention
    result = db.session.execute(delete(LoginSession).where(LoginSession.created_at < oldest))
    return result.rowcount


# Second factor -------------------------------------------------------------------------------
SECOND_FACTOR_ROLES = frozenset({Role.DLA_APPROVER, Role.DLA_ADMIN})
PENDING_LOGIN_WINDOW = timedelta(minutes=10)  # between the password and the code


class SecondFactorRefused(DomainError):
    status = 401
    default_message = _l("The code is not right, or it was already used. Enter the current "
                         "code from your authenticator app.")


class SecondFactorUnreadable(DomainError):
    status = 409
    default_message = _l("Your authenticator cannot be checked because the server's key has "
                         "changed. Ask an administrator to reset your second factor.")


def second_factor_required(user: User) -> bool:
    """Approvers and administrators must use a second factor."""
    return any(grant.role in SECOND_FACTOR_ROLES for grant in user.grants)


def has_second_factor(user: User) -> bool:
    return db.session.execute(
        select(SecondFactor.id).where(SecondFactor.user_id == user.id)).first() is not None


def needs_second_factor(user: User) -> bool:
    """A login of this user is complete only after the second factor (or its enrolment)."""
    return second_factor_required(user) or has_second_factor(user)


def _second_factor_key() -> str:
    """The key that encrypts TOTP secrets: the app's, so this needs an application context."""
    from flask import current_app
    return current_app.config.get("SECOND_FACTOR_KEY") or current_app.config["SECRET_KEY"]


def _second_factor(user: User) -> SecondFactor | None:
    return db.session.execute(
        select(SecondFactor).where(SecondFactor.user_id == user.id)).scalar_one_or_none()


def pending_login(token: str | None, *, now: datetime | None = None) -> LoginSession | None:
    """The login session of ``token`` if it has passed the password, waits for its second
    factor (a code, or enrolment) and is no older than ``PENDING_LOGIN_WINDOW``."""
    if not token:
        return None
    oldest = (now or utcnow()) - PENDING_LOGIN_WINDOW
    row = db.session.execute(
        select(LoginSession).where(LoginSession.token_hash == LoginSession.hash_token(token),
                                   LoginSession.revoked_at.is_(None),
                                   LoginSession.second_factor_at.is_(None),
                                   LoginSession.created_at > oldest)).scalar_one_or_none()
    if row is None or not row.user.is_enabled or not needs_second_factor(row.user):
        return None
    return row


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = totp.new_recovery_codes()
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=totp.hash_recovery_code(code))
                       for code in codes)
    db.session.flush()
    return codes


def enrol_second_factor(user: User, secret: str, code: str, *, actor=None,
                        now: datetime | None = None) -> list[str]:
    """Keep ``secret`` (encrypted) as the user's authenticator once ``code`` proves the app
    holds it; returns 10 new one-time recovery codes, shown once and kept only as hashes."""
    if has_second_factor(user):
        raise Conflict(_l("A second factor is already set up for this account."))
    step = totp.matching_step(secret, code, now or utcnow(), None) if secret else None
    if step is None:
        raise Invalid(_l("The code does not match. Check that your device's clock is right and "
                         "enter the code now shown in the app."))
    db.session.add(SecondFactor(user_id=user.id, last_step=step,
                                secret_encrypted=totp.encrypt_secret(secret,
                                                                     _second_factor_key())))
    codes = _replace_recovery_codes(user)
    record(actor, "user.second_factor_enrolled", user)
    return codes


def set_known_second_factor(user: User, secret: str, *, actor=None) -> None:
    """Give a demo account a published authenticator secret (no recovery codes). Only for demo
    accounts: a real user proves the secret with ``enrol_second_factor``."""
    if has_second_factor(user):
        raise Conflict(_l("A second factor is already set up for this account."))
    db.session.add(SecondFactor(user_id=user.id, last_step=None,
                                secret_encrypted=totp.encrypt_secret(secret,
                                                                     _second_factor_key())))
    db.session.flush()
    record(actor, "user.second_factor_enrolled", user, demo=True)


def new_recovery_codes(user: User, *, actor=None) -> list[str]:
    """Replace the user's recovery codes (the old ones stop working)."""
    if not has_second_factor(user):
        raise Invalid(_l("Set up an authenticator app first."))
    codes = _replace_recovery_codes(user)
    record(actor, "user.recovery_codes_replaced", user)
    return codes


def unused_recovery_codes(user: User) -> int:
    return db.session.execute(
        select(func.count()).select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).scalar_one()


def _check_code(user: User, code: str, now: datetime) -> str | None:
    """"totp" or "recovery" if ``code`` is accepted (and consumed), None otherwise."""
    if totp.looks_like_recovery_code(code):
        result = db.session.execute(
            update(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None),
                   RecoveryCode.code_hash == totp.hash_recovery_code(code))
            .values(used_at=now))
        return "recovery" if result.rowcount == 1 else None
    factor = _second_factor(user)
    if factor is None:
        return None
    try:
        secret = totp.decrypt_secret(factor.secret_encrypted, _second_factor_key())
    except totp.UnreadableSecret as error:
        raise SecondFactorUnreadable() from error
    step = totp.matching_step(secret, code, now, factor.last_step)
    if step is None:
        return None
    # Conditional on the step still being new, so two requests racing with one code cannot
    # both succeed.
    result = db.session.execute(
        update(SecondFactor)
        .where(SecondFactor.id == factor.id,
               or_(SecondFactor.last_step.is_(None), SecondFactor.last_step < step))
        .values(last_step=step))
    db.session.refresh(factor)
    return "totp" if result.rowcount == 1 else None


def pass_second_factor(login_session: LoginSession, code: str, *, ip_address: str | None = None,
                       policy: ThrottlePolicy = ThrottlePolicy(),
                       now: datetime | None = None) -> str:
    """Check a 6-digit code (or a recovery code) for a session waiting for it, throttled like
    passwords; on success the session is logged in. Returns "totp" or "recovery".

    Raises ``LoginThrottled`` (429) or ``SecondFactorRefused`` (401); the caller commits in
    every case, so that failures count."""
    now = now or utcnow()
    user = login_session.user
    if login_throttled(user.email, ip_address, policy, now, kind="second_factor"):
        record(user, "user.second_factor_throttled", user, ip_address=ip_address)
        raise LoginThrottled(_l("Too many wrong codes. Wait %(minutes)d minutes and try again.",
                                minutes=policy.minutes))
    method = _check_code(user, code, now)
    db.session.add(LoginAttempt(attempted_at=now, email=_email_key(user.email),
                                ip_address=ip_address, succeeded=method is not None,
                                kind="second_factor"))
    if method is None:
        record(user, "user.second_factor_failed", user, ip_address=ip_address)
        raise SecondFactorRefused()
    login_session.second_factor_at = now
    db.session.flush()
    record(user, "user.logged_in", user, ip_address=ip_address, second_factor=method)
    return method


def mark_second_factor_passed(user: User, token: str, *, now: datetime | None = None) -> None:
    """The session of ``token`` has just proved the second factor (at enrolment)."""
    db.session.execute(update(LoginSession)
                       .where(LoginSession.user_id == user.id,
                              LoginSession.token_hash == LoginSession.hash_token(token))
                       .values(second_factor_at=now or utcnow()))


def reset_second_factor(user: User, *, actor=None) -> None:
    """Remove the user's authenticator and recovery codes (a lost phone) and end their
    sessions; at the next login they set up a new one (approvers and administrators must)."""
    factor = _second_factor(user)
    if factor is None:
        raise Invalid(_l("This account has no second factor to reset."))
    db.session.delete(factor)
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    revoke_all_sessions(user)
    db.session.flush()
    record(actor, "user.second_factor_reset", user)
