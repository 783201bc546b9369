"""The criteria file format (criteria/README.md) as code: the closed schemas of an edition file
and of the KPI catalogue, and the checks that span fields (scales exist, codes are unique,
levels and bands ascend, variants can apply…). Pure Python, no Flask.

``check_edition(root, ctx)`` and ``check_catalogue(root, ctx)`` take a located node tree and
return the accepted plain data; every problem lands in ``ctx.problems``.
"""
from __future__ import annotations

import re

from lgo_assess.criteria.validation import (INVALID, Bool, Const, Context, Either, Field, Int,
                                            List, MapNode, MapOf, N_, Number, Record, ScalarNode,
                                            Str, Tagged, Text, _wrong_kind)

EDITION_FORMAT = "lgo-assess/criteria@1"
CATALOGUE_FORMAT = "lgo-assess/kpis@1"

LGO_TYPES = ("pao", "city_municipality", "town_municipality", "subdistrict_municipality", "sao",
             "bangkok", "pattaya")
# The area tags the README names; the registry may hold more (the CLI passes them in).
AREA_TAGS = ("special_economic_zone", "international_tourism", "border",
             "development_inequality", "urban", "island")
NA_EFFECTS = ("exclude", "score_zero", "score_full")
EVIDENCE_KINDS = ("document", "photo", "url", "system_record")
ONSITE_METHODS = ("document_review", "interview", "observation")
SCORING_METHODS = ("level", "checklist", "numeric", "yes_no")
VARIANT_FIELDS = ("title", "guidance", "scoring", "evidence", "weight")

KPI_KINDS = ("pct-pass", "pct-other", "pct-change", "count", "index", "satisfaction",
             "success-level", "ratio")
KPI_UNITS = ("percent", "count", "index", "score", "level", "ratio")
KPI_DIRECTIONS = ("up", "down")
KPI_SOURCES = ("computed", "manual")
FORMULA_TYPES = ("share_certified", "count_certified")

STANDARD_CODE = r"[A-Z0-9]{2,10}"
EDITION_CODE = r"[0-9A-Za-z][0-9A-Za-z._-]{0,19}"
ITEM_CODE = r"[0-9A-Za-z][0-9A-Za-z._-]{0,19}"
NAME_CODE = r"[a-z][a-z0-9_]{0,39}"
KPI_ID = r"SI[0-9]+-G[0-9]+-K[0-9]+"


def _standard_code():
    return Str(STANDARD_CODE, N_("%(value)s is not a standard code: use 2–10 capital letters "
                                 "or digits, e.g. GGL"))


def _item_code():
    return Str(ITEM_CODE, N_("%(value)s is not a code: use letters, digits, dots, - and _ "
                             "(at most 20), e.g. 1.2"))


def _name_code():
    return Str(NAME_CODE, N_("%(value)s is not a name: use lower-case letters, digits and _, "
                             "starting with a letter, e.g. maturity5"))


def _kpi_id():
    return Str(KPI_ID, N_("%(value)s is not a KPI id such as SI3-G1-K1"))


def _lgo_types():
    return List(Str(choices=LGO_TYPES), min_items=1, unique=True)


PERCENT = Number(0, 100)
FRACTION = Number(0, 1)
WEIGHT = Number(above=0, maximum=1000)


# -- The edition file ----------------------------------------------------------------------------

def _scoring_records() -> dict[str, Record]:
    return {
        "level": Record({
            "scale": Field(_name_code()),
            "descriptors": Field(MapOf(Text(), _level_key), required=False),
        }),
        "checklist": Record({
            "items": Field(List(Record({"code": Field(_item_code()), "text": Field(Text())}),
                                min_items=1)),
            "required_count": Field(Int(1), required=False),
            "bands": Field(List(Record({"min_count": Field(Int(0)),
                                        "fraction": Field(FRACTION)}), min_items=1),
                           required=False),
        }),
        "numeric": Record({
            "unit": Field(Text()),
            "min": Field(Number()),
            "max": Field(Number()),
            "higher_is_better": Field(Bool(), required=False),
            "bands": Field(List(Record({"min": Field(Number(), required=False),
                                        "max": Field(Number(), required=False),
                                        "fraction": Field(FRACTION)}), min_items=1)),
        }),
        "yes_no": Record({}),
    }


def _level_key(key) -> str | None:
    if isinstance(key, bool) or not isinstance(key, int):
        return N_("%(key)s is not a level value: use the level's whole number, e.g. 2")
    return None


def _scale_key(key) -> str | None:
    if not isinstance(key, str) or not re.fullmatch(NAME_CODE, key):
        return N_("%(key)s is not a scale name: use lower-case letters, digits and _, "
                  "starting with a letter, e.g. maturity5")
    return None


SCORING = Tagged("method", _scoring_records())


def _must_pass_otherwise(node, path, ctx):
    return _wrong_kind(ctx, node, path, "true/false")


MUST_PASS = Either(
    (lambda n: isinstance(n, ScalarNode), Bool()),
    (lambda n: isinstance(n, MapNode), Record({"min_level": Field(Int(), required=False),
                                               "min_fraction": Field(Number(above=0, maximum=1),
                                                                     required=False)})),
    otherwise=_must_pass_otherwise,
)

EVIDENCE = List(Record({
    "kind": Field(Str(choices=EVIDENCE_KINDS)),
    "description": Field(Text()),
    "required": Field(Bool(), required=False),
    "recency_months": Field(Int(1, 120), required=False),
}), min_items=1)


def _crosswalk_otherwise(node, path, ctx):
    ctx.report(node.loc, path, N_("a crosswalk is {standard: …, criterion: …} or "
                                  "{framework: …, ref: …}"))
    return INVALID


CROSSWALK = List(Either(
    (lambda n: isinstance(n, MapNode) and "standard" in n.items,
     Record({"standard": Field(_standard_code()), "criterion": Field(_item_code())})),
    (lambda n: isinstance(n, MapNode) and "framework" in n.items,
     Record({"framework": Field(Str(r"\S.*", N_("must not be empty"), max_length=40)),
             "ref": Field(Str(r"\S.*", N_("must not be empty"), max_length=80))})),
    otherwise=_crosswalk_otherwise,
))

CRITERION = Record({
    "code": Field(_item_code()),
    "title": Field(Text(max_length=500)),
    "guidance": Field(Text()),
    "weight": Field(WEIGHT, required=False),
    "scoring": Field(SCORING),
    "must_pass": Field(MUST_PASS, required=False),
    "not_applicable": Field(Record({
        "allowed": Field(Bool()),
        "when": Field(Text(), required=False),
        "effect": Field(Str(choices=NA_EFFECTS), required=False),
    }), required=False),
    "applies_to": Field(Record({
        "lgo_types": Field(_lgo_types(), required=False),
        "area_tags_any": Field(List(_name_code(), min_items=1, unique=True), required=False),
    }), required=False),
    "variants": Field(List(Record({
        "lgo_types": Field(_lgo_types()),
        "title": Field(Text(max_length=500), required=False),
        "guidance": Field(Text(), required=False),
        "scoring": Field(SCORING, required=False),
        "evidence": Field(EVIDENCE, required=False),
        "weight": Field(WEIGHT, required=False),
    }), min_items=1), required=False),
    "evidence": Field(EVIDENCE),
    "onsite": Field(Record({
        "methods": Field(List(Str(choices=ONSITE_METHODS), min_items=1, unique=True)),
        "note": Field(Text(en_optional=True), required=False),
    })),
    "kpis": Field(List(_kpi_id(), unique=True), required=False),
    "crosswalk": Field(CROSSWALK, required=False),
})

EDITION = Record({
    "format": Field(Const(EDITION_FORMAT)),
    "standard": Field(Record({
        "code": Field(_standard_code()),
        "plan_ref": Field(Str(r"S(0[1-9]|[12][0-9]|3[0-3])",
                              N_("%(value)s is not a standard id of the plan: S01…S33"))),
        "name": Field(Text(max_length=500)),
        "owner": Field(Text(max_length=500)),
    })),
    "edition": Field(Record({
        "code": Field(Str(EDITION_CODE, N_("%(value)s is not an edition code: use letters, "
                                           "digits, dots, - and _, e.g. 2569"))),
        "title": Field(Text(max_length=500)),
        "fiscal_years": Field(List(Int(2500, 2700), min_items=1, unique=True)),
        "supersedes": Field(Str(EDITION_CODE, N_("%(value)s is not an edition code")),
                            required=False, nullable=True),
        "certificate_validity_months": Field(Int(1, 120)),
        "kpis": Field(List(_kpi_id(), unique=True)),
        "summary": Field(Text()),
        "not_applicable_default": Field(Str(choices=NA_EFFECTS)),
    })),
    "scales": Field(MapOf(Record({
        "name": Field(Text(max_length=500)),
        "levels": Field(List(Record({
            "value": Field(Int(-1000, 1000)),
            "label": Field(Text(max_length=500)),
            "descriptor": Field(Text(), required=False),
        }))),
    }), _scale_key), required=False),
    "result": Field(Record({
        "levels": Field(List(Record({
            "code": Field(_name_code()),
            "label": Field(Text(max_length=500)),
            "min_percent": Field(PERCENT),
            "section_minimum_percent": Field(PERCENT, required=False),
        }), min_items=1)),
        "section_minimum_percent": Field(PERCENT, required=False),
    })),
    "sections": Field(List(Record({
        "code": Field(_item_code()),
        "title": Field(Text(max_length=500)),
        "description": Field(Text(), required=False),
        "weight": Field(WEIGHT, required=False),
        "section_minimum_percent": Field(PERCENT, required=False),
        "criteria": Field(List(CRITERION, min_items=1)),
    }), min_items=4, max_items=8)),
})


def check_edition(root, ctx: Context, *, area_tags=AREA_TAGS) -> dict:
    """Validate an edition document; returns what was accepted (complete when no problems)."""
    doc = EDITION(root, (), ctx)
    if doc is INVALID:
        return {}
    _EditionChecks(doc, ctx, frozenset(area_tags)).run()
    return doc


class _EditionChecks:
    """Rules that span fields. Each works on whatever part of the document was accepted."""

    def __init__(self, doc: dict, ctx: Context, area_tags: frozenset[str]):
        self.doc, self.ctx, self.area_tags = doc, ctx, area_tags
        self.scales = {code: [lv["value"] for lv in scale.get("levels", []) if lv and "value" in lv]
                       for code, scale in doc.get("scales", {}).items()}
        self.scales_ok = not ctx.has_problem_under(("scales",))

    def report(self, path, message, **params):
        self.ctx.report_at(path, message, **params)

    def run(self):
        doc = self.doc
        edition = doc.get("edition", {})
        if edition.get("supersedes") and edition.get("supersedes") == edition.get("code"):
            self.report(("edition", "supersedes"), N_("an edition cannot supersede itself"))
        years = edition.get("fiscal_years") or []
        clean_years = [y for y in years if y is not None]
        if clean_years != sorted(clean_years):
            self.report(("edition", "fiscal_years"), N_("fiscal years must be in ascending "
                                                        "order"))
        for code, scale in doc.get("scales", {}).items():
            self._check_scale(code, scale)
        self._check_result(doc.get("result", {}))
        self._check_sections(doc.get("sections") or [])

    def _check_scale(self, code, scale):
        path = ("scales", code, "levels")
        levels = scale.get("levels")
        if levels is None:
            return
        if len(levels) < 2:
            self.report(path, N_("a scale needs at least two levels"))
        self._ascending(path, [lv.get("value") if lv else None for lv in levels], "value",
                        N_("level values must ascend: %(value)s comes after %(previous)s"),
                        N_("level value %(value)s is used twice"))

    def _ascending(self, path, values, key, out_of_order, repeated, strict=True):
        previous = None
        for index, value in enumerate(values):
            if value is None:
                continue
            if previous is not None:
                if value == previous and strict:
                    self.report(path + (index, key), repeated, value=value, previous=previous)
                elif value < previous:
                    self.report(path + (index, key), out_of_order, value=value,
                                previous=previous)
            previous = value

    def _check_result(self, result):
        levels = result.get("levels") or []
        path = ("result", "levels")
        self._ascending(path, [lv.get("min_percent") if lv else None for lv in levels],
                        "min_percent",
                        N_("result levels must ascend by min_percent: %(value)s comes after "
                           "%(previous)s"),
                        N_("two result levels have min_percent %(value)s"))
        self._unique(path, levels, "code", N_("result level %(code)s is defined twice "
                                              "(first at %(where)s)"))

    def _unique(self, path, items, key, message, seen=None):
        seen = {} if seen is None else seen
        for index, item in enumerate(items):
            if not item or key not in item:
                continue
            code = item[key]
            if code in seen:
                self.report(path + (index, key), message, code=code,
                            where=self.ctx.loc_of(seen[code]).short())
            else:
                seen[code] = path + (index, key)
        return seen

    def _check_sections(self, sections):
        self._unique(("sections",), sections, "code",
                     N_("section code %(code)s is used twice (first at %(where)s)"))
        seen_criteria: dict = {}
        for s_index, section in enumerate(sections):
            if not section:
                continue
            criteria = section.get("criteria") or []
            path = ("sections", s_index, "criteria")
            self._unique(path, criteria, "code",
                         N_("criterion code %(code)s is used twice (first at %(where)s)"),
                         seen_criteria)
            for c_index, criterion in enumerate(criteria):
                if criterion:
                    self._check_criterion(path + (c_index,), criterion)

    def _check_criterion(self, path, criterion):
        scorings = []
        if "scoring" in criterion:
            scorings.append((path + ("scoring",), criterion["scoring"]))
            self._check_scoring(path + ("scoring",), criterion["scoring"])
        applies = criterion.get("applies_to")
        if applies is not None:
            if not applies and not self.ctx.has_problem_under(path + ("applies_to",)):
                self.report(path + ("applies_to",), N_("applies_to must name lgo_types or "
                                                       "area_tags_any (or be left out)"))
            for index, tag in enumerate(applies.get("area_tags_any") or []):
                if tag is not None and tag not in self.area_tags:
                    self.report(path + ("applies_to", "area_tags_any", index),
                                N_("unknown area tag %(value)s; known tags: %(known)s"),
                                value=tag, known=", ".join(sorted(self.area_tags)))
        na = criterion.get("not_applicable")
        if na and na.get("allowed") and "when" not in na \
                and not self.ctx.has_problem_under(path + ("not_applicable", "when")):
            self.report(path + ("not_applicable", "when"),
                        N_("say when N/A is allowed: when is required if allowed is true"))
        allowed_types = set(applies.get("lgo_types") or ()) if applies else set()
        covered: dict[str, int] = {}
        for v_index, variant in enumerate(criterion.get("variants") or []):
            if not variant:
                continue
            v_path = path + ("variants", v_index)
            if not any(key in variant for key in VARIANT_FIELDS) \
                    and not self.ctx.has_problem_under(v_path):
                self.report(v_path, N_("a variant must change at least one of: %(fields)s"),
                            fields=", ".join(VARIANT_FIELDS))
            for t_index, lgo_type in enumerate(variant.get("lgo_types") or []):
                if lgo_type is None:
                    continue
                t_path = v_path + ("lgo_types", t_index)
                if allowed_types and lgo_type not in allowed_types:
                    self.report(t_path, N_("%(type)s is not in applies_to.lgo_types, so this "
                                           "variant never applies"), type=lgo_type)
                elif lgo_type in covered:
                    self.report(t_path, N_("%(type)s is already covered by variant %(first)s, "
                                           "so this one never applies to it"),
                                type=lgo_type, first=covered[lgo_type] + 1)
                else:
                    covered[lgo_type] = v_index
            if "scoring" in variant:
                scorings.append((v_path + ("scoring",), variant["scoring"]))
                self._check_scoring(v_path + ("scoring",), variant["scoring"])
        must_pass = criterion.get("must_pass")
        if isinstance(must_pass, dict):
            self._check_must_pass(path + ("must_pass",), must_pass, scorings)

    def _check_must_pass(self, path, must_pass, scorings):
        keys = [k for k in ("min_level", "min_fraction") if k in must_pass]
        if len(keys) != 1:
            if not self.ctx.has_problem_under(path):
                self.report(path, N_("must_pass is true, false, {min_level: …} or "
                                     "{min_fraction: …}"))
            return
        if keys[0] != "min_level":
            return
        level = must_pass["min_level"]
        for scoring_path, scoring in scorings:
            if scoring.get("method") != "level":
                self.report(path + ("min_level",), N_("min_level needs the level method; "
                                                      "use min_fraction for %(method)s"),
                            method=scoring.get("method"))
                return
            values = self.scales.get(scoring.get("scale"))
            if values is not None and level not in values:
                self.report(path + ("min_level",), N_("%(value)s is not a level of scale "
                                                      "%(scale)s (levels: %(levels)s)"),
                            value=level, scale=scoring.get("scale"),
                            levels=", ".join(str(v) for v in values))
                return

    def _check_scoring(self, path, scoring):
        method = scoring.get("method")
        if method == "level":
            scale = scoring.get("scale")
            if scale is None:
                return
            if scale not in self.scales:
                if self.scales_ok:
                    self.report(path + ("scale",), N_("unknown scale %(scale)s; this file "
                                                      "defines: %(known)s"),
                                scale=scale, known=", ".join(self.scales) or "-")
                return
            values = self.scales[scale]
            for value in (scoring.get("descriptors") or {}):
                if value not in values:
                    self.report(path + ("descriptors", str(value)),
                                N_("scale %(scale)s has no level %(value)s (levels: "
                                   "%(levels)s)"), scale=scale, value=value,
                                levels=", ".join(str(v) for v in values))
        elif method == "checklist":
            items = scoring.get("items") or []
            self._unique(path + ("items",), items, "code",
                         N_("item code %(code)s is used twice (first at %(where)s)"))
            count = len(items)
            if "required_count" in scoring and "bands" in scoring:
                self.report(path + ("bands",), N_("give either required_count or bands, "
                                                  "not both"))
            required = scoring.get("required_count")
            if required is not None and count and required > count:
                self.report(path + ("required_count",),
                            N_("required_count %(n)s is more than the %(count)s items"),
                            n=required, count=count)
            bands = scoring.get("bands") or []
            for index, band in enumerate(bands):
                if band and count and band.get("min_count", 0) > count:
                    self.report(path + ("bands", index, "min_count"),
                                N_("min_count %(n)s is more than the %(count)s items"),
                                n=band["min_count"], count=count)
            self._check_bands(path + ("bands",), bands, "min_count", descending=False)
        elif method == "numeric":
            low, high = scoring.get("min"), scoring.get("max")
            if low is not None and high is not None and high <= low:
                self.report(path + ("max",), N_("max must be more than min"))
                low = high = None
            higher = scoring.get("higher_is_better", True)
            key, wrong = ("min", "max") if higher else ("max", "min")
            bands = scoring.get("bands") or []
            for index, band in enumerate(bands):
                if not band:
                    continue
                b_path = path + ("bands", index)
                if wrong in band:
                    message = (N_("bands use min when higher is better, not max") if higher
                               else N_("bands use max when lower is better, not min"))
                    self.report(b_path + (wrong,), message)
                if key not in band:
                    if wrong not in band:
                        self.report(b_path + (key,), N_("is required but missing"))
                    continue
                threshold = band[key]
                if low is not None and high is not None and not low <= threshold <= high:
                    self.report(b_path + (key,), N_("%(value)s lies outside the allowed input "
                                                    "range %(min)s–%(max)s"),
                                value=threshold, min=low, max=high)
            self._check_bands(path + ("bands",), bands, key, descending=not higher)

    def _check_bands(self, path, bands, key, *, descending):
        previous = None
        last_fraction = None
        for index, band in enumerate(bands):
            if not band:
                continue
            value = band.get(key)
            if value is not None:
                if previous is not None and (value >= previous if descending
                                             else value <= previous):
                    if descending:
                        message = N_("bands must descend by %(key)s: %(value)s comes after "
                                     "%(previous)s")
                    else:
                        message = N_("bands must ascend by %(key)s: %(value)s comes after "
                                     "%(previous)s")
                    self.report(path + (index, key), message, key=key, value=value,
                                previous=previous)
                previous = value
            fraction = band.get("fraction")
            if fraction is not None:
                if last_fraction is not None and fraction < last_fraction:
                    self.report(path + (index, "fraction"),
                                N_("a better band cannot score less: fraction %(value)s comes "
                                   "after %(previous)s"), value=fraction,
                                previous=last_fraction)
                last_fraction = fraction


# -- The KPI catalogue ---------------------------------------------------------------------------

CATALOGUE = Record({
    "format": Field(Const(CATALOGUE_FORMAT)),
    "plan": Field(Record({
        "code": Field(Str(r"[a-z0-9][a-z0-9-]{1,39}", N_("%(value)s is not a plan code: use "
                                                         "lower-case letters, digits and -"))),
        "name": Field(Text(max_length=500)),
        "fiscal_years": Field(Record({"from": Field(Int(2500, 2700)),
                                      "to": Field(Int(2500, 2700))})),
    })),
    "kpis": Field(List(Record({
        "id": Field(_kpi_id()),
        "strategic_issue": Field(Str(r"SI[0-9]+", N_("%(value)s is not a strategic issue id "
                                                     "such as SI3"))),
        "goal": Field(Str(r"SI[0-9]+-G[0-9]+", N_("%(value)s is not a goal id such as "
                                                  "SI3-G1"))),
        "name": Field(Text(max_length=1000)),
        "kind": Field(Str(choices=KPI_KINDS)),
        "unit": Field(Str(choices=KPI_UNITS)),
        "direction": Field(Str(choices=KPI_DIRECTIONS)),
        "source": Field(Str(choices=KPI_SOURCES)),
        "plan_line": Field(Int(1)),
        "formula": Field(Record({
            "type": Field(Str(choices=FORMULA_TYPES)),
            "standard": Field(_standard_code()),
            "min_result_level": Field(_name_code(), required=False),
            "population": Field(Record({"lgo_types": Field(_lgo_types())})),
        }), required=False),
        "note": Field(Text(en_optional=True), required=False),
    }), min_items=1)),
})


def check_catalogue(root, ctx: Context) -> dict:
    doc = CATALOGUE(root, (), ctx)
    if doc is INVALID:
        return {}
    years = doc.get("plan", {}).get("fiscal_years", {})
    if "from" in years and "to" in years and years["to"] < years["from"]:
        ctx.report_at(("plan", "fiscal_years", "to"), N_("to must not come before from"))
    seen: dict = {}
    for index, kpi in enumerate(doc.get("kpis") or []):
        if not kpi:
            continue
        path = ("kpis", index)
        kpi_id = kpi.get("id")
        if kpi_id is not None:
            if kpi_id in seen:
                ctx.report_at(path + ("id",), N_("KPI %(code)s is defined twice (first at "
                                                 "%(where)s)"),
                              code=kpi_id, where=ctx.loc_of(seen[kpi_id]).short())
            else:
                seen[kpi_id] = path + ("id",)
            goal = kpi.get("goal")
            if goal and not kpi_id.startswith(goal + "-"):
                ctx.report_at(path + ("goal",), N_("the KPI %(id)s does not belong to goal "
                                                   "%(goal)s"), id=kpi_id, goal=goal)
            issue = kpi.get("strategic_issue")
            if issue and not kpi_id.startswith(issue + "-"):
                ctx.report_at(path + ("strategic_issue",),
                              N_("the KPI %(id)s does not belong to strategic issue "
                                 "%(issue)s"), id=kpi_id, issue=issue)
        source = kpi.get("source")
        if source == "computed" and "formula" not in kpi \
                and not ctx.has_problem_under(path + ("formula",)):
            ctx.report_at(path + ("source",), N_("a computed KPI needs a formula"))
        if source == "manual" and "formula" in kpi:
            ctx.report_at(path + ("formula",), N_("a manual KPI has no formula; set source: "
                                                  "computed or remove the formula"))
    return doc


