"""Sarabun for ReportLab: registered once, shaped by harfbuzz, with text that extracts.

``register_fonts()`` registers the Sarabun family from ``fontpkg-sarabun`` (OFL-1.1) under
``FONT``, ``FONT_BOLD``, ``FONT_ITALIC`` and ``FONT_BOLD_ITALIC``, maps the family so ``<b>`` and
``<i>`` work in Paragraphs, and turns shaping on. Without shaping Thai tone marks collide with
upper vowels and ญ/ฐ keep their tails above below-vowels.

The fonts are ``ThaiTTFont``s. Shaping swaps in glyphs the cmap does not reach (``uni0E48.small``,
``yoYingthai.less``); ReportLab gives each a Private Use code point (``face.charToGlyph``) and maps
it to that PUA in the ToUnicode CMap, so ``pdftotext`` and copy/paste print U+E000 for ่. The
subclass overrides one method, ``addObjects``: after ReportLab writes a subset's font objects it
rewrites that subset's CMap with the real text of each such glyph, read from the glyph's name.
ReportLab itself is not patched. The override relies on ReportLab internals (``state.subsets``,
the ``BasicFonts`` dictionary and its ``ToUnicode`` references); it raises ``ReportLabChanged``
if they move, ``check_reportlab()`` warns on an untested series, and the tests prove the round
trip and fail on a new series.
"""
from __future__ import annotations

import threading
import warnings

import fontpkg
import reportlab
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.pdfdoc import PDFObjectReference
from reportlab.pdfbase.ttfonts import TTFont

from lgo_assess.core.thaipdf.tounicode import glyph_text, is_private_use, to_unicode_cmap

FAMILY = "Sarabun"
FONT = "Sarabun"
FONT_BOLD = "Sarabun-Bold"
FONT_ITALIC = "Sarabun-Italic"
FONT_BOLD_ITALIC = "Sarabun-BoldItalic"

# name → (fontpkg weight, style, bold, italic)
_FACES = {
    FONT: (400, "normal", 0, 0),
    FONT_BOLD: (700, "normal", 1, 0),
    FONT_ITALIC: (400, "italic", 0, 1),
    FONT_BOLD_ITALIC: (700, "italic", 1, 1),
}

# ReportLab series whose internals the ToUnicode fix was checked against (tests/unit/test_thaipdf.py
# fails on any other: rerun the round-trip tests, then add the series here).
TESTED_REPORTLAB_SERIES = ("5.1",)

_lock = threading.Lock()
_registered = False


class ReportLabChanged(RuntimeError):
    """ReportLab's internals no longer look like the ones the ToUnicode fix hooks into."""


class FontConflict(RuntimeError):
    """A Sarabun face was registered with ReportLab as a plain TTFont before ours."""


class UntestedReportLabWarning(UserWarning):
    pass


class ThaiTTFont(TTFont):
    """A shaping TrueType font whose ToUnicode CMap maps substituted glyphs to real text."""

    def __init__(self, name: str, filename: str, **kwargs):
        super().__init__(name, filename, **kwargs)
        self._private_text: dict[int, str | None] = {}
        self._name_font = None

    def private_text(self, code: int) -> str | None:
        """The text behind a Private Use code point ReportLab gave a substituted glyph (found
        from the glyph's name), or None if the name does not say."""
        if code not in self._private_text:
            gid = self.face.charToGlyph.get(code)
            name = self._glyph_font().get_glyph_name(gid) if gid is not None else None
            self._private_text[code] = glyph_text(name, self._cmap_text) if name else None
        return self._private_text[code]

    def _glyph_font(self):
        if self._name_font is None:
            self._name_font = ttfonts.uharfbuzz.Font(self.hbFace)
        return self._name_font

    def _cmap_text(self, glyph_name: str) -> str | None:
        """The character the font's cmap gives the glyph called ``glyph_name``, if any."""
        gid = self._glyph_font().get_glyph_from_name(glyph_name)
        codes = [c for c in self.face.glyphToChar.get(gid, ()) if not is_private_use(c)]
        return chr(min(codes)) if codes else None

    def addObjects(self, doc):
        """ReportLab's font objects, then each subset's ToUnicode CMap rewritten if the subset
        holds substituted glyphs."""
        state = self.state.get(doc)
        if state is None:
            return super().addObjects(doc)
        subsets = [list(subset) for subset in state.subsets]
        names = [self.getSubsetInternalName(n, doc)[1:] for n in range(len(subsets))]
        super().addObjects(doc)
        font_dicts = doc.idToObject["BasicFonts"].dict
        for name, subset in zip(names, subsets):
            overrides = {code: text for code in subset
                         if is_private_use(code) and (text := self.private_text(code))}
            if not overrides:
                continue
            pdf_font = font_dicts[name]
            ref = pdf_font.ToUnicode
            if not isinstance(ref, PDFObjectReference):
                raise ReportLabChanged("TTFont.addObjects no longer writes a ToUnicode reference")
            doc.idToObject[ref.name].content = to_unicode_cmap(pdf_font.BaseFont, subset,
                                                               overrides)


def check_reportlab() -> None:
    """Raise ReportLabChanged if the hooks the ToUnicode fix needs are gone; warn when this
    ReportLab series has not been checked."""
    if ttfonts.uharfbuzz is None:
        raise ReportLabChanged("uharfbuzz is not importable: install reportlab[shaping]")
    for attr in ("hbFace", "addObjects", "getSubsetInternalName"):
        if not hasattr(TTFont, attr):
            raise ReportLabChanged(f"reportlab TTFont has no {attr}")
    if not reportlab.Version.startswith(tuple(s + "." for s in TESTED_REPORTLAB_SERIES)):
        warnings.warn(f"ReportLab {reportlab.Version} is not among the series the Thai ToUnicode "
                      f"fix was checked with ({', '.join(TESTED_REPORTLAB_SERIES)})",
                      UntestedReportLabWarning, stacklevel=3)


def register_fonts() -> None:
    """Register the Sarabun family once per process (safe to call from anywhere, any number of
    times, from any thread)."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        check_reportlab()
        for name, (weight, style, bold, italic) in _FACES.items():
            if name not in pdfmetrics.getRegisteredFontNames():
                font = ThaiTTFont(name, str(fontpkg.path("sarabun", weight=weight, style=style)))
                font.shapable = True        # even if rl_config.unShapedFontGlob matches
                pdfmetrics.registerFont(font)
            font = pdfmetrics.getFont(name)
            if not isinstance(font, ThaiTTFont):
                # registerFont hands back whatever font was first registered for the same face
                raise FontConflict(
                    f"{name} is already registered as a plain {type(font).__name__} "
                    f"({font.fontName}); register Sarabun only through lgo_assess.core.thaipdf")
            # ReportLab's shapeFragWord calls hbAddPrivate on the font a word switches to
            # (ที่<b>ปี่</b>) without calling its hbFont first, which is what defines it. Define
            # it now. (All Sarabun faces share one glyph order, so the mixed word maps right.)
            font.hbFont()
            addMapping(FAMILY, bold, italic, name)
        _registered = True


def get_font(name: str) -> TTFont:
    register_fonts()
    return pdfmetrics.getFont(name)
