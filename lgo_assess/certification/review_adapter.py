"""What certification reads from the review, in one place: who scored an assessment, what the
team recommends, the final (consensus) score card, the flags an approver should see, and the
evidence cited per criterion.

Everything the certification package needs from ``lgo_assess.review`` goes through these
functions, so a change in the review's API is one edit here. Where the review has recorded
nothing (an assessment moved along by other means), they fall back to the assessment itself:
its own answers and the latest snapshot.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lgo_assess.assessments import scoring
from lgo_assess.assessments import services as assessments
from lgo_assess.assessments.models import Assessment, AssessmentSnapshot
from lgo_assess.core.db import db
from lgo_assess.review import comparison
from lgo_assess.review import diff as review_diff
from lgo_assess.review import services as review
from lgo_assess.review.models import (AssessorScore, ConsensusScore, Recommendation,
                                      RecommendationOutcome)


@dataclass(frozen=True)
class Recommended:
    """The recommendation as the approver sees it."""

    is_pass: bool
    level_code: str | None            # the level recommended (None: do not certify)
    computed_level_code: str | None   # what the edition's rules give on the final scores
    percent: float
    justification: str | None
    is_flagged: bool                  # the recommendation departs from the computed result
    recommended_by: str | None
    recommended_at: datetime | None
    from_review: bool                 # False: no recommendation recorded, the LGO's own score


@dataclass(frozen=True)
class Flag:
    kind: str              # override | divergence | not_recommended | no_recommendation
    criterion_code: str | None = None
    detail: str | None = None


def scorers_of(assessment: Assessment) -> set[int]:
    """User ids of everyone who scored or recommended the assessment."""
    return set(review.scorers_of(assessment))


def review_refuses_scorers() -> bool:
    """True while the review's transition guard, which refuses an approval or rejection by
    anyone in ``scorers_of``, is registered."""
    return review._guard in assessments.TRANSITION_GUARDS


def final_score_card(assessment: Assessment) -> scoring.ScoreCard:
    """The consensus score card, or the LGO's own when the team recorded no consensus."""
    if review.consensus_of(assessment):
        return review.final_score(assessment)
    return assessments.score_card(assessment)


def recommendation_of(assessment: Assessment, row: Recommendation | None = None,
                      *, looked_up: bool = False) -> Recommended:
    """What the team recommended (``row``, when the caller has already looked it up)."""
    if not looked_up:
        row = review.recommendation_of(assessment)
    if row is not None:
        return Recommended(
            is_pass=row.outcome == RecommendationOutcome.PASS,
            level_code=row.result_level_code, computed_level_code=row.computed_result_code,
            percent=row.computed_percent, justification=row.justification,
            is_flagged=bool(row.is_flagged_to_dla),
            recommended_by=row.recommended_by.display_name if row.recommended_by else None,
            recommended_at=row.recommended_at, from_review=True)
    card = final_score_card(assessment)
    level = card.result_level.code if card.result_level else None
    return Recommended(is_pass=level is not None, level_code=level, computed_level_code=level,
                       percent=card.overall_percent, justification=None, is_flagged=False,
                       recommended_by=None, recommended_at=None, from_review=False)


def divergent_criteria(assessment: Assessment,
                       answers: dict[str, list[scoring.Answer]] | None = None
                       ) -> list[comparison.Divergence]:
    """Criteria where the assessors' own scores were far apart (``answers``: the assessors'
    scores by criterion, when the caller has already read them)."""
    if answers is None:
        answers = defaultdict(list)
        for row in db.session.execute(select(AssessorScore).where(
                AssessorScore.assessment_id == assessment.id)).scalars():
            answers[row.criterion_code].append(review.row_answer(row))
    if not answers:
        return []
    found = []
    for effective in review.applicable_criteria(assessment):
        spread = comparison.divergence(effective, answers.get(effective.code, ()))
        if spread is not None:
            found.append(spread)
    return found


def flags_of(assessment: Assessment, recommended: Recommended | None = None,
             answers: dict[str, list[scoring.Answer]] | None = None) -> list[Flag]:
    """What an approver should look at before deciding; an assessment without flags may be
    approved in bulk."""
    recommended = recommended or recommendation_of(assessment)
    flags = []
    if not recommended.from_review:
        flags.append(Flag("no_recommendation"))
    if recommended.is_flagged:
        flags.append(Flag("override", detail=recommended.justification))
    if not recommended.is_pass:
        flags.append(Flag("not_recommended"))
    flags.extend(Flag("divergence", d.code, d.kind)
                 for d in divergent_criteria(assessment, answers))
    return flags


@dataclass(frozen=True)
class QueueFacts:
    """One row of the approver's queue: the recommendation, its flags, and who scored it."""

    recommended: Recommended
    flags: list[Flag]
    scorers: set[int]


def queue_facts(assessments_: list[Assessment], chunk: int = 1000) -> dict[int, QueueFacts]:
    """``recommendation_of``, ``flags_of`` and ``scorers_of`` for many assessments in three
    queries per ``chunk`` of them, not five per assessment (the queue at a deadline holds
    thousands)."""
    rows: dict[int, Recommendation] = {}
    answers: dict[int, dict[str, list[scoring.Answer]]] = defaultdict(lambda: defaultdict(list))
    scorers: dict[int, set[int]] = defaultdict(set)
    ids = [a.id for a in assessments_]
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        for row in db.session.execute(
                select(Recommendation).where(Recommendation.assessment_id.in_(part))
                .options(joinedload(Recommendation.recommended_by))).scalars():
            rows[row.assessment_id] = row
            scorers[row.assessment_id].add(row.recommended_by_id)
        for row in db.session.execute(select(AssessorScore).where(
                AssessorScore.assessment_id.in_(part))).scalars():
            answers[row.assessment_id][row.criterion_code].append(review.row_answer(row))
            scorers[row.assessment_id].add(row.assessor_id)
        for assessment_id, lead_id in db.session.execute(
                select(ConsensusScore.assessment_id, ConsensusScore.lead_id).distinct()
                .where(ConsensusScore.assessment_id.in_(part))):
            scorers[assessment_id].add(lead_id)
    facts = {}
    for assessment in assessments_:
        recommended = recommendation_of(assessment, rows.get(assessment.id), looked_up=True)
        facts[assessment.id] = QueueFacts(
            recommended, flags_of(assessment, recommended, answers.get(assessment.id, {})),
            scorers[assessment.id] - {None})
    return facts


def latest_snapshot(assessment: Assessment) -> AssessmentSnapshot | None:
    return db.session.execute(
        select(AssessmentSnapshot).where(AssessmentSnapshot.assessment_id == assessment.id)
        .order_by(AssessmentSnapshot.id.desc()).limit(1)).scalar_one_or_none()


def evidence_of(assessment: Assessment) -> dict[str, list[str]]:
    """Criterion code → the labels of the evidence the LGO cited, as last frozen."""
    snapshot = latest_snapshot(assessment)
    if snapshot is None:
        return {}
    return {code: sorted(ref.label for ref in refs.values())
            for code, refs in review_diff.evidence_by_criterion(snapshot.payload).items()}
