"""Shaped Thai text on a ReportLab canvas, and widths measured the way it will be drawn.

``canvas.drawString(..., shaping=True)`` silently draws unshaped text unless the ``rlbidi``
package (not on PyPI) is importable, so ``draw_thai`` shapes the string itself with harfbuzz and
hands ReportLab the shaped string; the width used for centring and right alignment is the sum of
the shaped advances, which is what ends up on the page.
"""
from __future__ import annotations

from functools import lru_cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import ShapedStr, shapeStr

from lgo_assess.core.thaidate import to_thai_digits
from lgo_assess.core.thaipdf.fonts import FONT, get_font

_ALIGN_SHIFT = {"left": 0.0, "centre": 0.5, "center": 0.5, "right": 1.0}


def apply_digits(text: str, thai_digits: bool) -> str:
    """``text`` with ๐–๙ for 0–9 when ``thai_digits`` (display only: never store them)."""
    return to_thai_digits(text) if thai_digits else text


def shape_text(text: str, font: str, size: float) -> tuple[str, float]:
    """(the string to hand ReportLab, its width in points). The string is a ShapedStr when
    harfbuzz moved or substituted anything, else ``text`` unchanged."""
    if not text:
        return text, 0.0
    if not get_font(font).shapable:
        return text, pdfmetrics.stringWidth(text, font, size)
    shaped = shapeStr(text, font, size)
    if isinstance(shaped, ShapedStr):
        return shaped, sum(d.x_advance for d in shaped.__shapeData__) * size / 1000
    return shaped, pdfmetrics.stringWidth(text, font, size)


@lru_cache(maxsize=16384)
def _shaped(text: str, font: str, size: float) -> tuple[str, float]:
    """``shape_text`` remembered: a certificate or report draws the same words (headings,
    labels, names) again and again, and harfbuzz shaping is most of drawing them. The shaped
    string is never changed by ReportLab, so one can be drawn on any number of canvases."""
    return shape_text(text, font, size)


@lru_cache(maxsize=65536)
def text_width(text: str, font: str = FONT, size: float = 16) -> float:
    """Width in points of ``text`` drawn shaped in one piece (as ``draw_thai`` draws it)."""
    return shape_text(text, font, size)[1]


def draw_thai(canvas, x: float, y: float, text: str, *, font: str = FONT, size: float = 16,
              align: str = "left", thai_digits: bool = False) -> float:
    """Draw one line of shaped text with its baseline at ``y``; ``x`` is the left edge, the
    centre or the right edge for ``align`` "left", "centre" ("center") or "right".
    Sets the canvas font. Returns the drawn width."""
    try:
        shift = _ALIGN_SHIFT[align]
    except KeyError:
        raise ValueError(f"align must be one of {sorted(_ALIGN_SHIFT)}, not {align!r}") from None
    text = apply_digits(text, thai_digits)
    shaped, width = _shaped(text, font, size)
    canvas.setFont(font, size)
    if shaped:
        canvas.drawString(x - shift * width, y, shaped)
    return width


def draw_thai_lines(canvas, x: float, y: float, text: str, width: float, *, font: str = FONT,
                    size: float = 16, leading: float | None = None, align: str = "left",
                    thai_digits: bool = False) -> float:
    """Wrap ``text`` at Thai word boundaries to ``width`` and draw it downwards from the first
    baseline ``y`` (``x`` as in ``draw_thai``). Returns the baseline below the last line."""
    from lgo_assess.core.thaipdf.wrap import wrap_lines

    leading = leading if leading is not None else size * 1.5
    for line in wrap_lines(apply_digits(text, thai_digits), font, size, width):
        draw_thai(canvas, x, y, line, font=font, size=size, align=align)
        y -= leading
    return y
