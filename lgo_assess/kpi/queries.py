"""Reads for the dashboards beyond the computed KPIs: cycles (submission and on-time rates,
average scores per section), a province's LGOs by standard and status, one LGO over the years.
Each is a fixed number of statements, whatever the number of LGOs."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import String, and_, case, func, literal, select, type_coerce

from lgo_assess.assessments.models import Assessment, AssessmentSnapshot, Cycle, CycleExtension
from lgo_assess.assessments.states import AssessmentStatus
from lgo_assess.certification.models import Certificate
from lgo_assess.core.db import UTCDateTime, db
from lgo_assess.core.thaidate import BANGKOK
from lgo_assess.criteria.models import Standard, StandardEdition
from lgo_assess.kpi import summary
from lgo_assess.kpi.models import KpiLgoStandardYear, KpiLgoYear
from lgo_assess.registry.models import Lgo

WITHDRAWN = AssessmentStatus.WITHDRAWN.value


def deadline_cutoff(due: date) -> datetime:
    """The first moment after a deadline day (24:00 Bangkok time), as an aware datetime."""
    return datetime.combine(due + timedelta(days=1), time(0), tzinfo=BANGKOK)


# -- Level labels ---------------------------------------------------------------------------------

_LABELS_BY_HASH: dict[str, dict[str, tuple[str, str]]] = {}


def level_labels() -> dict[tuple[str, str], tuple[str, str]]:
    """(standard, level code) → (Thai, English) label, from the newest edition naming it."""
    rows = db.session.execute(
        select(StandardEdition.id, Standard.code, StandardEdition.content_hash)
        .join(Standard, Standard.id == StandardEdition.standard_id)
        .order_by(Standard.code, StandardEdition.first_fiscal_year)).all()
    missing = [r.id for r in rows if r.content_hash not in _LABELS_BY_HASH]
    if missing:
        for edition_id, content_hash, document in db.session.execute(
                select(StandardEdition.id, StandardEdition.content_hash,
                       StandardEdition.document).where(StandardEdition.id.in_(missing))):
            _LABELS_BY_HASH[content_hash] = {
                level["code"]: (level["label"]["th"], level["label"].get("en") or
                                level["label"]["th"])
                for level in document["result"]["levels"]}
    out = {}
    for _id, code, content_hash in rows:
        for level, label in _LABELS_BY_HASH[content_hash].items():
            out[(code, level)] = label
    return out


def standard_names() -> dict[str, tuple[str, str]]:
    return {code: (th, en) for code, th, en in db.session.execute(
        select(Standard.code, Standard.name_th, Standard.name_en).order_by(Standard.code))}


# -- Cycles ---------------------------------------------------------------------------------------

@dataclass
class CycleStats:
    cycle_id: int
    standard_code: str
    edition_code: str
    fiscal_year: int
    due: date
    population: int
    started: int = 0
    submitted: int = 0
    on_time: int = 0
    extensions: int = 0
    average_percent: float | None = None
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def submission_rate(self) -> float | None:
        return 100.0 * self.submitted / self.population if self.population else None

    @property
    def on_time_rate(self) -> float | None:
        """On-time submissions over submissions (an extension moves the deadline)."""
        return 100.0 * self.on_time / self.submitted if self.submitted else None


def cycle_stats(fiscal_year: int, *, province_id: int | None = None,
                cycle_id: int | None = None) -> list[CycleStats]:
    """Per cycle of the fiscal year: LGOs expected (active that year), started, submitted,
    submitted on time (by their own deadline, extensions included), average self-assessed
    score of the submitted, and counts by status. Four statements."""
    summary.ensure_fresh(db.session)
    query = (select(Cycle.id, Standard.code, StandardEdition.code, Cycle.fiscal_year,
                    Cycle.self_assessment_due)
             .join(StandardEdition, StandardEdition.id == Cycle.edition_id)
             .join(Standard, Standard.id == StandardEdition.standard_id)
             .where(Cycle.fiscal_year == fiscal_year).order_by(Standard.code))
    if cycle_id is not None:
        query = query.where(Cycle.id == cycle_id)
    cycles = db.session.execute(query).all()
    if not cycles:
        return []
    population_q = select(func.count()).select_from(KpiLgoYear).where(
        KpiLgoYear.fiscal_year == fiscal_year)
    if province_id is not None:
        population_q = population_q.where(KpiLgoYear.province_id == province_id)
    population = db.session.execute(population_q).scalar_one()
    stats = {c[0]: CycleStats(c[0], c[1], c[2], c[3], c[4], population) for c in cycles}

    submitted = and_(Assessment.submitted_at.is_not(None), Assessment.status != WITHDRAWN)
    cutoff = case(*[(Assessment.cycle_id == c[0], literal(deadline_cutoff(c[4]), UTCDateTime))
                    for c in cycles])
    on_time = and_(submitted, CycleExtension.id.is_(None), Assessment.submitted_at < cutoff)
    counts = (select(Assessment.cycle_id, Assessment.status, func.count(),
                     func.sum(case((submitted, 1), else_=0)),
                     func.sum(case((on_time, 1), else_=0)),
                     func.sum(case((submitted, Assessment.self_score_percent), else_=None)),
                     func.count(case((submitted, Assessment.self_score_percent), else_=None)))
              .outerjoin(CycleExtension, and_(CycleExtension.cycle_id == Assessment.cycle_id,
                                              CycleExtension.lgo_id == Assessment.lgo_id))
              .where(Assessment.cycle_id.in_(list(stats)))
              .group_by(Assessment.cycle_id, Assessment.status))
    if province_id is not None:
        counts = counts.join(Lgo, Lgo.id == Assessment.lgo_id).where(
            Lgo.province_id == province_id)
    score_sum: dict[int, float] = defaultdict(float)
    score_n: dict[int, int] = defaultdict(int)
    for cid, status, n, n_submitted, n_on_time, total, scored in db.session.execute(counts):
        item = stats[cid]
        item.by_status[getattr(status, "value", status)] = n
        item.started += n
        item.submitted += n_submitted or 0
        item.on_time += n_on_time or 0
        score_sum[cid] += total or 0
        score_n[cid] += scored or 0
    for cid, n in score_n.items():
        stats[cid].average_percent = score_sum[cid] / n if n else None

    extended = (select(Assessment.cycle_id, Assessment.submitted_at, Assessment.status,
                       CycleExtension.self_assessment_due)
                .join(CycleExtension, and_(CycleExtension.cycle_id == Assessment.cycle_id,
                                           CycleExtension.lgo_id == Assessment.lgo_id))
                .where(Assessment.cycle_id.in_(list(stats))))
    if province_id is not None:
        extended = extended.join(Lgo, Lgo.id == Assessment.lgo_id).where(
            Lgo.province_id == province_id)
    for cid, submitted_at, status, due in db.session.execute(extended):
        stats[cid].extensions += 1
        if submitted_at is not None and getattr(status, "value", status) != WITHDRAWN and \
                submitted_at < deadline_cutoff(due):
            stats[cid].on_time += 1
    return list(stats.values())


def section_averages(cycle_id: int, *, province_id: int | None = None
                     ) -> dict[str, tuple[float, int]]:
    """Section code → (average percent, assessments) over the latest submission snapshot of
    each submitted assessment of the cycle (only the scores are read from the JSON)."""
    latest = (select(func.max(AssessmentSnapshot.id))
              .join(Assessment, Assessment.id == AssessmentSnapshot.assessment_id)
              .where(Assessment.cycle_id == cycle_id, AssessmentSnapshot.kind == "submission",
                     Assessment.status != WITHDRAWN)
              .group_by(AssessmentSnapshot.assessment_id))
    if province_id is not None:
        latest = latest.join(Lgo, Lgo.id == Assessment.lgo_id).where(
            Lgo.province_id == province_id)
    sums: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    for (sections,) in db.session.execute(
            select(AssessmentSnapshot.payload["score"]["sections"])
            .where(AssessmentSnapshot.id.in_(latest))):
        for code, percent in (sections or {}).items():
            if percent is not None:
                sums[code] += percent
                counts[code] += 1
    return {code: (sums[code] / counts[code], counts[code]) for code in sorted(sums)}


# -- A province -----------------------------------------------------------------------------------

@dataclass
class LgoStandardCell:
    level_code: str | None = None          # certified at that level on 30 Sep
    assessment_status: str | None = None   # this year's assessment
    answered: int = 0
    applicable: int = 0


@dataclass
class ProvinceLgo:
    lgo_id: int
    dla_code: str
    name_th: str
    name_en: str | None
    lgo_type: str
    cells: dict[str, LgoStandardCell] = field(default_factory=dict)


def province_lgos(province_id: int, fiscal_year: int) -> tuple[list[ProvinceLgo], list[str]]:
    """The province's LGOs active in the fiscal year with, per standard, the level of the
    certificate held on 30 September and this year's assessment (status and progress). Three
    statements, each led by the province's LGOs of the year in the summary (``kpi_lgo_years``),
    so their cost follows the province's size, not the country's."""
    summary.ensure_fresh(db.session)
    y, s = KpiLgoYear, KpiLgoStandardYear
    connection = db.session.connection()
    lgos: dict[int, ProvinceLgo] = {}
    standards: set[str] = set()
    # The LGO list and its certificates in one statement: the outer join keeps the order
    # (the province's LGOs first, then their certificates by index).
    for lgo_id, dla_code, name_th, name_en, lgo_type, standard, level in connection.execute(
            select(Lgo.id, Lgo.dla_code, Lgo.name_th, Lgo.name_en, y.lgo_type,
                   s.standard_code, Certificate.result_level_code)
            .select_from(y).join(Lgo, Lgo.id == y.lgo_id)
            .outerjoin(s, and_(s.lgo_id == y.lgo_id, s.fiscal_year == y.fiscal_year))
            .outerjoin(Certificate, Certificate.id == s.certificate_id)
            .where(y.fiscal_year == fiscal_year, y.province_id == province_id)
            .order_by(y.lgo_type, Lgo.name_th, Lgo.id)).all():
        lgo = lgos.get(lgo_id)
        if lgo is None:
            lgo = lgos[lgo_id] = ProvinceLgo(lgo_id, dla_code, name_th, name_en, lgo_type)
        if standard is not None:
            lgo.cells[standard] = LgoStandardCell(level_code=level)
            standards.add(standard)
    cycles = dict(connection.execute(
        select(Cycle.id, Standard.code)
        .join(StandardEdition, StandardEdition.id == Cycle.edition_id)
        .join(Standard, Standard.id == StandardEdition.standard_id)
        .where(Cycle.fiscal_year == fiscal_year)).all())
    standards |= set(cycles.values())
    if cycles:
        # The status as stored (its enum's value): no enum object per row.
        for lgo_id, cycle_id, status, answered, applicable in connection.execute(
                select(Assessment.lgo_id, Assessment.cycle_id,
                       type_coerce(Assessment.status, String),
                       Assessment.answered_count, Assessment.applicable_count)
                .join(y, and_(y.lgo_id == Assessment.lgo_id, y.fiscal_year == fiscal_year))
                .where(Assessment.cycle_id.in_(list(cycles)), y.province_id == province_id)
                ).all():
            cells = lgos[lgo_id].cells
            code = cycles[cycle_id]
            cell = cells.get(code)
            if cell is None:
                cells[code] = LgoStandardCell(None, status, answered, applicable)
            else:
                cell.assessment_status, cell.answered, cell.applicable = \
                    status, answered, applicable
    return list(lgos.values()), sorted(standards)


# -- One LGO --------------------------------------------------------------------------------------

def lgo_certified_years(lgo_id: int) -> dict[str, dict[int, tuple[str, str]]]:
    """Standard → fiscal year → (level code, certificate serial) held on 30 September."""
    summary.ensure_fresh(db.session)
    out: dict[str, dict[int, tuple[str, str]]] = defaultdict(dict)
    for standard, fy, level, serial in db.session.execute(
            select(KpiLgoStandardYear.standard_code, KpiLgoStandardYear.fiscal_year,
                   Certificate.result_level_code, Certificate.serial)
            .join(Certificate, Certificate.id == KpiLgoStandardYear.certificate_id)
            .where(KpiLgoStandardYear.lgo_id == lgo_id)):
        out[standard][fy] = (level, serial)
    return dict(out)


def lgo_certificates(lgo_id: int) -> list[Certificate]:
    return list(db.session.execute(
        select(Certificate).where(Certificate.lgo_id == lgo_id)
        .order_by(Certificate.issued_on.desc(), Certificate.id.desc())).scalars())


def lgo_assessments(lgo_id: int) -> list[tuple]:
    """(fiscal year, standard, edition, status, self score, result, submitted at) per cycle."""
    return db.session.execute(
        select(Cycle.fiscal_year, Standard.code, StandardEdition.code, Assessment.status,
               Assessment.self_score_percent, Assessment.self_result_code,
               Assessment.submitted_at)
        .join(Cycle, Cycle.id == Assessment.cycle_id)
        .join(StandardEdition, StandardEdition.id == Assessment.edition_id)
        .join(Standard, Standard.id == StandardEdition.standard_id)
        .where(Assessment.lgo_id == lgo_id)
        .order_by(Cycle.fiscal_year.desc(), Standard.code)).all()
