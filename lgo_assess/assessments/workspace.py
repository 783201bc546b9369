"""What the self-assessment workspace shows, built once per request from objects already loaded:
the pinned edition (cached), the score card, the responses and the evidence links. No Flask and
no queries here, so the page costs the same number of queries for 5 criteria or 50.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable, Mapping

from lgo_assess.assessments import scoring, services
from lgo_assess.assessments.models import Assessment, Response
from lgo_assess.assessments.states import AssessmentStatus
from lgo_assess.criteria.edition import (Edition, EffectiveCriterion, EvidenceExpectation,
                                         Section)


# -- Who may change what, and why not -------------------------------------------------------------

@dataclass(frozen=True)
class Editing:
    """Whether the LGO may change answers now. ``codes`` None: every applicable criterion.
    ``reason`` (when nothing or only some criteria are open): ``status`` | ``not_yet_open`` |
    ``closed`` | ``evidence_request``."""

    codes: frozenset[str] | None
    reason: str | None = None
    opens_on: date | None = None
    due: date | None = None
    days_left: int | None = None

    @property
    def any(self) -> bool:
        return self.codes is None or bool(self.codes)

    def allows(self, code: str) -> bool:
        return self.codes is None or code in self.codes


def editing_for(assessment: Assessment, today: date) -> Editing:
    allowed = services.editable_criteria(assessment)
    due = assessment.cycle.due_for(assessment.lgo_id)
    if allowed is None:
        window = services.window_for(assessment.cycle, assessment.lgo_id, today)
        if not window.is_open:
            return Editing(frozenset(), window.reason, opens_on=window.opens_on, due=due)
        return Editing(None, due=due, days_left=(due - today).days)
    if allowed:
        return Editing(frozenset(allowed), "evidence_request", due=due)
    return Editing(frozenset(), "status", due=due)


# -- The criteria, section by section -------------------------------------------------------------

@dataclass(frozen=True)
class CriterionRow:
    effective: EffectiveCriterion
    response: Response | None
    score: scoring.CriterionScore
    links: tuple                                 # EvidenceLink rows, oldest first
    editable: bool
    missing_evidence: tuple[EvidenceExpectation, ...] = ()

    @property
    def code(self) -> str:
        return self.effective.code

    @property
    def applicable(self) -> bool:
        return self.effective.applicable

    @property
    def version(self) -> int | None:
        return self.response.version if self.response is not None else None

    @property
    def method(self) -> str:
        return self.effective.scoring.method

    @property
    def is_answered(self) -> bool:
        return self.score.state in (scoring.CriterionState.ANSWERED,
                                    scoring.CriterionState.NOT_APPLICABLE)


@dataclass(frozen=True)
class SectionRow:
    section: Section
    score: scoring.SectionScore
    rows: tuple[CriterionRow, ...]

    @property
    def code(self) -> str:
        return self.section.code

    @property
    def evidence_expected(self) -> int:
        return sum(1 for r in self.rows if r.applicable and r.effective.evidence)

    @property
    def evidence_attached(self) -> int:
        return sum(1 for r in self.rows if r.applicable and r.effective.evidence and r.links)


def sections_for(edition: Edition, assessment: Assessment, card: scoring.ScoreCard,
                 links: Iterable, editing: Editing,
                 missing_evidence: Mapping[str, tuple] | None = None) -> list[SectionRow]:
    responses = {r.criterion_code: r for r in assessment.responses}
    links_by_code: dict[str, list] = {}
    for link in links:
        links_by_code.setdefault(link.criterion_code, []).append(link)
    missing_evidence = missing_evidence or {}
    effective = {e.code: e for e in edition.criteria_for(assessment.lgo_type,
                                                         assessment.area_tags or ())}
    sections = []
    for section in edition.sections:
        rows = []
        for criterion in section.criteria:
            eff = effective[criterion.code]
            rows.append(CriterionRow(
                effective=eff, response=responses.get(criterion.code),
                score=card.criterion(criterion.code),
                links=tuple(links_by_code.get(criterion.code, ())),
                editable=eff.applicable and editing.allows(criterion.code),
                missing_evidence=tuple(missing_evidence.get(criterion.code, ()))))
        sections.append(SectionRow(section, card.section(section.code), tuple(rows)))
    return sections


# -- The score panel as data (the JSON the autosave returns) ---------------------------------------

def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def panel_data(edition: Edition, card: scoring.ScoreCard,
               gap: scoring.GapExplanation | None, language: str) -> dict:
    """Overall percent, result level, sections, every level's distance and the gap to the next,
    with criterion titles in ``language``."""
    titles = {c.code: c.title for c in edition.criteria}

    def title(code: str) -> str:
        return titles[code].get(language) if code in titles else code

    section_titles = {s.code: s.title.get(language) for s in edition.sections}
    data = {
        "overall_percent": _round(card.overall_percent),
        "result_level": ({"code": card.result_level.code,
                          "label": card.result_level.label.get(language)}
                         if card.result_level else None),
        "answered": card.answered_count,
        "applicable": card.applicable_count,
        "sections": [{"code": s.code, "title": section_titles[s.code],
                      "percent": _round(s.percent), "answered": s.answered,
                      "applicable": s.applicable} for s in card.sections],
        "levels": [{"code": check.level.code, "label": check.level.label.get(language),
                    "min_percent": check.level.min_percent, "reached": check.reached,
                    "points_short": _round(check.points_short)} for check in card.levels],
        "gap": None,
    }
    if gap is not None:
        data["gap"] = {
            "target": {"code": gap.target.code, "label": gap.target.label.get(language)},
            "points_short": _round(gap.points_short),
            "must_pass_unmet": [{"code": code, "title": title(code)}
                                for code in gap.must_pass_unmet],
            "sections_short": [{"code": code, "title": section_titles.get(code, code),
                                "percent": _round(percent), "minimum": minimum}
                               for code, percent, minimum in gap.sections_short],
            "suggestions": [{"code": s.code, "title": title(s.code), "points": _round(s.points),
                             "is_must_pass": s.is_must_pass} for s in gap.suggestions],
            "closed_by_suggestions": gap.closed_by_suggestions,
        }
    return data


def is_frozen(status: AssessmentStatus) -> bool:
    """Submitted or later (the LGO no longer owns the answers), as opposed to draft, returned
    or withdrawn."""
    return status not in (AssessmentStatus.DRAFT, AssessmentStatus.RETURNED,
                          AssessmentStatus.WITHDRAWN)
