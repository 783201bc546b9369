"""The certificate as a PDF: A4 landscape, Thai (or English), with the emblem, the signatory,
a QR code carrying only the verification URL, and the signed payload embedded as an attachment.

Pure (no Flask, no database): ``build_certificate_pdf`` prints exactly the facts of a
``SignedPayload``, so what the page shows is what the signature covers; ``read_signed_payload``
gets the embedded payload back out of a PDF (for ``flask certificates verify``).

Thai goes through ``core.thaipdf``: shaped Sarabun (tone marks stacked right), lines wrapped at
word boundaries (long LGO names), text that ``pdftotext`` extracts. The output is reproducible
(ReportLab's invariant mode: no timestamps), so a rendered file can be cached by content.
"""
from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from datetime import date
from pathlib import Path

import segno
from segno import encoder as qr_encoder
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFStream, PDFString
from reportlab.pdfgen.canvas import Canvas

from lgo_assess.certification.signing import SignedPayload, SigningError
from lgo_assess.core.thaidate import format_date, to_thai_digits
from lgo_assess.core.thaipdf import FONT, FONT_BOLD, draw_thai, register_fonts, wrap_lines

PAGE = landscape(A4)
ATTACHMENT_NAME = "certificate-signature.json"

INK = HexColor("#1d2a3a")          # near-black blue for text
ACCENT = HexColor("#7a5b1f")       # dark gold: borders, title, level
MUTED = HexColor("#5b6470")
PAPER = HexColor("#fffdf7")


@dataclass(frozen=True)
class Signatory:
    name_th: str = ""
    title_th: str = "อธิบดีกรมส่งเสริมการปกครองท้องถิ่น"
    name_en: str = ""
    title_en: str = "Director-General, Department of Local Administration"


# Words of the certificate, per language. Data (names, levels) come from the payload.
WORDS = {
    "th": {
        "issuer": "กรมส่งเสริมการปกครองท้องถิ่น",
        "ministry": "กระทรวงมหาดไทย",
        "title": "ใบรับรองมาตรฐาน",
        "certifies": "ขอรับรองว่า",
        "assessed": "ได้ผ่านการประเมินตาม{standard}",
        "edition": "เกณฑ์ฉบับปี {edition} ประจำปีงบประมาณ พ.ศ. {fy}",
        "level": "ผลการประเมินระดับ “{level}”",
        "issued": "ให้ไว้ ณ วันที่ {date}",
        "valid_until": "ใช้ได้ถึงวันที่ {date}",
        "serial": "เลขที่ใบรับรอง {serial}",
        "decision": "อ้างอิงมติ {reference}",
        "supersedes": "ใช้แทนใบรับรองเลขที่ {serial}",
        "verify": "ตรวจสอบสถานะได้ที่",
        "signed": "ลงนามอิเล็กทรอนิกส์ด้วย Ed25519 รหัสกุญแจ {kid}",
        "pdf_title": "ใบรับรองมาตรฐาน {serial}",
    },
    "en": {
        "issuer": "Department of Local Administration",
        "ministry": "Ministry of Interior, Thailand",
        "title": "Certificate of Standard",
        "certifies": "This is to certify that",
        "assessed": "has been assessed against the {standard}",
        "edition": "criteria edition {edition}, fiscal year {fy} BE",
        "level": "with the result “{level}”",
        "issued": "Issued on {date}",
        "valid_until": "Valid until {date}",
        "serial": "Certificate no. {serial}",
        "decision": "Decision {reference}",
        "supersedes": "Replaces certificate no. {serial}",
        "verify": "Verify its status at",
        "signed": "Electronically signed with Ed25519, key {kid}",
        "pdf_title": "Certificate {serial}",
    },
}


def _pick(facts: dict, field: str, language: str) -> str:
    """``facts[field_en]`` in English when there is one, else the Thai."""
    if language == "en" and facts.get(f"{field}_en"):
        return facts[f"{field}_en"]
    return facts.get(f"{field}_th") or ""


def _date_text(iso: str, language: str) -> str:
    day = date.fromisoformat(iso)
    text = format_date(day, language, thai_digits=language == "th")
    if language != "th":
        return text
    head, year = text.rsplit(" ", 1)
    return f"{head} พ.ศ. {year}"


# -- Drawing helpers ---------------------------------------------------------------------------

def balanced_lines(text: str, font: str, size: float, width: float) -> list[str]:
    """``text`` wrapped at word boundaries into as few lines as fit ``width``, with the lines
    as even as possible (a centred title reads badly with one long line and one short)."""
    lines = wrap_lines(text, font, size, width)
    if len(lines) < 2:
        return lines
    low, high = width / len(lines), width
    best = lines
    for _ in range(12):
        middle = (low + high) / 2
        trial = wrap_lines(text, font, size, middle)
        if len(trial) <= len(lines):
            best, high = trial, middle
        else:
            low = middle
    return best


def _centred(canvas, y: float, text: str, *, font=FONT, size=16, width=640.0, leading=None,
             colour=INK, balance=False) -> float:
    """Draw ``text`` centred, wrapped to ``width``; returns the baseline below the last line."""
    leading = leading or size * 1.45
    canvas.setFillColor(colour)
    for line in _wrapped(text, font, size, width, balance):
        draw_thai(canvas, PAGE[0] / 2, y, line, font=font, size=size, align="centre")
        y -= leading
    return y


@dataclass
class _Text:
    """One centred item of the certificate's body: its text and type, the distance from its
    baseline to the next item's, and whether its lines are balanced / its size may shrink."""

    text: str
    font: str
    size: float
    leading: float
    colour: Color = INK
    balance: bool = False
    shrinkable: bool = False
    lift: float = 0.0              # drawn this much closer to the item above


BODY_BOTTOM = 148.0                # the lowest baseline the body may use (the QR band is below)
LINE_STEP = 1.4                    # baselines of one wrapped item, in ems: room for Thai marks
MIN_GAP_SCALE = 0.6                # how far the gaps between items may close up


@lru_cache(maxsize=4096)
def _wrapped(text: str, font: str, size: float, width: float, balance: bool
             ) -> tuple[str, ...]:
    """``text``'s lines, remembered: most of a certificate's text (the headings, the
    standard, the level, the dates) is the same on every one, and wrapping depends on
    nothing else (the fonts are fixed)."""
    return tuple((balanced_lines if balance else wrap_lines)(text, font, size, width))


def _lines_of(item: _Text, size: float, width: float) -> tuple[str, ...]:
    return _wrapped(item.text, item.font, size, width, item.balance)


def layout_body(items: list[_Text], width: float, available: float):
    """(item, size, lines) for each item and the scale of the gaps between items, so that
    the body fits ``available`` points from its first baseline to its last: the gaps close up
    first (down to 60 %), then the shrinkable item (the LGO's name) gets smaller type."""
    items = [item for item in items if item.text]
    sizes = {id(item): item.size for item in items}
    while True:
        laid = [(item, sizes[id(item)], _lines_of(item, sizes[id(item)], width))
                for item in items]
        gaps = sum(item.leading - item.lift for item, _, _ in laid[:-1])
        inner = sum((len(lines) - 1) * size * LINE_STEP for _, size, lines in laid)
        scale = 1.0 if gaps + inner <= available else max(0.0, (available - inner) / gaps)
        shrinkable = [item for item in items if item.shrinkable and sizes[id(item)] > 18]
        if scale >= MIN_GAP_SCALE or not shrinkable:
            return laid, max(scale, MIN_GAP_SCALE)
        for item in shrinkable:
            sizes[id(item)] -= 2


def body_height(laid, scale: float) -> float:
    gaps = sum(item.leading - item.lift for item, _, _ in laid[:-1])
    return gaps * scale + sum((len(lines) - 1) * size * LINE_STEP for _, size, lines in laid)


def draw_body(canvas, top: float, laid, scale: float) -> None:
    """Draw the laid-out body centred from the baseline ``top`` down."""
    y = top
    for index, (item, size, lines) in enumerate(laid):
        if index:
            y -= (laid[index - 1][0].leading - item.lift) * scale
        canvas.setFillColor(item.colour)
        for number, line in enumerate(lines):
            if number:
                y -= size * LINE_STEP
            draw_thai(canvas, PAGE[0] / 2, y, line, font=item.font, size=size, align="centre")


def draw_header(canvas, words: dict, emblem, *, compact: bool) -> float:
    """Emblem, issuer and title; returns the first baseline of the body below them. The
    compact header (smaller emblem, tighter gaps) leaves room for long names."""
    width, height = PAGE
    if compact:
        draw_emblem(canvas, width / 2, height - 72, 58, emblem)
        y = height - 124
    else:
        draw_emblem(canvas, width / 2, height - 82, 76, emblem)
        y = height - 148
    y = _centred(canvas, y, words["issuer"], font=FONT_BOLD, size=19, leading=24)
    y = _centred(canvas, y, words["ministry"], size=13, colour=MUTED,
                 leading=38 if compact else 44)
    y = _centred(canvas, y, words["title"], font=FONT_BOLD, size=36, colour=ACCENT,
                 leading=34 if compact else 38)
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(0.6)
    canvas.line(width / 2 - 90, y + (16 if compact else 18), width / 2 + 90,
                y + (16 if compact else 18))
    return y - 6


HEADER_BOTTOM = {False: PAGE[1] - 148 - 24 - 44 - 38 - 6, True: PAGE[1] - 124 - 24 - 38 - 34 - 6}


def draw_border(canvas) -> None:
    width, height = PAGE
    canvas.setFillColor(PAPER)
    canvas.rect(0, 0, width, height, stroke=0, fill=1)
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(3.2)
    canvas.rect(20, 20, width - 40, height - 40, stroke=1, fill=0)
    canvas.setLineWidth(0.8)
    canvas.rect(28, 28, width - 56, height - 56, stroke=1, fill=0)
    # a small diamond at each inner corner
    canvas.setFillColor(ACCENT)
    for x, y in ((28, 28), (width - 28, 28), (28, height - 28), (width - 28, height - 28)):
        path = canvas.beginPath()
        path.moveTo(x, y + 6)
        path.lineTo(x + 6, y)
        path.lineTo(x, y - 6)
        path.lineTo(x - 6, y)
        path.close()
        canvas.drawPath(path, stroke=0, fill=1)


def draw_default_emblem(canvas, cx: float, cy: float, radius: float) -> None:
    """A neutral emblem drawn from plain shapes: a double ring around an eight-petal flower.
    It stands in for DLA's own emblem (config CERTIFICATE_EMBLEM), which is not shipped."""
    canvas.saveState()
    canvas.translate(cx, cy)
    canvas.setStrokeColor(ACCENT)
    canvas.setFillColor(PAPER)
    canvas.setLineWidth(2.2)
    canvas.circle(0, 0, radius, stroke=1, fill=1)
    canvas.setLineWidth(0.7)
    canvas.circle(0, 0, radius * 0.86, stroke=1, fill=0)
    # 24 small dots between the rings
    canvas.setFillColor(ACCENT)
    for i in range(24):
        angle = 2 * math.pi * i / 24
        canvas.circle(radius * 0.93 * math.cos(angle), radius * 0.93 * math.sin(angle),
                      radius * 0.022, stroke=0, fill=1)
    petal = Color(ACCENT.red, ACCENT.green, ACCENT.blue, alpha=0.85)
    for i in range(8):
        canvas.saveState()
        canvas.rotate(i * 45 + 22.5)
        canvas.setFillColor(petal)
        canvas.ellipse(-radius * 0.13, radius * 0.12, radius * 0.13, radius * 0.68,
                       stroke=0, fill=1)
        canvas.restoreState()
    canvas.setFillColor(INK)
    for i in range(8):
        canvas.saveState()
        canvas.rotate(i * 45)
        canvas.ellipse(-radius * 0.06, radius * 0.16, radius * 0.06, radius * 0.46,
                       stroke=0, fill=1)
        canvas.restoreState()
    canvas.setFillColor(PAPER)
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(1.2)
    canvas.circle(0, 0, radius * 0.17, stroke=1, fill=1)
    canvas.setFillColor(ACCENT)
    canvas.circle(0, 0, radius * 0.07, stroke=0, fill=1)
    canvas.restoreState()


@dataclass(frozen=True)
class _Recording:
    """The page operators a drawing wrapped in saveState/restoreState emitted on a fresh
    canvas, and the transparency states it registered (name → setting), with the canvas's
    transparency settings it started from."""

    code: tuple[str, ...]
    started_from: tuple
    states_before: int
    new_states: tuple


@lru_cache(maxsize=8)
def _recorded_default_emblem(cx: float, cy: float, radius: float) -> _Recording:
    scratch = Canvas(io.BytesIO(), pagesize=PAGE, invariant=1)
    states = scratch._extgstate
    start, known, settings = len(scratch._code), dict(states._c), tuple(states._d.items())
    draw_default_emblem(scratch, cx, cy, radius)
    return _Recording(tuple(scratch._code[start:]), settings, len(known),
                      tuple((key, name) for key, name in states._c.items() if key not in known))


def _replay(canvas, recording: _Recording) -> bool:
    """Append a recorded drawing to ``canvas`` as if drawn there: the same operators, the
    same transparency states under the same names. False (nothing done) when the canvas is
    not where the recording started (other transparency already in use), so the caller draws
    it instead. Relies on ReportLab's canvas internals (``_code``, ``_extgstate``), as
    ``core.thaipdf.fonts`` does on its fonts; the unit tests compare the bytes with a drawn
    page."""
    states = getattr(canvas, "_extgstate", None)
    if (states is None or tuple(states._d.items()) != recording.started_from
            or len(states._c) != recording.states_before):
        return False
    if recording.new_states:
        canvas._doc.ensureMinPdfVersion("transparency")
        states._c.update(recording.new_states)
    canvas._code.extend(recording.code)
    return True


def draw_emblem(canvas, cx: float, cy: float, size: float, emblem: Path | str | None) -> None:
    if emblem:
        canvas.drawImage(str(emblem), cx - size / 2, cy - size / 2, size, size, mask="auto",
                         preserveAspectRatio=True, anchor="c")
    # The default emblem is the same on every certificate: drawn once per process and size,
    # then replayed (a fifth of the page's drawing time otherwise)
    elif not _replay(canvas, _recorded_default_emblem(cx, cy, size / 2)):
        draw_default_emblem(canvas, cx, cy, size / 2)


@lru_cache(maxsize=64)
def _qr_regions(width: int) -> tuple[tuple[int, ...], tuple[tuple[int, int], ...]]:
    """For a QR code ``width`` modules wide: the data region of each row as a bit mask (bit j
    set when module j carries data) and the (row, column) modules the format and version
    information take, which are light while the masks are compared. Built with segno's own
    layout functions, as its encoder does."""
    functions = qr_encoder.make_matrix(width, width)
    qr_encoder.add_finder_patterns(functions, width, width)
    qr_encoder.add_alignment_patterns(functions, width, width)
    functions[-8][8] = 0x1
    regions = tuple(sum(1 << j for j in range(width) if row[j] > 0x1) for row in functions)
    reserved = qr_encoder.make_matrix(width, width)
    bare = qr_encoder.make_matrix(width, width, reserve_regions=False)
    info = tuple((i, j) for i in range(width) for j in range(width)
                 if reserved[i][j] != bare[i][j])
    return regions, info


@lru_cache(maxsize=8)
def _mask_rows(width: int, mask: int) -> tuple[int, ...]:
    """Mask pattern ``mask`` as a bit mask per row (bit j set where it flips module j)."""
    pattern = qr_encoder.get_data_mask_functions(False)[mask]
    return tuple(sum(1 << j for j in range(width) if pattern(i, j)) for i in range(width))


def _bits(row) -> int:
    """A row of modules as an integer: bit j is module j."""
    return sum(1 << j for j, value in enumerate(row) if value)


# byte -> its eight bits as eight bytes of 0/1, lowest bit first
_SPREAD = tuple(bytes((byte >> k) & 1 for k in range(8)) for byte in range(256))


def _row(bits: int, width: int) -> bytearray:
    return bytearray(b"".join(map(_SPREAD.__getitem__,
                                  bits.to_bytes((width + 7) // 8, "little")))[:width])


_RUN = re.compile(rb"\x00{5,}|\x01{5,}")
_FINDER_LIKE = bytes((1, 0, 1, 1, 1, 0, 1))


def _finder_like(line: bytes, size: int) -> int:
    """segno's N3 score of one row or column: 40 for each 1:1:3:1:1 pattern with four light
    modules (or the edge) on one side, scanning as segno does."""
    count = 0
    index = line.find(_FINDER_LIKE)
    while index != -1:
        offset = index + 7
        if index in (0, size - 7) or not any(line[max(index - 4, 0):index]) \
                or not any(line[offset:offset + 4]):
            count += 40
        else:
            offset = index + 4
        index = line.find(_FINDER_LIKE, offset)
    return count


def _penalty(matrix, size: int) -> int:
    """The penalty score of a masked matrix (ISO/IEC 18004 7.8.3.1, N1 + N2 + N3 + N4),
    equal to segno's ``evaluate_mask`` (tests/unit/test_certificate_pdf.py checks the codes
    agree), computed on whole rows and columns instead of module by module."""
    rows = [bytes(row) for row in matrix]
    columns = [bytes(column) for column in zip(*rows)]
    n1 = sum(len(run) - 2 for line in rows + columns for run in _RUN.findall(line))
    n2 = 0                    # 2x2 blocks of one colour: a row as an integer, a byte a module
    numbers = [int.from_bytes(row, "little") for row in rows]
    for upper, lower in zip(numbers, numbers[1:]):
        differ = (upper ^ (upper >> 8)) | (lower ^ (lower >> 8)) | (upper ^ lower)
        n2 += differ.to_bytes(size, "little")[:size - 1].count(0)
    n3 = sum(_finder_like(line, size) for line in rows + columns)
    dark = sum(row.count(1) for row in rows)
    n4 = 10 * int(abs(dark / size ** 2 * 100 - 50) / 5)
    return n1 + 3 * n2 + n3 + n4


def qr_matrix(data: str) -> tuple[bytearray, ...]:
    """The modules of the QR code of ``data`` (error correction M, no border), exactly what
    ``segno.make(data, error="m", micro=False, boost_error=False).matrix`` gives, faster:
    segno tries the eight mask patterns by calling a Python function per module; here the
    code is encoded once (with mask 0), and each mask is an XOR of row bit masks before
    segno's own penalty score picks the best, as the standard asks (ISO/IEC 18004 7.8.3)."""
    code = segno.make(data, error="m", micro=False, boost_error=False, mask=0)
    width = len(code.matrix)
    regions, info = _qr_regions(width)
    base = [bytearray(row) for row in code.matrix]
    for i, j in info:
        base[i][j] = 0x0
    # each row as bits: the function patterns (outside the data region) and the data
    # without mask 0; then each mask in turn
    rows = [_bits(row) for row in base]
    mask0 = _mask_rows(width, 0)
    outside = [bits & ~regions[i] for i, bits in enumerate(rows)]
    plain = [(bits ^ mask0[i]) & regions[i] for i, bits in enumerate(rows)]
    best = None
    for mask in range(8):
        flips = _mask_rows(width, mask)
        matrix = tuple(_row(outside[i] | ((plain[i] ^ flips[i]) & regions[i]), width)
                       for i in range(width))
        score = _penalty(matrix, width)
        if best is None or score < best[0]:
            best = (score, mask, matrix)
    _, mask, matrix = best
    qr_encoder.add_format_info(matrix, code.version, code.error, mask)
    qr_encoder.add_version_info(matrix, code.version)
    return matrix


def draw_qr(canvas, x: float, y: float, size: float, data: str) -> None:
    """A QR code of ``data`` (error correction M, quiet zone included) as vector squares."""
    matrix = qr_matrix(data)
    border = 4
    modules = len(matrix) + 2 * border
    cell = size / modules
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + border + 1) * cell
        column = 0
        while column < len(row):
            if row[column]:
                start = column
                while column < len(row) and row[column]:
                    column += 1
                canvas.rect(x + (start + border) * cell, top, (column - start) * cell, cell,
                            stroke=0, fill=1)
            else:
                column += 1


def attach_file(canvas, name: str, data: bytes, description: str) -> None:
    """Embed ``data`` as a PDF attachment (an EmbeddedFiles name tree in the catalog), the
    place PDF readers list attached files. Stored uncompressed so the payload stays greppable."""
    doc = canvas._doc   # ReportLab has no public attachment API; its object model is stable
    stream = PDFStream(PDFDictionary({"Type": PDFName("EmbeddedFile"),
                                      "Subtype": PDFName("application#2Fjson"),
                                      "Params": PDFDictionary({"Size": len(data)})}),
                       data, filters=[])
    spec = PDFDictionary({"Type": PDFName("Filespec"), "F": PDFString(name),
                          "UF": PDFString(name), "Desc": PDFString(description),
                          "AFRelationship": PDFName("Data"),
                          "EF": PDFDictionary({"F": doc.Reference(stream)})})
    spec_ref = doc.Reference(spec)
    canvas.setCatalogEntry("Names", PDFDictionary({"EmbeddedFiles": PDFDictionary(
        {"Names": PDFArray([PDFString(name), spec_ref])})}))
    canvas.setCatalogEntry("AF", PDFArray([spec_ref]))


# -- The certificate ---------------------------------------------------------------------------

def build_certificate_pdf(signed: SignedPayload, *, verify_url: str, language: str = "th",
                          emblem: Path | str | None = None,
                          signatory: Signatory = Signatory()) -> bytes:
    """The certificate PDF for ``signed`` in ``language`` ("th" or "en") as bytes."""
    if language not in WORDS:
        raise ValueError(f"language must be one of {sorted(WORDS)}, not {language!r}")
    register_fonts()
    facts = signed.facts
    words = WORDS[language]
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=PAGE, invariant=1, pageCompression=1)
    canvas.setTitle(words["pdf_title"].format(serial=facts["serial"]))
    canvas.setAuthor(WORDS[language]["issuer"])
    canvas.setSubject(_pick(facts, "lgo_name", language))
    canvas.setCreator("LGO Assess")
    canvas.setCatalogEntry("Lang", PDFString("th-TH" if language == "th" else "en-GB"))

    width, height = PAGE
    text_width = width - 2 * 95
    edition_line = words["edition"].format(edition=facts["edition"], fy=facts["fiscal_year"])
    dates = "   ".join((words["issued"].format(date=_date_text(facts["issued_on"], language)),
                        words["valid_until"].format(
                            date=_date_text(facts["valid_until"], language))))
    body = [
        _Text(words["certifies"], FONT, 17, 36),
        _Text(_pick(facts, "lgo_name", language), FONT_BOLD, 27, 34, balance=True,
              shrinkable=True),
        _Text(_pick(facts, "location", language), FONT, 16, 30, lift=4),
        _Text(words["assessed"].format(standard=_pick(facts, "standard_name", language)),
              FONT, 17, 25, balance=True),
        _Text(to_thai_digits(edition_line) if language == "th" else edition_line, FONT, 17, 34),
        _Text(words["level"].format(level=_pick(facts, "level", language)), FONT_BOLD, 22, 32,
              colour=ACCENT),
        _Text(dates, FONT, 15, 22),
    ]
    laid, scale = layout_body(body, text_width, HEADER_BOTTOM[False] - BODY_BOTTOM)
    compact = scale < 1.0
    if compact:
        laid, scale = layout_body(body, text_width, HEADER_BOTTOM[True] - BODY_BOTTOM)
    draw_border(canvas)
    top = draw_header(canvas, words, emblem, compact=compact)
    # centre the body in the space it has when it needs less than all of it
    spare = top - BODY_BOTTOM - body_height(laid, scale)
    draw_body(canvas, top - max(0.0, spare) * 0.35, laid, scale)

    # Bottom left: QR code and the numbers; bottom right: the signatory.
    qr_size = 82
    draw_qr(canvas, 56, 52, qr_size, verify_url)
    canvas.setFillColor(INK)
    left = 56 + qr_size + 10
    draw_thai(canvas, left, 120, words["serial"].format(serial=facts["serial"]),
              font=FONT_BOLD, size=13)
    draw_thai(canvas, left, 102, words["decision"].format(reference=facts["decision_ref"]),
              size=11)
    draw_thai(canvas, left, 86, words["verify"], size=11)
    canvas.setFillColor(MUTED)
    draw_thai(canvas, left, 71, verify_url, size=10)
    if facts.get("supersedes"):
        draw_thai(canvas, left, 57, words["supersedes"].format(serial=facts["supersedes"]),
                  size=10)

    sign_x = width - 190
    canvas.setFillColor(INK)
    canvas.setStrokeColor(MUTED)
    canvas.setDash(1, 2)
    canvas.line(sign_x - 105, 112, sign_x + 105, 112)
    canvas.setDash()
    name = signatory.name_en if language == "en" else signatory.name_th
    name_line = f"({name})" if name else "(" + " " * 40 + ")"
    draw_thai(canvas, sign_x, 94, name_line, size=15, align="centre")
    title = (signatory.title_en if language == "en" else signatory.title_th) or ""
    ty = 76
    for line in wrap_lines(title, FONT, 13, 230):
        draw_thai(canvas, sign_x, ty, line, size=13, align="centre")
        ty -= 17

    canvas.setFillColor(MUTED)
    draw_thai(canvas, width / 2, 33, words["signed"].format(kid=signed.kid), size=8.5,
              align="centre")

    attach_file(canvas, ATTACHMENT_NAME, signed.to_block(),
                "Signed certificate payload (Ed25519)")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def read_signed_payload(pdf: bytes | Path | str) -> SignedPayload:
    """The signed payload embedded in a certificate PDF (SigningError if there is none)."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    source = io.BytesIO(pdf) if isinstance(pdf, bytes) else str(pdf)
    try:
        attachments = PdfReader(source).attachments
        blocks = attachments.get(ATTACHMENT_NAME) or []
    except (PyPdfError, ValueError, KeyError, TypeError) as error:
        raise SigningError(f"not a readable PDF: {error}") from None
    if len(blocks) != 1:
        raise SigningError(f"the PDF carries no single {ATTACHMENT_NAME} attachment")
    return SignedPayload.from_block(blocks[0])
