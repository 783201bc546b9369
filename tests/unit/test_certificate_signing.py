"""Certificate signatures: canonical JSON, Ed25519 signing and verification (a one-byte change
fails), and the key directory (ids, file modes, never overwriting, one active key)."""
from __future__ import annotations

import hashlib
import os
import stat
import unicodedata
from datetime import date, datetime, timezone

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lgo_assess.certification import signing
from lgo_assess.certification.signing import (KeyDirectory, SignedPayload, SigningError,
                                              canonical_json, verify)

FACTS = {"serial": "GGL-2569-000042", "lgo_name_th": "องค์การบริหารส่วนตำบลบ้านปี่",
         "fiscal_year": 2569, "issued_on": date(2026, 1, 15), "supersedes": None}


def test_canonical_json_sorts_keys_drops_whitespace_and_writes_utf8_nfc_iso_dates():
    decomposed = unicodedata.normalize("NFD", "ตำบล café")
    data = canonical_json({"b": decomposed, "a": [1, date(2026, 1, 15)], "c": None})
    assert data == '{"a":[1,"2026-01-15"],"b":"ตำบล café","c":null}'.encode()
    assert unicodedata.is_normalized("NFC", data.decode())
    assert canonical_json({"x": 1, "y": 2}) == canonical_json({"y": 2, "x": 1})


@pytest.mark.parametrize("bad", [1.5, datetime(2026, 1, 1, tzinfo=timezone.utc), b"raw"])
def test_canonical_json_refuses_values_with_more_than_one_spelling(bad):
    with pytest.raises(TypeError):
        canonical_json({"x": bad})


@pytest.fixture
def keys(tmp_path) -> KeyDirectory:
    directory = KeyDirectory(tmp_path / "keys")
    directory.generate()
    return directory


def test_a_signature_verifies_and_one_changed_byte_does_not(keys):
    signed = keys.signer().sign(FACTS)
    public = keys.public_key(signed.kid)
    assert verify(signed, public)
    for position in (0, len(signed.payload) // 2, len(signed.payload) - 1):
        tampered = bytearray(signed.payload)
        tampered[position] ^= 0x01
        assert not verify(SignedPayload(bytes(tampered), signed.signature, signed.kid), public)


def test_a_signature_fails_with_another_key_a_wrong_kid_or_garbage(keys, tmp_path):
    signed = keys.signer().sign(FACTS)
    other = KeyDirectory(tmp_path / "other")
    other_kid = other.generate()
    assert not verify(signed, other.public_key(other_kid))
    assert not verify(SignedPayload(signed.payload, signed.signature, other_kid),
                      keys.public_key(signed.kid))
    assert not verify(SignedPayload(signed.payload, "not base64!", signed.kid),
                      keys.public_key(signed.kid))
    assert not verify(signed, None)


def test_the_embedded_block_round_trips_exactly(keys):
    signed = keys.signer().sign(FACTS)
    back = SignedPayload.from_block(signed.to_block())
    assert back == signed and back.facts["lgo_name_th"] == FACTS["lgo_name_th"]
    with pytest.raises(SigningError):
        SignedPayload.from_block(b'{"format": "something else"}')
    with pytest.raises(SigningError):
        SignedPayload.from_block(b"\xff not json")


def test_generate_writes_a_0600_private_key_named_by_the_public_key_hash(tmp_path):
    directory = KeyDirectory(tmp_path / "keys")
    kid = directory.generate()
    private = directory.path / f"{kid}.private.pem"
    public = directory.path / f"{kid}.public.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert stat.S_IMODE(directory.path.stat().st_mode) == 0o700
    key = serialization.load_pem_public_key(public.read_bytes())
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert kid == hashlib.sha256(raw).hexdigest()[:16]
    assert directory.active_kid() == kid


def test_several_keys_one_active_and_old_ones_keep_verifying(tmp_path):
    directory = KeyDirectory(tmp_path / "keys")
    first = directory.generate()
    old_signature = directory.signer().sign(FACTS)
    second = directory.generate()
    assert directory.active_kid() == first          # a new key is not active by default
    directory.activate(second)
    assert directory.signer().kid == second
    assert set(directory.kids()) == {first, second}
    assert verify(old_signature, directory.public_key(first))
    with pytest.raises(SigningError):
        directory.activate("0123456789abcdef")


def test_generate_refuses_to_overwrite_an_existing_key(tmp_path, monkeypatch):
    directory = KeyDirectory(tmp_path / "keys")
    fixed = Ed25519PrivateKey.generate()
    monkeypatch.setattr(signing.Ed25519PrivateKey, "generate", staticmethod(lambda: fixed))
    kid = directory.generate()
    before = (directory.path / f"{kid}.private.pem").read_bytes()
    with pytest.raises(SigningError, match="refusing to overwrite"):
        directory.generate()
    assert (directory.path / f"{kid}.private.pem").read_bytes() == before


def test_no_signing_with_a_missing_or_exposed_private_key(tmp_path):
    directory = KeyDirectory(tmp_path / "keys")
    with pytest.raises(SigningError, match="no active signing key"):
        directory.signer()
    kid = directory.generate()
    os.chmod(directory.path / f"{kid}.private.pem", 0o644)
    with pytest.raises(SigningError, match="readable by others"):
        directory.signer()


def test_key_ids_are_checked_before_touching_files(keys):
    assert keys.public_key_pem("../../etc/passwd") is None
    assert keys.public_key("0" * 16) is None
