"""The public LGO directory and profile, and the registry pages of DLA administrators."""
import re

import pytest
from sqlalchemy import event, select

from lgo_assess.core.db import db
from lgo_assess.core.security import Role
from lgo_assess.registry.models import AreaTag, Lgo, LgoType, LgoTypePeriod
from lgo_assess.registry.services import current_fiscal_year
from tests.factories import (make_area_tag, make_district, make_lgo, make_province, make_region,
                             make_subdistrict, make_user)


def _names(response) -> list[str]:
    """The LGO names in the directory's table, in order."""
    return re.findall(r'<th scope="row"[^>]*><a [^>]*>([^<]*)</a>',
                      response.get_data(as_text=True))


def _count_line(response) -> str:
    match = re.search(r'class="result-count"[^>]*>\s*(.*?)\s*</p>',
                      response.get_data(as_text=True), re.S)
    return match.group(1) if match else ""


@pytest.fixture
def samut_prakan():
    province = make_province("11", name_th="สมุทรปราการ", name_en="Samut Prakan")
    province.admin_region = make_region("central", "admin4")
    province.geo_region = make_region("central", "geo6")
    district = make_district(province, code="1103")
    district.name_th, district.name_en = "บางพลี", "Bang Phli"
    lgos = {
        "ทต.บางพลี": make_lgo(LgoType.SUBDISTRICT_MUNICIPALITY, district=district,
                              name_th="เทศบาลตำบลบางพลี", dla_code="5110301"),
        "อบต.บางพลีใหญ่": make_lgo(LgoType.SAO, district=district, name_th="อบต.บางพลีใหญ่",
                                  dla_code="6110301"),
        "อบต.ราชาเทวะ": make_lgo(LgoType.SAO, district=district, name_th="อบต.ราชาเทวะ",
                                 dla_code="6110302"),
    }
    lgos["ทต.บางพลี"].name_en = "Bang Phli Subdistrict Municipality"
    lgos["อบต.บางพลีใหญ่"].name_en = "Tambon Bang Phli Yai SAO"
    lgos["อบต.ราชาเทวะ"].name_en = "Tambon Racha Thewa SAO"
    db.session.commit()  # requests roll back what the test left unsaved
    return lgos


def test_the_directory_finds_partial_thai_names(client, samut_prakan):
    response = client.get("/lgos/?q=บางพลี")
    assert response.status_code == 200
    assert _names(response) == ["เทศบาลตำบลบางพลี", "อบต.บางพลีใหญ่"]
    assert _count_line(response).startswith("2")
    assert "<caption>" in response.get_data(as_text=True)
    # a type prefix narrows to that type; the long form works too
    assert _names(client.get("/lgos/?q=ทต.บางพลี")) == ["เทศบาลตำบลบางพลี"]
    assert _names(client.get("/lgos/?q=องค์การบริหารส่วนตำบลบางพลี")) == ["อบต.บางพลีใหญ่"]
    assert _names(client.get("/lgos/?q=ราชา")) == ["อบต.ราชาเทวะ"]
    assert _names(client.get("/lgos/?q=6110302")) == ["อบต.ราชาเทวะ"]
    assert _names(client.get("/lgos/?q=%25")) == [], "LIKE wildcards are taken literally"


def test_the_directory_finds_english_names_in_any_case(client, samut_prakan):
    client.post("/language", data={"lang": "en"})
    response = client.get("/lgos/?q=bang phli")
    assert _names(response) == ["Bang Phli Subdistrict Municipality", "Tambon Bang Phli Yai SAO"]
    assert "Subdistrict municipality" in response.get_data(as_text=True)


def test_filters_by_region_of_either_scheme_province_and_type(client, samut_prakan):
    other = make_province("50", name_th="เชียงใหม่", name_en="Chiang Mai")
    other.admin_region = make_region("north", "admin4")
    other.geo_region = make_region("north", "geo6")
    make_lgo(LgoType.PAO, province=other, name_th="องค์การบริหารส่วนจังหวัดเชียงใหม่")
    db.session.commit()
    assert len(_names(client.get("/lgos/"))) == 4
    assert _names(client.get("/lgos/?region=admin4:north")) == [
        "องค์การบริหารส่วนจังหวัดเชียงใหม่"]
    assert len(_names(client.get("/lgos/?region=geo6:central"))) == 3
    assert len(_names(client.get("/lgos/?province=11"))) == 3
    assert _names(client.get("/lgos/?type=pao")) == ["องค์การบริหารส่วนจังหวัดเชียงใหม่"]
    assert _names(client.get("/lgos/?province=11&type=sao")) == ["อบต.บางพลีใหญ่",
                                                                 "อบต.ราชาเทวะ"]
    # an unknown filter value is ignored rather than breaking the page
    assert len(_names(client.get("/lgos/?region=nowhere&type=castle&page=x"))) == 4


def test_the_type_filter_uses_the_type_of_the_current_fiscal_year(client, samut_prakan):
    fy = current_fiscal_year()
    now, later = samut_prakan["อบต.บางพลีใหญ่"], samut_prakan["อบต.ราชาเทวะ"]
    now.type_periods[0].to_fy = fy - 1
    now.type_periods.append(LgoTypePeriod(lgo_type=LgoType.SUBDISTRICT_MUNICIPALITY,
                                          from_fy=fy))
    later.type_periods[0].to_fy = fy
    later.type_periods.append(LgoTypePeriod(lgo_type=LgoType.SUBDISTRICT_MUNICIPALITY,
                                            from_fy=fy + 1))
    ended = make_lgo(LgoType.SAO, name_th="อบต.เลิกแล้ว", from_fy=2550)
    ended.type_periods[0].to_fy = fy - 1
    ended.is_active, ended.active_until_fy = False, fy - 1
    db.session.commit()
    assert sorted(_names(client.get("/lgos/?type=subdistrict_municipality"))) == [
        "อบต.บางพลีใหญ่", "เทศบาลตำบลบางพลี"]
    assert _names(client.get("/lgos/?type=sao")) == ["อบต.ราชาเทวะ"]
    assert "อบต.เลิกแล้ว" not in _names(client.get("/lgos/"))


def test_the_directory_is_paginated(client):
    province = make_province()
    for n in range(55):
        make_lgo(LgoType.SAO, province=province, name_th=f"อบต.ทดลอง{n:02d}")
    db.session.commit()
    first = client.get(f"/lgos/?province={province.code}")
    assert len(_names(first)) == 50 and _count_line(first).startswith("55")
    body = first.get_data(as_text=True)
    assert f"page=2&amp;province={province.code}" in body or \
        f"province={province.code}&amp;page=2" in body
    second = client.get(f"/lgos/?province={province.code}&page=2")
    assert _names(second) == [f"อบต.ทดลอง{n:02d}" for n in range(50, 55)]
    assert "aria-current=\"page\" class=\"badge\">2<" in second.get_data(as_text=True)


def _statements(client, url: str) -> int:
    connection = db.session.connection()
    seen = []

    def count(*_args):
        seen.append(1)
    event.listen(connection, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(connection, "before_cursor_execute", count)
    return len(seen)


def test_the_directory_runs_the_same_queries_for_5_or_40_lgos(client):
    province = make_province()
    for n in range(5):
        make_lgo(district=make_district(province), name_th=f"อบต.ก{n:02d}")
    db.session.commit()
    few = _statements(client, f"/lgos/?province={province.code}")
    for n in range(35):
        make_lgo(district=make_district(province), name_th=f"อบต.ข{n:02d}")
    db.session.commit()
    many = _statements(client, f"/lgos/?province={province.code}")
    assert len(_names(client.get(f"/lgos/?province={province.code}"))) == 40
    assert many == few, f"{few} queries for 5 LGOs but {many} for 40: an N+1 query"


def test_the_profile_shows_names_history_area_and_tags(client, samut_prakan):
    lgo = samut_prakan["อบต.บางพลีใหญ่"]
    lgo.type_periods[0].to_fy = 2566
    lgo.type_periods.append(LgoTypePeriod(lgo_type=LgoType.SUBDISTRICT_MUNICIPALITY,
                                          from_fy=2567))
    lgo.subdistricts = [make_subdistrict(lgo.district, name_th="บางพลีใหญ่",
                                         name_en="Bang Phli Yai")]
    lgo.area_tags = [make_area_tag("urban_x", name_th="พื้นที่เขตเมือง")]
    lgo.address, lgo.moo, lgo.postal_code, lgo.website = "99/1", "5", "10540", "www.bpy.go.th"
    db.session.commit()
    body = client.get(f"/lgos/{lgo.dla_code}").get_data(as_text=True)
    assert "<h1>อบต.บางพลีใหญ่</h1>" in body and "Tambon Bang Phli Yai SAO" in body
    assert "ปีงบประมาณ 2561" in body and "ปีงบประมาณ 2566" in body
    assert "ปีงบประมาณ 2567" in body
    assert "บางพลีใหญ่" in body and "พื้นที่เขตเมือง" in body and "10540" in body
    assert 'href="http://www.bpy.go.th"' in body
    assert "openstreetmap" not in body, "no coordinates, no map"
    assert "Edit registry entry" not in body and "registry.lgo_edit" not in body
    assert client.get("/lgos/0000000").status_code == 404


def test_the_profile_shows_coordinates_and_only_safe_links(client, samut_prakan):
    lgo = samut_prakan["อบต.ราชาเทวะ"]
    lgo.latitude, lgo.longitude, lgo.area_sq_km = 13.6, 100.73, 12.5
    for website, linked in (("javascript:alert(1)", False), ("www,tlpm.go.th", False),
                            ("https://rachathewa.go.th/x", True)):
        lgo.website = website
        db.session.commit()
        body = client.get(f"/lgos/{lgo.dla_code}").get_data(as_text=True)
        assert website in body
        assert (f'href="{website}"' in body) == linked
        assert "href=\"javascript" not in body
    assert "13.60000, 100.73000" in body and "openstreetmap.org" in body and "12.50" in body


def test_the_profile_in_english(client, samut_prakan):
    client.post("/language", data={"lang": "en"})
    body = client.get("/lgos/5110301").get_data(as_text=True)
    assert "<h1>Bang Phli Subdistrict Municipality</h1>" in body
    assert 'lang="th">เทศบาลตำบลบางพลี' in body and "FY 2561 BE" in body


# Administration -----------------------------------------------------------------------------
@pytest.fixture
def admin(login):
    return login(make_user(Role.DLA_ADMIN))


def test_an_admin_upgrades_an_lgo_from_its_profile(client, admin, samut_prakan):
    lgo = samut_prakan["อบต.บางพลีใหญ่"]
    body = client.get(f"/lgos/{lgo.dla_code}").get_data(as_text=True)
    assert f'href="/lgos/{lgo.dla_code}/edit"' in body
    assert client.get(f"/lgos/{lgo.dla_code}/edit").status_code == 200
    fy = current_fiscal_year()
    response = client.post(f"/lgos/{lgo.dla_code}/type",
                           data={"new_type": "subdistrict_municipality", "from_fy": fy})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/lgos/{lgo.dla_code}")
    db.session.expire_all()
    lgo = db.session.get(Lgo, lgo.id)
    assert lgo.type_in(fy - 1) == LgoType.SAO
    assert lgo.type_in(fy) == LgoType.SUBDISTRICT_MUNICIPALITY
    assert lgo.name_th == "เทศบาลตำบลบางพลีใหญ่"


def test_a_refused_upgrade_says_why_and_changes_nothing(client, admin, samut_prakan):
    lgo = samut_prakan["อบต.บางพลีใหญ่"]
    response = client.post(f"/lgos/{lgo.dla_code}/type",
                           data={"new_type": "subdistrict_municipality", "from_fy": "2024"})
    assert response.status_code == 422
    assert "Buddhist era" in response.get_data(as_text=True)
    response = client.post(f"/lgos/{lgo.dla_code}/type",
                           data={"new_type": "subdistrict_municipality", "from_fy": "2561"})
    assert response.status_code == 422
    assert "after fiscal year 2561" in response.get_data(as_text=True)
    db.session.expire_all()
    assert [p.lgo_type for p in db.session.get(Lgo, lgo.id).type_periods] == [LgoType.SAO]


def test_an_admin_sets_area_tags_and_deactivates(client, admin, samut_prakan):
    lgo = samut_prakan["อบต.ราชาเทวะ"]
    border, island = make_area_tag("border_y"), make_area_tag("island_y")
    db.session.commit()
    response = client.post(f"/lgos/{lgo.dla_code}/area-tags",
                           data={"tags": ["border_y", "island_y"]})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Lgo, lgo.id).area_tag_codes == {"border_y", "island_y"}
    assert border and island
    response = client.post(f"/lgos/{lgo.dla_code}/deactivate", data={"last_fy": "2566"})
    assert response.status_code == 422, "the box must be ticked"
    response = client.post(f"/lgos/{lgo.dla_code}/deactivate",
                           data={"last_fy": "2566", "confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    lgo = db.session.get(Lgo, lgo.id)
    assert not lgo.is_active and lgo.active_until_fy == 2566
    body = client.get(f"/lgos/{lgo.dla_code}/edit").get_data(as_text=True)
    assert "cannot be changed" in body and "/deactivate" not in body


def test_others_may_not_edit_the_registry(client, login, samut_prakan):
    login(make_user(Role.PROVINCIAL_OFFICER))
    lgo = samut_prakan["อบต.ราชาเทวะ"]
    assert client.get(f"/lgos/{lgo.dla_code}/edit").status_code == 403
    assert client.post(f"/lgos/{lgo.dla_code}/deactivate",
                       data={"last_fy": "2566", "confirm": "y"}).status_code == 403
    assert client.get("/lgos/area-tags").status_code == 403
    assert f'/lgos/{lgo.dla_code}/edit' not in client.get(
        f"/lgos/{lgo.dla_code}").get_data(as_text=True)


def test_an_admin_lists_and_adds_area_tags(client, admin):
    make_lgo().area_tags = [make_area_tag("border_z")]
    db.session.commit()
    body = client.get("/lgos/area-tags").get_data(as_text=True)
    assert "<code>border_z</code>" in body and "<caption>" in body
    response = client.post("/lgos/area-tags", data={"code": "coastal", "name_th": "ชายฝั่ง",
                                                    "name_en": "Coastal"})
    assert response.status_code == 302
    assert db.session.execute(select(AreaTag).where(AreaTag.code == "coastal")).scalar_one()
    response = client.post("/lgos/area-tags", data={"code": "coastal", "name_th": "ซ้ำ",
                                                    "name_en": "Again"})
    assert response.status_code == 409
    assert "already exists" in response.get_data(as_text=True)
    response = client.post("/lgos/area-tags", data={"code": "Bad Code", "name_th": "x",
                                                    "name_en": "y"})
    assert response.status_code == 422


def test_the_menu_offers_the_directory_to_everyone_and_tags_to_admins(client, login):
    body = client.get("/").get_data(as_text=True)
    assert 'href="/lgos/"' in body and 'href="/lgos/area-tags"' not in body
    login(make_user(Role.DLA_ADMIN))
    assert 'href="/lgos/area-tags"' in client.get("/").get_data(as_text=True)
