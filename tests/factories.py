"""Factories that build the registry and users for tests (instead of fixtures copied around)."""
from __future__ import annotations

import itertools
from pathlib import Path

from lgo_assess.accounts import services as accounts
from lgo_assess.core.db import db
from lgo_assess.core.security import Role
from lgo_assess.registry.models import District, Lgo, LgoType, LgoTypePeriod, Province, Region

from tests.logins import TEST_PASSWORD, TEST_TOTP_SECRET, enrol_test_authenticator  # noqa: F401

_seq = itertools.count(1)


def make_province(code: str | None = None, name_th: str = "จังหวัดทดสอบ", name_en: str = "Test") -> Province:
    n = next(_seq)
    province = Province(code=code or _free_province_code(),
                        name_th=name_th, name_en=f"{name_en} {n}")
    db.session.add(province)
    db.session.flush()
    return province


def _free_province_code() -> str:
    used = {code for (code,) in db.session.query(Province.code)}
    for i in range(10, 100):
        if str(i) not in used:
            return str(i)
    raise RuntimeError("no free province code")


def make_district(province: Province | None = None, code: str | None = None) -> District:
    province = province or make_province()
    n = next(_seq)
    district = District(code=code or f"{province.code}{n % 100:02d}", province=province,
                        name_th=f"อำเภอทดสอบ {n}", name_en=f"Test district {n}")
    db.session.add(district)
    db.session.flush()
    return district


def make_lgo(lgo_type: LgoType = LgoType.SAO, *, province: Province | None = None,
             district: District | None = None, name_th: str | None = None,
             from_fy: int = 2561, dla_code: str | None = None) -> Lgo:
    n = next(_seq)
    province = province or (district.province if district else make_province())
    lgo = Lgo(dla_code=dla_code or f"9{n:06d}", name_th=name_th or f"อบต.ทดสอบ{n}",
              name_en=f"Test LGO {n}", province=province, district=district)
    lgo.type_periods.append(LgoTypePeriod(lgo_type=lgo_type, from_fy=from_fy))
    db.session.add(lgo)
    db.session.flush()
    return lgo


def make_user(role: Role | None = None, *, lgo: Lgo | None = None,
              province: Province | None = None, email: str | None = None,
              locale: str = "th", second_factor: bool | None = None) -> object:
    """A user holding ``role``. Approvers and administrators (who must use a second factor) get
    the test authenticator unless ``second_factor=False``; others only if it is True."""
    n = next(_seq)
    user = accounts.create_user(email or f"user{n}@example.go.th", f"ผู้ใช้ทดสอบ {n}",
                                TEST_PASSWORD, hash_method="pbkdf2:sha256:1000", locale=locale)
    if role is not None:
        if role.scope == "lgo":
            lgo = lgo or make_lgo()
        if role.scope == "province":
            province = province or make_province()
        accounts.grant_role(user, role, lgo=lgo if role.scope == "lgo" else None,
                            province=province if role.scope == "province" else None)
    if second_factor or (second_factor is None and role in accounts.SECOND_FACTOR_ROLES):
        enrol_test_authenticator(user)
    return user


def make_region(code: str = "central", scheme: str = "admin4") -> Region:
    region = Region(scheme=scheme, code=code, name_th="ภาคกลาง", name_en="Central")
    db.session.add(region)
    db.session.flush()
    return region


def make_subdistrict(district=None, *, code: str | None = None, name_th: str | None = None,
                     name_en: str | None = None):
    """A subdistrict (tambon) in ``district`` (a new one by default)."""
    from lgo_assess.registry.models import Subdistrict
    district = district or make_district()
    n = next(_seq)
    subdistrict = Subdistrict(code=code or f"{district.code}{n % 100:02d}", district=district,
                              name_th=name_th or f"ตำบลทดสอบ{n}",
                              name_en=name_en or f"Test subdistrict {n}", postal_code="10000")
    db.session.add(subdistrict)
    db.session.flush()
    return subdistrict


def make_area_tag(code: str | None = None, *, name_th: str = "พื้นที่ทดสอบ",
                  name_en: str = "Test area"):
    from lgo_assess.registry.models import AreaTag
    n = next(_seq)
    tag = AreaTag(code=code or f"test_area_{n}", name_th=name_th, name_en=f"{name_en} {n}")
    db.session.add(tag)
    db.session.flush()
    return tag


CRITERIA_FIXTURE = Path(__file__).resolve().parent / "criteria_fixtures" / "valid" / "TST" / "2569.yaml"


def make_edition(path=CRITERIA_FIXTURE, *, publish: bool = True):
    """The fixture edition TST 2569 (or the edition file at ``path``), imported and published;
    imported once, then returned as it is."""
    from lgo_assess.criteria import services
    from lgo_assess.criteria.loader import load_file
    from lgo_assess.criteria.models import EditionStatus
    loaded = load_file(path)
    assert loaded.ok, [str(p) for p in loaded.problems]
    edition = services.import_edition(loaded).edition
    if publish and edition.status == EditionStatus.DRAFT:
        services.publish_edition(edition)
    return edition


def make_evidence_item(lgo=None, *, fiscal_year: int = 2569, kind: str = "file",
                       content: bytes | None = None, filename: str = "แผนพัฒนาท้องถิ่น.pdf",
                       content_type: str = "application/pdf", title: str | None = None,
                       store_root=None, uploaded_by=None, url: str = "https://www.dla.go.th/"):
    """An evidence item in ``lgo``'s library: a file (its bytes written to the blob store at
    ``store_root`` when given) or a link. Skips the upload checks: use the services to test
    those."""
    import hashlib
    import io
    from datetime import date

    from lgo_assess.evidence.models import EvidenceItem, EvidenceKind
    from lgo_assess.evidence.storage import BlobStore
    lgo = lgo or make_lgo()
    uploaded_by = uploaded_by or make_user(Role.LGO_EDITOR, lgo=lgo)
    n = next(_seq)
    item = EvidenceItem(lgo_id=lgo.id, fiscal_year=fiscal_year, kind=EvidenceKind(kind),
                        title=title or f"หลักฐานทดสอบ {n}", uploaded_by_id=uploaded_by.id)
    if item.kind == EvidenceKind.FILE:
        content = content if content is not None else b"%PDF-1.4\n" + str(n).encode() + b"\n%%EOF\n"
        item.sha256 = hashlib.sha256(content).hexdigest()
        item.size_bytes, item.original_filename = len(content), filename
        item.content_type = content_type
        if store_root is not None:
            store = BlobStore(store_root)
            store.commit(store.stage(io.BytesIO(content)))
    else:
        item.url, item.accessed_on = url, date(2026, 1, 15)
    db.session.add(item)
    db.session.flush()
    return item
