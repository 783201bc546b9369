"""``flask keys`` and ``flask certificates``: key generation (0600, outside the repository),
bulk issuance that survives an interruption without duplicates, rendering one certificate, and
verifying a PDF offline and live (exit code 0 valid, 1 not)."""
from __future__ import annotations

import re
import stat
import subprocess
import unicodedata

import pytest
from sqlalchemy import func, select

from lgo_assess.certification import services
from lgo_assess.certification.models import Certificate, DecisionOutcome
from lgo_assess.certification.signing import KeyDirectory
from lgo_assess.config import PROJECT_ROOT
from lgo_assess.core.db import db
from tests.factories_certification import (ensure_signing_key, make_approver, make_certificate,
                                           make_decision, make_recommended_assessment,
                                           tst_cycle)


@pytest.fixture(autouse=True)
def signing_key(app_ctx):
    return ensure_signing_key()


def run(app, *args):
    return app.test_cli_runner().invoke(args=[str(a) for a in args])


def squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


# -- flask keys --------------------------------------------------------------------------------------

def test_keys_generate_makes_a_private_key_only_its_owner_reads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "KEYS_DIR", tmp_path / "keys")
    result = run(app, "keys", "generate")
    assert result.exit_code == 0, result.output
    kid = re.search(r"key ([0-9a-f]{16}) created", result.output).group(1)
    assert "(active)" in result.output
    assert stat.S_IMODE((tmp_path / "keys" / f"{kid}.private.pem").stat().st_mode) == 0o600
    second = run(app, "keys", "generate")
    assert "(not active)" in second.output
    listing = run(app, "keys", "list").output
    assert f"* {kid}" in listing and len(listing.strip().splitlines()) == 2


def test_keys_are_never_written_into_the_repository(app, monkeypatch):
    inside = PROJECT_ROOT / "lgo_assess" / "certification" / "keys-test"
    monkeypatch.setitem(app.config, "KEYS_DIR", inside)
    result = run(app, "keys", "generate")
    assert result.exit_code != 0 and "inside the repository" in result.output
    assert not inside.exists()


# -- flask certificates issue ------------------------------------------------------------------------

def _issued_count() -> int:
    return db.session.execute(select(func.count()).select_from(Certificate)).scalar_one()


def test_bulk_issuance_interrupted_half_way_restarts_without_duplicates(app, monkeypatch):
    cycle = tst_cycle()
    approver = make_approver()
    decisions = [make_decision(make_recommended_assessment(cycle=cycle), approver=approver,
                               issue=False) for _ in range(6)]
    real_issue, calls = services.issue_certificate, []

    def interrupted(decision, **kwargs):
        calls.append(decision.id)
        if len(calls) == 4:
            raise KeyboardInterrupt            # the operator pressed Ctrl-C
        return real_issue(decision, **kwargs)

    monkeypatch.setattr(services, "issue_certificate", interrupted)
    first = run(app, "certificates", "issue", "--cycle", cycle.id)
    assert first.exit_code != 0
    assert _issued_count() == 3

    monkeypatch.setattr(services, "issue_certificate", real_issue)
    second = run(app, "certificates", "issue", "--cycle", cycle.id)
    assert second.exit_code == 0, second.output
    assert "issued 3 certificates" in second.output
    certificates = db.session.execute(select(Certificate)).scalars().all()
    assert sorted(c.decision_id for c in certificates) == sorted(d.id for d in decisions)
    numbers = sorted(int(c.serial[-6:]) for c in certificates)
    assert numbers == list(range(numbers[0], numbers[0] + 6))       # no gap, no duplicate

    third = run(app, "certificates", "issue", "--cycle", cycle.id)
    assert third.exit_code == 0 and "nothing to issue" in third.output
    assert _issued_count() == 6


def test_bulk_issuance_skips_rejections_and_revoked_approvals(app):
    cycle = tst_cycle()
    make_decision(make_recommended_assessment(cycle=cycle), outcome=DecisionOutcome.REJECTED)
    revoked = make_decision(make_recommended_assessment(cycle=cycle), issue=False)
    request = services.request_revocation(revoked, "ผิดพลาด", actor=make_approver())
    services.confirm_revocation(request, actor=make_approver())
    result = run(app, "certificates", "issue", "--cycle", cycle.id)
    assert "nothing to issue" in result.output and _issued_count() == 0


# -- flask certificates render / verify --------------------------------------------------------------

@pytest.fixture
def rendered(app, tmp_path):
    certificate = make_certificate()
    db.session.commit()
    path = tmp_path / "certificate.pdf"
    result = run(app, "certificates", "render", certificate.serial, "-o", path)
    assert result.exit_code == 0, result.output
    return certificate, path


def test_render_writes_the_certificate_with_the_lgo_name(rendered):
    certificate, path = rendered
    text = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert squash(certificate.lgo.name_th) in squash(text)
    assert certificate.serial in text


def test_verify_accepts_a_valid_pdf_offline_and_live(app, rendered):
    certificate, path = rendered
    live = run(app, "certificates", "verify", path)
    assert live.exit_code == 0, live.output
    assert "status today: valid" in live.output and "VALID" in live.output
    offline = run(app, "certificates", "verify", "--offline", path)
    assert offline.exit_code == 0, offline.output


def test_verify_refuses_a_tampered_pdf(app, rendered, tmp_path):
    certificate, path = rendered
    data = bytearray(path.read_bytes())
    at = data.find(b'level_code\\":\\"good')
    assert at > 0
    data[at + len(b'level_code\\":\\"'):at + len(b'level_code\\":\\"good')] = b"gooe"
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    result = run(app, "certificates", "verify", "--offline", tampered)
    assert result.exit_code == 1 and "INVALID" in result.output


def test_verify_reports_a_revoked_certificate_as_not_valid(app, rendered):
    certificate, path = rendered
    request = services.request_revocation(certificate.decision, "ทุจริต", actor=make_approver())
    services.confirm_revocation(request, actor=make_approver())
    db.session.commit()
    result = run(app, "certificates", "verify", path)
    assert result.exit_code == 1
    assert "status today: revoked" in result.output and "ทุจริต" in result.output
    assert run(app, "certificates", "verify", "--offline", path).exit_code == 0


def test_verify_needs_the_published_key(app, rendered, tmp_path):
    _certificate, path = rendered
    empty = tmp_path / "no-keys"
    empty.mkdir()
    result = run(app, "certificates", "verify", "--offline", "--keys", empty, path)
    assert result.exit_code == 1 and "no published key" in result.output
    published = tmp_path / "published"
    published.mkdir()
    keys = KeyDirectory(app.config["KEYS_DIR"])
    kid = keys.active_kid()
    (published / f"{kid}.public.pem").write_bytes(keys.public_key_pem(kid))
    result = run(app, "certificates", "verify", "--offline", "--keys", published, path)
    assert result.exit_code == 0, result.output


def test_render_png_draws_the_page_for_an_eye_check(app, tmp_path):
    """`--png` draws the page beside the PDF: an A4 picture with ink on it, for the eye check
    of the Thai the certification issue asks for (README: "Check a certificate by eye")."""
    from PIL import Image

    certificate = make_certificate()
    db.session.commit()
    path = tmp_path / "certificate.pdf"
    result = run(app, "certificates", "render", certificate.serial, "-o", path, "--png")
    assert result.exit_code == 0, result.output
    picture = tmp_path / "certificate.png"
    assert str(picture) in result.output
    with Image.open(picture) as image:
        width, height = image.size
        assert abs(width / height - 297 / 210) < 0.02      # A4 landscape
        assert image.convert("L").getextrema()[0] < 80     # something dark is drawn
