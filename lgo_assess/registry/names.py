"""Thai place and LGO names: normalising them for matching, reading and writing LGO names.

Pure: no Flask, no database. LGO types appear here as their stored values ("sao", "pao", …) so
that the CSV reader and the synthesizer can use this module without the models.
"""
from __future__ import annotations

import re
import unicodedata

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_SPACES = re.compile(r"\s+")
# SARA AM typed as NIKHAHIT + SARA AA (common in old files and some keyboards).
_SARA_AM_DECOMPOSED = re.compile("\u0e4d\u0e32")

PROVINCE_PREFIXES = ("จังหวัด", "จ.")
DISTRICT_PREFIXES = ("กิ่งอำเภอ", "อำเภอ", "อ.", "เขต")
SUBDISTRICT_PREFIXES = ("ตำบล", "ต.", "แขวง")
MUEANG = "เมือง"

# The Thai prefix of an LGO's name, long and short forms, with the type it implies.
# Longest first, so "เทศบาลตำบล" is tried before "เทศบาล".
LGO_NAME_PREFIXES: tuple[tuple[str, str], ...] = (
    ("องค์การบริหารส่วนจังหวัด", "pao"),
    ("องค์การบริหารส่วนตำบล", "sao"),
    ("เทศบาลนคร", "city_municipality"),
    ("เทศบาลเมือง", "town_municipality"),
    ("เทศบาลตำบล", "subdistrict_municipality"),
    ("อบจ.", "pao"),
    ("อบต.", "sao"),
    ("ทน.", "city_municipality"),
    ("ทม.", "town_municipality"),
    ("ทต.", "subdistrict_municipality"),
)

# How LGOs of each type are named: (Thai prefix, English pattern).
NAME_PATTERNS = {
    "pao": ("องค์การบริหารส่วนจังหวัด", "{} Provincial Administrative Organisation"),
    "city_municipality": ("เทศบาลนคร", "{} City Municipality"),
    "town_municipality": ("เทศบาลเมือง", "{} Town Municipality"),
    "subdistrict_municipality": ("เทศบาลตำบล", "{} Subdistrict Municipality"),
    "sao": ("อบต.", "Tambon {} SAO"),
}
_EN_SUFFIXES = tuple(p.split("{}")[1] for p in (v[1] for v in NAME_PATTERNS.values()))


def normalise(text: str | None) -> str:
    """Text as it should be compared: NFC, no invisible characters, SARA AM composed, single
    spaces, trimmed."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    text = _SARA_AM_DECOMPOSED.sub("\u0e33", text)
    return _SPACES.sub(" ", text).strip()


def strip_prefix(name: str, prefixes: tuple[str, ...]) -> str:
    """``name`` without one leading administrative prefix (``อำเภอ``, ``ต.`` …), normalised."""
    name = normalise(name)
    for prefix in prefixes:
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix):].strip()
    return name


def split_lgo_name(name: str) -> tuple[str | None, str]:
    """(type implied by the prefix or None, the name without its prefix)."""
    name = normalise(name)
    for prefix, lgo_type in LGO_NAME_PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            return lgo_type, name[len(prefix):].strip()
    return None, name


def lgo_name_th(lgo_type: str, place_th: str) -> str:
    """``อบต.บางพลีใหญ่``, ``เทศบาลตำบลบางพลี``, ``องค์การบริหารส่วนจังหวัดเชียงใหม่``."""
    if lgo_type == "pattaya":
        return "เมืองพัทยา"
    if lgo_type == "bangkok":
        return "กรุงเทพมหานคร"
    return NAME_PATTERNS[lgo_type][0] + place_th


def lgo_name_en(lgo_type: str, place_en: str) -> str:
    """``Tambon Bang Phli Yai SAO``, ``Bang Phli Subdistrict Municipality``, …"""
    if lgo_type == "pattaya":
        return "Pattaya City"
    if lgo_type == "bangkok":
        return "Bangkok Metropolitan Administration"
    return NAME_PATTERNS[lgo_type][1].format(place_en)


def place_of_en_name(name_en: str) -> str:
    """The place in an English LGO name made by ``lgo_name_en`` (``Tambon X SAO`` → ``X``)."""
    name = normalise(name_en)
    if name.startswith("Tambon ") and name.endswith(" SAO"):
        return name[len("Tambon "):-len(" SAO")]
    for suffix in _EN_SUFFIXES:
        if suffix and name.endswith(suffix):
            return name[:-len(suffix)]
    return name


def renamed_for_type(name_th: str, name_en: str | None, new_type: str) -> tuple[str, str | None]:
    """The names an LGO takes when its type changes: the Thai prefix (and English pattern) of
    the new type around the same place name. Names without a known prefix are kept."""
    old_type, place = split_lgo_name(name_th)
    new_th = lgo_name_th(new_type, place) if old_type else name_th
    new_en = lgo_name_en(new_type, place_of_en_name(name_en)) if name_en and old_type else name_en
    return new_th, new_en


def search_terms(query: str) -> tuple[str | None, str]:
    """What a directory search looks for: (type implied by an LGO prefix, the rest).

    ``"ทต.บางพลี"`` → ``("subdistrict_municipality", "บางพลี")``; ``"บางพลี"`` → ``(None, "บางพลี")``.
    """
    lgo_type, rest = split_lgo_name(query)
    return lgo_type, rest
