"""Scoring: from answers to a score card, a result level and what stands between an LGO and the
next level. Pure Python, no Flask and no database: the workspace, the review, certification and
the KPI code all call it, so a score means the same everywhere.

The rules are those of criteria/README.md ("How the score is computed"):
1. a criterion that applies and is not excluded as N/A counts ``fraction × weight``;
   an unanswered criterion counts 0, so the live score never flatters;
2. section percent = Σ(fraction × weight) / Σ(weight) × 100;
3. overall percent = Σ(section percent × section weight) / Σ(section weight) over sections with at
   least one counted criterion;
4. the result level is the highest whose ``min_percent`` is reached, whose section minimums every
   section reaches, with every must-pass criterion met.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from lgo_assess.criteria.edition import (EffectiveCriterion, Edition, ResultLevel, ScoringChecklist,
                                         ScoringLevel, ScoringNumeric, ScoringYesNo)

EPSILON = 1e-9


@dataclass(frozen=True)
class Answer:
    """What the LGO (or an assessor) said for one criterion. Only the field the criterion's
    scoring method reads matters; ``not_applicable`` wins over everything else."""

    level: int | None = None
    checked: frozenset[str] | None = None
    value: float | None = None
    yes: bool | None = None
    not_applicable: bool = False

    @classmethod
    def from_mapping(cls, data: Mapping) -> Answer:
        checked = data.get("checked")
        return cls(level=data.get("level"),
                   checked=frozenset(checked) if checked is not None else None,
                   value=data.get("value"), yes=data.get("yes"),
                   not_applicable=bool(data.get("not_applicable")))


class CriterionState(enum.StrEnum):
    DOES_NOT_APPLY = "does_not_apply"     # not for this LGO type or area: outside the score
    NOT_APPLICABLE = "not_applicable"     # answered N/A (effect decides what it counts)
    UNANSWERED = "unanswered"             # counts 0
    ANSWERED = "answered"


class AnswerError(ValueError):
    """An answer that does not fit the criterion's scoring method."""


def answer_fraction(effective: EffectiveCriterion, answer: Answer | None) -> float | None:
    """The fraction (0–1) an answer earns, or None when it gives nothing to score yet."""
    if answer is None:
        return None
    scoring = effective.scoring
    if isinstance(scoring, ScoringLevel):
        if answer.level is None:
            return None
        if answer.level not in scoring.scale.values:
            raise AnswerError(f"level {answer.level} is not on scale {scoring.scale.code}")
        return scoring.fraction(answer.level)
    if isinstance(scoring, ScoringChecklist):
        if answer.checked is None:
            return None
        unknown = set(answer.checked) - {item.code for item in scoring.items}
        if unknown:
            raise AnswerError(f"unknown checklist items: {sorted(unknown)}")
        return scoring.fraction(answer.checked)
    if isinstance(scoring, ScoringNumeric):
        if answer.value is None:
            return None
        if not scoring.min - EPSILON <= answer.value <= scoring.max + EPSILON:
            raise AnswerError(f"{answer.value} is outside {scoring.min}–{scoring.max}")
        return scoring.fraction(answer.value)
    if isinstance(scoring, ScoringYesNo):
        if answer.yes is None:
            return None
        return scoring.fraction(answer.yes)
    raise AnswerError(f"unknown scoring method {scoring!r}")  # pragma: no cover


@dataclass(frozen=True)
class CriterionScore:
    code: str
    section_code: str
    state: CriterionState
    weight: float
    counted: bool                      # in the section's denominator
    fraction: float                    # what it earns (0 when unanswered or not counted)
    must_pass: bool
    must_pass_met: bool | None         # None when not a must-pass criterion
    points: float = 0.0                # percentage points of the overall score it earns
    max_points: float = 0.0            # percentage points it could earn at full marks

    @property
    def points_to_gain(self) -> float:
        return max(self.max_points - self.points, 0.0)


@dataclass(frozen=True)
class SectionScore:
    code: str
    weight: float
    percent: float | None              # None when no criterion of the section counts
    answered: int
    applicable: int

    @property
    def counted(self) -> bool:
        return self.percent is not None


@dataclass(frozen=True)
class LevelCheck:
    """Whether one result level is reached, and if not, why."""

    level: ResultLevel
    reached: bool
    points_short: float                           # overall percentage points missing
    sections_short: tuple[tuple[str, float, float], ...]   # (section, percent, minimum)
    must_pass_unmet: tuple[str, ...]


@dataclass(frozen=True)
class ScoreCard:
    overall_percent: float
    result_level: ResultLevel | None
    sections: tuple[SectionScore, ...]
    criteria: tuple[CriterionScore, ...]
    levels: tuple[LevelCheck, ...]
    must_pass_unmet: tuple[str, ...]
    _by_code: Mapping[str, CriterionScore] = field(repr=False, compare=False, default=None)

    @property
    def passed(self) -> bool:
        return self.result_level is not None

    @property
    def answered_count(self) -> int:
        return sum(1 for c in self.criteria
                   if c.state in (CriterionState.ANSWERED, CriterionState.NOT_APPLICABLE))

    @property
    def applicable_count(self) -> int:
        return sum(1 for c in self.criteria if c.state != CriterionState.DOES_NOT_APPLY)

    def criterion(self, code: str) -> CriterionScore:
        return self._by_code[code]

    def section(self, code: str) -> SectionScore | None:
        return next((s for s in self.sections if s.code == code), None)

    @property
    def next_level(self) -> LevelCheck | None:
        """The lowest level not yet reached."""
        return next((check for check in self.levels if not check.reached), None)


def _counted_fraction(effective: EffectiveCriterion, answer: Answer | None
                      ) -> tuple[CriterionState, bool, float]:
    """(state, counted, fraction) for one criterion."""
    if not effective.applicable:
        return CriterionState.DOES_NOT_APPLY, False, 0.0
    if answer is not None and answer.not_applicable:
        if not effective.na_allowed:
            raise AnswerError(f"criterion {effective.code} cannot be answered N/A")
        effect = effective.na_effect
        if effect == "exclude":
            return CriterionState.NOT_APPLICABLE, False, 0.0
        return CriterionState.NOT_APPLICABLE, True, 1.0 if effect == "score_full" else 0.0
    fraction = answer_fraction(effective, answer)
    if fraction is None:
        return CriterionState.UNANSWERED, True, 0.0
    return CriterionState.ANSWERED, True, fraction


def _must_pass_met(effective: EffectiveCriterion, state: CriterionState, counted: bool,
                   fraction: float) -> bool | None:
    if effective.must_pass is None or state == CriterionState.DOES_NOT_APPLY:
        return None
    if state == CriterionState.NOT_APPLICABLE:
        # N/A that leaves the denominator or scores full counts as met (README, "N/A").
        return not counted or fraction >= 1 - EPSILON or effective.must_pass.is_met(fraction)
    return state == CriterionState.ANSWERED and effective.must_pass.is_met(fraction)


def score(edition: Edition, lgo_type: str, area_tags: Iterable[str],
          answers: Mapping[str, Answer]) -> ScoreCard:
    """Score ``answers`` (criterion code → Answer) for an LGO of ``lgo_type`` (its type in the
    cycle's fiscal year) with ``area_tags``."""
    effective = edition.criteria_for(lgo_type, area_tags)
    by_section: dict[str, list[tuple[EffectiveCriterion, CriterionState, bool, float]]] = {}
    for eff in effective:
        state, counted, fraction = _counted_fraction(eff, answers.get(eff.code))
        by_section.setdefault(eff.section_code, []).append((eff, state, counted, fraction))

    sections: list[SectionScore] = []
    for section in edition.sections:
        rows = by_section.get(section.code, [])
        weight_sum = sum(eff.weight for eff, _s, counted, _f in rows if counted)
        earned = sum(eff.weight * f for eff, _s, counted, f in rows if counted)
        percent = 100 * earned / weight_sum if weight_sum > 0 else None
        sections.append(SectionScore(
            code=section.code, weight=section.weight, percent=percent,
            answered=sum(1 for _e, s, _c, _f in rows
                         if s in (CriterionState.ANSWERED, CriterionState.NOT_APPLICABLE)),
            applicable=sum(1 for _e, s, _c, _f in rows if s != CriterionState.DOES_NOT_APPLY)))

    section_weight_sum = sum(s.weight for s in sections if s.counted)
    overall = (sum(s.percent * s.weight for s in sections if s.counted) / section_weight_sum
               if section_weight_sum > 0 else 0.0)

    criteria: list[CriterionScore] = []
    section_by_code = {s.code: s for s in sections}
    for section in edition.sections:
        rows = by_section.get(section.code, [])
        weight_sum = sum(eff.weight for eff, _s, counted, _f in rows if counted)
        for eff, state, counted, fraction in rows:
            share = 0.0
            if counted and weight_sum > 0 and section_weight_sum > 0:
                share = 100 * (section_by_code[section.code].weight / section_weight_sum) * (
                    eff.weight / weight_sum)
            criteria.append(CriterionScore(
                code=eff.code, section_code=eff.section_code, state=state, weight=eff.weight,
                counted=counted, fraction=fraction if counted else 0.0,
                must_pass=eff.must_pass is not None and state != CriterionState.DOES_NOT_APPLY,
                must_pass_met=_must_pass_met(eff, state, counted, fraction),
                points=share * fraction if counted else 0.0, max_points=share))

    must_pass_unmet = tuple(c.code for c in criteria if c.must_pass_met is False)
    checks = []
    for level in edition.result.levels:
        sections_short = []
        for section, section_score in zip(edition.sections, sections):
            minimum = edition.result.section_minimum_for(level, section)
            if minimum is not None and section_score.counted \
                    and section_score.percent < minimum - EPSILON:
                sections_short.append((section.code, section_score.percent, minimum))
        points_short = max(level.min_percent - overall, 0.0)
        reached = points_short <= EPSILON and not sections_short and not must_pass_unmet
        checks.append(LevelCheck(level, reached, points_short, tuple(sections_short),
                                 must_pass_unmet))

    # Levels build on each other: a level counts only if every level below it is reached too.
    result_level = None
    for check in checks:
        if not check.reached:
            break
        result_level = check.level

    return ScoreCard(overall_percent=overall, result_level=result_level, sections=tuple(sections),
                     criteria=tuple(criteria), levels=tuple(checks),
                     must_pass_unmet=must_pass_unmet,
                     _by_code={c.code: c for c in criteria})


# -- Gap to pass --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Suggestion:
    code: str
    points: float               # overall percentage points full marks here would add
    is_must_pass: bool


@dataclass(frozen=True)
class GapExplanation:
    """What stands between the score card and ``target``: must-pass criteria first, then the
    sections under their minimum, then the overall points, with the criteria that close the gap
    fastest (largest gain first) until it is closed."""

    target: ResultLevel
    points_short: float
    must_pass_unmet: tuple[str, ...]
    sections_short: tuple[tuple[str, float, float], ...]
    suggestions: tuple[Suggestion, ...]

    @property
    def closed_by_suggestions(self) -> bool:
        return sum(s.points for s in self.suggestions) + EPSILON >= self.points_short


def explain_gap(card: ScoreCard, target_code: str | None = None,
                limit: int = 5) -> GapExplanation | None:
    """Explain the gap to ``target_code`` (default: the next level not reached). None when the
    target is already reached."""
    checks = {check.level.code: check for check in card.levels}
    check = checks.get(target_code) if target_code else card.next_level
    if check is None or check.reached:
        return None
    must_pass = set(check.must_pass_unmet)
    short_sections = {code for code, _p, _m in check.sections_short}
    candidates = [c for c in card.criteria if c.counted and c.points_to_gain > EPSILON]
    # Must-pass first, then criteria in sections under their minimum, then by gain.
    candidates.sort(key=lambda c: (c.code not in must_pass, c.section_code not in short_sections,
                                   -c.points_to_gain, c.code))
    suggestions: list[Suggestion] = []
    gained = 0.0
    for c in candidates:
        needed = (c.code in must_pass or c.section_code in short_sections
                  or gained + EPSILON < check.points_short)
        if not needed or len(suggestions) >= limit:
            break
        suggestions.append(Suggestion(c.code, c.points_to_gain, c.code in must_pass))
        gained += c.points_to_gain
    # A must-pass criterion that counts nothing (e.g. unanswered with zero weight share) still
    # has to be listed.
    for code in check.must_pass_unmet:
        if all(s.code != code for s in suggestions):
            suggestions.insert(0, Suggestion(code, 0.0, True))
    return GapExplanation(check.level, check.points_short, check.must_pass_unmet,
                          check.sections_short, tuple(suggestions))
