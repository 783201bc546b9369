"""Standards, their editions, and each edition's sections and criteria as rows.

An edition keeps the full document it was imported from (``document``, JSON) so that the typed
``Edition`` can be rebuilt exactly (``to_edition``); sections and criteria are normalised rows
that the rest of the app queries and points at. A published edition never changes: services
refuse, and database triggers (see the migration) refuse even if code errs.
"""
from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (JSON, Boolean, CheckConstraint, Enum, Float, ForeignKey, Integer, String,
                        Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lgo_assess.core.db import UTCDateTime, db, utcnow
from lgo_assess.criteria.edition import Edition


class EditionStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"

    @property
    def title(self) -> str:
        return str(EDITION_STATUS_TITLES[self])


EDITION_STATUS_TITLES = {
    EditionStatus.DRAFT: _l("Draft"),
    EditionStatus.PUBLISHED: _l("Published"),
    EditionStatus.RETIRED: _l("Retired"),
}


class ScoringMethod(enum.StrEnum):
    LEVEL = "level"
    CHECKLIST = "checklist"
    NUMERIC = "numeric"
    YES_NO = "yes_no"

    @property
    def title(self) -> str:
        return str(SCORING_METHOD_TITLES[self])


SCORING_METHOD_TITLES = {
    ScoringMethod.LEVEL: _l("Level on a scale"),
    ScoringMethod.CHECKLIST: _l("Checklist"),
    ScoringMethod.NUMERIC: _l("Number with bands"),
    ScoringMethod.YES_NO: _l("Yes or no"),
}


def _enum(enum_class, length: int):
    return Enum(enum_class, native_enum=False, length=length,
                values_callable=lambda e: [m.value for m in e])


def _in(column: str, enum_class) -> str:
    return f"{column} IN ({', '.join(repr(m.value) for m in enum_class)})"


class Standard(db.Model):
    """A standard of the plan (GGL, SEP, …): stable across editions."""

    __tablename__ = "standards"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    plan_ref: Mapped[str] = mapped_column(String(3))
    name_th: Mapped[str] = mapped_column(String(500))
    name_en: Mapped[str] = mapped_column(String(500))
    owner_th: Mapped[str] = mapped_column(String(500))
    owner_en: Mapped[str] = mapped_column(String(500))

    editions: Mapped[list["StandardEdition"]] = relationship(
        back_populates="standard", order_by="StandardEdition.code")

    @property
    def published_editions(self) -> list["StandardEdition"]:
        return [e for e in self.editions if e.status != EditionStatus.DRAFT]


class StandardEdition(db.Model):
    __tablename__ = "standard_editions"

    id: Mapped[int] = mapped_column(primary_key=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("standards.id", ondelete="RESTRICT"),
                                             index=True)
    code: Mapped[str] = mapped_column(String(20))
    status: Mapped[EditionStatus] = mapped_column(_enum(EditionStatus, 10),
                                                  default=EditionStatus.DRAFT)
    title_th: Mapped[str] = mapped_column(String(500))
    title_en: Mapped[str] = mapped_column(String(500))
    fiscal_years: Mapped[list] = mapped_column(JSON)
    first_fiscal_year: Mapped[int] = mapped_column(Integer, index=True)
    last_fiscal_year: Mapped[int] = mapped_column(Integer, index=True)
    supersedes: Mapped[str | None] = mapped_column(String(20))
    certificate_validity_months: Mapped[int] = mapped_column(Integer)
    not_applicable_default: Mapped[str] = mapped_column(String(12))
    content_hash: Mapped[str] = mapped_column(String(64))
    source_path: Mapped[str] = mapped_column(String(300))
    document: Mapped[dict] = mapped_column(JSON)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    standard: Mapped[Standard] = relationship(back_populates="editions")
    sections: Mapped[list["Section"]] = relationship(
        back_populates="edition", order_by="Section.position", cascade="all, delete-orphan",
        passive_deletes=True)
    criteria: Mapped[list["Criterion"]] = relationship(
        back_populates="edition", order_by="Criterion.position", cascade="all, delete-orphan",
        passive_deletes=True, overlaps="section,criteria")
    kpi_links: Mapped[list["EditionKpi"]] = relationship(
        back_populates="edition", cascade="all, delete-orphan", passive_deletes=True,
        order_by="EditionKpi.kpi_id")

    __table_args__ = (
        UniqueConstraint("standard_id", "code"),
        CheckConstraint(_in("status", EditionStatus), name="status_valid"),
        CheckConstraint("status = 'draft' OR published_at IS NOT NULL",
                        name="published_has_date"),
        CheckConstraint("status <> 'retired' OR retired_at IS NOT NULL",
                        name="retired_has_date"),
        CheckConstraint("first_fiscal_year <= last_fiscal_year", name="fiscal_years_in_order"),
        CheckConstraint("not_applicable_default IN ('exclude', 'score_zero', 'score_full')",
                        name="na_default_valid"),
    )

    @property
    def kpis(self) -> list[str]:
        """The KPI ids of the plan this edition feeds."""
        return [link.kpi_id for link in self.kpi_links]

    @property
    def is_immutable(self) -> bool:
        return self.status != EditionStatus.DRAFT

    @property
    def label(self) -> str:
        return f"{self.standard.code} {self.code}"

    def serves(self, fiscal_year: int) -> bool:
        return fiscal_year in (self.fiscal_years or ())

    def to_edition(self) -> Edition:
        """The typed, immutable edition, rebuilt from the stored document."""
        return Edition.from_document(self.document)


class Section(db.Model):
    __tablename__ = "edition_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        ForeignKey("standard_editions.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)
    title_th: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text)
    weight: Mapped[float] = mapped_column(Float)
    section_minimum_percent: Mapped[float | None] = mapped_column(Float)

    edition: Mapped[StandardEdition] = relationship(back_populates="sections")
    criteria: Mapped[list["Criterion"]] = relationship(
        back_populates="section", order_by="Criterion.position", overlaps="criteria,edition")

    __table_args__ = (
        UniqueConstraint("edition_id", "code"),
        CheckConstraint("weight > 0", name="weight_positive"),
    )


class Criterion(db.Model):
    """One criterion of one edition. ``definition`` is the criterion as written in the file;
    ``applicability`` its ``applies_to`` (null: every LGO); ``search_text`` every text of it in
    both languages, lower-cased, for search."""

    __tablename__ = "criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        ForeignKey("standard_editions.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int] = mapped_column(
        ForeignKey("edition_sections.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)
    title_th: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text)
    weight: Mapped[float] = mapped_column(Float)
    scoring_method: Mapped[ScoringMethod] = mapped_column(_enum(ScoringMethod, 10))
    must_pass: Mapped[bool] = mapped_column(Boolean, default=False)
    applicability: Mapped[dict | None] = mapped_column(JSON)
    definition: Mapped[dict] = mapped_column(JSON)
    search_text: Mapped[str] = mapped_column(Text)

    edition: Mapped[StandardEdition] = relationship(back_populates="criteria",
                                                    overlaps="criteria,section")
    section: Mapped[Section] = relationship(back_populates="criteria",
                                            overlaps="criteria,edition")

    __table_args__ = (
        UniqueConstraint("edition_id", "code"),
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint(_in("scoring_method", ScoringMethod), name="scoring_method_valid"),
    )


class EditionKpi(db.Model):
    """A KPI of the plan that an edition feeds (``edition.kpis`` in the file)."""

    __tablename__ = "edition_kpis"

    edition_id: Mapped[int] = mapped_column(
        ForeignKey("standard_editions.id", ondelete="CASCADE"), primary_key=True)
    kpi_id: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)

    edition: Mapped[StandardEdition] = relationship(back_populates="kpi_links")
