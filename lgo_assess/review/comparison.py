"""Where a review team's independent scores for one criterion diverge. Pure: no Flask, no
database.

What "diverge" means depends on the criterion's scoring method:

- **a level on a scale**: two assessors are ``DIVERGENCE_LEVELS`` (two) or more levels apart.
  Levels are counted as positions on the scale, so a 1–3 scale and a 0–4 scale count alike;
- **a checklist, a numeric value or yes/no** has no levels: two assessors diverge when the
  fractions (0–1) their answers earn differ by ``DIVERGENCE_FRACTION`` (0.5) or more. A yes
  against a no always diverges; a checklist half met against fully met does, two items of
  three against three does not; numeric bands worth 0.5 and 1 do, bands worth 0.75 and 1 do
  not;
- one assessor answering N/A while another scores the criterion always diverges: they do not
  agree on whether it counts at all.

The lead assessor sees diverging criteria flagged and settles them first at the consensus.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from lgo_assess.assessments.scoring import Answer, AnswerError, answer_fraction
from lgo_assess.criteria.edition import EffectiveCriterion, ScoringLevel

DIVERGENCE_LEVELS = 2
DIVERGENCE_FRACTION = 0.5
_EPSILON = 1e-9


@dataclass(frozen=True)
class Divergence:
    code: str
    kind: str          # levels | fraction | applicability
    spread: float      # levels apart, or the fraction difference (1.0 for applicability)


def divergence(effective: EffectiveCriterion, answers: Iterable[Answer]) -> Divergence | None:
    """The divergence among ``answers`` (one per assessor) for one criterion, or None when they
    agree closely enough (or fewer than two assessors answered)."""
    given = [a for a in answers if a is not None]
    if len(given) < 2:
        return None
    not_applicable = [a for a in given if a.not_applicable]
    if not_applicable and len(not_applicable) < len(given):
        return Divergence(effective.code, "applicability", 1.0)
    scored = [a for a in given if not a.not_applicable]
    if len(scored) < 2:
        return None
    scoring = effective.scoring
    if isinstance(scoring, ScoringLevel):
        positions = [scoring.scale.values.index(a.level) for a in scored
                     if a.level in scoring.scale.values]
        if len(positions) < 2:
            return None
        spread = max(positions) - min(positions)
        return Divergence(effective.code, "levels", spread) if spread >= DIVERGENCE_LEVELS \
            else None
    fractions = []
    for answer in scored:
        try:
            fraction = answer_fraction(effective, answer)
        except AnswerError:
            continue
        if fraction is not None:
            fractions.append(fraction)
    if len(fractions) < 2:
        return None
    spread = max(fractions) - min(fractions)
    if spread + _EPSILON >= DIVERGENCE_FRACTION:
        return Divergence(effective.code, "fraction", round(spread, 6))
    return None
