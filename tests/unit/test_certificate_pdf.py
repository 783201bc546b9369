"""The certificate PDF: Thai that pdftotext extracts (a long LGO name wrapped at word
boundaries), an English version, a QR code that decodes to the verification URL and nothing
else, the signed payload embedded and read back, and a one-byte change that breaks it."""
from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path

import pytest
from PIL import Image

from lgo_assess.certification import pdf
from lgo_assess.certification.signing import KeyDirectory, SigningError, verify
from lgo_assess.core.thaipdf import FONT_BOLD, line_width

LONG_NAME = ("องค์การบริหารส่วนตำบลหนองปลาไหลพัฒนาสามัคคีเจริญรุ่งเรือง"
             "ศรีสวัสดิ์มงคลชัยพัฒนาประชารัฐร่วมใจ")
VERIFY_URL = "https://lgo-assess.example.go.th/v/opk64ch5xputv4bo2fbrwyadv4"
FACTS = {
    "format": "lgo-assess-certificate/1", "serial": "GGL-2569-000042", "lgo_code": "6500104",
    "lgo_name_th": LONG_NAME, "lgo_name_en": "Nong Pla Lai Subdistrict Administrative "
    "Organization", "location_th": "อำเภอบางละมุง จังหวัดชลบุรี",
    "location_en": "Bang Lamung District, Chon Buri Province", "standard_code": "GGL",
    "standard_name_th": "มาตรฐานองค์กรปกครองส่วนท้องถิ่นธรรมาภิบาล",
    "standard_name_en": "Good-Governance Locality Standard", "edition": "2569",
    "fiscal_year": 2569, "level_code": "excellent", "level_th": "ดีเด่น", "level_en": "Excellent",
    "issued_on": "2026-01-15", "valid_until": "2029-01-15", "decision_ref": "DLA-2569-000123",
    "supersedes": None, "verify_token": "opk64ch5xputv4bo2fbrwyadv4",
}


def squash(text: str) -> str:
    """Compare text as tests/unit/test_thaipdf.py does: NFKC, whitespace removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def pdftotext(path: Path) -> str:
    return subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> KeyDirectory:
    directory = KeyDirectory(tmp_path_factory.mktemp("keys"))
    directory.generate()
    return directory


@pytest.fixture(scope="module")
def signed(keys):
    return keys.signer().sign(FACTS)


@pytest.fixture(scope="module")
def thai_pdf(tmp_path_factory, signed) -> Path:
    path = tmp_path_factory.mktemp("certificate") / "th.pdf"
    path.write_bytes(pdf.build_certificate_pdf(signed, verify_url=VERIFY_URL, language="th"))
    return path


def test_the_thai_certificate_extracts_the_lgo_name_and_the_certified_facts(thai_pdf):
    text = squash(pdftotext(thai_pdf))
    for expected in (LONG_NAME, FACTS["location_th"], "ใบรับรองมาตรฐาน",
                     FACTS["standard_name_th"], "ดีเด่น", "GGL-2569-000042",
                     "๑๕ มกราคม พ.ศ. ๒๕๖๙", "๑๕ มกราคม พ.ศ. ๒๕๗๒", VERIFY_URL):
        assert squash(expected) in text, expected
    assert not [c for c in text if 0xE000 <= ord(c) <= 0xF8FF], "private-use code points"


def test_the_english_version_prints_the_english_facts(tmp_path, signed):
    path = tmp_path / "en.pdf"
    path.write_bytes(pdf.build_certificate_pdf(signed, verify_url=VERIFY_URL, language="en"))
    text = squash(pdftotext(path))
    for expected in (FACTS["lgo_name_en"], "Certificate of Standard", "Excellent",
                     "15 January 2569 BE", FACTS["standard_name_en"]):
        assert squash(expected) in text, expected


def test_a_long_name_wraps_at_word_boundaries_into_even_lines():
    width = 652.0
    lines = pdf.balanced_lines(LONG_NAME, FONT_BOLD, 27, width)
    assert len(lines) == 2 and "".join(lines) == LONG_NAME
    assert all(line_width(line, FONT_BOLD, 27) <= width for line in lines)
    widths = [line_width(line, FONT_BOLD, 27) for line in lines]
    assert min(widths) / max(widths) > 0.8, widths
    assert lines[0].endswith("สามัคคี"), lines     # a break between words, not inside one


def test_the_qr_code_decodes_to_the_verification_url_only(thai_pdf, tmp_path):
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-f", "1", "-l", "1", str(thai_pdf),
                    str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    decoded = subprocess.run(["zbarimg", "--raw", "-q", str(png)], capture_output=True,
                             text=True)
    assert decoded.stdout.strip().splitlines() == [VERIFY_URL]


def test_the_embedded_payload_reads_back_and_verifies(thai_pdf, keys, signed):
    back = pdf.read_signed_payload(thai_pdf)
    assert back.payload == signed.payload and back.kid == signed.kid
    assert verify(back, keys.public_key(back.kid))


def test_one_changed_byte_of_the_embedded_payload_fails_verification(thai_pdf, keys, tmp_path):
    data = bytearray(thai_pdf.read_bytes())
    at = data.find(b'serial\\":\\"GGL-2569-000042')
    assert at > 0, "the payload is stored uncompressed"
    position = at + len(b'serial\\":\\"GGL-2569-00004')
    data[position:position + 1] = b"3"                  # ...000042 -> ...000043
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    back = pdf.read_signed_payload(tampered)
    assert back.facts["serial"] == "GGL-2569-000043"
    assert not verify(back, keys.public_key(back.kid))


def test_a_pdf_without_the_payload_is_refused(tmp_path):
    plain = tmp_path / "plain.pdf"
    from reportlab.pdfgen.canvas import Canvas
    canvas = Canvas(str(plain))
    canvas.drawString(100, 100, "not a certificate")
    canvas.save()
    with pytest.raises(SigningError):
        pdf.read_signed_payload(plain)
    with pytest.raises(SigningError):
        pdf.read_signed_payload(b"%PDF-1.4 garbage")


def test_the_output_is_reproducible_and_takes_a_configured_emblem(signed, tmp_path):
    first = pdf.build_certificate_pdf(signed, verify_url=VERIFY_URL)
    assert first == pdf.build_certificate_pdf(signed, verify_url=VERIFY_URL)
    emblem = tmp_path / "emblem.png"
    Image.new("RGB", (64, 64), (20, 60, 120)).save(emblem)
    with_image = pdf.build_certificate_pdf(signed, verify_url=VERIFY_URL, emblem=emblem,
                                           signatory=pdf.Signatory(name_th="นายทดสอบ ระบบ"))
    assert b"/Subtype /Image" in with_image and b"/Subtype /Image" not in first


def test_the_fast_qr_code_is_module_for_module_the_one_segno_makes():
    """pdf.qr_matrix picks the mask itself (faster); it must pick segno's, for every version."""
    import random

    import segno
    chooser = random.Random(7)
    for length in (1, 20, 46, 80, 150, 300, 500):
        for _ in range(6):
            data = "https://lgo-assess.example.go.th/v/" + "".join(
                chooser.choice("abcdefghijklmnopqrstuvwxyz234567/?=") for _ in range(length))
            want = segno.make(data, error="m", micro=False, boost_error=False)
            assert [bytes(row) for row in pdf.qr_matrix(data)] == \
                [bytes(row) for row in want.matrix], (length, want.version, want.mask)


def test_the_replayed_default_emblem_is_the_drawn_one_operator_for_operator():
    """The default emblem is drawn once per process and size and then replayed: the page gets
    the operators and the transparency state drawing it there gives, under the same name."""
    import io

    from reportlab.pdfgen.canvas import Canvas

    def page(draw):
        canvas = Canvas(io.BytesIO(), pagesize=pdf.PAGE, invariant=1)
        pdf.draw_border(canvas)
        draw(canvas)
        return canvas._code, canvas._extgstate.getState(), canvas._doc._pdfVersion

    for size, (cx, cy) in ((76, (421, 513)), (58, (421, 523))):
        drawn = page(lambda canvas: pdf.draw_default_emblem(canvas, cx, cy, size / 2))
        replayed = page(lambda canvas: pdf.draw_emblem(canvas, cx, cy, size, None))
        assert replayed[0] == drawn[0]
        assert replayed[1].format(None) == drawn[1].format(None)
        assert replayed[2] == drawn[2]
