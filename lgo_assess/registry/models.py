"""Registry models. An LGO's type is held by fiscal year (LGOs get upgraded), so every figure for
a past year uses the type the LGO had then."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (Boolean, CheckConstraint, Column, Enum, Float, ForeignKey, Integer, String,
                        Table, UniqueConstraint, select)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lgo_assess.core.db import UTCDateTime, db, utcnow


class RegionScheme(enum.StrEnum):
    ADMINISTRATIVE = "admin4"   # the 4 regions used in DLA/government statistics
    GEOGRAPHIC = "geo6"         # the 6 geographic regions of the Royal Institute


class LgoType(enum.StrEnum):
    PAO = "pao"
    CITY_MUNICIPALITY = "city_municipality"
    TOWN_MUNICIPALITY = "town_municipality"
    SUBDISTRICT_MUNICIPALITY = "subdistrict_municipality"
    SAO = "sao"
    BANGKOK = "bangkok"
    PATTAYA = "pattaya"

    @property
    def title(self) -> str:
        return str(LGO_TYPE_TITLES[self])

    @property
    def abbreviation_th(self) -> str:
        return LGO_TYPE_ABBREVIATIONS_TH[self]


LGO_TYPE_TITLES = {
    LgoType.PAO: _l("Provincial Administrative Organisation"),
    LgoType.CITY_MUNICIPALITY: _l("City municipality"),
    LgoType.TOWN_MUNICIPALITY: _l("Town municipality"),
    LgoType.SUBDISTRICT_MUNICIPALITY: _l("Subdistrict municipality"),
    LgoType.SAO: _l("Subdistrict Administrative Organisation"),
    LgoType.BANGKOK: _l("Bangkok Metropolitan Administration"),
    LgoType.PATTAYA: _l("Pattaya City"),
}

LGO_TYPE_ABBREVIATIONS_TH = {
    LgoType.PAO: "อบจ.",
    LgoType.CITY_MUNICIPALITY: "ทน.",
    LgoType.TOWN_MUNICIPALITY: "ทม.",
    LgoType.SUBDISTRICT_MUNICIPALITY: "ทต.",
    LgoType.SAO: "อบต.",
    LgoType.BANGKOK: "กทม.",
    LgoType.PATTAYA: "เมืองพัทยา",
}


class Region(db.Model):
    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme: Mapped[RegionScheme] = mapped_column(
        Enum(RegionScheme, native_enum=False, length=10,
             values_callable=lambda e: [m.value for m in e]))
    code: Mapped[str] = mapped_column(String(20))
    name_th: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))

    __table_args__ = (UniqueConstraint("scheme", "code"),)


class Province(db.Model):
    __tablename__ = "provinces"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(2), unique=True)  # DOPA code, e.g. "10"
    name_th: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    admin_region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    geo_region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)

    admin_region: Mapped[Region | None] = relationship(foreign_keys=[admin_region_id])
    geo_region: Mapped[Region | None] = relationship(foreign_keys=[geo_region_id])
    districts: Mapped[list["District"]] = relationship(back_populates="province",
                                                      order_by="District.code")


class District(db.Model):
    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(4), unique=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), index=True)
    name_th: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))

    province: Mapped[Province] = relationship(back_populates="districts")


class Subdistrict(db.Model):
    __tablename__ = "subdistricts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    name_th: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    postal_code: Mapped[str | None] = mapped_column(String(5))

    district: Mapped[District] = relationship()


lgo_subdistricts = Table(
    "lgo_subdistricts", db.metadata,
    Column("lgo_id", ForeignKey("lgos.id", ondelete="CASCADE"), primary_key=True),
    Column("subdistrict_id", ForeignKey("subdistricts.id"), primary_key=True, index=True),
)

lgo_area_tags = Table(
    "lgo_area_tags", db.metadata,
    Column("lgo_id", ForeignKey("lgos.id", ondelete="CASCADE"), primary_key=True),
    Column("area_tag_id", ForeignKey("area_tags.id"), primary_key=True, index=True),
)


class AreaTag(db.Model):
    """A kind of area that criteria can apply to: special economic zone, border, island, …
    The set is data: an admin can add tags."""

    __tablename__ = "area_tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_th: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))


class Lgo(db.Model):
    __tablename__ = "lgos"

    id: Mapped[int] = mapped_column(primary_key=True)
    dla_code: Mapped[str] = mapped_column(String(10), unique=True)
    name_th: Mapped[str] = mapped_column(String(200), index=True)
    name_en: Mapped[str | None] = mapped_column(String(200))
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    moo: Mapped[str | None] = mapped_column(String(20))
    postal_code: Mapped[str | None] = mapped_column(String(5))
    area_sq_km: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    website: Mapped[str | None] = mapped_column(String(300))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Last fiscal year in which the LGO existed; set when it is merged or dissolved.
    active_until_fy: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    province: Mapped[Province] = relationship()
    district: Mapped[District | None] = relationship()
    subdistricts: Mapped[list[Subdistrict]] = relationship(secondary=lgo_subdistricts,
                                                           order_by="Subdistrict.code")
    area_tags: Mapped[list[AreaTag]] = relationship(secondary=lgo_area_tags,
                                                    order_by="AreaTag.code")
    type_periods: Mapped[list["LgoTypePeriod"]] = relationship(
        back_populates="lgo", order_by="LgoTypePeriod.from_fy", cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint("is_active OR active_until_fy IS NOT NULL", name="inactive_has_end_year"),
    )

    def type_in(self, fiscal_year: int) -> LgoType | None:
        """The LGO's type in a fiscal year (B.E.), or None if it did not exist then."""
        for period in self.type_periods:
            if period.covers(fiscal_year):
                return period.lgo_type
        return None

    @property
    def current_type(self) -> LgoType | None:
        return self.type_periods[-1].lgo_type if self.type_periods else None

    def is_active_in(self, fiscal_year: int) -> bool:
        return self.type_in(fiscal_year) is not None and (
            self.active_until_fy is None or fiscal_year <= self.active_until_fy)

    @property
    def area_tag_codes(self) -> set[str]:
        return {tag.code for tag in self.area_tags}


class LgoTypePeriod(db.Model):
    """The LGO's type from one fiscal year until another (open-ended when ``to_fy`` is null)."""

    __tablename__ = "lgo_type_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    lgo_id: Mapped[int] = mapped_column(ForeignKey("lgos.id", ondelete="CASCADE"), index=True)
    lgo_type: Mapped[LgoType] = mapped_column(
        Enum(LgoType, native_enum=False, length=30, values_callable=lambda e: [m.value for m in e]))
    from_fy: Mapped[int] = mapped_column(Integer)
    to_fy: Mapped[int | None] = mapped_column(Integer)

    lgo: Mapped[Lgo] = relationship(back_populates="type_periods")

    __table_args__ = (
        UniqueConstraint("lgo_id", "from_fy"),
        CheckConstraint("to_fy IS NULL OR to_fy >= from_fy", name="period_not_reversed"),
    )

    def covers(self, fiscal_year: int) -> bool:
        return self.from_fy <= fiscal_year and (self.to_fy is None or fiscal_year <= self.to_fy)


def lgo_type_in_year_query(fiscal_year: int):
    """A select of (lgo_id, lgo_type) for every LGO that existed in ``fiscal_year``."""
    return select(LgoTypePeriod.lgo_id, LgoTypePeriod.lgo_type).where(
        LgoTypePeriod.from_fy <= fiscal_year,
        (LgoTypePeriod.to_fy.is_(None)) | (LgoTypePeriod.to_fy >= fiscal_year))
