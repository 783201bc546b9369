"""``import_lgos`` and ``flask registry import-lgos`` on files in DLA's format: counts, re-import
changes nothing, changed names and types are taken, and a file with any bad row changes nothing
and names every bad row with its line."""
import csv
import io

import pytest
from sqlalchemy import func, select

from lgo_assess.core.audit import AuditEvent
from lgo_assess.core.db import db
from lgo_assess.registry import services
from lgo_assess.registry.lgo_csv import HEADER
from lgo_assess.registry.models import Lgo, LgoType, LgoTypePeriod, lgo_subdistricts
from lgo_assess.registry.reference import load_geography
from tests.conftest import GEOGRAPHY_DIR
from tests.registry_csv import DlaFile, dla_file, write_geography

PROVINCES = {"11", "20", "83"}   # Samut Prakan, Chon Buri (with Pattaya), Phuket


@pytest.fixture(scope="module")
def national():
    return load_geography(GEOGRAPHY_DIR)


@pytest.fixture(scope="module")
def dla(national) -> DlaFile:
    return dla_file(national, seed=0, provinces=PROVINCES, villages=(1, 3))


@pytest.fixture
def geography(app_ctx, tmp_path):
    services.import_geography(write_geography(tmp_path / "geo", GEOGRAPHY_DIR, PROVINCES))


def _count(target) -> int:
    return db.session.execute(select(func.count()).select_from(target)).scalar_one()


def _snapshot() -> list[tuple]:
    lgos = db.session.execute(select(Lgo.__table__).order_by(Lgo.id)).all()
    periods = db.session.execute(select(LgoTypePeriod.__table__).order_by(
        LgoTypePeriod.id)).all()
    links = db.session.execute(select(lgo_subdistricts).order_by(
        lgo_subdistricts.c.lgo_id, lgo_subdistricts.c.subdistrict_id)).all()
    return [tuple(r) for r in lgos + periods + links]


def _lgo(code: str) -> Lgo:
    return db.session.execute(select(Lgo).where(Lgo.dla_code == code)).scalar_one()


def _with(dla: DlaFile, change) -> bytes:
    """The file with ``change(row)`` applied to each row (a row is a list of 13 cells)."""
    rows = [list(row) for row in dla.rows]
    for row in rows:
        change(row)
    return DlaFile(rows, dla.lgos, dla.by_type, dla.with_coordinates, dla.codes,
                   dla.subdistrict_links).to_bytes()


def test_a_dla_file_imports_every_lgo_with_its_areas(geography, dla):
    summary = services.import_lgos(dla.to_bytes(), fiscal_year=2561)
    assert (summary.rows, summary.lgos, summary.created) == (len(dla.rows), dla.lgos, dla.lgos)
    assert _count(Lgo) == dla.lgos == len(set(dla.codes))
    by_type = dict(db.session.execute(select(LgoTypePeriod.lgo_type, func.count())
                                      .group_by(LgoTypePeriod.lgo_type)).all())
    assert {t.value: n for t, n in by_type.items()} == dict(dla.by_type)
    assert _count(lgo_subdistricts) == dla.subdistrict_links
    assert db.session.execute(select(func.min(LgoTypePeriod.from_fy))).scalar_one() == 2561
    empty = _count(select(Lgo.id).where(Lgo.latitude.is_(None)).subquery())
    assert empty == dla.lgos - dla.with_coordinates, "empty coordinates stay empty"
    assert _count(select(Lgo.id).where(Lgo.area_sq_km.is_(None)).subquery()) == empty
    pattaya = _lgo("1200401")
    assert (pattaya.name_th, pattaya.name_en, pattaya.current_type) == (
        "เมืองพัทยา", "Pattaya City", LgoType.PATTAYA)
    assert pattaya.district.code == "2004" and len(pattaya.subdistricts) == 2
    pao = db.session.execute(select(Lgo).join(LgoTypePeriod).where(
        LgoTypePeriod.lgo_type == LgoType.PAO, Lgo.name_th.contains("ภูเก็ต"))).scalar_one()
    assert pao.district is None and pao.name_en == "Phuket Provincial Administrative Organisation"
    sao = db.session.execute(select(Lgo).join(LgoTypePeriod).where(
        LgoTypePeriod.lgo_type == LgoType.SAO).order_by(Lgo.dla_code)).scalars().first()
    assert sao.name_en == f"Tambon {sao.subdistricts[0].name_en} SAO"
    events = db.session.execute(select(AuditEvent).where(
        AuditEvent.action == "registry.lgos_imported")).scalars().all()
    assert len(events) == 1 and events[0].details["created"] == dla.lgos


def test_importing_the_same_file_again_changes_nothing(geography, dla):
    services.import_lgos(dla.to_bytes(), fiscal_year=2561)
    before = _snapshot()
    again = services.import_lgos(dla.to_bytes("cp874"), fiscal_year=2565)
    assert (again.created, again.updated, again.unchanged) == (0, 0, dla.lgos)
    assert (again.type_changes, again.links_added, again.links_removed) == (0, 0, 0)
    assert _snapshot() == before


def test_utf8_with_a_bom_and_windows_874_give_the_same_registry(geography, dla):
    summary = services.import_lgos(dla.to_bytes("utf-8-sig"), fiscal_year=2561)
    assert summary.encoding == "utf-8-sig" and summary.created == dla.lgos
    snapshot = _snapshot()
    assert dla.to_bytes("cp874") != dla.to_bytes("utf-8")
    again = services.import_lgos(dla.to_bytes("cp874"), fiscal_year=2561)
    assert again.encoding == "cp874" and again.unchanged == dla.lgos
    assert _snapshot() == snapshot


def test_changed_names_addresses_and_areas_are_taken(geography, dla):
    services.import_lgos(dla.to_bytes(), fiscal_year=2561)
    code = next(row[3] for row in dla.rows if row[4] == "อบต.")
    old_links = len(_lgo(code).subdistricts)

    def rename(row):
        if row[3] == code:
            row[5] = row[5] + "ใหม่"
            row[6] = "1/1, ถนนใหม่"
            row[9], row[10], row[11] = "42.0", "7.9", "98.3"
    summary = services.import_lgos(_with(dla, rename), fiscal_year=2561)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, dla.lgos - 1)
    lgo = _lgo(code)
    assert lgo.name_th.endswith("ใหม่") and lgo.address == "1/1, ถนนใหม่"
    assert (lgo.area_sq_km, lgo.latitude, lgo.longitude) == (42.0, 7.9, 98.3)
    assert len(lgo.subdistricts) == old_links


def test_a_changed_type_opens_a_new_period_from_the_fiscal_year(geography, dla):
    services.import_lgos(dla.to_bytes(), fiscal_year=2561)
    code = next(row[3] for row in dla.rows if row[4] == "อบต.")

    def upgrade(row):
        if row[3] == code:
            row[4] = "เทศบาลตำบล"
            row[5] = row[5].replace("อบต.", "เทศบาลตำบล")
    summary = services.import_lgos(_with(dla, upgrade), fiscal_year=2569)
    assert summary.type_changes == 1 and summary.updated == 1
    lgo = _lgo(code)
    assert [(p.lgo_type, p.from_fy, p.to_fy) for p in lgo.type_periods] == [
        (LgoType.SAO, 2561, 2568), (LgoType.SUBDISTRICT_MUNICIPALITY, 2569, None)]
    assert lgo.type_in(2568) == LgoType.SAO
    assert lgo.type_in(2569) == LgoType.SUBDISTRICT_MUNICIPALITY
    assert lgo.name_en.endswith("Subdistrict Municipality")
    # A type change dated before the current type began is refused whole.
    before = _snapshot()

    def back(row):
        if row[3] == code:
            row[4] = "อบต."
    with pytest.raises(services.LgoFileRefused) as refused:
        services.import_lgos(_with(_file_from(_with(dla, upgrade)), back), fiscal_year=2565)
    assert [e.kind for e in refused.value.errors] == ["type_history"]
    assert _snapshot() == before


def _file_from(raw: bytes) -> DlaFile:
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))[1:]
    return DlaFile(rows, 0, None, 0, [], 0)


def test_a_file_with_bad_rows_changes_nothing_and_names_every_one(geography, dla):
    services.import_lgos(dla.to_bytes(), fiscal_year=2561)
    before = _snapshot()
    events = _count(AuditEvent)
    rows = [list(row) for row in dla.rows]
    same_code = rows[0][3]
    bad = {
        5: ("province", lambda r: r.__setitem__(0, "เมืองลับแล")),
        9: ("district", lambda r: r.__setitem__(1, "อำเภอที่ไม่มี")),
        12: ("subdistrict", lambda r: r.__setitem__(2, "ตำบลที่ไม่มี")),
        20: ("type", lambda r: r.__setitem__(4, "สุขาภิบาล")),
        21: ("code", lambda r: r.__setitem__(3, "12345")),
        30: ("number", lambda r: r.__setitem__(9, "12,5,6")),
        31: ("number", lambda r: (r.__setitem__(10, "1e999"), r.__setitem__(11, "100"))),
        len(rows) - 1: ("conflict", lambda r: r.__setitem__(3, same_code)),  # other province
    }
    for index, (_kind, spoil) in bad.items():
        spoil(rows[index])
    raw = DlaFile(rows, 0, None, 0, [], 0).to_bytes()
    with pytest.raises(services.LgoFileRefused) as refused:
        services.import_lgos(raw, fiscal_year=2561)
    found = [(e.line, e.kind) for e in refused.value.errors]
    assert found == [(index + 2, kind) for index, (kind, _) in sorted(bad.items())]
    assert _snapshot() == before and _count(AuditEvent) == events


def test_a_file_with_bad_rows_imports_nothing_into_an_empty_registry(geography, dla):
    raw = dla.to_bytes().replace("เว็ปไซต์ของอปท".encode(), "website".encode(), 1)
    with pytest.raises(services.LgoFileRefused) as refused:
        services.import_lgos(raw)
    assert [(e.line, e.kind) for e in refused.value.errors] == [(1, "header")]
    assert _count(Lgo) == 0


def test_the_command_imports_and_refuses_with_every_bad_line(app, geography, dla, tmp_path):
    runner = app.test_cli_runner()
    good = dla.write(tmp_path / "lgos.csv", "cp874")
    result = runner.invoke(args=["registry", "import-lgos", str(good), "--fiscal-year", "2561"])
    assert result.exit_code == 0, result.output
    assert f"{dla.lgos:,} new" in result.output and "(cp874)" in result.output
    rows = [list(row) for row in dla.rows]
    rows[0][4], rows[3][3] = "?", "x"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(DlaFile(rows, 0, None, 0, [], 0).to_bytes())
    result = runner.invoke(args=["registry", "import-lgos", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:line 2: unknown LGO type '?'" in result.output
    assert f"{bad}:line 5: bad LGO code 'x'" in result.output
    assert "nothing was imported" in result.output


def test_the_command_needs_the_geography_first(app, tmp_path):
    path = tmp_path / "lgos.csv"
    path.write_text(",".join(HEADER) + "\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["registry", "import-lgos", str(path)])
    assert result.exit_code == 1 and "Import the geography first" in result.output


def test_an_area_no_longer_listed_is_no_longer_covered(geography, dla):
    services.import_lgos(dla.to_bytes(), fiscal_year=2561)
    pao_rows = [row for row in dla.rows if row[4] == "อบจ."]
    code, dropped = pao_rows[0][3], (pao_rows[0][1], pao_rows[0][2])
    before = len(_lgo(code).subdistricts)
    rows = [row for row in dla.rows if not (row[3] == code and (row[1], row[2]) == dropped)]
    summary = services.import_lgos(DlaFile(rows, 0, None, 0, [], 0).to_bytes(),
                                   fiscal_year=2561)
    assert (summary.links_removed, summary.links_added, summary.updated) == (1, 0, 0)
    lgo = _lgo(code)
    assert len(lgo.subdistricts) == before - 1
    assert dropped[1] not in {s.name_th for s in lgo.subdistricts}
