"""Signed certificate payloads: canonical JSON signed with Ed25519, and the key directory.

Pure: no Flask, no database. The payload is the certificate's serial and printed fields as
canonical JSON (keys sorted, no whitespace, UTF-8, Thai text NFC-normalised, dates ISO), so the
same facts always give the same bytes. The signature covers those bytes exactly; the PDF carries
them with the signature and the key id (``SignedPayload.to_block``), so a verifier never has to
re-serialise anything.

The key directory (config ``KEYS_DIR``, kept outside the repository) holds, for each key,
``<kid>.private.pem`` (PKCS#8, mode 0600) and ``<kid>.public.pem``, and one ``active`` file that
names the key signing new certificates. A key id is the first 16 hex digits of the SHA-256 of
the raw 32-byte public key. Keys are never overwritten or deleted here: certificates signed with
an older key keep verifying against its published public half.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (Ed25519PrivateKey,
                                                               Ed25519PublicKey)

PAYLOAD_FORMAT = "lgo-assess-certificate/1"
BLOCK_FORMAT = "lgo-assess-signed-certificate/1"
ALGORITHM = "Ed25519"
KID_PATTERN = re.compile(r"^[0-9a-f]{16}$")
ACTIVE_FILE = "active"


class SigningError(Exception):
    """No usable signing key, a key directory in a bad state, or an unreadable signed block."""


# -- Canonical JSON -------------------------------------------------------------------------------

def _normalise(value):
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {_normalise(str(k)): _normalise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_normalise(v) for v in value]
    if isinstance(value, datetime):
        raise TypeError("give dates, not datetimes, to a certificate payload")
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int)):
        return value
    raise TypeError(f"a certificate payload holds text, whole numbers and dates, not "
                    f"{type(value).__name__}")


def canonical_json(data: dict) -> bytes:
    """``data`` as canonical JSON bytes: sorted keys, no whitespace, UTF-8, NFC, ISO dates."""
    return json.dumps(_normalise(data), sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"), allow_nan=False).encode("utf-8")


# -- Signed payloads ------------------------------------------------------------------------------

@dataclass(frozen=True)
class SignedPayload:
    payload: bytes          # the canonical JSON, exactly the bytes signed
    signature: str          # base64 of the 64-byte Ed25519 signature
    kid: str

    @cached_property
    def facts(self) -> dict:
        """The payload as a dictionary (raises SigningError if it is not JSON)."""
        try:
            facts = json.loads(self.payload.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise SigningError(f"the payload is not UTF-8 JSON: {error}") from None
        if not isinstance(facts, dict):
            raise SigningError("the payload is not a JSON object")
        return facts

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.payload).hexdigest()

    def to_block(self) -> bytes:
        """What the PDF embeds: the payload (as text), the signature and the key id."""
        return json.dumps({"format": BLOCK_FORMAT, "algorithm": ALGORITHM, "kid": self.kid,
                           "payload": self.payload.decode("utf-8"),
                           "signature": self.signature},
                          sort_keys=True, ensure_ascii=False, indent=1).encode("utf-8")

    @classmethod
    def from_block(cls, block: bytes) -> SignedPayload:
        try:
            data = json.loads(block.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise SigningError(f"the signed block is not UTF-8 JSON: {error}") from None
        if not isinstance(data, dict) or data.get("format") != BLOCK_FORMAT:
            raise SigningError("the signed block is not an LGO Assess certificate signature")
        if data.get("algorithm") != ALGORITHM:
            raise SigningError(f"unsupported signature algorithm {data.get('algorithm')!r}")
        payload, signature, kid = data.get("payload"), data.get("signature"), data.get("kid")
        if not all(isinstance(v, str) for v in (payload, signature, kid)):
            raise SigningError("the signed block lacks its payload, signature or key id")
        return cls(payload.encode("utf-8"), signature, kid)


def sign(facts: dict, private_key: Ed25519PrivateKey, kid: str) -> SignedPayload:
    payload = canonical_json(facts)
    signature = base64.b64encode(private_key.sign(payload)).decode("ascii")
    return SignedPayload(payload, signature, kid)


def verify(signed: SignedPayload, public_key: Ed25519PublicKey | None) -> bool:
    """True if ``signed.signature`` is the key's signature of exactly ``signed.payload``."""
    if public_key is None:
        return False
    try:
        signature = base64.b64decode(signed.signature, validate=True)
        public_key.verify(signature, signed.payload)
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return key_id(public_key) == signed.kid


# -- Keys -----------------------------------------------------------------------------------------

def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.PEM,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)


def load_public_pem(data: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise SigningError("not an Ed25519 public key")
    return key


def is_key_id(kid: str) -> bool:
    return bool(KID_PATTERN.match(kid or ""))


@dataclass(frozen=True)
class Signer:
    kid: str
    private_key: Ed25519PrivateKey

    def sign(self, facts: dict) -> SignedPayload:
        return sign(facts, self.private_key, self.kid)


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` with ``data``; refuse if it exists (never overwrite a key)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(fd, mode)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


class KeyDirectory:
    """The signing keys in one directory: generate, list, activate, sign, publish."""

    def __init__(self, path: Path | str):
        self.path = Path(path)

    def _private(self, kid: str) -> Path:
        return self.path / f"{kid}.private.pem"

    def _public(self, kid: str) -> Path:
        return self.path / f"{kid}.public.pem"

    def generate(self, *, activate: bool | None = None) -> str:
        """Create a key pair and return its id. It becomes the active key when ``activate``
        is true, or (by default) when no key is active yet."""
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        private_key = Ed25519PrivateKey.generate()
        kid = key_id(private_key.public_key())
        if self._private(kid).exists() or self._public(kid).exists():
            raise SigningError(f"a key {kid} already exists in {self.path}; refusing to "
                               "overwrite it")
        _write_new(self._private(kid), private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()), 0o600)
        _write_new(self._public(kid), public_pem(private_key.public_key()), 0o644)
        if activate or (activate is None and self.active_kid() is None):
            self.activate(kid)
        return kid

    def kids(self) -> list[str]:
        """Ids of the keys whose public half is here, oldest first."""
        if not self.path.is_dir():
            return []
        found = [(p.stat().st_mtime, p.name.split(".", 1)[0])
                 for p in self.path.glob("*.public.pem")]
        return [kid for _, kid in sorted(found) if is_key_id(kid)]

    def active_kid(self) -> str | None:
        try:
            kid = (self.path / ACTIVE_FILE).read_text(encoding="ascii").strip()
        except (FileNotFoundError, UnicodeDecodeError):
            return None
        return kid if is_key_id(kid) else None

    def activate(self, kid: str) -> None:
        if not is_key_id(kid) or not self._private(kid).exists():
            raise SigningError(f"no private key {kid!r} in {self.path}")
        temporary = self.path / f".{ACTIVE_FILE}.{os.getpid()}"
        temporary.write_text(kid + "\n", encoding="ascii")
        os.replace(temporary, self.path / ACTIVE_FILE)

    def public_key_pem(self, kid: str) -> bytes | None:
        if not is_key_id(kid):
            return None
        try:
            return self._public(kid).read_bytes()
        except FileNotFoundError:
            return None

    def public_key(self, kid: str) -> Ed25519PublicKey | None:
        pem = self.public_key_pem(kid)
        if pem is None:
            return None
        key = load_public_pem(pem)
        return key if key_id(key) == kid else None

    def public_keys(self) -> dict[str, Ed25519PublicKey]:
        keys = {}
        for kid in self.kids():
            key = self.public_key(kid)
            if key is not None:
                keys[kid] = key
        return keys

    def signer(self) -> Signer:
        """The active key, ready to sign (SigningError if there is none or it is unsafe)."""
        kid = self.active_kid()
        if kid is None:
            raise SigningError(f"no active signing key in {self.path}: run `flask keys "
                               "generate`")
        path = self._private(kid)
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
            data = path.read_bytes()
        except FileNotFoundError:
            raise SigningError(f"the active key {kid} has no private key file") from None
        if mode & 0o077:
            raise SigningError(f"{path} is readable by others (mode {mode:o}); chmod 600 it")
        private_key = serialization.load_pem_private_key(data, password=None)
        if not isinstance(private_key, Ed25519PrivateKey) or \
                key_id(private_key.public_key()) != kid:
            raise SigningError(f"{path} does not hold the Ed25519 key {kid}")
        return Signer(kid, private_key)
