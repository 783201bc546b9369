"""``synthesize_registry`` and ``flask registry synthesize``: the national synthetic registry in
the database, with DLA's type mix, its type history and deterministic codes."""
from collections import Counter

import pytest
from sqlalchemy import func, select

from lgo_assess.core.audit import AuditEvent
from lgo_assess.core.db import db
from lgo_assess.core.errors import Invalid
from lgo_assess.registry import services, synthesis
from lgo_assess.registry.models import (Lgo, LgoType, Province, lgo_area_tags,
                                        lgo_type_in_year_query)
from lgo_assess.registry.reference import load_geography
from tests.conftest import GEOGRAPHY_DIR
from tests.factories import make_lgo
from tests.registry_csv import write_geography


def _types_in(fiscal_year: int) -> Counter:
    rows = db.session.execute(lgo_type_in_year_query(fiscal_year)).all()
    return Counter(lgo_type.value for _lgo_id, lgo_type in rows)


def test_the_command_builds_the_national_registry(app):
    result = app.test_cli_runner().invoke(args=[
        "registry", "synthesize", "--geography", str(GEOGRAPHY_DIR), "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "7,850" in result.output

    assert db.session.execute(select(func.count(Province.id))).scalar_one() == 77
    assert _types_in(2569) == {"pao": 76, "city_municipality": 30, "town_municipality": 195,
                               "subdistrict_municipality": 2247, "sao": 5300, "pattaya": 1,
                               "bangkok": 1}
    expected = synthesis.synthesize(load_geography(GEOGRAPHY_DIR), 5)
    codes = list(db.session.execute(select(Lgo.dla_code).order_by(Lgo.dla_code)).scalars())
    assert codes == [lgo.code for lgo in expected], "the same seed gives the same codes"

    upgraded = next(lgo for lgo in expected if len(lgo.periods) > 1)
    year = upgraded.periods[1][1]
    lgo = db.session.execute(select(Lgo).where(Lgo.dla_code == upgraded.code)).scalar_one()
    assert lgo.type_in(year - 1) == LgoType.SAO
    assert lgo.type_in(year) == LgoType.SUBDISTRICT_MUNICIPALITY
    before = _types_in(2562)
    assert before["sao"] == 5300 + sum(1 for lgo in expected if len(lgo.periods) > 1)
    tags = db.session.execute(select(func.count()).select_from(lgo_area_tags)).scalar_one()
    assert tags == sum(len(lgo.area_tags) for lgo in expected) > 0
    event = db.session.execute(select(AuditEvent).where(
        AuditEvent.action == "registry.synthesized")).scalar_one()
    assert event.details["lgos"] == 7850 and event.details["seed"] == 5


def test_synthesize_refuses_a_registry_that_holds_lgos(app):
    make_lgo()
    db.session.commit()  # as a registry that exists already (the test's transaction still ends)
    result = app.test_cli_runner().invoke(args=[
        "registry", "synthesize", "--geography", str(GEOGRAPHY_DIR)])
    assert result.exit_code == 1
    assert "already holds 1 LGOs" in result.output
    assert db.session.execute(select(func.count(Lgo.id))).scalar_one() == 1


def test_synthesize_needs_the_whole_country(app_ctx, tmp_path):
    with pytest.raises(Invalid) as refused:
        services.synthesize_registry(write_geography(tmp_path / "geo", GEOGRAPHY_DIR, {"50"}))
    assert "whole national geography" in str(refused.value.message)
    assert db.session.execute(select(func.count(Lgo.id))).scalar_one() == 0
