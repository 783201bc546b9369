"""Evidence items for the route × role matrix: one file item (a small PNG, so its download and
preview really answer) in the library of the LGO a request is about, made on first use."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from lgo_assess.core.db import db
from lgo_assess.registry.models import Lgo

MATRIX_FISCAL_YEAR = 2569
MATRIX_TITLE = "หลักฐานของตาราง (matrix evidence)"
STORE_ROOT: Path | None = None   # the app's EVIDENCE_DIR, set by tests/web/conftest.py


def evidence_id(place) -> int:
    from lgo_assess.evidence.models import EvidenceItem
    from tests.evidence_files import image_bytes
    from tests.factories import make_evidence_item
    found = db.session.execute(select(EvidenceItem.id).where(
        EvidenceItem.lgo_id == place.lgo_id, EvidenceItem.title == MATRIX_TITLE,
        EvidenceItem.deleted_at.is_(None))).scalar()
    if found is not None:
        return found
    item = make_evidence_item(db.session.get(Lgo, place.lgo_id), title=MATRIX_TITLE,
                              fiscal_year=MATRIX_FISCAL_YEAR, content=image_bytes("PNG"),
                              filename="ภาพกิจกรรม.png", content_type="image/png",
                              store_root=STORE_ROOT)
    return item.id
