"""Standards, their editions, and an edition's criteria tree (sections → criteria), Thai and
English side by side, as the published criteria file states them."""
from __future__ import annotations

from flask import jsonify
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lgo_assess.api.openapi import define, nullable
from lgo_assess.api.routing import CRITERIA, PAGINATION, api, page_of, paginated
from lgo_assess.core.security import Permission, login_required_only
from lgo_assess.criteria import queries
from lgo_assess.criteria.edition import (Scoring, ScoringChecklist, ScoringLevel, ScoringNumeric,
                                         Text)
from lgo_assess.criteria.models import EditionStatus, Standard, StandardEdition

STRING = {"type": "string"}
TEXT_OR_NULL = {"type": ["string", "null"]}
NUMBER_OR_NULL = {"type": ["number", "null"]}

EDITION_SUMMARY = define("EditionSummary", {
    "type": "object",
    "required": ["standard_code", "code", "status", "title_th", "title_en", "fiscal_years",
                 "published_at"],
    "properties": {
        "standard_code": STRING, "code": STRING,
        "status": {"type": "string", "enum": [s.value for s in EditionStatus]},
        "title_th": STRING, "title_en": STRING,
        "fiscal_years": {"type": "array", "items": {"type": "integer"}},
        "published_at": {"type": ["string", "null"], "format": "date-time"},
    },
})
STANDARD_SCHEMA = define("Standard", {
    "type": "object",
    "required": ["code", "plan_ref", "name_th", "name_en", "owner_th", "owner_en", "editions"],
    "properties": {"code": STRING, "plan_ref": STRING, "name_th": STRING, "name_en": STRING,
                   "owner_th": STRING, "owner_en": STRING,
                   "editions": {"type": "array", "items": EDITION_SUMMARY}},
})
SCORING = define("Scoring", {
    "type": "object", "required": ["method"],
    "description": "How the criterion is scored. ``level``: a level of ``levels``; "
                   "``checklist``: the codes of ``items`` in place; ``numeric``: a value "
                   "between ``min`` and ``max``; ``yes_no``: true or false.",
    "properties": {
        "method": {"type": "string", "enum": ["level", "checklist", "numeric", "yes_no"]},
        "scale": STRING,
        "levels": {"type": "array", "items": {
            "type": "object", "required": ["value", "label_th", "label_en"],
            "properties": {"value": {"type": "integer"}, "label_th": STRING,
                           "label_en": TEXT_OR_NULL, "descriptor_th": TEXT_OR_NULL,
                           "descriptor_en": TEXT_OR_NULL}}},
        "items": {"type": "array", "items": {
            "type": "object", "required": ["code", "text_th", "text_en"],
            "properties": {"code": STRING, "text_th": STRING, "text_en": TEXT_OR_NULL}}},
        "required_count": {"type": ["integer", "null"]},
        "unit_th": STRING, "unit_en": TEXT_OR_NULL,
        "min": {"type": "number"}, "max": {"type": "number"},
        "higher_is_better": {"type": "boolean"},
    },
})
CRITERION = define("Criterion", {
    "type": "object",
    "required": ["code", "title_th", "title_en", "guidance_th", "guidance_en", "weight",
                 "scoring", "must_pass", "applies_to", "not_applicable_allowed", "evidence",
                 "onsite_methods", "kpis", "variant_lgo_types"],
    "properties": {
        "code": STRING, "title_th": STRING, "title_en": TEXT_OR_NULL,
        "guidance_th": STRING, "guidance_en": TEXT_OR_NULL,
        "weight": {"type": "number"},
        "scoring": SCORING,
        "must_pass": nullable({"type": "object", "required": ["min_fraction", "min_level"],
                               "properties": {"min_fraction": {"type": "number"},
                                              "min_level": {"type": ["integer", "null"]}}}),
        "applies_to": {"type": "object", "required": ["lgo_types", "area_tags_any"],
                       "properties": {
                           "lgo_types": {"type": ["array", "null"], "items": STRING},
                           "area_tags_any": {"type": ["array", "null"], "items": STRING}}},
        "not_applicable_allowed": {"type": "boolean"},
        "evidence": {"type": "array", "items": {
            "type": "object", "required": ["kind", "description_th", "description_en",
                                           "required", "recency_months"],
            "properties": {"kind": STRING, "description_th": STRING,
                           "description_en": TEXT_OR_NULL, "required": {"type": "boolean"},
                           "recency_months": {"type": ["integer", "null"]}}}},
        "onsite_methods": {"type": "array", "items": STRING},
        "kpis": {"type": "array", "items": STRING},
        "variant_lgo_types": {"type": "array", "items": {"type": "array", "items": STRING},
                              "description": "LGO types that see a variant of the criterion "
                                             "(see the criteria browser for its text)."},
    },
})
EDITION = define("Edition", {
    "allOf": [EDITION_SUMMARY, {
        "type": "object",
        "required": ["certificate_validity_months", "content_hash", "kpis", "result_levels",
                     "sections"],
        "properties": {
            "certificate_validity_months": {"type": "integer"},
            "content_hash": STRING,
            "kpis": {"type": "array", "items": STRING},
            "result_levels": {"type": "array", "items": {
                "type": "object", "required": ["code", "label_th", "label_en", "min_percent"],
                "properties": {"code": STRING, "label_th": STRING, "label_en": TEXT_OR_NULL,
                               "min_percent": {"type": "number"},
                               "section_minimum_percent": NUMBER_OR_NULL}}},
            "sections": {"type": "array", "items": {
                "type": "object",
                "required": ["code", "title_th", "title_en", "weight", "criteria"],
                "properties": {"code": STRING, "title_th": STRING, "title_en": TEXT_OR_NULL,
                               "weight": {"type": "number"},
                               "section_minimum_percent": NUMBER_OR_NULL,
                               "criteria": {"type": "array", "items": CRITERION}}}},
        }}],
})


def _may_see_drafts() -> bool:
    return current_user.has_permission(Permission.MANAGE_CRITERIA)


def texts(prefix: str, text: Text | None) -> dict:
    return {f"{prefix}_th": text.th if text else None, f"{prefix}_en": text.en if text else None}


def edition_summary_json(edition: StandardEdition) -> dict:
    return {"standard_code": edition.standard.code, "code": edition.code,
            "status": str(edition.status), "title_th": edition.title_th,
            "title_en": edition.title_en, "fiscal_years": list(edition.fiscal_years or []),
            "published_at": edition.published_at.isoformat() if edition.published_at else None}


def standard_json(standard: Standard, editions: list[StandardEdition]) -> dict:
    return {"code": standard.code, "plan_ref": standard.plan_ref, "name_th": standard.name_th,
            "name_en": standard.name_en, "owner_th": standard.owner_th,
            "owner_en": standard.owner_en,
            "editions": [edition_summary_json(e) for e in editions]}


def scoring_json(scoring: Scoring) -> dict:
    body: dict = {"method": scoring.method}
    if isinstance(scoring, ScoringLevel):
        body["scale"] = scoring.scale.code
        body["levels"] = [{"value": level.value, **texts("label", level.label),
                           **texts("descriptor", scoring.descriptor(level.value))}
                          for level in scoring.scale.levels]
    elif isinstance(scoring, ScoringChecklist):
        body["items"] = [{"code": item.code, **texts("text", item.text)}
                         for item in scoring.items]
        body["required_count"] = scoring.required_count
    elif isinstance(scoring, ScoringNumeric):
        body.update(texts("unit", scoring.unit))
        body.update({"min": scoring.min, "max": scoring.max,
                     "higher_is_better": scoring.higher_is_better})
    return body


def criterion_json(criterion) -> dict:
    must_pass = criterion.must_pass
    applies = criterion.applies_to
    return {
        "code": criterion.code, **texts("title", criterion.title),
        **texts("guidance", criterion.guidance), "weight": criterion.weight,
        "scoring": scoring_json(criterion.scoring),
        "must_pass": {"min_fraction": must_pass.min_fraction, "min_level": must_pass.min_level}
        if must_pass else None,
        "applies_to": {
            "lgo_types": sorted(applies.lgo_types) if applies.lgo_types is not None else None,
            "area_tags_any": sorted(applies.area_tags_any)
            if applies.area_tags_any is not None else None},
        "not_applicable_allowed": bool(criterion.not_applicable and
                                       criterion.not_applicable.allowed),
        "evidence": [{"kind": e.kind, **texts("description", e.description),
                      "required": e.required, "recency_months": e.recency_months}
                     for e in criterion.evidence],
        "onsite_methods": list(criterion.onsite.methods),
        "kpis": list(criterion.kpis),
        "variant_lgo_types": [sorted(v.lgo_types) for v in criterion.variants],
    }


def edition_json(row: StandardEdition) -> dict:
    edition = row.to_edition()
    body = edition_summary_json(row)
    body.update({
        "certificate_validity_months": edition.certificate_validity_months,
        "content_hash": row.content_hash,
        "kpis": list(edition.kpis),
        "result_levels": [{"code": level.code, **texts("label", level.label),
                           "min_percent": level.min_percent,
                           "section_minimum_percent": level.section_minimum_percent}
                          for level in edition.result.levels],
        "sections": [{"code": section.code, **texts("title", section.title),
                      "weight": section.weight,
                      "section_minimum_percent": section.section_minimum_percent,
                      "criteria": [criterion_json(c) for c in section.criteria]}
                     for section in edition.sections],
    })
    return body


def _visible_editions(standard: Standard) -> list[StandardEdition]:
    drafts = _may_see_drafts()
    return [e for e in standard.editions if drafts or e.status != EditionStatus.DRAFT]


@api.operation("GET", "/standards", summary=_l("Standards and their editions"), tag=CRITERIA,
               description=_l("Standards with at least one published (or retired) edition."),
               query=PAGINATION, response=page_of("Standard", STANDARD_SCHEMA))
@login_required_only
def list_standards(query):
    statement = select(Standard).options(
        selectinload(Standard.editions)).order_by(Standard.code)
    if not _may_see_drafts():
        statement = statement.where(Standard.id.in_(select(StandardEdition.standard_id).where(
            StandardEdition.status != EditionStatus.DRAFT)))
    return paginated(statement, query, lambda s: standard_json(s, _visible_editions(s)))


@api.operation("GET", "/standards/<standard_code>", summary=_l("One standard"), tag=CRITERIA,
               response=STANDARD_SCHEMA)
@login_required_only
def show_standard(standard_code: str):
    standard, editions = queries.get_standard(standard_code, include_drafts=_may_see_drafts())
    return jsonify(standard_json(standard, editions))


@api.operation("GET", "/standards/<standard_code>/editions/<edition_code>",
               summary=_l("One edition with its criteria tree"), tag=CRITERIA,
               response=EDITION)
@login_required_only
def show_edition(standard_code: str, edition_code: str):
    row = queries.get_edition(standard_code, edition_code, include_drafts=_may_see_drafts())
    return jsonify(edition_json(row))

