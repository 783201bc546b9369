"""The live KPI summary always equals a recomputation from scratch (the oracle below uses the
models' own rules: ``Lgo.is_active_in``/``type_in`` and ``Certificate.is_valid_on``), after
every step of random sequences of certificate issues, revocations, restorations, corrections,
date and level changes, type upgrades, moves and deactivations; and a decision, a revocation
and a type upgrade made through the real services change the right figures at once."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from lgo_assess.certification import services as certification
from lgo_assess.certification.models import Certificate, CertificateStatus
from lgo_assess.core.db import db
from lgo_assess.core.errors import DomainError
from lgo_assess.core.thaidate import fiscal_year, today_bangkok
from lgo_assess.kpi import engine, summary
from lgo_assess.kpi.models import KpiCell, KpiLgoStandardYear, KpiLgoYear
from lgo_assess.registry import services as registry
from lgo_assess.registry.models import Lgo, LgoType, LgoTypePeriod
from tests.factories import make_lgo, make_province
from tests.factories_certification import make_approver
from tests.factories_kpi import certify, make_kpi, utc

LEVELS = ("pass", "good", "excellent")


def oracle() -> tuple[dict, dict]:
    db.session.flush()
    lgos = db.session.execute(select(Lgo)).scalars().all()
    years = {}
    for lgo in lgos:
        for fy in summary.YEARS:
            if lgo.is_active_in(fy):
                years[(lgo.id, fy)] = (lgo.type_in(fy).value, lgo.province_id)
    standards = {}
    for cert in db.session.execute(select(Certificate)).scalars():
        position = LEVELS.index(cert.result_level_code) + 1
        for fy, day in summary.YEAR_ENDS.items():
            if cert.is_valid_on(day):
                key = (cert.lgo_id, cert.standard_code, fy)
                standards[key] = max(standards.get(key, 0), position)
    return years, standards, cells_of(years, standards)


def cells_of(years: dict, standards: dict) -> dict:
    """The counts per (fiscal year, province, type, standard, level) of those rows."""
    cells: dict = {}
    for (lgo_id, fy), (lgo_type, province_id) in years.items():
        key = (fy, province_id, lgo_type, "", 0)
        cells[key] = cells.get(key, 0) + 1
    for (lgo_id, standard, fy), position in standards.items():
        if (lgo_id, fy) in years:
            lgo_type, province_id = years[(lgo_id, fy)]
            key = (fy, province_id, lgo_type, standard, position)
            cells[key] = cells.get(key, 0) + 1
    return cells


def stored() -> tuple[dict, dict, dict]:
    years = {(r.lgo_id, r.fiscal_year): (r.lgo_type, r.province_id) for r in
             db.session.execute(select(KpiLgoYear)).scalars()}
    standards = {(r.lgo_id, r.standard_code, r.fiscal_year): r.level_position for r in
                 db.session.execute(select(KpiLgoStandardYear)).scalars()}
    cells = {(c.fiscal_year, c.province_id, c.lgo_type, c.standard_code, c.level_position):
             c.lgo_count for c in db.session.execute(select(KpiCell)).scalars()}
    return years, standards, cells


def assert_summary_is_fresh(step=""):
    expected = oracle()
    got = stored()
    assert got[0] == expected[0], f"LGO-years differ after {step}"
    assert got[1] == expected[1], f"certified LGO-standard-years differ after {step}"
    assert got[2] == expected[2], f"cells differ after {step}"


@pytest.fixture
def pool(app_ctx):
    """Three LGOs in two provinces and four certificates (TST) issued through the services."""
    p1, p2 = make_province(), make_province()
    lgos = [make_lgo(LgoType.SAO, province=p1, from_fy=2561),
            make_lgo(LgoType.SAO, province=p2, from_fy=2563),
            make_lgo(LgoType.SUBDISTRICT_MUNICIPALITY, province=p2, from_fy=2561)]
    approver = make_approver()
    certs = [certify(lgos[0], date(2023, 5, 1), level="pass", approver=approver),
             certify(lgos[0], date(2025, 2, 1), level="good", approver=approver),
             certify(lgos[1], date(2024, 9, 30), level="excellent", approver=approver),
             certify(lgos[2], date(2021, 12, 1), level="good", approver=approver)]
    return {"lgos": lgos, "certs": certs, "provinces": [p1, p2], "approver": approver}


DAYS = st.dates(min_value=date(2018, 10, 1), max_value=date(2027, 9, 30))
step = st.one_of(
    st.tuples(st.just("revoke"), st.integers(0, 9), DAYS),
    st.tuples(st.just("restore"), st.integers(0, 9)),
    st.tuples(st.just("dates"), st.integers(0, 9), DAYS, st.integers(0, 1500)),
    st.tuples(st.just("level"), st.integers(0, 9), st.sampled_from(LEVELS)),
    st.tuples(st.just("supersede"), st.integers(0, 9), st.sampled_from(LEVELS), DAYS),
    st.tuples(st.just("upgrade"), st.integers(0, 2), st.integers(2562, 2570)),
    st.tuples(st.just("deactivate"), st.integers(0, 2), st.integers(2561, 2570)),
    st.tuples(st.just("move"), st.integers(0, 2), st.integers(0, 1)),
)


def apply(pool, action) -> None:
    certs, lgos = pool["certs"], pool["lgos"]
    kind, index = action[0], action[1]
    if kind in ("revoke", "restore", "dates", "level", "supersede"):
        cert = certs[index % len(certs)]
        if kind == "revoke" and cert.status == CertificateStatus.VALID:
            cert.status, cert.revocation_reason = CertificateStatus.REVOKED, "ทดสอบ"
            cert.revoked_at = utc(action[2].year, action[2].month, action[2].day, 17, 30)
        elif kind == "restore" and cert.status == CertificateStatus.REVOKED:
            cert.status, cert.revoked_at, cert.revocation_reason = CertificateStatus.VALID, \
                None, None
        elif kind == "dates":
            cert.issued_on, cert.valid_until = action[2], action[2] + timedelta(days=action[3])
        elif kind == "level":
            cert.result_level_code = action[2]
        elif kind == "supersede" and cert.status == CertificateStatus.VALID and \
                cert.issued_on <= action[3] <= cert.valid_until:
            new = certification.supersede_certificate(cert, "แก้ไข", actor=pool["approver"],
                                                      today=action[3], level_code=action[2])
            cert.superseded_at = utc(action[3].year, action[3].month, action[3].day, 3)
            certs.append(new)
    else:
        lgo = lgos[index]
        try:
            if kind == "upgrade":
                ladder = registry.UPGRADE_LADDER
                current = lgo.current_type
                if current in ladder and ladder.index(current) + 1 < len(ladder):
                    registry.upgrade_lgo_type(lgo, ladder[ladder.index(current) + 1],
                                              action[2], actor=None)
            elif kind == "deactivate":
                registry.deactivate_lgo(lgo, action[2], actor=None)
            elif kind == "move":
                lgo.province = pool["provinces"][action[2]]
        except DomainError:
            return
    db.session.flush()


@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(actions=st.lists(step, min_size=1, max_size=8))
def test_summary_equals_a_recomputation_after_every_step(pool, actions):
    savepoint = db.session.begin_nested()
    certs_before = list(pool["certs"])
    try:
        assert_summary_is_fresh("setup")
        for number, action in enumerate(actions, start=1):
            apply(pool, action)
            assert_summary_is_fresh(f"step {number}: {action}")
    finally:
        savepoint.rollback()
        pool["certs"][:] = certs_before
        db.session.expire_all()


def test_a_crafted_sequence_keeps_the_summary_fresh(pool):
    lgo, cert = pool["lgos"][0], pool["certs"][1]
    steps = [
        ("revoke", 1, date(2025, 9, 30)),          # 00:30 on 1 Oct Bangkok: FY 2569
        ("supersede", 2, "pass", date(2025, 10, 1)),
        ("upgrade", 0, 2567),
        ("deactivate", 2, 2566),
        ("dates", 0, date(2024, 9, 30), 0),        # valid for exactly one day: the last of 2567
        ("move", 0, 1),
        ("restore", 1),
    ]
    for number, action in enumerate(steps, start=1):
        apply(pool, action)
        assert_summary_is_fresh(f"step {number}: {action}")
    assert cert.status == CertificateStatus.VALID and lgo.type_in(2567) == \
        LgoType.SUBDISTRICT_MUNICIPALITY
    rows = dict(db.session.execute(select(KpiLgoStandardYear.fiscal_year,
                                          KpiLgoStandardYear.level_position)
                                   .where(KpiLgoStandardYear.lgo_id == lgo.id)).all())
    assert rows[2567] == 1 and 2566 not in rows      # the one-day certificate of 30 Sep 2567


def test_rebuild_from_scratch_gives_the_same_rows(pool):
    before = stored()
    db.session.execute(KpiLgoYear.__table__.delete())
    counts = summary.rebuild_summary(db.session)
    assert stored() == before == oracle()
    assert counts == {"lgo_years": len(before[0]), "lgo_standard_years": len(before[1]),
                      "cells": len(before[2])}


def test_bulk_inserts_that_bypass_the_orm_are_rebuilt_before_the_next_read(pool):
    province = pool["provinces"][0]
    db.session.execute(insert(Lgo.__table__), [{"dla_code": "8000001", "name_th": "อบต.นำเข้า",
                                                "province_id": province.id, "is_active": True,
                                                "updated_at": utc(2026, 1, 1)}])
    new_id = db.session.execute(select(Lgo.id).where(Lgo.dla_code == "8000001")).scalar_one()
    db.session.execute(insert(LgoTypePeriod.__table__),
                       [{"lgo_id": new_id, "lgo_type": "sao", "from_fy": 2565}])
    make_kpi("T-SHARE")
    row = engine.figure_for("T-SHARE", 2566)        # reads rebuild the stale summary first
    assert row.denominator == 4
    db.session.expire_all()
    assert_summary_is_fresh("bulk insert")


def test_decision_revocation_and_upgrade_change_the_figures_at_once(pool):
    make_kpi("T-SHARE")
    make_kpi("T-SAO", lgo_types=["sao"], position=2)
    lgo = make_lgo(LgoType.SAO, province=pool["provinces"][0], from_fy=2561)
    before = engine.figure_for("T-SHARE", 2569)
    assert (before.numerator, before.denominator) == (2, 4)   # the pool's 2025 and 2024 ones
    before_2570 = engine.figure_for("T-SHARE", 2570).numerator

    approver, second = pool["approver"], make_approver()
    cert = certify(lgo, date(2026, 7, 15), level="pass", approver=approver)   # a decision
    assert engine.figure_for("T-SHARE", 2569).numerator == 3
    assert engine.figure_for("T-SHARE", 2570).numerator == before_2570 + 1

    request = certification.request_revocation(cert.decision, "เอกสารเท็จ", actor=approver)
    certification.confirm_revocation(request, actor=second)     # revoked today
    revoked_fy = fiscal_year(cert.revoked_at)
    assert revoked_fy >= 2570                                   # (the suite runs after 2569)
    assert engine.figure_for("T-SHARE", 2569).numerator == 3    # an earlier year stands
    if today_bangkok() <= summary.YEAR_ENDS[2570]:
        assert engine.figure_for("T-SHARE", 2570).numerator == before_2570

    sao_before = engine.figure_for("T-SAO", 2570)
    registry.upgrade_lgo_type(lgo, LgoType.SUBDISTRICT_MUNICIPALITY, 2570, actor=None)
    sao_after = engine.figure_for("T-SAO", 2570)
    assert sao_after.denominator == sao_before.denominator - 1
    assert engine.figure_for("T-SAO", 2569).denominator == sao_before.denominator  # unchanged
    assert engine.figure_for("T-SHARE", 2570).denominator == sao_before.denominator + 1
