"""Assessor calibration: how far each assessor's independent scores sit from the consensus their
team reached, and whether they lean generous or strict against everyone else. Pure: the service
gathers the observations, this module only does the arithmetic.

Every score is first turned into the fraction (0–1) it earns under the criterion's scoring
method, so levels, checklists, numbers and yes/no compare on one footing. For one assessor:

- **mean difference** = mean of |own − consensus|: how far from the team, in either direction;
- **mean signed difference** = mean of (own − consensus): positive scores more generously than
  the consensus, negative more strictly;
- **leniency** = their mean signed difference − the national mean signed difference (over every
  observation of the cycle), so a cycle where every team revised upwards does not mark
  everyone as strict.

An assessor is flagged for calibration once they have at least ``MIN_OBSERVATIONS`` scored
criteria and either their mean difference reaches ``FLAG_MEAN_DIFFERENCE`` or their leniency
``FLAG_LENIENCY`` in either direction.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

MIN_OBSERVATIONS = 5
FLAG_MEAN_DIFFERENCE = 0.25
FLAG_LENIENCY = 0.15


@dataclass(frozen=True)
class Observation:
    assessor_id: int
    assessment_id: int
    criterion_code: str
    own: float            # the fraction the assessor's own score earns
    consensus: float      # the fraction the consensus earns

    @property
    def signed(self) -> float:
        return self.own - self.consensus


@dataclass(frozen=True)
class AssessorCalibration:
    assessor_id: int
    observations: int
    assessments: int
    mean_difference: float
    mean_signed_difference: float
    leniency: float
    exact_share: float          # share of criteria where the own score equalled the consensus

    @property
    def flagged(self) -> bool:
        return self.observations >= MIN_OBSERVATIONS and (
            self.mean_difference >= FLAG_MEAN_DIFFERENCE
            or abs(self.leniency) >= FLAG_LENIENCY)

    @property
    def tendency(self) -> str:
        """lenient | strict | balanced, judged by leniency against the flag threshold."""
        if self.leniency >= FLAG_LENIENCY:
            return "lenient"
        if self.leniency <= -FLAG_LENIENCY:
            return "strict"
        return "balanced"


@dataclass(frozen=True)
class CalibrationReport:
    assessors: tuple[AssessorCalibration, ...]
    national_mean_signed_difference: float
    observations: int

    def for_assessor(self, assessor_id: int) -> AssessorCalibration | None:
        return next((a for a in self.assessors if a.assessor_id == assessor_id), None)


def calibrate(observations: Iterable[Observation]) -> CalibrationReport:
    """One row per assessor, the most flagged-looking first (by |leniency|, then mean
    difference)."""
    rows = list(observations)
    if not rows:
        return CalibrationReport((), 0.0, 0)
    national = sum(o.signed for o in rows) / len(rows)
    by_assessor: dict[int, list[Observation]] = {}
    for o in rows:
        by_assessor.setdefault(o.assessor_id, []).append(o)
    assessors = []
    for assessor_id, own in by_assessor.items():
        n = len(own)
        signed = sum(o.signed for o in own) / n
        assessors.append(AssessorCalibration(
            assessor_id=assessor_id, observations=n,
            assessments=len({o.assessment_id for o in own}),
            mean_difference=sum(abs(o.signed) for o in own) / n,
            mean_signed_difference=signed, leniency=signed - national,
            exact_share=sum(1 for o in own if abs(o.signed) < 1e-9) / n))
    assessors.sort(key=lambda a: (not a.flagged, -abs(a.leniency), -a.mean_difference,
                                  a.assessor_id))
    return CalibrationReport(tuple(assessors), national, len(rows))
