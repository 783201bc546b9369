"""Reads for the cycle administration pages: cycles with their counts, a cycle's assessments,
published editions to open, LGOs to extend. Writes are in ``services``."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from lgo_assess.assessments.models import Assessment, Cycle, CycleExtension, Response
from lgo_assess.assessments.states import AssessmentStatus
from lgo_assess.core.db import db
from lgo_assess.core.errors import NotFound
from lgo_assess.criteria.models import EditionStatus, Standard, StandardEdition
from lgo_assess.registry.models import Lgo, Province

# Statuses in which the LGO still holds its assessment: not (or no longer) submitted.
WITH_THE_LGO = frozenset({AssessmentStatus.DRAFT, AssessmentStatus.RETURNED,
                          AssessmentStatus.WITHDRAWN})


@dataclass
class CycleCounts:
    by_status: Counter = field(default_factory=Counter)

    @property
    def started(self) -> int:
        return sum(self.by_status.values())

    @property
    def submitted(self) -> int:
        """Submitted and not returned or withdrawn: with the province, the assessors or DLA."""
        return sum(n for status, n in self.by_status.items() if status not in WITH_THE_LGO)

    def statuses(self) -> list[tuple[AssessmentStatus, int]]:
        return [(s, self.by_status[s]) for s in AssessmentStatus if self.by_status[s]]


def counts_by_cycle(cycle_ids=None) -> dict[int, CycleCounts]:
    query = select(Assessment.cycle_id, Assessment.status, func.count(Assessment.id)).group_by(
        Assessment.cycle_id, Assessment.status)
    if cycle_ids is not None:
        query = query.where(Assessment.cycle_id.in_(list(cycle_ids)))
    counts: dict[int, CycleCounts] = defaultdict(CycleCounts)
    for cycle_id, status, n in db.session.execute(query):
        counts[cycle_id].by_status[AssessmentStatus(status)] = n
    return counts


def cycles_by_fiscal_year() -> list[tuple[int, list[Cycle]]]:
    """Every cycle, newest fiscal year first, by standard code within a year."""
    cycles = db.session.execute(
        select(Cycle).join(StandardEdition, Cycle.edition_id == StandardEdition.id)
        .join(Standard, StandardEdition.standard_id == Standard.id)
        .options(joinedload(Cycle.edition).joinedload(StandardEdition.standard),
                 selectinload(Cycle.extensions))
        .order_by(Cycle.fiscal_year.desc(), Standard.code, StandardEdition.code)
    ).unique().scalars().all()
    years: dict[int, list[Cycle]] = {}
    for cycle in cycles:
        years.setdefault(cycle.fiscal_year, []).append(cycle)
    return list(years.items())


def get_cycle(cycle_id: int) -> Cycle:
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound(_l("There is no such assessment cycle."))
    return cycle


def published_editions() -> list[StandardEdition]:
    """Editions a cycle may open: published (never drafts, never retired)."""
    return list(db.session.execute(
        select(StandardEdition).join(Standard)
        .where(StandardEdition.status == EditionStatus.PUBLISHED)
        .options(joinedload(StandardEdition.standard))
        .order_by(Standard.code, StandardEdition.code.desc())).scalars())


def assessments_query(cycle: Cycle, *, province_code: str | None = None,
                      status: AssessmentStatus | None = None):
    query = (select(Assessment).join(Lgo, Assessment.lgo_id == Lgo.id)
             .join(Province, Lgo.province_id == Province.id)
             .where(Assessment.cycle_id == cycle.id)
             .options(joinedload(Assessment.lgo).joinedload(Lgo.province))
             .order_by(Province.code, Lgo.dla_code))
    if province_code:
        query = query.where(Province.code == province_code)
    if status is not None:
        query = query.where(Assessment.status == status)
    return query


def answered_counts(assessment_ids) -> dict[int, int]:
    """Criteria answered per assessment, counted live (the stored summary is refreshed only
    when an assessment starts and when it is submitted)."""
    ids = list(assessment_ids)
    if not ids:
        return {}
    answered = or_(Response.is_not_applicable.is_(True), Response.level.is_not(None),
                   Response.checked.is_not(None), Response.value.is_not(None),
                   Response.yes.is_not(None))
    return dict(db.session.execute(
        select(Response.assessment_id, func.count(Response.id))
        .where(Response.assessment_id.in_(ids), answered)
        .group_by(Response.assessment_id)).all())


def provinces_in(cycle: Cycle) -> list[Province]:
    """The provinces with at least one assessment in the cycle (for the filter)."""
    return list(db.session.execute(
        select(Province).where(Province.id.in_(
            select(Lgo.province_id).join(Assessment, Assessment.lgo_id == Lgo.id)
            .where(Assessment.cycle_id == cycle.id)))
        .order_by(Province.code)).scalars())


def extensions_of(cycle: Cycle) -> list[CycleExtension]:
    return list(db.session.execute(
        select(CycleExtension).where(CycleExtension.cycle_id == cycle.id)
        .join(Lgo, CycleExtension.lgo_id == Lgo.id)
        .options(joinedload(CycleExtension.lgo))
        .order_by(Lgo.dla_code)).scalars())


def find_lgo(dla_code: str) -> Lgo | None:
    return db.session.execute(
        select(Lgo).where(Lgo.dla_code == (dla_code or "").strip())).scalar_one_or_none()


def search_lgos(text: str, limit: int = 20) -> list[Lgo]:
    """Active LGOs whose DLA code starts with ``text`` or whose name contains it."""
    text = (text or "").strip()
    if not text:
        return []
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return list(db.session.execute(
        select(Lgo).where(Lgo.is_active.is_(True), or_(
            Lgo.dla_code.startswith(text, autoescape=True),
            Lgo.name_th.ilike(pattern, escape="\\"), Lgo.name_en.ilike(pattern, escape="\\")))
        .options(joinedload(Lgo.province))
        .order_by(Lgo.dla_code).limit(limit)).scalars())
