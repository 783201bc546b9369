"""Every computed KPI checked against figures worked out by hand on a crafted data set: a type
upgrade, expired, revoked and superseded certificates, certificates issued on 30 September and
1 October, a revocation just after midnight Bangkok time on 1 October, an LGO never assessed and
one that ceased to exist, by nation, region (both schemes), province and LGO type."""
from __future__ import annotations

from datetime import date

import pytest

from lgo_assess.certification import services as certification
from lgo_assess.core.db import db
from lgo_assess.kpi import engine
from lgo_assess.kpi.rollup import Scope
from lgo_assess.registry import services as registry
from lgo_assess.registry.models import LgoType
from tests.factories import make_lgo, make_province
from tests.factories_certification import make_approver
from tests.factories_kpi import certify, make_kpi, make_region_of, utc


@pytest.fixture
def world(app_ctx):
    """Provinces P1 (central/central), P2 (north/north), P3 (north/northeast) and eight LGOs:

    A  P1 SAO, a municipality from 2569; certified 2025-06-01 (good)
    B  P1 SAO; certified 2025-09-30 (pass): the last day of FY 2568
    C  P2 town municipality; certified 2025-10-01 (pass): the first day of FY 2569
    D  P2 SAO; certified 2022-06-01 (good), expired 2025-06-01
    E  P2 SAO; certified 2024-03-01 (excellent), revoked 2025-09-30 17:30 UTC = 1 Oct Bangkok
    F  P3 SAO; never assessed
    G  P3 SAO, ceased after FY 2568; certified 2024-01-10 (pass)
    H  P1 PAO; certified 2024-05-01 (pass), corrected to good on 2025-03-01
    """
    provinces = {}
    for name, admin, geo in (("P1", "central", "central"), ("P2", "north", "north"),
                             ("P3", "north", "northeast")):
        province = make_province()
        province.admin_region = make_region_of("admin4", admin)
        province.geo_region = make_region_of("geo6", geo)
        provinces[name] = province
    db.session.flush()
    spec = {"A": ("P1", LgoType.SAO), "B": ("P1", LgoType.SAO),
            "C": ("P2", LgoType.TOWN_MUNICIPALITY), "D": ("P2", LgoType.SAO),
            "E": ("P2", LgoType.SAO), "F": ("P3", LgoType.SAO), "G": ("P3", LgoType.SAO),
            "H": ("P1", LgoType.PAO)}
    lgos = {k: make_lgo(t, province=provinces[p], from_fy=2561) for k, (p, t) in spec.items()}
    admin, approver, second = object(), make_approver(), make_approver()
    registry.upgrade_lgo_type(lgos["A"], LgoType.SUBDISTRICT_MUNICIPALITY, 2569, actor=admin)
    registry.deactivate_lgo(lgos["G"], 2568, actor=admin)

    certify(lgos["A"], date(2025, 6, 1), level="good", approver=approver)
    certify(lgos["B"], date(2025, 9, 30), level="pass", approver=approver)
    certify(lgos["C"], date(2025, 10, 1), level="pass", approver=approver)
    certify(lgos["D"], date(2022, 6, 1), level="good", approver=approver)
    e = certify(lgos["E"], date(2024, 3, 1), level="excellent", approver=approver)
    request = certification.request_revocation(e.decision, "ปลอมเอกสาร", actor=approver)
    certification.confirm_revocation(request, actor=second)
    e.revoked_at = utc(2025, 9, 30, 17, 30)           # 00:30 on 1 Oct in Bangkok: FY 2569
    certify(lgos["G"], date(2024, 1, 10), level="pass", approver=approver)
    h = certify(lgos["H"], date(2024, 5, 1), level="pass", approver=approver)
    certification.supersede_certificate(h, "แก้ไขระดับผล", actor=approver,
                                        today=date(2025, 3, 1), level_code="good")
    h.superseded_at = utc(2025, 3, 1, 3, 0)
    db.session.flush()

    make_kpi("T-SHARE", position=1)
    make_kpi("T-GOOD", formula_type="count_certified", min_level="good", position=2)
    make_kpi("T-SAO", lgo_types=["sao"], position=3)
    return {"lgos": lgos, "provinces": provinces}


def value(kpi_id, fy, scope="nation"):
    return engine.figure_for(kpi_id, fy, scope)


NATION = [  # (kpi, fy, numerator, denominator, value)
    ("T-SHARE", 2567, 4, 8, 50.0),          # D, E, G, H of all eight
    ("T-SHARE", 2568, 5, 8, 62.5),          # A, B (30 Sep), E (revoked in 2569), G, H (new)
    ("T-SHARE", 2569, 4, 7, 400 / 7),       # A, B, C, H; G has left the registry
    ("T-SHARE", 2566, 1, 8, 12.5),          # D only (30 Sep 2023)
    ("T-SHARE", 2570, 3, 7, 300 / 7),       # A, B, C; H's correction kept the old end date
    ("T-GOOD", 2567, 2, 8, 2.0),            # D (good), E (excellent)
    ("T-GOOD", 2568, 3, 8, 3.0),            # A, E, H (corrected to good)
    ("T-GOOD", 2569, 2, 7, 2.0),            # A, H
    ("T-SAO", 2567, 3, 6, 50.0),            # D, E, G of A, B, D, E, F, G
    ("T-SAO", 2568, 4, 6, 400 / 6),         # A, B, E, G
    ("T-SAO", 2569, 1, 4, 25.0),            # B of B, D, E, F (A upgraded, G gone)
]


def test_national_figures_match_the_hand_computed_ones(world):
    got = {(k, fy): (value(k, fy).numerator, value(k, fy).denominator) for k, fy, *_ in NATION}
    assert got == {(k, fy): (n, d) for k, fy, n, d, _ in NATION}
    for kpi_id, fy, _n, _d, expected in NATION:
        assert value(kpi_id, fy).value == pytest.approx(expected), (kpi_id, fy)


SCOPED = [  # (kpi, fy, scope, numerator, denominator)
    ("T-SHARE", 2568, "admin4:central", 3, 3),       # A, B, H
    ("T-SHARE", 2568, "admin4:north", 2, 5),         # E, G of C, D, E, F, G
    ("T-SHARE", 2568, "geo6:central", 3, 3),
    ("T-SHARE", 2568, "geo6:north", 1, 3),           # E of C, D, E
    ("T-SHARE", 2568, "geo6:northeast", 1, 2),       # G of F, G
    ("T-SHARE", 2569, "geo6:northeast", 0, 1),       # F only: G has left
    ("T-SHARE", 2568, "type:sao", 4, 6),
    ("T-SHARE", 2568, "type:pao", 1, 1),
    ("T-SHARE", 2568, "type:town_municipality", 0, 1),
    ("T-SHARE", 2569, "type:subdistrict_municipality", 1, 1),   # A after its upgrade
    ("T-SHARE", 2569, "type:sao", 1, 4),
    ("T-SHARE", 2568, "type:subdistrict_municipality", 0, 0),
    ("T-GOOD", 2568, "admin4:north", 1, 5),          # E (G is only "pass")
    ("T-SAO", 2569, "admin4:central", 1, 1),         # B: A is no longer an SAO
    ("T-SAO", 2568, "type:pao", 0, 0),               # PAOs are not in this KPI's population
]


def test_regional_province_and_type_figures_match_the_hand_computed_ones(world):
    got = {(k, fy, sc): (value(k, fy, sc).numerator, value(k, fy, sc).denominator)
           for k, fy, sc, *_ in SCOPED}
    assert got == {(k, fy, sc): (n, d) for k, fy, sc, n, d in SCOPED}
    row = value("T-SHARE", 2568, "type:bangkok")
    assert (row.numerator, row.denominator, row.value) == (0, 0, None)  # no share of nobody

    p1, p2, p3 = (world["provinces"][p].code for p in ("P1", "P2", "P3"))
    assert (value("T-SHARE", 2568, f"province:{p1}").numerator, value(
        "T-SHARE", 2568, f"province:{p1}").denominator) == (3, 3)
    row = value("T-SHARE", 2568, f"province:{p2}")
    assert (row.numerator, row.denominator) == (1, 3)
    assert row.value == pytest.approx(100 / 3)
    assert value("T-GOOD", 2568, f"province:{p1}").value == 2.0     # A and H
    assert value("T-GOOD", 2568, f"province:{p3}").value == 0.0     # G holds only "pass"
    row = value("T-SHARE", 2569, f"province:{p3}")
    assert (row.numerator, row.denominator) == (0, 1)


def test_the_board_agrees_with_single_figures(world):
    board = engine.board(2568)
    national = {r.kpi.id: r for r in board.rows}
    assert national["T-SHARE"].value == pytest.approx(62.5)
    geo = {r.scope.code: (r.numerator, r.denominator)
           for r in board.breakdown["geo6"]["T-SHARE"]}
    assert geo == {"central": (3, 3), "north": (1, 3), "northeast": (1, 2)}
    types = {r.scope.code: r.numerator for r in board.breakdown["type"]["T-GOOD"]}
    assert types == {"pao": 1, "sao": 2, "town_municipality": 0}
    trend = {r.fiscal_year: r.numerator for r in board.trend["T-SHARE"]}
    assert [trend[fy] for fy in (2565, 2566, 2567, 2568, 2569, 2570)] == [1, 1, 4, 5, 4, 3]


def _codes(result, lgos):
    names = {lgo.id: key for key, lgo in lgos.items()}
    return sorted(names[line.lgo_id] for line in result.lines)


def test_drill_down_lists_the_lgos_behind_each_number(world):
    lgos = world["lgos"]
    kpi = engine.kpi_or_none("T-SHARE")
    nation = Scope("nation")
    assert _codes(engine.lgos_behind(kpi, 2568, nation, "certified"), lgos) == \
        ["A", "B", "E", "G", "H"]
    assert _codes(engine.lgos_behind(kpi, 2568, nation, "not_certified"), lgos) == ["C", "D", "F"]
    assert _codes(engine.lgos_behind(kpi, 2569, nation, "population"), lgos) == \
        ["A", "B", "C", "D", "E", "F", "H"]
    north = engine.lgos_behind(kpi, 2568, Scope("geo6", "north"), "certified")
    assert _codes(north, lgos) == ["E"] and north.total == 1
    assert north.lines[0].result_level_code == "excellent"
    good = engine.lgos_behind(engine.kpi_or_none("T-GOOD"), 2568, nation, "certified")
    assert _codes(good, lgos) == ["A", "E", "H"]
    h_line = next(line for line in good.lines if line.lgo_id == lgos["H"].id)
    assert h_line.result_level_code == "good"      # the correction, not the superseded one
    sao_only = engine.lgos_behind(kpi, 2569, nation, "population", lgo_type="sao")
    assert _codes(sao_only, lgos) == ["B", "D", "E", "F"]
