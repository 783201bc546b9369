"""Reading evidence: scoped loaders (a refusal is a 403, a missing or deleted item a 404) and
the library's lists and totals."""
from __future__ import annotations

from sqlalchemy import Select, func, or_, select

from lgo_assess.core.db import db
from lgo_assess.core.errors import Forbidden, NotFound
from lgo_assess.evidence import policies
from lgo_assess.evidence.models import EvidenceItem, EvidenceKind
from lgo_assess.registry.models import Lgo

MIN_FISCAL_YEAR, MAX_FISCAL_YEAR = 2500, 2700


def get_library_for(user, lgo_id: int, fiscal_year: int, *, manage: bool = False) -> Lgo:
    """The LGO whose library ``user`` asks for, if they may see it (or change it)."""
    lgo = db.session.get(Lgo, lgo_id)
    if lgo is None or not MIN_FISCAL_YEAR <= fiscal_year <= MAX_FISCAL_YEAR:
        raise NotFound()
    allowed = (policies.can_manage_library if manage else policies.can_view_library)(user, lgo)
    if not allowed:
        raise Forbidden()
    return lgo


def get_item_for(user, item_id: int, *, manage: bool = False) -> EvidenceItem:
    """The evidence item, if ``user`` may see it (or change it). Deleted items are gone."""
    item = db.session.get(EvidenceItem, item_id)
    if item is None or item.is_deleted:
        raise NotFound()
    allowed = (policies.can_edit_item if manage else policies.can_view_item)(user, item)
    if not allowed:
        raise Forbidden()
    return item


def library_query(lgo_id: int, fiscal_year: int, *, text: str | None = None,
                  kind: EvidenceKind | None = None) -> Select:
    """Items in use in one library, newest first, optionally matching ``text`` in the title,
    file name, description or address, and of one kind."""
    query = select(EvidenceItem).where(EvidenceItem.lgo_id == lgo_id,
                                       EvidenceItem.fiscal_year == fiscal_year,
                                       EvidenceItem.deleted_at.is_(None))
    if text and text.strip():
        pattern = "%" + text.strip().replace("\\", "\\\\").replace("%", "\\%").replace(
            "_", "\\_") + "%"
        query = query.where(or_(*(column.ilike(pattern, escape="\\") for column in (
            EvidenceItem.title, EvidenceItem.original_filename, EvidenceItem.description,
            EvidenceItem.url))))
    if kind is not None:
        query = query.where(EvidenceItem.kind == kind)
    return query.order_by(EvidenceItem.created_at.desc(), EvidenceItem.id.desc())


def storage_used(lgo_id: int) -> int:
    """Bytes the LGO's items in use occupy, each distinct content counted once (the same file
    cited in two fiscal years is stored, and counted, once)."""
    blobs = (select(EvidenceItem.sha256, EvidenceItem.size_bytes)
             .where(EvidenceItem.lgo_id == lgo_id, EvidenceItem.kind == EvidenceKind.FILE,
                    EvidenceItem.deleted_at.is_(None))
             .distinct().subquery())
    return int(db.session.execute(select(func.coalesce(func.sum(blobs.c.size_bytes), 0)))
               .scalar_one())


def hashes_used_by(lgo_id: int, hashes: set[str]) -> set[str]:
    if not hashes:
        return set()
    return set(db.session.execute(
        select(EvidenceItem.sha256).distinct().where(
            EvidenceItem.lgo_id == lgo_id, EvidenceItem.deleted_at.is_(None),
            EvidenceItem.sha256.in_(hashes))).scalars())


def find_duplicate(lgo_id: int, fiscal_year: int, sha256: str) -> EvidenceItem | None:
    return db.session.execute(
        select(EvidenceItem).where(EvidenceItem.lgo_id == lgo_id,
                                   EvidenceItem.fiscal_year == fiscal_year,
                                   EvidenceItem.sha256 == sha256,
                                   EvidenceItem.deleted_at.is_(None))
        .order_by(EvidenceItem.id).limit(1)).scalar_one_or_none()


def referenced_hashes() -> set[str]:
    """Every content address some item in use points at (the blobs ``sweep`` must keep)."""
    return set(db.session.execute(
        select(EvidenceItem.sha256).distinct().where(EvidenceItem.sha256.is_not(None),
                                                     EvidenceItem.deleted_at.is_(None))).scalars())


def is_referenced(sha256: str) -> bool:
    return db.session.execute(
        select(EvidenceItem.id).where(EvidenceItem.sha256 == sha256,
                                      EvidenceItem.deleted_at.is_(None)).limit(1)
    ).first() is not None
