"""Map harfbuzz-substituted glyphs back to the Thai text they draw, for the PDF ToUnicode CMap.

Shaping Thai swaps in glyphs that have no cmap entry (``uni0E48.small``, ``yoYingthai.less``,
the ligature ``uni0E4D0E48``). ReportLab gives each one a Private Use code point and its ToUnicode
CMap maps the code to that PUA, so copy/paste and ``pdftotext`` print U+E000 instead of ่.
These pure functions recover the real characters from the glyph name, the way a PDF reader
would: drop the ``.suffix``, split ligatures on ``_``, look each part up in the font itself,
then try the Adobe Glyph List ``uniXXXX`` / ``uXXXXX`` forms, then the Glyphs-app "nice names"
fonts use for Thai (``yoYingthai.less`` is ญ without its tail), which follow the Unicode names.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import lru_cache

_AGL_UNI = re.compile(r"uni((?:[0-9A-F]{4})+)")
_AGL_U = re.compile(r"u([0-9A-F]{4,6})")
_THAI_TONE_MARKS = "\u0e48\u0e49\u0e4a\u0e4b"
_NIKHAHIT = "\u0e4d"


def is_private_use(code: int) -> bool:
    return 0xE000 <= code <= 0xF8FF


def glyph_text(name: str, lookup: Callable[[str], str | None]) -> str | None:
    """The text a glyph named ``name`` stands for, or None when the name says nothing.

    ``lookup(part)`` returns the cmap character of the font's glyph called ``part`` (or None).
    """
    base = name.split(".", 1)[0]
    if not base:
        return None                      # .notdef and friends
    out = []
    for part in base.split("_"):
        text = lookup(part)
        if text is None:
            if m := _AGL_UNI.fullmatch(part):
                hexes = m.group(1)
                text = "".join(chr(int(hexes[i:i + 4], 16)) for i in range(0, len(hexes), 4))
            elif m := _AGL_U.fullmatch(part):
                text = chr(int(m.group(1), 16))
            else:
                text = _thai_nice_names().get(part)
        if text is None:
            return None
        out.append(text)
    return logical_order("".join(out))


@lru_cache(maxsize=1)
def _thai_nice_names() -> dict[str, str]:
    """``yoYingthai`` → ญ: the nice name of each Thai character, built from its Unicode name
    (THAI CHARACTER YO YING)."""
    names = {}
    for code in range(0x0E01, 0x0E5C):
        words = unicodedata.name(chr(code), "").removeprefix("THAI CHARACTER ").split()
        if words:
            nice = words[0].lower() + "".join(w.capitalize() for w in words[1:]) + "thai"
            names[nice] = chr(code)
    return names


def logical_order(text: str) -> str:
    """Put a ligature's characters in the order they are typed.

    Fonts name the nikhahit + tone-mark ligature that shaping makes out of ค่ำ in visual order
    (``uni0E4D0E48``: ํ then ่), but the text is typed ค ่ ำ, and NFKC(ค่ำ) is ค ่ ํ า: the tone
    mark comes before the nikhahit. Nikhahit has combining class 0, so Unicode normalisation
    will not reorder it for us.
    """
    tones = "".join(c for c in text if c in _THAI_TONE_MARKS)
    if tones and _NIKHAHIT in text:
        bare = text.translate(str.maketrans("", "", _THAI_TONE_MARKS))
        return bare.replace(_NIKHAHIT, tones + _NIKHAHIT, 1)
    return text


def _utf16_hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


def to_unicode_cmap(fontname: str, subset: Sequence[int], overrides: dict[int, str]) -> str:
    """A ToUnicode CMap for a font subset of at most 256 codes.

    ``subset[i]`` is the Unicode code point ReportLab assigned to byte ``i``; ``overrides`` maps
    the private code points of substituted glyphs to the text they really stand for.
    """
    entries = [f"<{i:02X}> <{_utf16_hex(overrides.get(code) or chr(code))}>"
               for i, code in enumerate(subset)]
    return "\n".join([
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({fontname})",
        f"/Ordering ({fontname})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
        # a bfchar block holds at most 100 entries (PDF Reference, 5.9.2)
        *(line for start in range(0, len(entries), 100)
          for line in (f"{len(entries[start:start + 100])} beginbfchar",
                       *entries[start:start + 100], "endbfchar")),
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ])
