"""Names of the criteria format's words (methods, evidence kinds, …) as English source strings
marked for translation, shared by the pages and the PDF. Pure: the caller translates."""
from __future__ import annotations

from lgo_assess.criteria.validation import N_

SCORING_METHODS = {
    "level": N_("Level on a scale"),
    "checklist": N_("Checklist"),
    "numeric": N_("Number with bands"),
    "yes_no": N_("Yes or no"),
}

EVIDENCE_KINDS = {
    "document": N_("Document"),
    "photo": N_("Photo"),
    "url": N_("Public web page"),
    "system_record": N_("Record in a national system"),
}

ONSITE_METHODS = {
    "document_review": N_("Document review"),
    "interview": N_("Interview"),
    "observation": N_("Observation"),
}

NA_EFFECTS = {
    "exclude": N_("left out of the score"),
    "score_zero": N_("counts as zero"),
    "score_full": N_("counts as full marks"),
}

LGO_TYPES = {
    "pao": N_("Provincial Administrative Organisation"),
    "city_municipality": N_("City municipality"),
    "town_municipality": N_("Town municipality"),
    "subdistrict_municipality": N_("Subdistrict municipality"),
    "sao": N_("Subdistrict Administrative Organisation"),
    "bangkok": N_("Bangkok Metropolitan Administration"),
    "pattaya": N_("Pattaya City"),
}

AREA_TAGS = {
    "special_economic_zone": N_("Special economic zone"),
    "international_tourism": N_("International tourism area"),
    "border": N_("Border area"),
    "development_inequality": N_("Development-inequality area"),
    "urban": N_("Urban area"),
    "island": N_("Island"),
}

STATUSES = {
    "draft": N_("Draft"),
    "published": N_("Published"),
    "retired": N_("Retired"),
}


def label(table: dict[str, str], code: str, gettext=lambda s: s) -> str:
    """The translated name of ``code``, or the code itself if it has none (a new area tag)."""
    return gettext(table[code]) if code in table else code
