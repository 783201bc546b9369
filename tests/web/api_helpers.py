"""What the API tests share: a small world (two provinces, LGOs of two types, one upgraded,
an edition with a cycle open today, assessments, a certificate) and tokens for its people."""
from __future__ import annotations

import io
from dataclasses import dataclass

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.support import Translations

from lgo_assess.api import services as api_services
from lgo_assess.accounts import services as accounts
from lgo_assess.core.db import db
from lgo_assess.core.security import Role
from lgo_assess.registry.models import LgoType, LgoTypePeriod
from tests.factories import make_district, make_lgo, make_province, make_region, make_user
from tests.web.assessment_scene import open_cycle_today

FISCAL_YEAR = 2571     # the cycle of tests.web.assessment_scene, open today


def token_for(user, *, expires_in_days: int | None = None) -> str:
    return api_services.create_token(user, "test token", expires_in_days=expires_in_days,
                                     actor=user).secret


def bearer(secret: str, **headers) -> dict:
    return {"Authorization": f"Bearer {secret}", **headers}


@dataclass
class World:
    province_a: object
    province_b: object
    lgo_a: object          # an SAO in province A
    lgo_b: object          # an SAO in province B
    upgraded: object       # in province A: an SAO until 2566, a town municipality from 2567
    cycle: object
    assessment_a: object
    assessment_b: object


def make_world() -> World:
    from lgo_assess.assessments import services as assessments
    region = make_region("central")
    province_a, province_b = make_province(), make_province()
    province_a.admin_region = region
    lgo_a = make_lgo(province=province_a, district=make_district(province_a))
    lgo_b = make_lgo(province=province_b)
    upgraded = make_lgo(province=province_a, from_fy=2561)
    upgraded.type_periods[0].to_fy = 2566
    upgraded.type_periods.append(LgoTypePeriod(lgo_type=LgoType.TOWN_MUNICIPALITY,
                                               from_fy=2567))
    db.session.flush()
    cycle = open_cycle_today(FISCAL_YEAR)
    assessment_a = assessments.start_assessment(cycle, lgo_a, actor=None)
    assessment_b = assessments.start_assessment(cycle, lgo_b, actor=None)
    return World(province_a, province_b, lgo_a, lgo_b, upgraded, cycle, assessment_a,
                 assessment_b)


def make_everyone(world: World):
    """A user holding every role, the LGO and province ones for LGO A and its province."""
    user = make_user()
    for role in Role:
        accounts.grant_role(user, role, lgo=world.lgo_a if role.scope == "lgo" else None,
                            province=world.province_a if role.scope == "province" else None)
    return user


def thai_catalog(messages: dict[str, str]) -> Translations:
    """Thai translations of ``messages``, for tests that check the language switch before the
    Thai catalogue is written (put it in the app's cache,
    ``get_domain().get_translations_cache(None)[("th", "messages")]``)."""
    catalog = Catalog(locale="th")
    for source, thai in messages.items():
        catalog.add(source, thai)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)
