"""KPI tables: the plan's catalogue (``kpis``), targets and manual values per fiscal year and
scope, and the live summary the computed KPIs are counted from.

A **scope** is a short key: ``nation``, ``admin4:<region>``, ``geo6:<region>``,
``province:<DOPA code>`` or ``type:<LGO type>``.

The **summary** has two tables, kept current by ``summary`` (session events):

- ``kpi_lgo_years``: one row per LGO and plan fiscal year in which the LGO was active, with its
  type and province in that year: the denominators, as the registry stood then;
- ``kpi_lgo_standard_years``: one row per LGO, standard and fiscal year in which the LGO held a
  certificate of the standard valid on 30 September (Bangkok), with the position of the best
  such certificate's result level in its edition (1 = the lowest level): the numerators;
- ``kpi_cells``: the two above counted per fiscal year, province and LGO type (and standard and
  level position for the numerators), adjusted by the difference each change makes: the
  dashboards read only this (a few thousand rows per year, whatever the number of LGOs).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (JSON, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lgo_assess.core.db import UTCDateTime, db, utcnow

SOURCES = ("computed", "manual")
DIRECTIONS = ("up", "down")
NATION = "nation"


class Kpi(db.Model):
    """One KPI of the plan, as the catalogue (criteria/kpis/*.yaml) defines it."""

    __tablename__ = "kpis"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)   # SI3-G1-K1
    plan_code: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)                  # order in the catalogue
    strategic_issue: Mapped[str] = mapped_column(String(10))
    goal: Mapped[str] = mapped_column(String(15))
    name_th: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str] = mapped_column(String(10))
    direction: Mapped[str] = mapped_column(String(4))
    source: Mapped[str] = mapped_column(String(10))
    plan_line: Mapped[int] = mapped_column(Integer)
    formula: Mapped[dict | None] = mapped_column(JSON)
    note_th: Mapped[str | None] = mapped_column(Text)
    note_en: Mapped[str | None] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("source IN ('computed', 'manual')", name="source_valid"),
        CheckConstraint("direction IN ('up', 'down')", name="direction_valid"),
        CheckConstraint("source <> 'computed' OR formula IS NOT NULL",
                        name="computed_has_formula"),
    )

    @property
    def is_computed(self) -> bool:
        return self.source == "computed"

    @property
    def standard_code(self) -> str | None:
        return (self.formula or {}).get("standard")

    @property
    def is_percent(self) -> bool:
        return self.unit == "percent"


class KpiTarget(db.Model):
    """The target of a KPI for one fiscal year (nationally, or for one scope)."""

    __tablename__ = "kpi_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    kpi_id: Mapped[str] = mapped_column(ForeignKey("kpis.id", ondelete="CASCADE"), index=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    scope: Mapped[str] = mapped_column(String(40), default=NATION)
    value: Mapped[float] = mapped_column(Float)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    kpi: Mapped[Kpi] = relationship()
    set_by = relationship("User")

    __table_args__ = (
        UniqueConstraint("kpi_id", "fiscal_year", "scope"),
        CheckConstraint("fiscal_year BETWEEN 2500 AND 2700", name="fiscal_year_be"),
    )


class KpiValue(db.Model):
    """A manually collected KPI's value for one fiscal year and scope, with where it comes from
    and, optionally, a supporting file (kept in the KPI file store, by SHA-256)."""

    __tablename__ = "kpi_values"

    id: Mapped[int] = mapped_column(primary_key=True)
    kpi_id: Mapped[str] = mapped_column(ForeignKey("kpis.id", ondelete="CASCADE"), index=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    scope: Mapped[str] = mapped_column(String(40), default=NATION)
    value: Mapped[float] = mapped_column(Float)
    source_text: Mapped[str] = mapped_column(Text)
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_type: Mapped[str | None] = mapped_column(String(100))
    file_size: Mapped[int | None] = mapped_column(Integer)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    kpi: Mapped[Kpi] = relationship()
    entered_by = relationship("User")

    __table_args__ = (
        UniqueConstraint("kpi_id", "fiscal_year", "scope"),
        CheckConstraint("fiscal_year BETWEEN 2500 AND 2700", name="fiscal_year_be"),
        CheckConstraint("length(trim(source_text)) > 0", name="has_source"),
        CheckConstraint("(file_sha256 IS NULL) = (file_name IS NULL)", name="file_has_name"),
    )


class KpiLgoYear(db.Model):
    """Summary: the LGO was active in ``fiscal_year``, of ``lgo_type``, in ``province_id``."""

    __tablename__ = "kpi_lgo_years"

    lgo_id: Mapped[int] = mapped_column(ForeignKey("lgos.id", ondelete="CASCADE"),
                                        primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    lgo_type: Mapped[str] = mapped_column(String(30))
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"))

    __table_args__ = (
        Index("ix_kpi_lgo_years_fy_province_type", "fiscal_year", "province_id", "lgo_type"),
    )


class KpiLgoStandardYear(db.Model):
    """Summary: on 30 September of ``fiscal_year`` the LGO held a valid certificate of the
    standard; ``level_position`` is its best result level's position in its edition (1 =
    lowest), ``certificate_id`` that certificate."""

    __tablename__ = "kpi_lgo_standard_years"

    lgo_id: Mapped[int] = mapped_column(ForeignKey("lgos.id", ondelete="CASCADE"),
                                        primary_key=True)
    standard_code: Mapped[str] = mapped_column(String(10), primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    level_position: Mapped[int] = mapped_column(Integer)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id",
                                                           ondelete="CASCADE"))

    __table_args__ = (
        CheckConstraint("level_position >= 1", name="level_position_positive"),
        Index("ix_kpi_lgo_standard_years_fy_standard", "fiscal_year", "standard_code",
              "level_position"),
        # A province's LGOs with their certificates of one year (kpi.queries.province_lgos):
        # looked up per LGO of the province, the certificate id read from the index.
        Index("ix_kpi_lgo_standard_years_lgo_fy", "lgo_id", "fiscal_year", "standard_code",
              "certificate_id"),
    )


POPULATION = ""       # kpi_cells.standard_code of the denominator rows (level_position 0)


class KpiCell(db.Model):
    """Summary: how many LGOs active in ``fiscal_year`` in the province, of the type, there were
    (``standard_code`` empty, ``level_position`` 0), or held a certificate of the standard whose
    best level was at ``level_position`` on 30 September."""

    __tablename__ = "kpi_cells"

    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), primary_key=True)
    lgo_type: Mapped[str] = mapped_column(String(30), primary_key=True)
    standard_code: Mapped[str] = mapped_column(String(10), primary_key=True)
    level_position: Mapped[int] = mapped_column(Integer, primary_key=True)
    lgo_count: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint("lgo_count >= 0", name="count_not_negative"),
        CheckConstraint("(standard_code = '') = (level_position = 0)",
                        name="population_has_no_level"),
        # The national trend sums every year by type, standard and level: read from the index.
        Index("ix_kpi_cells_trend", "fiscal_year", "lgo_type", "standard_code",
              "level_position", "lgo_count"),
    )
