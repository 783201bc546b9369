"""Read-only lists for the review pages, always scoped to what the user may see."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Integer, func, select
from sqlalchemy.orm import selectinload

from lgo_assess.assessments import services as assessments
from lgo_assess.assessments.models import Assessment, Cycle, EvidenceLink
from lgo_assess.assessments.states import AssessmentStatus
from lgo_assess.core.db import db
from lgo_assess.core.security import Role
from lgo_assess.core.thaidate import bangkok_date
from lgo_assess.registry.models import Lgo
from lgo_assess.review.models import Assignment, EvidenceRequest, EvidenceRequestStatus

S = AssessmentStatus

# The officer's page, in the order the work comes.
QUEUE_GROUPS = (
    (S.SUBMITTED, ),
    (S.ACCEPTED, ),
    (S.IN_REVIEW, S.EVIDENCE_REQUESTED, S.REVIEWED),
    (S.RECOMMENDED, ),
)


def province_assessments(user, statuses, province_id: int | None = None, *,
                         with_answers: bool = False) -> list[Assessment]:
    """Assessments of the LGOs in the user's provinces (one of them if ``province_id``) in
    ``statuses``, oldest submission first; ``with_answers`` loads their responses and evidence
    links with them (``queue_row`` reads both), in two queries instead of two per row."""
    provinces = user.province_ids_with(Role.PROVINCIAL_OFFICER)
    if province_id is not None:
        provinces &= {province_id}
    if not provinces:
        return []
    query = (select(Assessment).join(Lgo, Lgo.id == Assessment.lgo_id)
             .where(Lgo.province_id.in_(provinces), Assessment.status.in_(list(statuses)))
             .options(selectinload(Assessment.lgo), selectinload(Assessment.cycle))
             .order_by(Assessment.submitted_at, Assessment.id))
    if with_answers:
        query = query.options(
            selectinload(Assessment.responses),
            selectinload(Assessment.evidence_links).joinedload(EvidenceLink.item))
    return list(db.session.execute(query).scalars())


@dataclass(frozen=True)
class QueueRow:
    assessment: Assessment
    missing: int                  # items completeness still finds missing
    answered: int
    applicable: int
    due: date                     # the LGO's self-assessment deadline
    review_due: date
    submitted_late: bool

    @property
    def complete(self) -> bool:
        return self.missing == 0


def queue_row(assessment: Assessment) -> QueueRow:
    cycle = assessment.cycle
    due = cycle.due_for(assessment.lgo_id)
    submitted = assessment.submitted_at
    late = False
    if submitted is not None:
        late = bangkok_date(submitted) > due
    return QueueRow(assessment, len(assessments.completeness(assessment)),
                    assessment.answered_count, assessment.applicable_count, due,
                    cycle.review_due, late)


def my_assignments(user, *, include_finished: bool = False) -> list[Assignment]:
    query = (select(Assignment).join(Assessment, Assessment.id == Assignment.assessment_id)
             .where(Assignment.assessor_id == user.id, Assignment.ended_at.is_(None))
             .options(selectinload(Assignment.assessment).options(
                 selectinload(Assessment.lgo), selectinload(Assessment.edition)))
             .order_by(Assignment.due_on, Assignment.id))
    if not include_finished:
        query = query.where(Assessment.status.in_(
            [S.IN_REVIEW, S.EVIDENCE_REQUESTED, S.REVIEWED]))
    return list(db.session.execute(query).scalars())


def cycles() -> list[Cycle]:
    return list(db.session.execute(
        select(Cycle).order_by(Cycle.fiscal_year.desc(), Cycle.id.desc())).scalars())


def lgo_assessments_with_requests(user) -> list[tuple[Assessment, int, int]]:
    """(assessment, open requests, all requests) for the LGOs the user works for, those with
    open requests first."""
    lgo_ids = user.lgo_ids_with(Role.LGO_EDITOR, Role.LGO_EXECUTIVE)
    if not lgo_ids:
        return []
    open_count = func.sum(func.cast(EvidenceRequest.status == EvidenceRequestStatus.OPEN,
                                     Integer()))
    rows = db.session.execute(
        select(Assessment, open_count, func.count(EvidenceRequest.id))
        .join(EvidenceRequest, EvidenceRequest.assessment_id == Assessment.id)
        .where(Assessment.lgo_id.in_(lgo_ids))
        .group_by(Assessment.id)
        .order_by(Assessment.id.desc())).all()
    found = [(assessment, int(opened or 0), int(total)) for assessment, opened, total in rows]
    return sorted(found, key=lambda row: row[1] == 0)

