"""Evidence items: a file (its bytes stored once by SHA-256) or a link, in one LGO's library for
one fiscal year. Deleting an item is soft: the row stays for the audit trail and the blob stays
while any item still in use points at it."""
from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (BigInteger, CheckConstraint, Date, Enum, ForeignKey, Index, Integer,
                        String, Text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lgo_assess.accounts.models import User
from lgo_assess.core.db import UTCDateTime, db, utcnow
from lgo_assess.registry.models import Lgo


class EvidenceKind(enum.StrEnum):
    FILE = "file"
    URL = "url"

    @property
    def title(self) -> str:
        return str(EVIDENCE_KIND_TITLES[self])


EVIDENCE_KIND_TITLES = {
    EvidenceKind.FILE: _l("File"),
    EvidenceKind.URL: _l("Link"),
}


class EvidenceItem(db.Model):
    __tablename__ = "evidence_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    lgo_id: Mapped[int] = mapped_column(ForeignKey("lgos.id"))
    fiscal_year: Mapped[int] = mapped_column(Integer)          # B.E.
    kind: Mapped[EvidenceKind] = mapped_column(
        Enum(EvidenceKind, native_enum=False, length=10,
             values_callable=lambda e: [m.value for m in e]))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    # A file: where its bytes are (the content address) and what they are.
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    original_filename: Mapped[str | None] = mapped_column(String(255))  # sanitised; display only
    content_type: Mapped[str | None] = mapped_column(String(100))       # detected from content
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    # A link: the address and when someone looked at it.
    url: Mapped[str | None] = mapped_column(String(2000))
    accessed_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)

    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    lgo: Mapped[Lgo] = relationship()
    uploaded_by: Mapped[User] = relationship(foreign_keys=[uploaded_by_id])
    deleted_by: Mapped[User | None] = relationship(foreign_keys=[deleted_by_id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_evidence_items_lgo_id_fiscal_year", "lgo_id", "fiscal_year"),
        CheckConstraint(
            "(kind = 'file' AND sha256 IS NOT NULL AND original_filename IS NOT NULL "
            "AND content_type IS NOT NULL AND size_bytes IS NOT NULL AND url IS NULL "
            "AND accessed_on IS NULL) "
            "OR (kind = 'url' AND url IS NOT NULL AND accessed_on IS NOT NULL "
            "AND sha256 IS NULL AND original_filename IS NULL AND content_type IS NULL "
            "AND size_bytes IS NULL)",
            name="kind_matches_fields"),
        CheckConstraint("size_bytes IS NULL OR size_bytes > 0", name="size_positive"),
        CheckConstraint("fiscal_year BETWEEN 2500 AND 2700", name="fiscal_year_is_be"),
        CheckConstraint("(deleted_at IS NULL) = (deleted_by_id IS NULL)",
                        name="deleted_has_deleter"),
    )

    @property
    def is_file(self) -> bool:
        return self.kind == EvidenceKind.FILE

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
