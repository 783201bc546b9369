"""Demo accounts: one or more for every role, all with the demo password.

Three LGOs have an editor and an executive: Chiang Mai City and Ban Kho SAO, whose assessments
the later steps take through review and certification, and Su Thep Subdistrict Municipality,
which the demo leaves untouched so that a newcomer (and tests/web/test_demo_five_standards.py)
can start, complete and submit a self-assessment of each standard from scratch."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from lgo_assess.accounts import services
from lgo_assess.accounts.models import User
from lgo_assess.core.db import db
from lgo_assess.core.security import Role
from lgo_assess.demo import DEMO_EMAIL_DOMAIN, DEMO_PASSWORD, DEMO_TOTP_SECRET


@dataclass(frozen=True)
class DemoUser:
    name: str            # the part of the e-mail address before @
    display_name: str
    role: Role
    lgo: str | None = None            # DLA code, for LGO roles
    province: str | None = None       # province code, for provincial officers
    home_district: str | None = None  # district code, for assessors
    locale: str = "th"

    @property
    def email(self) -> str:
        return f"{self.name}@{DEMO_EMAIL_DOMAIN}"


USERS = (
    DemoUser("admin", "อรุณี ศรีสวัสดิ์", Role.DLA_ADMIN),
    DemoUser("approver", "ประเสริฐ วงศ์ทอง", Role.DLA_APPROVER),
    DemoUser("officer.chiangmai", "ศิริพร แก้วมณี", Role.PROVINCIAL_OFFICER, province="50"),
    DemoUser("officer.khonkaen", "ธนากร ภูมิภักดิ์", Role.PROVINCIAL_OFFICER, province="40"),
    DemoUser("assessor1", "กิตติพงษ์ สายสุวรรณ", Role.ASSESSOR, home_district="5014"),
    DemoUser("assessor2", "Napaporn Chanpen", Role.ASSESSOR, home_district="4010",
             locale="en"),
    # Works in Mueang Chiang Mai, the district of Chiang Mai City: the demo's conflicted assessor
    DemoUser("assessor3", "ชัยวัฒน์ อินทร์แก้ว", Role.ASSESSOR, home_district="5001"),
    DemoUser("editor.cm-city", "ปิยะนุช ทองดี", Role.LGO_EDITOR, lgo="3500101"),
    DemoUser("executive.cm-city", "สมบัติ เรืองศรี", Role.LGO_EXECUTIVE, lgo="3500101"),
    DemoUser("editor.bankho", "อนุชา บุญมา", Role.LGO_EDITOR, lgo="6400101"),
    DemoUser("executive.bankho", "วันเพ็ญ พรหมมา", Role.LGO_EXECUTIVE, lgo="6400101"),
    DemoUser("editor.suthep", "มาลัย จันทร์หอม", Role.LGO_EDITOR, lgo="5500101"),
    DemoUser("executive.suthep", "ชาญชัย อินทรวงศ์", Role.LGO_EXECUTIVE, lgo="5500101"),
)


def _find_user(email: str) -> User | None:
    return db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()


def load(ctx) -> int:
    created = 0
    for demo in USERS:
        user = _find_user(demo.email)
        if user is None:
            district = services.find_district(demo.home_district) if demo.home_district else None
            user = services.create_user(demo.email, demo.display_name, ctx.password,
                                        locale=demo.locale, hash_method=ctx.hash_method,
                                        min_length=ctx.min_length, home_district=district)
            created += 1
        lgo = services.find_lgo(demo.lgo) if demo.lgo else None
        province = services.find_province(demo.province) if demo.province else None
        if not any(g.role == demo.role and g.lgo == lgo and g.province == province
                   for g in user.grants):
            services.grant_role(user, demo.role, lgo=lgo, province=province)
            created += 1
        created += enrol_demo_second_factor(user)
    return created


def enrol_demo_second_factor(user: User) -> int:
    """Approvers and administrators must use a second factor: demo ones share a published key."""
    if services.second_factor_required(user) and not services.has_second_factor(user):
        services.set_known_second_factor(user, DEMO_TOTP_SECRET)
        return 1
    return 0


def login_rows() -> list[tuple[str, str, str, str]]:
    """(role, e-mail, password, scope) for each demo account present, in the order of USERS."""
    rows = []
    for demo in USERS:
        user = _find_user(demo.email)
        if user is None:
            continue
        for grant in user.grants:
            if grant.lgo is not None:
                scope = f"LGO {grant.lgo.dla_code} {grant.lgo.name_th}"
            elif grant.province is not None:
                scope = f"province {grant.province.code} {grant.province.name_th}"
            elif grant.role == Role.ASSESSOR:
                scope = "assigned assessments"
                if user.home_district is not None:
                    scope += f" (home district {user.home_district.code} "
                    scope += f"{user.home_district.name_th})"
            else:
                scope = "nation"
            rows.append((grant.role.value, user.email, DEMO_PASSWORD, scope))
    return rows
