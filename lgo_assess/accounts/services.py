"""Account services: the only code that writes users, grants and login sessions."""
from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from lgo_assess.accounts.models import LoginSession, RoleGrant, User
from lgo_assess.core.audit import record
from lgo_assess.core.db import db, utcnow
from lgo_assess.core.errors import Conflict, Invalid, NotFound
from lgo_assess.core.security import Role

# A short list of the passwords people pick most; a real deployment may extend it.
COMMON_PASSWORDS = frozenset({
    "123456789012", "password1234", "qwertyuiop12", "1234567890ab", "passwordpassword",
    "iloveyou1234", "admin1234567", "adminadmin12", "welcome12345", "changeme1234",
    "thailand1234", "password12345", "qwerty123456", "1q2w3e4r5t6y", "aaaaaaaaaaaa",
    "abc123456789", "sawasdee1234", "bangkok12345", "111111111111", "000000000000",
})

_DUMMY_HASH = generate_password_hash("not a real password", method="pbkdf2:sha256:1000")


def check_password_policy(password: str, *, min_length: int = 12) -> None:
    if len(password) < min_length:
        raise Invalid(_l("The password must have at least %(n)d characters.", n=min_length))
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        raise Invalid(_l("This password is too common or too simple; choose another."))


def hash_password(password: str, method: str = "scrypt") -> str:
    return generate_password_hash(password, method=method)


def create_user(email: str, display_name: str, password: str, *, actor=None,
                locale: str = "th", hash_method: str = "scrypt",
                min_length: int = 12) -> User:
    email = email.strip().lower()
    if db.session.execute(select(User.id).where(func.lower(User.email) == email)).first():
        raise Conflict(_l("A user with this e-mail address already exists."))
    check_password_policy(password, min_length=min_length)
    user = User(email=email, display_name=display_name.strip(), locale=locale,
                password_hash=hash_password(password, hash_method))
    db.session.add(user)
    db.session.flush()
    record(actor, "user.created", user, email=email)
    return user


def grant_role(user: User, role: Role, *, lgo=None, province=None, actor=None) -> RoleGrant:
    scope = role.scope
    if scope == "lgo" and (lgo is None or province is not None):
        raise Invalid(_l("This role must be given for one LGO."))
    if scope == "province" and (province is None or lgo is not None):
        raise Invalid(_l("This role must be given for one province."))
    if scope == "nation" and (lgo is not None or province is not None):
        raise Invalid(_l("This role applies nationally and takes no LGO or province."))
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


def revoke_role(grant: RoleGrant, *, actor=None) -> None:
    user = grant.user
    record(actor, "role.revoked", user, role=grant.role.value, lgo_id=grant.lgo_id,
           province_id=grant.province_id)
    user.grants.remove(grant)
    db.session.flush()


def authenticate(email: str, password: str) -> User | None:
    """The enabled user with this e-mail and password, or None. Takes the same time whether or
    not the account exists, so the answer does not reveal which e-mail addresses are registered."""
    user = db.session.execute(
        select(User).where(func.lower(User.email) == email.strip().lower())).scalar_one_or_none()
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.is_enabled:
        return None
    return user


def start_login_session(user: User, *, ip_address: str | None = None,
                        user_agent: str | None = None) -> str:
    """Open a new server-side session for ``user`` and return the token its cookie carries."""
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(token_hash=LoginSession.hash_token(token), user_id=user.id,
                                ip_address=ip_address, user_agent=(user_agent or "")[:300]))
    db.session.flush()
    record(user, "user.logged_in", user, ip_address=ip_address)
    user.login_session_token = token
    return token


def load_user_by_session_token(token: str) -> User | None:
    row = db.session.execute(
        select(LoginSession).where(LoginSession.token_hash == LoginSession.hash_token(token),
                                   LoginSession.revoked_at.is_(None))).scalar_one_or_none()
    if row is None or not row.user.is_enabled:
        return None
    row.user.login_session_token = token
    return row.user


def end_login_session(token: str, *, actor=None) -> None:
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.token_hash == LoginSession.hash_token(token),
               LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow()))
    record(actor, "user.logged_out", actor)


def revoke_all_sessions(user: User) -> None:
    db.session.execute(update(LoginSession)
                       .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
                       .values(revoked_at=utcnow()))


def change_password(user: User, current: str, new: str, *, hash_method: str = "scrypt",
                    min_length: int = 12) -> None:
    if not check_password_hash(user.password_hash, current):
        raise Invalid(_l("The current password is not right."))
    check_password_policy(new, min_length=min_length)
    user.password_hash = hash_password(new, hash_method)
    user.password_changed_at = utcnow()
    revoke_all_sessions(user)
    record(user, "user.password_changed", user)


def set_enabled(user: User, enabled: bool, *, actor=None) -> None:
    user.is_enabled = enabled
    if not enabled:
        revoke_all_sessions(user)
    record(actor, "user.enabled" if enabled else "user.disabled", user)


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user
