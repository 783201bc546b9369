"""Thai PDF toolkit: Sarabun fonts, shaped canvas text, Thai word wrapping, flowables, styles.

Pure (no Flask): the criteria book, certificates, the on-site sheet and the executive report
build on it. ``python -m lgo_assess.core.thaipdf sample out.pdf`` writes a sample to look at.

    from lgo_assess.core.thaipdf import ThaiParagraph, draw_thai, thai_styles
    styles = thai_styles()
    story = [ThaiParagraph("องค์การบริหารส่วนตำบลบ้านปี่", styles.title)]
    draw_thai(canvas, x, y, "เกียรติบัตร", font=FONT_BOLD, size=36, align="centre")
"""
from lgo_assess.core.thaidate import format_date, to_thai_digits
from lgo_assess.core.thaipdf.flowables import ThaiParagraph, mark_padding, thai_paragraph
from lgo_assess.core.thaipdf.fonts import (
    FAMILY,
    FONT,
    FONT_BOLD,
    FONT_BOLD_ITALIC,
    FONT_ITALIC,
    ReportLabChanged,
    ThaiTTFont,
    register_fonts,
)
from lgo_assess.core.thaipdf.shaping import (
    apply_digits,
    draw_thai,
    draw_thai_lines,
    shape_text,
    text_width,
)
from lgo_assess.core.thaipdf.styles import LEADING_RATIO, ThaiStyles, make_style, thai_styles
from lgo_assess.core.thaipdf.wrap import line_width, tokenize, warm_up, wrap_lines

__all__ = [
    "FAMILY", "FONT", "FONT_BOLD", "FONT_BOLD_ITALIC", "FONT_ITALIC", "LEADING_RATIO",
    "ReportLabChanged", "ThaiParagraph", "ThaiStyles", "ThaiTTFont", "apply_digits",
    "draw_thai", "draw_thai_lines", "format_date", "line_width", "make_style", "mark_padding",
    "register_fonts", "shape_text", "text_width", "thai_paragraph", "thai_styles",
    "to_thai_digits", "tokenize", "warm_up", "wrap_lines",
]
