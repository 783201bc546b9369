"""``import_geography`` and ``flask registry import-geography``: regions of both schemes and
DOPA's 77 provinces, 928 districts and 7,436 subdistricts; running it again changes nothing."""
import json

from sqlalchemy import func, select

from lgo_assess.core.audit import AuditEvent
from lgo_assess.core.db import db
from lgo_assess.registry import services
from lgo_assess.registry.models import (AreaTag, District, Province, Region, RegionScheme,
                                        Subdistrict)
from lgo_assess.registry.services import UpsertCount
from tests.conftest import GEOGRAPHY_DIR
from tests.registry_csv import write_geography


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _shared_counts() -> dict[str, int]:
    return {name: len(json.loads((GEOGRAPHY_DIR / f"{name}.json").read_text(encoding="utf-8")))
            for name in ("provinces", "districts", "subdistricts")}


def test_the_national_geography_imports_once_and_again_changes_nothing(app_ctx):
    expected = _shared_counts()
    assert expected == {"provinces": 77, "districts": 928, "subdistricts": 7436}
    summary = services.import_geography(GEOGRAPHY_DIR)
    assert (summary.provinces.created, summary.districts.created,
            summary.subdistricts.created) == (77, 928, 7436)
    counts = {"provinces": _count(Province), "districts": _count(District),
              "subdistricts": _count(Subdistrict)}
    assert counts == expected
    assert _count(Region) == 10 and _count(AreaTag) == 6

    again = services.import_geography(GEOGRAPHY_DIR)
    assert again.provinces == UpsertCount(0, 0, 77)
    assert again.districts == UpsertCount(0, 0, 928)
    assert again.subdistricts == UpsertCount(0, 0, 7436)
    assert again.regions == UpsertCount(0, 0, 10) and again.area_tags_added == 0
    assert {"provinces": _count(Province), "districts": _count(District),
            "subdistricts": _count(Subdistrict)} == expected
    events = db.session.execute(select(AuditEvent.action).where(
        AuditEvent.action == "registry.geography_imported")).scalars().all()
    assert len(events) == 2, "one summary event per import, not one per row"


def test_provinces_carry_both_regions(app_ctx, tmp_path):
    services.import_geography(write_geography(tmp_path / "geo", GEOGRAPHY_DIR,
                                              {"10", "20", "63"}))
    provinces = {p.code: p for p in db.session.execute(select(Province)).scalars()}
    tak, chon_buri, bangkok = provinces["63"], provinces["20"], provinces["10"]
    assert (tak.admin_region.code, tak.geo_region.code) == ("north", "west")
    assert (chon_buri.admin_region.code, chon_buri.geo_region.code) == ("central", "east")
    assert (bangkok.admin_region.code, bangkok.geo_region.code) == ("central", "central")
    assert tak.admin_region.scheme == RegionScheme.ADMINISTRATIVE
    assert tak.geo_region.name_th == "ภาคตะวันตก"
    bang_lamung = db.session.execute(select(Subdistrict).where(
        Subdistrict.name_th == "บางละมุง")).scalar_one()
    assert bang_lamung.postal_code == "20150" and bang_lamung.district.code == "2004"


def test_a_changed_name_is_updated_and_an_admins_tag_name_is_kept(app_ctx, tmp_path):
    geo = write_geography(tmp_path / "geo", GEOGRAPHY_DIR, {"23"})
    services.import_geography(geo)
    tag = db.session.execute(select(AreaTag).where(AreaTag.code == "island")).scalar_one()
    tag.name_en = "Island (renamed by an admin)"
    districts = json.loads((geo / "districts.json").read_text(encoding="utf-8"))
    districts[0]["districtNameEn"] = "Mueang Trat (new spelling)"
    (geo / "districts.json").write_text(json.dumps(districts, ensure_ascii=False),
                                        encoding="utf-8")
    summary = services.import_geography(geo)
    assert summary.districts.updated == 1 and summary.provinces.updated == 0
    assert db.session.execute(select(District.name_en).where(District.code == "2301")
                              ).scalar_one() == "Mueang Trat (new spelling)"
    db.session.refresh(tag)
    assert tag.name_en == "Island (renamed by an admin)"


def test_the_command_reports_counts_and_refuses_a_bad_directory(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["registry", "import-geography",
                                 str(write_geography(tmp_path / "geo", GEOGRAPHY_DIR, {"58"}))])
    assert result.exit_code == 0, result.output
    assert "provinces     1 new" in result.output and "subdistricts" in result.output
    (tmp_path / "empty").mkdir()
    result = runner.invoke(args=["registry", "import-geography", str(tmp_path / "empty")])
    assert result.exit_code == 1
    assert "provinces.json not found" in result.output
