"""Paragraph styles in Sarabun, with leading that leaves room for Thai marks.

A Thai line needs more height than a Latin one: a tone mark stacked on an upper vowel (ปี่, ตั้ง)
reaches about 1.25 em above the baseline and below-vowels under ฎ/ฏ about 0.5 em below it.
Sarabun's own ascent/descent (1.068/0.232 em) leave those marks outside the box, so every
style here sets ``leading`` explicitly (1.5 × size by default, 1.4 for the big title).
Shaping is on in every style, and ``splitLongWords`` is off: lines come pre-wrapped at Thai word
boundaries, and ReportLab must never chop a word inside a syllable.
"""
from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.styles import ParagraphStyle

from lgo_assess.core.thaipdf.fonts import FONT, FONT_BOLD, register_fonts

LEADING_RATIO = 1.5


def make_style(name: str, size: float, *, bold: bool = False, leading: float | None = None,
               **kwargs) -> ParagraphStyle:
    """A shaping Sarabun ParagraphStyle; ``kwargs`` go to ParagraphStyle (alignment,
    spaceBefore, textColor, …)."""
    register_fonts()
    options = dict(fontName=FONT_BOLD if bold else FONT, fontSize=size,
                   leading=leading if leading is not None else round(size * LEADING_RATIO, 2),
                   shaping=1, splitLongWords=0, alignment=TA_LEFT)
    options.update(kwargs)
    return ParagraphStyle(name, **options)


@dataclass(frozen=True)
class ThaiStyles:
    title: ParagraphStyle
    heading: ParagraphStyle
    subheading: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    cell_header: ParagraphStyle


def thai_styles() -> ThaiStyles:
    """Fresh document styles (new objects each call, so a caller may change them freely).
    Sizes follow Thai official documents: 16 pt body as in TH Sarabun, whose advance widths
    Sarabun shares."""
    return ThaiStyles(
        title=make_style("ThaiTitle", 24, bold=True, leading=24 * 1.4, alignment=TA_CENTER,
                         spaceAfter=6),
        heading=make_style("ThaiHeading", 18, bold=True, spaceBefore=10, spaceAfter=4,
                           keepWithNext=1),
        subheading=make_style("ThaiSubheading", 16, bold=True, spaceBefore=6, spaceAfter=2,
                              keepWithNext=1),
        body=make_style("ThaiBody", 16, spaceAfter=6),
        small=make_style("ThaiSmall", 12),
        cell=make_style("ThaiCell", 14),
        cell_header=make_style("ThaiCellHeader", 14, bold=True),
    )
