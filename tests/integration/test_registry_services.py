"""Type upgrades, deactivation and area tags: the rules, the type history they leave and their
audit events."""
import pytest
from sqlalchemy import select

from lgo_assess.core.audit import AuditEvent
from lgo_assess.core.db import db
from lgo_assess.core.errors import Conflict, Invalid
from lgo_assess.registry import services
from lgo_assess.registry.models import AreaTag, LgoType
from tests.factories import make_area_tag, make_lgo, make_user


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.execute(select(AuditEvent).where(AuditEvent.action == action)
                                   .order_by(AuditEvent.id)).scalars())


@pytest.fixture
def admin(app_ctx):
    return make_user()


def test_an_upgrade_closes_the_old_type_the_year_before(admin):
    lgo = make_lgo(LgoType.SAO, name_th="อบต.บางพลีใหญ่", from_fy=2561)
    lgo.name_en = "Tambon Bang Phli Yai SAO"
    services.upgrade_lgo_type(lgo, LgoType.SUBDISTRICT_MUNICIPALITY, 2567, actor=admin)
    assert [(p.lgo_type, p.from_fy, p.to_fy) for p in lgo.type_periods] == [
        (LgoType.SAO, 2561, 2566), (LgoType.SUBDISTRICT_MUNICIPALITY, 2567, None)]
    assert lgo.type_in(2560) is None
    assert lgo.type_in(2561) == lgo.type_in(2566) == LgoType.SAO
    assert lgo.type_in(2567) == lgo.type_in(2590) == LgoType.SUBDISTRICT_MUNICIPALITY
    assert lgo.current_type == LgoType.SUBDISTRICT_MUNICIPALITY
    assert (lgo.name_th, lgo.name_en) == ("เทศบาลตำบลบางพลีใหญ่",
                                          "Bang Phli Yai Subdistrict Municipality")
    event = _events("lgo.type_changed")[-1]
    assert event.object_id == str(lgo.id) and event.actor_id == admin.id
    assert event.details["from_type"] == "sao" and event.details["from_fy"] == 2567


def test_an_upgrade_can_rename_explicitly_and_climb_again(admin):
    lgo = make_lgo(LgoType.SAO, from_fy=2555)
    services.upgrade_lgo_type(lgo, LgoType.SUBDISTRICT_MUNICIPALITY, 2560, actor=admin,
                              name_th="เทศบาลตำบลใหม่", name_en="New Subdistrict Municipality")
    services.upgrade_lgo_type(lgo, LgoType.TOWN_MUNICIPALITY, 2566, actor=admin)
    assert lgo.name_th == "เทศบาลเมืองใหม่"
    assert [lgo.type_in(fy) for fy in (2559, 2560, 2565, 2566)] == [
        LgoType.SAO, LgoType.SUBDISTRICT_MUNICIPALITY, LgoType.SUBDISTRICT_MUNICIPALITY,
        LgoType.TOWN_MUNICIPALITY]


@pytest.mark.parametrize("start, new_type, from_fy, error, part", [
    (LgoType.SAO, LgoType.SAO, 2567, Invalid, "already of this type"),
    (LgoType.TOWN_MUNICIPALITY, LgoType.SUBDISTRICT_MUNICIPALITY, 2567, Invalid, "lower"),
    (LgoType.PAO, LgoType.CITY_MUNICIPALITY, 2567, Invalid, "Only an SAO"),
    (LgoType.SAO, LgoType.PATTAYA, 2567, Invalid, "Only an SAO"),
    (LgoType.SAO, LgoType.SUBDISTRICT_MUNICIPALITY, 2561, Invalid, "after fiscal year 2561"),
    (LgoType.SAO, LgoType.SUBDISTRICT_MUNICIPALITY, 2555, Invalid, "after fiscal year 2561"),
    (LgoType.SAO, LgoType.SUBDISTRICT_MUNICIPALITY, 2024, Invalid, "Buddhist era"),
    (LgoType.SAO, LgoType.SUBDISTRICT_MUNICIPALITY, 2999, Invalid, "Buddhist era"),
])
def test_bad_upgrades_are_refused_and_change_nothing(admin, start, new_type, from_fy, error,
                                                     part):
    lgo = make_lgo(start, from_fy=2561)
    name = lgo.name_th
    with pytest.raises(error) as refused:
        services.upgrade_lgo_type(lgo, new_type, from_fy, actor=admin)
    assert part in str(refused.value.message)
    assert [(p.lgo_type, p.from_fy, p.to_fy) for p in lgo.type_periods] == [(start, 2561, None)]
    assert lgo.name_th == name and not _events("lgo.type_changed")


def test_deactivation_ends_the_lgo_after_its_last_year(admin):
    lgo = make_lgo(LgoType.SAO, from_fy=2561)
    services.deactivate_lgo(lgo, 2566, actor=admin)
    assert not lgo.is_active and lgo.active_until_fy == 2566
    assert lgo.type_periods[-1].to_fy == 2566
    assert lgo.is_active_in(2566) and not lgo.is_active_in(2567)
    assert lgo.type_in(2567) is None
    assert _events("lgo.deactivated")[-1].details["last_fy"] == 2566
    with pytest.raises(Conflict):
        services.deactivate_lgo(lgo, 2567, actor=admin)
    with pytest.raises(Conflict):
        services.upgrade_lgo_type(lgo, LgoType.SUBDISTRICT_MUNICIPALITY, 2567, actor=admin)


def test_deactivation_before_the_current_type_began_is_refused(admin):
    lgo = make_lgo(LgoType.SAO, from_fy=2565)
    with pytest.raises(Invalid):
        services.deactivate_lgo(lgo, 2564, actor=admin)
    with pytest.raises(Invalid):
        services.deactivate_lgo(lgo, 2023, actor=admin)
    assert lgo.is_active and lgo.type_periods[-1].to_fy is None


def test_area_tags_are_set_as_a_whole(admin):
    lgo = make_lgo()
    border, island, urban = (make_area_tag("border_t"), make_area_tag("island_t"),
                             make_area_tag("urban_t"))
    assert services.set_area_tags(lgo, [border, island], actor=admin)
    assert lgo.area_tag_codes == {"border_t", "island_t"}
    assert services.set_area_tags(lgo, [island, urban], actor=admin)
    assert lgo.area_tag_codes == {"island_t", "urban_t"}
    assert not services.set_area_tags(lgo, [urban, island], actor=admin), "no change, no event"
    events = _events("lgo.area_tags_set")
    assert len(events) == 2
    assert (events[-1].details["added"], events[-1].details["removed"]) == (["urban_t"],
                                                                            ["border_t"])


def test_an_admin_adds_an_area_tag(admin):
    tag = services.create_area_tag(" Coastal ", "พื้นที่ชายฝั่ง", "Coastal area", actor=admin)
    assert (tag.code, tag.name_th, tag.name_en) == ("coastal", "พื้นที่ชายฝั่ง", "Coastal area")
    assert _events("area_tag.created")[-1].details["code"] == "coastal"
    with pytest.raises(Conflict):
        services.create_area_tag("coastal", "ซ้ำ", "Again", actor=admin)
    with pytest.raises(Invalid):
        services.create_area_tag("9-bad", "ผิด", "Bad", actor=admin)
    with pytest.raises(Invalid):
        services.create_area_tag("no_english", "ไทย", " ", actor=admin)
    assert db.session.execute(select(AreaTag.code).where(AreaTag.code == "no_english")
                              ).first() is None
