"""Time-based one-time passwords (RFC 6238) and recovery codes: pure functions, no Flask.

Codes have 6 digits and change every 30 seconds; one step either side is accepted for clock
drift, and a code is accepted only for a step later than the last one accepted (no replay).
Secrets are kept encrypted (Fernet: AES-128-CBC with HMAC-SHA256) under a key derived from the
application's ``SECOND_FACTOR_KEY`` (by default its ``SECRET_KEY``).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime, timezone

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ISSUER = "LGO Assess"
DIGITS = 6
INTERVAL = 30
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud, typed back
_RECOVERY_GROUPS, _RECOVERY_GROUP_SIZE = 4, 4           # 16 characters, about 79 bits


class UnreadableSecret(Exception):
    """The stored secret cannot be decrypted with the current key (the key changed)."""


def new_secret() -> str:
    """A random 160-bit secret in base32, as authenticator apps expect."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, account: str, issuer: str = ISSUER) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).provisioning_uri(
        name=account, issuer_name=issuer)


def qr_svg(uri: str, title: str) -> str:
    """The URI as an inline SVG QR code: shapes only, no script and no style attribute."""
    return segno.make(uri, error="m").svg_inline(scale=4, title=title, dark="#000",
                                                 light="#fff")


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def step_at(moment: datetime) -> int:
    return int(moment.replace(tzinfo=moment.tzinfo or timezone.utc).timestamp()) // INTERVAL


def code_at_step(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).generate_otp(step)


def matching_step(secret: str, code: str, moment: datetime, after_step: int | None) -> int | None:
    """The time step ``code`` belongs to, within one step of ``moment`` and later than
    ``after_step``; None if it matches no such step."""
    code = (code or "").strip().replace(" ", "")
    if not re.fullmatch(rf"\d{{{DIGITS}}}", code):
        return None
    now = step_at(moment)
    found = None
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if hmac.compare_digest(code_at_step(secret, step), code) and (
                after_step is None or step > after_step):
            found = step if found is None else found
    return found


# Encryption of stored secrets ----------------------------------------------------------------
def _fernet(key_material: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"lgo-assess second factor").derive(key_material.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt_secret(secret: str, key_material: str) -> str:
    return _fernet(key_material).encrypt(secret.encode()).decode()


def decrypt_secret(token: str, key_material: str) -> str:
    try:
        return _fernet(key_material).decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise UnreadableSecret() from error


# Recovery codes ------------------------------------------------------------------------------
def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """``count`` random codes such as ``k7mq-2xhp-9trw-b4nd``."""
    def one() -> str:
        chars = "".join(secrets.choice(_RECOVERY_ALPHABET)
                        for _ in range(_RECOVERY_GROUPS * _RECOVERY_GROUP_SIZE))
        return "-".join(chars[i:i + _RECOVERY_GROUP_SIZE]
                        for i in range(0, len(chars), _RECOVERY_GROUP_SIZE))
    return [one() for _ in range(count)]


def normalize_recovery_code(text: str) -> str:
    """What the user typed, without spaces, dashes and case."""
    return re.sub(r"[\s-]", "", (text or "").lower())


def hash_recovery_code(text: str) -> str:
    """SHA-256 of the normalised code: enough for 79 random bits (nothing to guess offline)."""
    return hashlib.sha256(normalize_recovery_code(text).encode()).hexdigest()


def looks_like_recovery_code(text: str) -> bool:
    code = normalize_recovery_code(text)
    return len(code) == _RECOVERY_GROUPS * _RECOVERY_GROUP_SIZE and all(
        c in _RECOVERY_ALPHABET for c in code)
