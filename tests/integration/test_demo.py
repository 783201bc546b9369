"""``flask demo load`` builds a small registry and one account per role, and changes nothing
when run again; ``flask demo logins`` says how to log in; the hand-written geography is right."""
import json

import pytest
from sqlalchemy import func, select

from lgo_assess.accounts import services
from lgo_assess.accounts.models import User
from lgo_assess.core.db import db
from lgo_assess.core.security import Role
from lgo_assess.demo import DEMO_PASSWORD, registry
from lgo_assess.registry.models import Lgo, LgoType
from tests.conftest import GEOGRAPHY_DIR
from tests.factories import make_user


def _row_counts() -> dict[str, int]:
    return {table.name: db.session.execute(select(func.count()).select_from(table)).scalar()
            for table in db.metadata.sorted_tables}


@pytest.fixture
def loaded(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return result


def test_loading_twice_changes_nothing(app, loaded):
    first = _row_counts()
    again = app.test_cli_runner().invoke(args=["demo", "load"])
    assert again.exit_code == 0, again.output
    assert "already loaded" in again.output
    assert _row_counts() == first
    assert first["lgos"] == len(registry.LGOS) and first["users"] >= 10


def test_the_demo_registry_has_every_lgo_type_and_an_upgrade(loaded):
    lgos = db.session.execute(select(Lgo)).scalars().all()
    assert {lgo.current_type for lgo in lgos} == set(LgoType)
    upgraded = next(lgo for lgo in lgos if len(lgo.type_periods) > 1)
    assert upgraded.type_in(2566) == LgoType.SAO
    assert upgraded.type_in(2567) == LgoType.SUBDISTRICT_MUNICIPALITY
    by_province = {}
    for lgo in lgos:
        by_province.setdefault(lgo.province.code, []).append(lgo.current_type)
    assert set(by_province) == {"10", "20", "40", "50"}
    for code in ("20", "40", "50"):
        assert by_province[code].count(LgoType.PAO) == 1, code
    assert LgoType.PATTAYA in by_province["20"] and by_province["10"] == [LgoType.BANGKOK]
    assert any(lgo.area_tags for lgo in lgos)
    assert all(lgo.province.admin_region and lgo.province.geo_region for lgo in lgos)


def test_every_role_has_a_demo_account_that_logs_in_with_the_demo_password(loaded):
    users = db.session.execute(select(User).where(User.email.like("%@demo.example"))
                               ).scalars().all()
    assert set().union(*(user.roles for user in users)) == set(Role)
    officers = {g.province.code for u in users for g in u.grants
                if g.role == Role.PROVINCIAL_OFFICER}
    assert officers == {"50", "40"}
    staffed = {(g.role, g.lgo_id) for u in users for g in u.grants if g.lgo_id}
    assert len({lgo for _, lgo in staffed}) == 3
    assert all((Role.LGO_EXECUTIVE, lgo) in staffed for _, lgo in staffed)
    assessors = [u for u in users if u.has_role(Role.ASSESSOR)]
    # three, one of whom works in Chiang Mai City's own district (the conflicted assessor)
    assert len(assessors) == 3 and all(a.home_district is not None for a in assessors)
    city = next(g.lgo for u in users for g in u.grants if g.lgo and g.lgo.dla_code == "3500101")
    assert sum(a.home_district_id == city.district_id for a in assessors) == 1
    assert services.authenticate("admin@demo.example", DEMO_PASSWORD) is not None


def test_flask_demo_logins_prints_every_role_with_the_password(app, loaded):
    result = app.test_cli_runner().invoke(args=["demo", "logins"])
    assert result.exit_code == 0, result.output
    for role in Role:
        assert role.value in result.output
    assert DEMO_PASSWORD in result.output and "admin@demo.example" in result.output
    assert "province 50" in result.output and "LGO 3500101" in result.output


def test_demo_logins_before_loading_says_what_to_do(app):
    result = app.test_cli_runner().invoke(args=["demo", "logins"])
    assert result.exit_code != 0 and "flask demo load" in result.output


def test_the_demo_is_not_added_to_a_database_with_real_accounts(app):
    make_user(email="real.person@example.go.th")
    refused = app.test_cli_runner().invoke(args=["demo", "load"])
    assert refused.exit_code != 0 and "real.person@example.go.th" in refused.output
    assert db.session.execute(select(Lgo)).first() is None
    forced = app.test_cli_runner().invoke(args=["demo", "load", "--force"])
    assert forced.exit_code == 0, forced.output


def test_the_hand_written_geography_matches_dopa():
    """Checked against the shared copy of DOPA's codes (the demo itself never reads it)."""
    def load(name):
        return json.loads((GEOGRAPHY_DIR / name).read_text(encoding="utf-8"))
    provinces = {str(p["provinceCode"]): (p["provinceNameTh"], p["provinceNameEn"])
                 for p in load("provinces.json")}
    districts = {str(d["districtCode"]): (d["districtNameTh"], d["districtNameEn"])
                 for d in load("districts.json")}
    subdistricts = {str(s["subdistrictCode"]): (s["subdistrictNameTh"], s["subdistrictNameEn"],
                                                str(s["postalCode"]))
                    for s in load("subdistricts.json")}
    for code, name_th, name_en, *_regions in registry.PROVINCES:
        assert provinces[code] == (name_th, name_en), code
    for code, name_th, name_en in registry.DISTRICTS:
        assert districts[code] == (name_th, name_en), code
    for code, name_th, name_en, postal_code in registry.SUBDISTRICTS:
        assert subdistricts[code] == (name_th, name_en, postal_code), code
    known = {row[0] for row in registry.SUBDISTRICTS}
    for lgo in registry.LGOS:
        assert set(lgo.subdistricts) <= known, lgo.dla_code
        assert lgo.district is None or lgo.district.startswith(lgo.province), lgo.dla_code
        assert all(code.startswith(lgo.district) for code in lgo.subdistricts), lgo.dla_code
