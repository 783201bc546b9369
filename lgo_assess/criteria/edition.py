"""An edition of a standard as typed, immutable Python objects. Pure: no Flask, no database.

``Edition.from_document(doc)`` builds it from a validated document: the loader's output, or the
JSON stored with the edition in the database (JSON turns level keys into strings; both work).
Defaults the README states are applied here, so callers never repeat them.

What the scoring module needs: ``Edition.criteria_for(lgo_type, area_tags)`` gives every
criterion as it applies to one LGO (variant applied, marked applicable or not, never hidden);
each scoring method turns an answer into a fraction between 0 and 1; ``MustPass`` says whether a
fraction meets the bar.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Iterable, Mapping

LANGUAGES = ("th", "en")


@dataclass(frozen=True)
class Text:
    th: str
    en: str | None = None

    def get(self, language: str = "th") -> str:
        """The text in ``language``, falling back to Thai."""
        if language == "en" and self.en:
            return self.en
        return self.th

    def __str__(self) -> str:
        return self.th

    @classmethod
    def from_doc(cls, value: Mapping | None) -> Text | None:
        if value is None:
            return None
        return cls(value["th"], value.get("en"))

    def to_doc(self) -> dict:
        return {"th": self.th, "en": self.en} if self.en is not None else {"th": self.th}


# -- Scales and result levels ---------------------------------------------------------------------

@dataclass(frozen=True)
class Level:
    value: int
    label: Text
    descriptor: Text | None = None


@dataclass(frozen=True)
class Scale:
    code: str
    name: Text
    levels: tuple[Level, ...]

    @property
    def lowest(self) -> int:
        return self.levels[0].value

    @property
    def highest(self) -> int:
        return self.levels[-1].value

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(level.value for level in self.levels)

    def level(self, value: int) -> Level | None:
        return next((level for level in self.levels if level.value == value), None)

    def fraction(self, value: int) -> float:
        """(chosen − lowest) / (highest − lowest)."""
        if value not in self.values:
            raise ValueError(f"{value!r} is not a level of scale {self.code}")
        return (value - self.lowest) / (self.highest - self.lowest)


@dataclass(frozen=True)
class ResultLevel:
    code: str
    label: Text
    min_percent: float
    section_minimum_percent: float | None = None


@dataclass(frozen=True)
class ResultRules:
    levels: tuple[ResultLevel, ...]          # ascending by min_percent
    section_minimum_percent: float | None = None

    def level(self, code: str) -> ResultLevel | None:
        return next((level for level in self.levels if level.code == code), None)

    def section_minimum_for(self, level: ResultLevel, section: Section) -> float | None:
        """The percent every section must reach for ``level``: the strictest that applies."""
        minimums = [m for m in (self.section_minimum_percent, section.section_minimum_percent,
                                level.section_minimum_percent) if m is not None]
        return max(minimums) if minimums else None


# -- Scoring methods ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ScoringLevel:
    scale: Scale
    descriptors: Mapping[int, Text] = field(default_factory=lambda: MappingProxyType({}))
    method = "level"

    def descriptor(self, value: int) -> Text | None:
        """What ``value`` means for this criterion (or the scale's generic meaning)."""
        level = self.scale.level(value)
        return self.descriptors.get(value) or (level.descriptor if level else None)

    def fraction(self, value: int) -> float:
        return self.scale.fraction(value)


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    text: Text


@dataclass(frozen=True)
class CountBand:
    min_count: int
    fraction: float


@dataclass(frozen=True)
class ScoringChecklist:
    items: tuple[ChecklistItem, ...]
    required_count: int | None = None
    bands: tuple[CountBand, ...] = ()
    method = "checklist"

    @property
    def needed(self) -> int:
        """Items needed for full marks when no bands are given (default: all)."""
        return self.required_count or len(self.items)

    def fraction(self, met: int | Iterable[str]) -> float:
        """``met`` is a count, or the codes of the items in place."""
        if not isinstance(met, int):
            codes = {item.code for item in self.items}
            met = len(set(met) & codes)
        if self.bands:
            reached = [band.fraction for band in self.bands if met >= band.min_count]
            return reached[-1] if reached else 0.0
        return min(met / self.needed, 1.0)


@dataclass(frozen=True)
class NumericBand:
    threshold: float   # ``min`` when higher is better, ``max`` when lower is better
    fraction: float


@dataclass(frozen=True)
class ScoringNumeric:
    unit: Text
    min: float
    max: float
    bands: tuple[NumericBand, ...]
    higher_is_better: bool = True
    method = "numeric"

    def fraction(self, value: float) -> float:
        """The fraction of the best band the value reaches; 0 when it reaches none."""
        reached = [band.fraction for band in self.bands
                   if (value >= band.threshold if self.higher_is_better
                       else value <= band.threshold)]
        return reached[-1] if reached else 0.0


@dataclass(frozen=True)
class ScoringYesNo:
    method = "yes_no"

    def fraction(self, yes: bool) -> float:
        return 1.0 if yes else 0.0


Scoring = ScoringLevel | ScoringChecklist | ScoringNumeric | ScoringYesNo


def _scoring_from_doc(doc: Mapping, scales: Mapping[str, Scale]) -> Scoring:
    method = doc["method"]
    if method == "level":
        descriptors = {int(k): Text.from_doc(v) for k, v in (doc.get("descriptors") or {}).items()}
        return ScoringLevel(scales[doc["scale"]],
                            MappingProxyType(dict(sorted(descriptors.items()))))
    if method == "checklist":
        return ScoringChecklist(
            tuple(ChecklistItem(i["code"], Text.from_doc(i["text"])) for i in doc["items"]),
            doc.get("required_count"),
            tuple(CountBand(b["min_count"], b["fraction"]) for b in doc.get("bands") or ()))
    if method == "numeric":
        higher = doc.get("higher_is_better", True)
        key = "min" if higher else "max"
        return ScoringNumeric(Text.from_doc(doc["unit"]), doc["min"], doc["max"],
                              tuple(NumericBand(b[key], b["fraction"]) for b in doc["bands"]),
                              higher)
    if method == "yes_no":
        return ScoringYesNo()
    raise ValueError(f"unknown scoring method {method!r}")


# -- Criteria -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MustPass:
    """The bar a must-pass criterion must reach. ``min_level`` is kept for display."""

    min_fraction: float = 1.0
    min_level: int | None = None

    def is_met(self, fraction: float) -> bool:
        return fraction >= self.min_fraction - 1e-9


def _must_pass_from_doc(value, scoring: Scoring) -> MustPass | None:
    if value is None or value is False:
        return None
    if value is True:
        return MustPass()
    if "min_level" in value:
        level = value["min_level"]
        fraction = scoring.fraction(level) if isinstance(scoring, ScoringLevel) else 1.0
        return MustPass(fraction, level)
    return MustPass(value["min_fraction"])


@dataclass(frozen=True)
class NotApplicable:
    allowed: bool
    when: Text | None = None
    effect: str | None = None      # None: the edition's not_applicable_default


@dataclass(frozen=True)
class Applicability:
    lgo_types: frozenset[str] | None = None       # None: every type
    area_tags_any: frozenset[str] | None = None   # None: every LGO

    def applies(self, lgo_type: str, area_tags: Iterable[str] = ()) -> bool:
        return self.reason_not(lgo_type, area_tags) is None

    def reason_not(self, lgo_type: str, area_tags: Iterable[str] = ()) -> str | None:
        """``lgo_type`` or ``area_tags`` when the criterion does not apply, else None."""
        if self.lgo_types is not None and str(lgo_type) not in self.lgo_types:
            return "lgo_type"
        if self.area_tags_any is not None and not (self.area_tags_any & set(area_tags)):
            return "area_tags"
        return None


EVERYONE = Applicability()


@dataclass(frozen=True)
class EvidenceExpectation:
    kind: str                  # document | photo | url | system_record
    description: Text
    required: bool = False
    recency_months: int | None = None


@dataclass(frozen=True)
class Onsite:
    methods: tuple[str, ...]   # document_review | interview | observation
    note: Text | None = None

    @property
    def on_site_sheet(self) -> bool:
        """Criteria verified by observation or interview go on the assessor's on-site sheet."""
        return bool({"observation", "interview"} & set(self.methods))


@dataclass(frozen=True)
class Crosswalk:
    standard: str | None = None
    criterion: str | None = None
    framework: str | None = None
    ref: str | None = None


@dataclass(frozen=True)
class Variant:
    lgo_types: frozenset[str]
    title: Text | None = None
    guidance: Text | None = None
    scoring: Scoring | None = None
    evidence: tuple[EvidenceExpectation, ...] | None = None
    weight: float | None = None


def _evidence_from_doc(items) -> tuple[EvidenceExpectation, ...]:
    return tuple(EvidenceExpectation(e["kind"], Text.from_doc(e["description"]),
                                     e.get("required", False), e.get("recency_months"))
                 for e in items)


@dataclass(frozen=True)
class Criterion:
    code: str
    section_code: str
    order: int                  # position in the edition, from 0
    title: Text
    guidance: Text
    scoring: Scoring
    evidence: tuple[EvidenceExpectation, ...]
    onsite: Onsite
    weight: float = 1
    must_pass: MustPass | None = None
    not_applicable: NotApplicable | None = None
    applies_to: Applicability = EVERYONE
    variants: tuple[Variant, ...] = ()
    kpis: tuple[str, ...] = ()
    crosswalk: tuple[Crosswalk, ...] = ()

    def variant_for(self, lgo_type: str) -> Variant | None:
        """The first variant whose ``lgo_types`` holds ``lgo_type``."""
        return next((v for v in self.variants if str(lgo_type) in v.lgo_types), None)

    @property
    def text_for_search(self) -> str:
        """Every text of the criterion in both languages, for searching."""
        parts = [self.code]
        texts = [self.title, self.guidance, self.onsite.note]
        texts += [e.description for e in self.evidence]
        if self.not_applicable:
            texts.append(self.not_applicable.when)
        for scoring in [self.scoring] + [v.scoring for v in self.variants if v.scoring]:
            if isinstance(scoring, ScoringChecklist):
                texts += [item.text for item in scoring.items]
            elif isinstance(scoring, ScoringLevel):
                texts += list(scoring.descriptors.values())
        for variant in self.variants:
            texts += [variant.title, variant.guidance]
            texts += [e.description for e in variant.evidence or ()]
        for text in texts:
            if text is not None:
                parts += [text.th, text.en or ""]
        return "\n".join(p for p in parts if p)


@dataclass(frozen=True)
class EffectiveCriterion:
    """A criterion as it stands for one LGO: the variant for its type applied, N/A resolved."""

    criterion: Criterion
    applicable: bool
    not_applicable_reason: str | None      # lgo_type | area_tags when not applicable
    variant: Variant | None
    title: Text
    guidance: Text
    scoring: Scoring
    evidence: tuple[EvidenceExpectation, ...]
    weight: float
    must_pass: MustPass | None             # its bar re-based on the scoring that applies
    na_effect: str | None                  # exclude | score_zero | score_full if N/A allowed

    @property
    def code(self) -> str:
        return self.criterion.code

    @property
    def section_code(self) -> str:
        return self.criterion.section_code

    @property
    def na_allowed(self) -> bool:
        return self.na_effect is not None


@dataclass(frozen=True)
class Section:
    code: str
    title: Text
    criteria: tuple[Criterion, ...]
    description: Text | None = None
    weight: float = 1
    section_minimum_percent: float | None = None


@dataclass(frozen=True)
class Standard:
    code: str
    plan_ref: str
    name: Text
    owner: Text


@dataclass(frozen=True)
class Edition:
    standard: Standard
    code: str
    title: Text
    fiscal_years: tuple[int, ...]
    certificate_validity_months: int
    kpis: tuple[str, ...]
    summary: Text
    not_applicable_default: str
    scales: Mapping[str, Scale]
    result: ResultRules
    sections: tuple[Section, ...]
    supersedes: str | None = None

    # An edition is immutable: what is derived from it is computed once per object and kept in
    # its __dict__ (cached_property writes there directly, which a frozen dataclass allows).

    @cached_property
    def criteria(self) -> tuple[Criterion, ...]:
        return tuple(c for section in self.sections for c in section.criteria)

    @cached_property
    def _criteria_by_code(self) -> Mapping[str, Criterion]:
        return MappingProxyType({c.code: c for c in self.criteria})

    @cached_property
    def _sections_by_code(self) -> Mapping[str, Section]:
        return MappingProxyType({s.code: s for s in self.sections})

    @cached_property
    def _effective_for(self) -> dict:
        return {}

    def criterion(self, code: str) -> Criterion | None:
        return self._criteria_by_code.get(code)

    def section(self, code: str) -> Section | None:
        return self._sections_by_code.get(code)

    def effective(self, criterion: Criterion, lgo_type: str,
                  area_tags: Iterable[str] = ()) -> EffectiveCriterion:
        reason = criterion.applies_to.reason_not(lgo_type, area_tags)
        variant = criterion.variant_for(lgo_type)
        na = criterion.not_applicable
        na_effect = (na.effect or self.not_applicable_default) if na and na.allowed else None

        def pick(name):
            override = getattr(variant, name) if variant is not None else None
            return override if override is not None else getattr(criterion, name)

        scoring = pick("scoring")
        must_pass = criterion.must_pass
        if must_pass is not None and must_pass.min_level is not None \
                and isinstance(scoring, ScoringLevel):
            must_pass = MustPass(scoring.fraction(must_pass.min_level), must_pass.min_level)
        return EffectiveCriterion(
            criterion=criterion, applicable=reason is None, not_applicable_reason=reason,
            variant=variant, title=pick("title"), guidance=pick("guidance"), scoring=scoring,
            evidence=pick("evidence"), weight=pick("weight"), must_pass=must_pass,
            na_effect=na_effect)

    def criteria_for(self, lgo_type: str,
                     area_tags: Iterable[str] = ()) -> tuple[EffectiveCriterion, ...]:
        """Every criterion, in order, as it stands for an LGO of ``lgo_type`` (its type in the
        cycle's fiscal year) with ``area_tags``; those that do not apply are marked, not hidden."""
        tags = frozenset(area_tags)
        key = (str(lgo_type), tags)
        found = self._effective_for.get(key)
        if found is None:
            found = tuple(self.effective(c, lgo_type, tags) for c in self.criteria)
            if len(self._effective_for) < 256:     # LGO types × area-tag sets met so far
                self._effective_for[key] = found
        return found

    @classmethod
    def from_document(cls, doc: Mapping) -> Edition:
        """Build from a validated document (as loaded, or as stored in JSON)."""
        scales = {}
        for code, scale in (doc.get("scales") or {}).items():
            scales[code] = Scale(code, Text.from_doc(scale["name"]), tuple(
                Level(lv["value"], Text.from_doc(lv["label"]), Text.from_doc(lv.get("descriptor")))
                for lv in scale["levels"]))
        result = doc["result"]
        rules = ResultRules(
            tuple(ResultLevel(lv["code"], Text.from_doc(lv["label"]), lv["min_percent"],
                              lv.get("section_minimum_percent")) for lv in result["levels"]),
            result.get("section_minimum_percent"))
        sections = []
        order = 0
        for s in doc["sections"]:
            criteria = []
            for c in s["criteria"]:
                criteria.append(_criterion_from_doc(c, s["code"], order, scales))
                order += 1
            sections.append(Section(s["code"], Text.from_doc(s["title"]), tuple(criteria),
                                    Text.from_doc(s.get("description")), s.get("weight", 1),
                                    s.get("section_minimum_percent")))
        standard, edition = doc["standard"], doc["edition"]
        return cls(
            standard=Standard(standard["code"], standard["plan_ref"],
                              Text.from_doc(standard["name"]), Text.from_doc(standard["owner"])),
            code=edition["code"], title=Text.from_doc(edition["title"]),
            fiscal_years=tuple(edition["fiscal_years"]),
            certificate_validity_months=edition["certificate_validity_months"],
            kpis=tuple(edition["kpis"]), summary=Text.from_doc(edition["summary"]),
            not_applicable_default=edition["not_applicable_default"],
            scales=MappingProxyType(scales), result=rules, sections=tuple(sections),
            supersedes=edition.get("supersedes"))


def _criterion_from_doc(c: Mapping, section_code: str, order: int,
                        scales: Mapping[str, Scale]) -> Criterion:
    scoring = _scoring_from_doc(c["scoring"], scales)
    na = c.get("not_applicable")
    applies = c.get("applies_to") or {}
    variants = tuple(
        Variant(frozenset(v["lgo_types"]), Text.from_doc(v.get("title")),
                Text.from_doc(v.get("guidance")),
                _scoring_from_doc(v["scoring"], scales) if "scoring" in v else None,
                _evidence_from_doc(v["evidence"]) if "evidence" in v else None, v.get("weight"))
        for v in c.get("variants") or ())
    onsite = c["onsite"]
    return Criterion(
        code=c["code"], section_code=section_code, order=order, title=Text.from_doc(c["title"]),
        guidance=Text.from_doc(c["guidance"]), scoring=scoring,
        evidence=_evidence_from_doc(c["evidence"]),
        onsite=Onsite(tuple(onsite["methods"]), Text.from_doc(onsite.get("note"))),
        weight=c.get("weight", 1), must_pass=_must_pass_from_doc(c.get("must_pass"), scoring),
        not_applicable=NotApplicable(na["allowed"], Text.from_doc(na.get("when")),
                                     na.get("effect")) if na else None,
        applies_to=Applicability(
            frozenset(applies["lgo_types"]) if "lgo_types" in applies else None,
            frozenset(applies["area_tags_any"]) if "area_tags_any" in applies else None),
        variants=variants, kpis=tuple(c.get("kpis") or ()),
        crosswalk=tuple(Crosswalk(**x) for x in c.get("crosswalk") or ()))
