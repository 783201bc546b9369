"""TOTP codes (RFC 6238), the stored secret's encryption and recovery codes: pure functions."""
from datetime import datetime, timedelta, timezone

import pyotp
import pytest

from lgo_assess.accounts import totp

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
MOMENT = datetime(2026, 11, 30, 7, 0, 10, tzinfo=timezone.utc)


def test_codes_match_the_rfc_6238_reference_vector():
    # RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (8 digits); its last 6 digits here.
    rfc_secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"
    assert totp.code_at_step(rfc_secret, 59 // 30) == "287082"


def test_a_code_is_accepted_one_step_either_side_but_not_two():
    now = totp.step_at(MOMENT)
    for offset in (-1, 0, 1):
        assert totp.matching_step(SECRET, totp.code_at_step(SECRET, now + offset), MOMENT,
                                  None) == now + offset
    for offset in (-2, 2):
        assert totp.matching_step(SECRET, totp.code_at_step(SECRET, now + offset), MOMENT,
                                  None) is None


def test_a_code_of_the_last_accepted_step_or_before_is_refused():
    now = totp.step_at(MOMENT)
    code = totp.code_at_step(SECRET, now)
    assert totp.matching_step(SECRET, code, MOMENT, now - 1) == now
    assert totp.matching_step(SECRET, code, MOMENT, now) is None
    assert totp.matching_step(SECRET, totp.code_at_step(SECRET, now - 1), MOMENT, now) is None


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", None])
def test_malformed_codes_match_nothing(typed):
    assert totp.matching_step(SECRET, typed, MOMENT, None) is None


def test_spaces_in_a_typed_code_are_ignored():
    code = totp.code_at_step(SECRET, totp.step_at(MOMENT))
    assert totp.matching_step(SECRET, f" {code[:3]} {code[3:]} ", MOMENT, None) is not None


def test_the_code_agrees_with_an_authenticator_app():
    assert totp.code_at_step(SECRET, totp.step_at(MOMENT)) == pyotp.TOTP(SECRET).at(MOMENT)
    later = MOMENT + timedelta(seconds=30)
    assert totp.code_at_step(SECRET, totp.step_at(later)) == pyotp.TOTP(SECRET).at(later)


def test_the_secret_is_encrypted_and_only_the_same_key_reads_it():
    token = totp.encrypt_secret(SECRET, "key one")
    assert SECRET not in token
    assert totp.decrypt_secret(token, "key one") == SECRET
    with pytest.raises(totp.UnreadableSecret):
        totp.decrypt_secret(token, "key two")
    assert totp.encrypt_secret(SECRET, "key one") != token, "encryption must be randomised"


def test_new_secrets_are_random_base32_of_160_bits():
    secrets = {totp.new_secret() for _ in range(20)}
    assert len(secrets) == 20
    assert all(len(s) == 32 and set(s) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
               for s in secrets)


def test_the_provisioning_uri_and_qr_code():
    uri = totp.provisioning_uri(SECRET, "admin@example.go.th")
    assert uri.startswith("otpauth://totp/LGO%20Assess:admin%40example.go.th?")
    assert f"secret={SECRET}" in uri and "issuer=LGO%20Assess" in uri
    svg = totp.qr_svg(uri, "QR <code>")
    assert svg.startswith("<svg") and "<title>QR &lt;code&gt;</title>" in svg
    assert "script" not in svg and "style" not in svg and "<path" in svg


def test_ten_distinct_recovery_codes_that_survive_retyping():
    codes = totp.new_recovery_codes()
    assert len(codes) == 10 and len(set(codes)) == 10
    for code in codes:
        assert totp.looks_like_recovery_code(code)
        assert totp.hash_recovery_code(code) == totp.hash_recovery_code(
            code.upper().replace("-", " "))
        assert code.replace("-", "") not in totp.hash_recovery_code(code)
    assert not totp.looks_like_recovery_code("123456")
