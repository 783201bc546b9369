"""The Thai PDF toolkit: fonts embed, Thai text survives extraction, wrapping respects words."""
from __future__ import annotations

import ast
import io
import re
import subprocess
import types
import unicodedata
from pathlib import Path

import pytest
import reportlab
from reportlab.lib.fonts import tt2ps
from reportlab.lib.pagesizes import A6
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import ShapedStr
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

from lgo_assess.core import thaipdf
from lgo_assess.core.thaipdf import fonts, sample, tounicode, wrap
from lgo_assess.core.thaipdf.wrap import line_width, tokenize, wrap_lines

HARD_CASES = ("ที่", "ปี่", "ถิ่น", "ญี่ปุ่น", "ตั้ง", "ทั้ง", "ค่ำ", "ป้า", "ฐาน", "กตัญญู", "ญุ",
              "ฐุ", "ฎุ", "ฏู", sample.LGO_NAME)


def squash(text: str) -> str:
    """What text comparison ignores: Unicode compatibility forms (ำ = ํ + า) and whitespace
    (pdftotext may put a space after a stacked mark, and lines break anywhere)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def pdftotext(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"],
                          check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def sample_pdf(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("thaipdf") / "sample.pdf"
    sample.build_sample(str(path))
    return path


@pytest.fixture(scope="module")
def sample_text(sample_pdf) -> str:
    return pdftotext(sample_pdf)


# -- fonts ---------------------------------------------------------------------------------------

def test_fonts_register_once_with_shaping_and_a_family_for_bold():
    thaipdf.register_fonts()
    first = {name: pdfmetrics.getFont(name) for name in fonts._FACES}
    thaipdf.register_fonts()
    for name, font in first.items():
        assert pdfmetrics.getFont(name) is font, f"{name} was registered again"
        assert isinstance(font, thaipdf.ThaiTTFont) and font.shapable
    assert tt2ps(thaipdf.FAMILY, 1, 0) == thaipdf.FONT_BOLD
    assert tt2ps(thaipdf.FAMILY, 0, 1) == thaipdf.FONT_ITALIC
    assert tt2ps(thaipdf.FAMILY, 1, 1) == thaipdf.FONT_BOLD_ITALIC


def test_a_plain_ttfont_registered_first_is_refused_not_silently_used(monkeypatch):
    import fontpkg
    from reportlab.pdfbase.ttfonts import TTFont

    thaipdf.register_fonts()
    plain = TTFont(thaipdf.FONT, str(fontpkg.path("sarabun")))
    monkeypatch.setitem(pdfmetrics._fonts, thaipdf.FONT, plain)
    monkeypatch.setattr(fonts, "_registered", False)
    with pytest.raises(fonts.FontConflict):
        thaipdf.register_fonts()


def test_reportlab_is_a_series_the_tounicode_fix_was_checked_with():
    # If this fails after an upgrade: run this file; if the round-trip tests pass, add the new
    # series to fonts.TESTED_REPORTLAB_SERIES.
    assert reportlab.Version.startswith(tuple(s + "." for s in fonts.TESTED_REPORTLAB_SERIES))
    fonts.check_reportlab()


def test_substituted_glyphs_get_their_real_text_back():
    shaped, _ = thaipdf.shape_text("ที่ ค่ำ กตัญญู", thaipdf.FONT, 16)
    font = fonts.get_font(thaipdf.FONT)
    private = [ord(c) for c in shaped if 0xE000 <= ord(c) <= 0xF8FF]
    assert private, "shaping substituted nothing: is it on?"
    assert {font.private_text(code) for code in private} == {"\u0e48", "\u0e48\u0e4d", "ญ"}


@pytest.mark.parametrize("name, text", [
    ("uni0E48.small", "\u0e48"),
    ("uni0E35.narrow", "\u0e35"),
    ("yoYingthai.less", "ญ"),
    ("thoThanthai.less", "ฐ"),
    ("doChadathai.short", "ฎ"),
    ("uni0E4D0E48", "\u0e48\u0e4d"),          # nikhahit + mai ek ligature, in typed order
    ("uni0E24_uni0E45", "ฤๅ"),
    ("u0E0D.alt", "ญ"),
    (".notdef", None),
    ("someLogo", None),
])
def test_glyph_names_map_back_to_text(name, text):
    assert tounicode.glyph_text(name, lambda part: None) == text


def test_tounicode_cmap_uses_the_overrides_and_short_bfchar_blocks():
    subset = [0, 32, *range(0x0E01, 0x0E01 + 110), 0xE000]
    cmap = tounicode.to_unicode_cmap("AAAAAA+Sarabun", subset, {0xE000: "\u0e48\u0e4d"})
    assert f"<{len(subset) - 1:02X}> <0E480E4D>" in cmap
    assert "E000" not in cmap
    assert [int(n) for n in re.findall(r"(\d+) beginbfchar", cmap)] == [100, len(subset) - 100]


# -- the sample PDF: extraction, embedding, one page ---------------------------------------------

def test_stock_reportlab_still_loses_shaped_marks(tmp_path, monkeypatch):
    # The control for the round trip below: ReportLab's own ToUnicode maps substituted glyphs
    # to Private Use code points. If this starts failing, ReportLab fixed it upstream and
    # ThaiTTFont's override can go. (A second plain TTFont of the same file cannot serve:
    # registerFont hands back the font already registered for that face.)
    from reportlab.pdfbase.ttfonts import TTFont

    font = fonts.get_font(thaipdf.FONT)
    monkeypatch.setattr(font, "addObjects", types.MethodType(TTFont.addObjects, font))
    pdf = tmp_path / "stock.pdf"
    style = thaipdf.thai_styles().body
    SimpleDocTemplate(str(pdf)).build([Paragraph(" ".join(HARD_CASES), style)])
    assert [c for c in pdftotext(pdf) if 0xE000 <= ord(c) <= 0xF8FF]


def test_bold_inside_a_thai_word_shapes_and_extracts(tmp_path):
    pdf = tmp_path / "mixed.pdf"
    style = thaipdf.thai_styles().body
    SimpleDocTemplate(str(pdf)).build([Paragraph("ทดสอบ ที่<b>ปี่ญุ</b>ถิ่น <b>ตั้ง</b>", style)])
    assert squash("ทดสอบที่ปี่ญุถิ่นตั้ง") in squash(pdftotext(pdf))


def test_every_hard_case_survives_pdftotext(sample_text):
    text = squash(sample_text)
    missing = [s for s in (*HARD_CASES, *sample.SAMPLE_STRINGS) if squash(s) not in text]
    assert not missing, f"not extracted: {missing}"


def test_no_private_use_code_points_reach_the_extracted_text(sample_text):
    assert not [c for c in sample_text if 0xE000 <= ord(c) <= 0xF8FF]


def test_sarabun_is_embedded_and_subset(sample_pdf):
    report = subprocess.run(["pdffonts", str(sample_pdf)], check=True, capture_output=True,
                            text=True).stdout
    rows = [line.split() for line in report.splitlines() if "Sarabun" in line]
    names = {row[0].split("+", 1)[1] for row in rows}
    assert {"Sarabun-Regular", "Sarabun-Bold"} <= names
    # columns: name type encoding emb sub uni ...
    assert all(row[-5:-2] == ["yes", "yes", "yes"] for row in rows), report
    assert b"/FontFile2" in sample_pdf.read_bytes()


def test_sample_is_one_page(sample_pdf):
    info = subprocess.run(["pdfinfo", str(sample_pdf)], check=True, capture_output=True,
                          text=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M), info


# -- wrapping ------------------------------------------------------------------------------------

PARAGRAPHS = (
    sample.MISSION,
    sample.LGO_NAME + " ได้รับเกียรติบัตรมาตรฐานองค์กรดิจิทัล ประจำปีงบประมาณ พ.ศ. 2568",
    "ระบบ LGO Assess ช่วยให้องค์การบริหารส่วนจังหวัดและเทศบาลประเมินตนเอง (self-assessment) "
    "แนบหลักฐาน และติดตามผลการตรวจประเมินได้ทุกวันๆ ที่กรุงเทพฯ",
    " ".join(HARD_CASES),
)


def _boundaries(text: str) -> set[int]:
    """Offsets between newmm tokens of each line of ``text`` (and around every newline)."""
    cuts, base = set(), 0
    for paragraph in text.split("\n"):
        pos = base
        for token in tokenize(paragraph):
            cuts.add(pos)
            pos += len(token)
        cuts |= {pos, base}
        base = pos + 1
    return cuts


@pytest.mark.parametrize("text", PARAGRAPHS, ids=range(len(PARAGRAPHS)))
@pytest.mark.parametrize("width", [0, 150, 233, 481])
def test_lines_fit_and_break_only_between_words(text, width):
    # no narrower than the widest word: a word that fits no line is split (tested below)
    width = max(width, wrap.min_width(text, thaipdf.FONT, 16))
    lines = wrap.wrap(text, thaipdf.FONT, 16, width)
    normal = wrap.normalise(text)
    cuts = _boundaries(normal)
    assert len(lines) > 1 or width == 481
    for line in lines:
        assert line_width(line.text, thaipdf.FONT, 16) <= width + 1e-6, line.text
        assert line.start in cuts and line.end in cuts, f"broke inside a word: {line.text!r}"
        assert not line.text.startswith(("ๆ", "ฯ", " ")), line.text
    assert squash("".join(line.text for line in lines)) == squash(normal)


def test_words_that_fit_are_never_split(tmp_path):
    text = PARAGRAPHS[2]
    lines = wrap_lines(text, thaipdf.FONT, 16, 150)
    for word in ("LGO", "Assess", "(self-assessment)", "ทุกวันๆ", "กรุงเทพฯ", "ประเมิน"):
        assert any(word in line for line in lines), f"{word} was split: {lines}"


def test_explicit_newlines_blank_lines_and_tabs():
    assert wrap_lines("ที่ ปี่\r\n\r\nถิ่น\tฐาน\n\n", thaipdf.FONT, 16, 400) == \
        ["ที่ ปี่", "", "ถิ่น ฐาน"]
    assert wrap_lines("", thaipdf.FONT, 16, 400) == []


def test_no_break_space_holds_words_together():
    text = "มาตรฐานองค์กรดิจิทัล\u00a0และธรรมาภิบาล"
    width = line_width("มาตรฐานองค์กรดิจิทัล และ", thaipdf.FONT, 16) + 1
    lines = wrap_lines(text, thaipdf.FONT, 16, width)
    assert not any(line.endswith("ดิจิทัล") for line in lines), lines


def test_an_over_long_url_breaks_after_punctuation_and_keeps_every_character():
    url = "https://lgo-assess.dla.go.th/verify/Q7mX2pL9wZ4kR8tN?lang=th&ref=certificate"
    lines = wrap_lines("ดูที่ " + url, thaipdf.FONT, 16, 90)
    assert "".join(lines).replace("ดูที่", "").replace(" ", "") == url
    assert all(line_width(line, thaipdf.FONT, 16) <= 90 + 1e-6 for line in lines)
    assert sum(line[-1] in "/.-?&=" for line in lines[:-1]) >= len(lines) // 2, lines


def test_a_dictionary_compound_too_wide_for_the_line_splits_into_words():
    from pythainlp.tokenize.tcc import tcc_pos

    word = "องค์กรปกครองส่วนท้องถิ่น"
    lines = wrap_lines(word, thaipdf.FONT, 16, 60)
    assert "".join(lines) == word and len(lines) > 1
    assert lines[0] == "องค์กร", lines
    cuts = tcc_pos(word)
    pos = 0
    for line in lines[:-1]:
        pos += len(line)
        assert pos in cuts, f"cut inside a Thai character cluster: {lines}"


# -- flowables -----------------------------------------------------------------------------------

def test_thai_paragraph_is_prewrapped_and_escaped(tmp_path):
    style = thaipdf.thai_styles().body
    text = "A & B <x> " + sample.MISSION
    para = thaipdf.thai_paragraph(text, style, 200)
    expected = wrap_lines(text, style.fontName, style.fontSize, 200)
    assert isinstance(para, Paragraph)
    assert para.text.count("<br/>") == len(expected) - 1
    assert para.text.startswith("A &amp; B &lt;x&gt;")
    assert para.wrap(200, 10_000)[1] == pytest.approx(len(expected) * style.leading)
    pdf = tmp_path / "para.pdf"
    SimpleDocTemplate(str(pdf)).build([para])
    assert squash(text) in squash(pdftotext(pdf))


def test_thai_paragraph_splits_across_pages_without_losing_text(tmp_path):
    text = "\n".join([sample.MISSION, sample.URL_LINE, " ".join(HARD_CASES)] * 3) + " A & B <x>"
    styles = thaipdf.thai_styles()
    pdf = tmp_path / "split.pdf"
    doc = SimpleDocTemplate(str(pdf), pagesize=A6, leftMargin=20, rightMargin=20, topMargin=20,
                            bottomMargin=20)
    story = [thaipdf.ThaiParagraph(text, styles.body)]
    doc.build(story)
    assert doc.page > 2
    assert squash(pdftotext(pdf)) == squash(text)


def test_thai_paragraph_box_holds_its_marks_and_reports_its_narrowest_width():
    style = thaipdf.thai_styles().cell
    para = thaipdf.ThaiParagraph(sample.LGO_NAME, style)
    width, height = para.wrap(120, 1_000)
    lines = wrap_lines(sample.LGO_NAME, style.fontName, style.fontSize, 120)
    top, bottom = thaipdf.mark_padding(style)
    assert top > 0 and bottom > 0
    assert height == pytest.approx(len(lines) * style.leading + top + bottom)
    assert para.minWidth() >= max(thaipdf.text_width(w, style.fontName, style.fontSize)
                                  for w in ("อำเภอ", "จังหวัด"))


def test_thai_paragraph_in_a_table_cell(tmp_path):
    styles = thaipdf.thai_styles()
    pdf = tmp_path / "table.pdf"
    rows = [[thaipdf.ThaiParagraph(code, styles.cell), thaipdf.ThaiParagraph(text, styles.cell)]
            for code, text, _ in sample.ROWS]
    SimpleDocTemplate(str(pdf)).build([Table(rows, colWidths=[40, 160])])
    extracted = squash(pdftotext(pdf))
    assert all(squash(text) in extracted for _, text, _ in sample.ROWS)


def test_thai_digits_option():
    para = thaipdf.ThaiParagraph("ปี 2568", thaipdf.thai_styles().body, thai_digits=True)
    assert para.text == "ปี ๒๕๖๘"
    assert thaipdf.apply_digits("2568", False) == "2568"


# -- canvas text -----------------------------------------------------------------------------------

class RecordingCanvas:
    def __init__(self):
        self.calls = []

    def setFont(self, name, size):
        self.calls.append(("setFont", name, size))

    def drawString(self, x, y, text):
        self.calls.append(("drawString", x, y, text))


@pytest.mark.parametrize("align, shift", [("left", 0), ("centre", 0.5), ("center", 0.5),
                                          ("right", 1)])
def test_draw_thai_shapes_without_rlbidi_and_aligns_by_shaped_width(align, shift):
    canvas = RecordingCanvas()
    width = thaipdf.draw_thai(canvas, 300, 100, "ที่ 2568", font=thaipdf.FONT_BOLD, size=20,
                              align=align, thai_digits=True)
    (_, font, size), (_, x, y, drawn) = canvas.calls
    assert (font, size, y) == (thaipdf.FONT_BOLD, 20, 100)
    assert isinstance(drawn, ShapedStr) and str(drawn).endswith("๒๕๖๘")
    assert width == pytest.approx(thaipdf.text_width("ที่ ๒๕๖๘", thaipdf.FONT_BOLD, 20))
    assert x == pytest.approx(300 - shift * width)


def test_draw_thai_refuses_an_unknown_alignment():
    with pytest.raises(ValueError):
        thaipdf.draw_thai(RecordingCanvas(), 0, 0, "ที่", align="justify")


def test_draw_thai_lines_wraps_downwards():
    canvas = RecordingCanvas()
    y = thaipdf.draw_thai_lines(canvas, 0, 500, sample.MISSION, 200, size=16, leading=24)
    drawn = [call for call in canvas.calls if call[0] == "drawString"]
    assert len(drawn) == len(wrap_lines(sample.MISSION, thaipdf.FONT, 16, 200)) > 1
    assert [call[2] for call in drawn] == [500 - 24 * i for i in range(len(drawn))]
    assert y == 500 - 24 * len(drawn)


# -- styles and purity -----------------------------------------------------------------------------

def test_styles_shape_in_sarabun_with_room_for_marks_and_are_fresh_objects():
    styles = thaipdf.thai_styles()
    for name in ("title", "heading", "subheading", "body", "small", "cell", "cell_header"):
        style = getattr(styles, name)
        assert style.shaping and style.fontName.startswith("Sarabun") and not style.splitLongWords
        assert style.leading >= 1.4 * style.fontSize, name
    assert thaipdf.thai_styles().body is not styles.body


def test_the_toolkit_never_imports_flask():
    package = Path(thaipdf.__file__).parent
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0].startswith("flask") for n in names), source.name


def test_cli_writes_the_sample(tmp_path):
    from lgo_assess.core.thaipdf.__main__ import main

    out = tmp_path / "cli.pdf"
    assert main(["sample", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF")


def test_sample_builds_into_a_file_object():
    buf = io.BytesIO()
    sample.build_sample(buf)
    assert buf.getvalue().startswith(b"%PDF")
