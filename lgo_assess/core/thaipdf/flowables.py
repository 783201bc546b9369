"""Platypus flowables for Thai text wrapped at word boundaries.

``ThaiParagraph(text, style)`` is the one to use: it wraps when the frame or table cell tells it
its width, splits across pages line by line, and pads its box so stacked marks on the first line
and below-vowels on the last stay inside it (and off table rules). ``thai_paragraph(text, style,
width)`` is the eager form: a plain ReportLab Paragraph of pre-wrapped lines for a known width.
Both take plain text, not markup: it is escaped. Use a bold style for bold text.
"""
from __future__ import annotations

from copy import copy
from xml.sax.saxutils import escape

from reportlab.platypus import Paragraph
from reportlab.platypus.flowables import Flowable

from lgo_assess.core.thaipdf.fonts import get_font
from lgo_assess.core.thaipdf.shaping import apply_digits
from lgo_assess.core.thaipdf.wrap import Line, min_width, normalise, wrap, wrap_lines

_FUZZ = 1e-8


def _markup(lines) -> str:
    return "<br/>".join(escape(line) for line in lines)


def _text_widths(style, width: float) -> tuple[float, float]:
    inner = width - style.leftIndent - style.rightIndent
    return inner, inner - style.firstLineIndent


def thai_paragraph(text: str, style, width: float, *, thai_digits: bool = False) -> Paragraph:
    """A Paragraph of ``text`` wrapped at Thai word boundaries for a frame or cell ``width``
    points wide (the style's indents are taken off)."""
    inner, first = _text_widths(style, width)
    lines = wrap_lines(apply_digits(text, thai_digits), style.fontName, style.fontSize, inner,
                       first_width=first)
    return Paragraph(_markup(lines), style)


def mark_padding(style) -> tuple[float, float]:
    """(top, bottom) points a Paragraph box needs added so that the highest and lowest ink of
    the font (stacked Thai marks, below-vowels) stays inside it."""
    face = get_font(style.fontName).face
    size = style.fontSize
    ascent = face.ascent * size / 1000
    ink_top, ink_bottom = face.bbox[3] * size / 1000, -face.bbox[1] * size / 1000
    return max(0.0, ink_top - ascent), max(0.0, ink_bottom - (style.leading - ascent))


class ThaiParagraph(Flowable):
    """A paragraph of plain Thai/English text that wraps itself at Thai word boundaries."""

    def __init__(self, text: str, style, *, thai_digits: bool = False):
        super().__init__()
        self.text = normalise(apply_digits(text, thai_digits))
        self.style = style
        self._lines: list[Line] | None = None
        self._para: Paragraph | None = None
        self._wrapped_for: float | None = None
        self._fixed = False

    @classmethod
    def _of_lines(cls, text: str, lines: list[Line], style) -> ThaiParagraph:
        """The first part of a split: keeps the lines it was cut with (re-tokenising a
        truncated text could move a break and no longer fit the space it was cut for)."""
        para = cls(text, style)
        para._lines = lines
        para._para = Paragraph(_markup(line.text for line in lines), style)
        para._fixed = True
        return para

    def __repr__(self):
        return f"ThaiParagraph({self.text[:40]!r}…)"

    # -- layout ----------------------------------------------------------------------------
    def _layout(self, avail_width: float) -> None:
        if self._fixed or self._wrapped_for == avail_width:
            return
        style = self.style
        inner, first = _text_widths(style, avail_width)
        self._lines = wrap(self.text, style.fontName, style.fontSize, inner, first_width=first)
        self._para = Paragraph(_markup(line.text for line in self._lines), style)
        self._wrapped_for = avail_width

    def wrap(self, availWidth, availHeight):
        self._layout(availWidth)
        top, bottom = mark_padding(self.style)
        _, height = self._para.wrap(availWidth, availHeight)
        self.width = availWidth
        self.height = height + top + bottom if height else 0
        return self.width, self.height

    def minWidth(self):
        style = self.style
        return (min_width(self.text, style.fontName, style.fontSize)
                + style.leftIndent + style.rightIndent + max(style.firstLineIndent, 0))

    def getSpaceBefore(self):
        return self.style.spaceBefore

    def getSpaceAfter(self):
        return self.style.spaceAfter

    def draw(self):
        if self._para is not None and self.height:
            self._para.drawOn(self.canv, 0, mark_padding(self.style)[1])

    def split(self, availWidth, availHeight):
        self._layout(availWidth)
        lines = self._lines
        top, bottom = mark_padding(self.style)
        fit = int((availHeight - top - bottom + _FUZZ) / self.style.leading)
        if fit <= 0 or (fit == 1 and not self.style.allowOrphans):
            return []
        if fit >= len(lines):
            return [self]
        if not self.style.allowWidows and fit == len(lines) - 1:
            fit -= 1                                 # give the last line company
            if fit <= 1 and not self.style.allowOrphans:
                return []
        cut = lines[fit].start
        head = ThaiParagraph._of_lines(self.text[:lines[fit - 1].end], lines[:fit], self.style)
        rest_style = self.style
        if rest_style.firstLineIndent:
            rest_style = copy(rest_style)
            rest_style.firstLineIndent = 0
        return [head, ThaiParagraph(self.text[cut:], rest_style)]
