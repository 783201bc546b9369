"""Demo KPIs: the plan's KPI catalogue, several years of history so the dashboards' trends show
something real, targets for the five computed KPIs and a few manually entered values.

**History (FY 2563–2568).** The platform's editions serve FY 2569, so past years are loaded the
way an import of earlier results would be: a cycle row per standard and past fiscal year (dates
within that year), each demo LGO's assessment in it as a row recommended at a level, and then
the **decision and the signed certificate through** ``certification.services.decide`` with the
day of the decision set back to July of that year (the services take ``today``). A few are
rejected, a few submitted late, so submission, on-time and certification rates differ. Whether
an LGO is certified in a year, and at which level, follows a fixed pattern (deterministic, so a
second run finds everything and changes nothing).

``DEMO_KPI_HISTORY = False`` (the test suite's setting) leaves the history out: the other demo
steps' tests count their own certificates, and the history takes a while to decide and sign.

**Targets** for FY 2563–2570 on the five computed KPIs rise year by year; **values** for three
manual KPIs come with a source. The summary the dashboards read is kept by the KPI package's
session events; ``ensure_fresh`` covers rows the registry step wrote in bulk.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from flask import current_app
from sqlalchemy import select

from lgo_assess.accounts.models import User
from lgo_assess.assessments.models import Assessment, Cycle
from lgo_assess.assessments.states import AssessmentStatus
from lgo_assess.certification import services as certification
from lgo_assess.certification.models import DecisionOutcome
from lgo_assess.core.db import db
from lgo_assess.core.errors import DomainError
from lgo_assess.core.thaidate import BANGKOK, ce_year
from lgo_assess.criteria.models import EditionStatus, Standard, StandardEdition
from lgo_assess.demo import DEMO_EMAIL_DOMAIN
from lgo_assess.demo.registry import LGOS
from lgo_assess.kpi import services, summary
from lgo_assess.kpi.models import Kpi, KpiTarget, KpiValue
from lgo_assess.registry.models import Lgo

HISTORY_YEARS = range(2563, 2569)
STANDARDS = ("DLC", "SEP", "L40", "DGO", "GGL")
REJECTION = "หลักฐานไม่ครบตามเกณฑ์ที่กำหนด (ข้อมูลย้อนหลัง)"
TARGETS = {fy: 10.0 + 10 * (fy - 2563) for fy in range(2563, 2571)}   # 10% in 2563 … 80% in 2570
MANUAL_VALUES = {
    "SI4-G1-K1": ({2565: 78.4, 2566: 80.1, 2567: 82.6, 2568: 83.0},
                  "สำนักงานสถิติแห่งชาติ: การสำรวจความพึงพอใจของประชาชนต่อการให้บริการของ อปท."),
    "SI3-G1-K4": ({2566: 3.2, 2567: 3.4, 2568: 3.5},
                  "สำนักงาน ป.ป.ช.: ผลการประเมิน ITA ของ อปท. (ค่าเฉลี่ย)"),
    "SI6-G2-K2": ({2566: 12, 2567: 18, 2568: 25},
                  "กองการเจ้าหน้าที่ สถ.: ทะเบียนผู้ให้คำปรึกษาระดับมืออาชีพ"),
}


def _user(name: str) -> User | None:
    return db.session.execute(select(User).where(
        User.email == f"{name}@{DEMO_EMAIL_DOMAIN}")).scalar_one_or_none()


def outcome_for(lgo_index: int, standard_index: int, fy: int,
                cadence: int = 3) -> tuple[str, int] | None:
    """What happened to demo LGO ``lgo_index`` on a standard in a past year: ("approved", level
    index), ("rejected", 0) or None (not assessed). Three LGOs in four take part; each starts in
    its own year and renews every ``cadence`` years (the certificate's validity); about one
    assessment in six is rejected (the LGO tries again the next year)."""
    start = 2563 + (lgo_index * 5 + standard_index * 2) % 6
    if (lgo_index + standard_index) % 4 == 3 or fy < start:
        return None
    if (fy - start) % cadence and outcome_for(lgo_index, standard_index, fy - 1,
                                              cadence) != ("rejected", 0):
        return None
    if (lgo_index * 7 + standard_index + fy) % 6 == 0:
        return ("rejected", 0)
    return ("approved", (lgo_index + standard_index + fy) % 3)


def _history_cycle(edition: StandardEdition, fy: int) -> Cycle:
    cycle = db.session.execute(select(Cycle).where(
        Cycle.edition_id == edition.id, Cycle.fiscal_year == fy)).scalar_one_or_none()
    if cycle is None:
        year = ce_year(fy)
        cycle = Cycle(edition_id=edition.id, fiscal_year=fy, opens_on=date(year - 1, 11, 1),
                      self_assessment_due=date(year, 3, 31), review_due=date(year, 6, 30),
                      decision_due=date(year, 8, 31))
        db.session.add(cycle)
        db.session.flush()
    return cycle


def _recommended(cycle: Cycle, lgo: Lgo, level: str | None, *, late: bool, people) -> Assessment:
    from lgo_assess.review.models import Recommendation, RecommendationOutcome
    submitted_day = cycle.self_assessment_due + (timedelta(days=4) if late else -timedelta(days=9))
    submitted_at = datetime.combine(submitted_day, time(10), tzinfo=BANGKOK) \
        .astimezone(timezone.utc)
    assessment = Assessment(cycle_id=cycle.id, lgo_id=lgo.id, edition_id=cycle.edition_id,
                            lgo_type=lgo.type_in(cycle.fiscal_year), area_tags=[],
                            status=AssessmentStatus.RECOMMENDED, submitted_at=submitted_at,
                            submitted_by_id=people["admin"].id,
                            self_score_percent=82.0 if level else 48.0)
    db.session.add(assessment)
    db.session.flush()
    db.session.add(Recommendation(
        assessment_id=assessment.id,
        outcome=RecommendationOutcome.PASS if level else RecommendationOutcome.FAIL,
        result_level_code=level, computed_result_code=level,
        computed_percent=82.0 if level else 48.0, recommended_by_id=people["assessor1"].id))
    db.session.flush()
    return assessment


def _history(people, echo) -> int:
    created = 0
    editions = {code: edition for code, edition in db.session.execute(
        select(Standard.code, StandardEdition).join(StandardEdition.standard)
        .where(StandardEdition.status == EditionStatus.PUBLISHED)
        .order_by(StandardEdition.first_fiscal_year))}
    lgos = {lgo.dla_code: lgo for lgo in db.session.execute(
        select(Lgo).where(Lgo.dla_code.in_([d.dla_code for d in LGOS]))).scalars()}
    if not certification.has_signing_key():
        return 0
    for s_index, code in enumerate(STANDARDS):
        edition = editions.get(code)
        if edition is None:
            continue
        levels = [level.code for level in edition.to_edition().result.levels]
        cadence = max(1, edition.certificate_validity_months // 12)
        for fy in HISTORY_YEARS:
            cycle = _history_cycle(edition, fy)
            done = set(db.session.execute(select(Assessment.lgo_id).where(
                Assessment.cycle_id == cycle.id)).scalars())
            for l_index, demo in enumerate(LGOS):
                lgo = lgos.get(demo.dla_code)
                happened = outcome_for(l_index, s_index, fy, cadence)
                if lgo is None or happened is None or lgo.id in done or \
                        not lgo.is_active_in(fy):
                    continue
                outcome, level_index = happened
                level = levels[level_index % len(levels)] if outcome == "approved" else None
                day = date(ce_year(fy), 7, 10 + l_index)
                try:
                    with db.session.begin_nested():
                        assessment = _recommended(cycle, lgo, level, late=(l_index + fy) % 5 == 0,
                                                  people=people)
                        if level:
                            certification.decide(assessment, DecisionOutcome.APPROVED,
                                                 actor=people["approver"], today=day)
                        else:
                            certification.decide(assessment, DecisionOutcome.REJECTED,
                                                 reason=REJECTION, actor=people["approver"],
                                                 today=day)
                        created += 1
                except DomainError as error:
                    echo(f"demo kpi: {demo.dla_code} {code} {fy}: {error.message}")
    return created


def _targets(admin) -> int:
    created = 0
    have = {(t.kpi_id, t.fiscal_year) for t in db.session.execute(select(KpiTarget)).scalars()}
    for kpi in db.session.execute(select(Kpi).where(Kpi.source == "computed")
                                  .order_by(Kpi.position)).scalars():
        for fy, value in TARGETS.items():
            if (kpi.id, fy) not in have:
                services.set_target(kpi, fy, value, actor=admin)
                created += 1
    return created


def _values(approver) -> int:
    created = 0
    have = {(v.kpi_id, v.fiscal_year) for v in db.session.execute(select(KpiValue)).scalars()}
    for kpi_id, (values, source) in MANUAL_VALUES.items():
        kpi = db.session.get(Kpi, kpi_id)
        if kpi is None:
            continue
        for fy, value in values.items():
            if (kpi_id, fy) not in have:
                services.enter_value(kpi, fy, value, source, actor=approver)
                created += 1
    return created


def load(ctx) -> int:
    imported = services.import_catalogue(services.load_catalogue(
        services.default_catalogue_path()))
    created = imported.created
    people = {name: _user(name) for name in ("admin", "approver", "assessor1")}
    if not all(people.values()):
        return created
    summary.ensure_fresh(db.session)
    if current_app.config.get("DEMO_KPI_HISTORY", True):
        created += _history(people, ctx.echo)
    created += _targets(people["admin"])
    created += _values(people["approver"])
    return created
