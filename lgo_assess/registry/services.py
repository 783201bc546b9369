"""Registry services: the only code that writes regions, provinces, districts, subdistricts,
area tags and LGOs. They flush and never commit; each records an audit event (a bulk import
records one summary event, not one per row)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, delete, func, insert, select, update

from lgo_assess.core.audit import record
from lgo_assess.core.db import db, utcnow
from lgo_assess.core.errors import Conflict, Invalid
from lgo_assess.core.thaidate import fiscal_year as fiscal_year_of
from lgo_assess.registry import synthesis
from lgo_assess.registry.lgo_csv import RowError, parse_lgo_csv
from lgo_assess.registry.models import (AreaTag, District, Lgo, LgoType, LgoTypePeriod, Province,
                                        Region, RegionScheme, Subdistrict, lgo_area_tags,
                                        lgo_subdistricts)
from lgo_assess.registry.names import (lgo_name_en, normalise, renamed_for_type,
                                       split_lgo_name)
from lgo_assess.registry.reference import (AREA_TAG_CODE, Geography, GeoIndex,
                                           ReferenceDataError, check_regions_cover,
                                           load_area_tags, load_geography, load_regions)

EARLIEST_FY = 2500  # fiscal years are B.E.; anything earlier is a C.E. year or a typo
# Upgrades go up this ladder (an SAO may become any municipality; a municipality may grow).
UPGRADE_LADDER = (LgoType.SAO, LgoType.SUBDISTRICT_MUNICIPALITY, LgoType.TOWN_MUNICIPALITY,
                  LgoType.CITY_MUNICIPALITY)


def current_fiscal_year() -> int:
    return fiscal_year_of(utcnow())


def _check_fiscal_year(fy: int, *, latest: int | None = None) -> None:
    latest = latest or current_fiscal_year() + 1
    if not EARLIEST_FY <= fy <= latest:
        raise Invalid(_l("Give a fiscal year in the Buddhist era between %(first)d and "
                         "%(last)d (for example %(example)d).", first=EARLIEST_FY, last=latest,
                         example=current_fiscal_year()))


# --- geography --------------------------------------------------------------------------------

@dataclass
class UpsertCount:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{self.created} new, {self.updated} updated, {self.unchanged} unchanged"


@dataclass
class GeographySummary:
    regions: UpsertCount
    provinces: UpsertCount
    districts: UpsertCount
    subdistricts: UpsertCount
    area_tags_added: int


def _upsert(model, key_of, rows: list[dict], fields: tuple[str, ...]) -> UpsertCount:
    """Insert rows whose key is new and update those whose ``fields`` changed, in bulk."""
    columns = [getattr(model, name) for name in fields]
    existing = {key_of(row._mapping): row for row in
                db.session.execute(select(model.id, *columns))}
    new, changed, count = [], [], UpsertCount()
    for row in rows:
        old = existing.get(key_of(row))
        if old is None:
            new.append(row)
        elif any(getattr(old, name) != row[name] for name in fields):
            changed.append({"id": old.id, **row})
        else:
            count.unchanged += 1
    if new:
        _insert_many(model, new)
    if changed:
        db.session.execute(update(model), changed)
    count.created, count.updated = len(new), len(changed)
    return count


def _insert_many(target, rows: list[dict]) -> None:
    """One Core executemany INSERT of ``rows`` (dicts with the same keys) into a model's table or
    a ``Table``. (Measured: faster on both engines than the ORM's bulk insert, which splits rows
    by which values are None, and than multi-row VALUES, which recompiles each chunk.)"""
    if rows:
        db.session.execute(insert(getattr(target, "__table__", target)), rows)


def _codes_to_ids(model) -> dict[str, int]:
    return {code: id_ for id_, code in db.session.execute(select(model.id, model.code))}


def import_geography(directory: Path | str, *, actor=None) -> GeographySummary:
    """Upsert regions (both schemes, from regions.yaml), provinces, districts and subdistricts
    (DOPA's JSON files in ``directory``) and add any missing seed area tags. Idempotent."""
    geography, regions = _load_reference(directory)
    summary = _import_geography(geography, regions)
    record(actor, "registry.geography_imported", None, directory=str(directory),
           **asdict(summary))
    return summary


def _load_reference(directory: Path | str):
    """The geography in ``directory`` and the regions, or Invalid naming what is wrong."""
    try:
        geography = load_geography(directory)
        regions = load_regions()
    except ReferenceDataError as error:
        raise Invalid(_l("The geography data cannot be read: %(problems)s",
                         problems="; ".join(error.problems[:20]))) from error
    problems = check_regions_cover(regions, [p.code for p in geography.provinces])
    if problems:
        raise Invalid(_l("The region file does not match the geography: %(problems)s",
                         problems="; ".join(problems)))
    return geography, regions


def _import_geography(geography: Geography, regions) -> GeographySummary:
    session = db.session
    region_rows = [{"scheme": RegionScheme(r.scheme), "code": r.code, "name_th": r.name_th,
                    "name_en": r.name_en} for r in regions.regions]
    region_count = _upsert(Region, lambda r: (RegionScheme(r["scheme"]), r["code"]), region_rows,
                           ("scheme", "code", "name_th", "name_en"))
    region_ids = {(RegionScheme(scheme), code): id_ for id_, scheme, code in
                  session.execute(select(Region.id, Region.scheme, Region.code))}

    province_rows = []
    for p in geography.provinces:
        assigned = regions.province_regions[p.code]
        province_rows.append({
            "code": p.code, "name_th": p.name_th, "name_en": p.name_en,
            "admin_region_id": region_ids[(RegionScheme.ADMINISTRATIVE,
                                           assigned[RegionScheme.ADMINISTRATIVE.value])],
            "geo_region_id": region_ids[(RegionScheme.GEOGRAPHIC,
                                         assigned[RegionScheme.GEOGRAPHIC.value])]})
    province_count = _upsert(Province, lambda r: r["code"], province_rows,
                             ("code", "name_th", "name_en", "admin_region_id", "geo_region_id"))
    province_ids = _codes_to_ids(Province)

    district_rows = [{"code": d.code, "province_id": province_ids[d.province_code],
                      "name_th": d.name_th, "name_en": d.name_en} for d in geography.districts]
    district_count = _upsert(District, lambda r: r["code"], district_rows,
                             ("code", "province_id", "name_th", "name_en"))
    district_ids = _codes_to_ids(District)

    subdistrict_rows = [{"code": s.code, "district_id": district_ids[s.district_code],
                         "name_th": s.name_th, "name_en": s.name_en,
                         "postal_code": s.postal_code} for s in geography.subdistricts]
    subdistrict_count = _upsert(Subdistrict, lambda r: r["code"], subdistrict_rows,
                                ("code", "district_id", "name_th", "name_en", "postal_code"))
    tags_added = seed_area_tags()
    session.flush()
    session.expire_all()  # bulk statements bypass the identity map
    return GeographySummary(region_count, province_count, district_count, subdistrict_count,
                            tags_added)


# --- area tags --------------------------------------------------------------------------------

def seed_area_tags() -> int:
    """Add the seed tags (data/area_tags.yaml) that are missing; an existing tag is left as an
    admin may have renamed it. Called by import_geography, which records the event."""
    have = set(db.session.execute(select(AreaTag.code)).scalars())
    rows = [{"code": t.code, "name_th": t.name_th, "name_en": t.name_en}
            for t in load_area_tags() if t.code not in have]
    if rows:
        _insert_many(AreaTag, rows)
    return len(rows)


def create_area_tag(code: str, name_th: str, name_en: str, *, actor) -> AreaTag:
    code = (code or "").strip().lower()
    name_th, name_en = normalise(name_th), normalise(name_en)
    if not AREA_TAG_CODE.match(code):
        raise Invalid(_l("A tag code has 2–40 lower-case letters, digits or underscores and "
                         "starts with a letter."))
    if not name_th or not name_en:
        raise Invalid(_l("Give the tag's name in Thai and in English."))
    if db.session.execute(select(AreaTag.id).where(AreaTag.code == code)).first():
        raise Conflict(_l("An area tag with the code %(code)s already exists.", code=code))
    tag = AreaTag(code=code, name_th=name_th, name_en=name_en)
    db.session.add(tag)
    db.session.flush()
    record(actor, "area_tag.created", tag, code=code, name_th=name_th, name_en=name_en)
    return tag


def set_area_tags(lgo: Lgo, tags: list[AreaTag], *, actor) -> bool:
    """Give ``lgo`` exactly ``tags``. Returns whether anything changed."""
    before = {t.code for t in lgo.area_tags}
    after = {t.code for t in tags}
    if before == after:
        return False
    lgo.area_tags = sorted(set(tags), key=lambda t: t.code)
    db.session.flush()
    record(actor, "lgo.area_tags_set", lgo, dla_code=lgo.dla_code,
           added=sorted(after - before), removed=sorted(before - after))
    return True


# --- type history and status ------------------------------------------------------------------

def _open_period(lgo: Lgo) -> LgoTypePeriod | None:
    periods = [p for p in lgo.type_periods if p.to_fy is None]
    return periods[-1] if periods else None


def upgrade_lgo_type(lgo: Lgo, new_type: LgoType, from_fy: int, *, actor,
                     name_th: str | None = None, name_en: str | None = None) -> LgoTypePeriod:
    """From fiscal year ``from_fy`` the LGO is of ``new_type``: its current type period closes at
    ``from_fy - 1`` and a new one opens. The names follow the new type unless given."""
    new_type = LgoType(new_type)
    current = _open_period(lgo)
    if not lgo.is_active or current is None:
        raise Conflict(_l("%(lgo)s is no longer active; its type cannot change.",
                          lgo=lgo.name_th))
    old_type = current.lgo_type
    if new_type == old_type:
        raise Invalid(_l("%(lgo)s is already of this type.", lgo=lgo.name_th))
    if old_type not in UPGRADE_LADDER or new_type not in UPGRADE_LADDER:
        raise Invalid(_l("Only an SAO or a municipality can be upgraded, and only to a "
                         "municipality."))
    if UPGRADE_LADDER.index(new_type) < UPGRADE_LADDER.index(old_type):
        raise Invalid(_l("An upgrade cannot lower an LGO's type."))
    _check_fiscal_year(from_fy)
    if from_fy <= current.from_fy:
        raise Invalid(_l("The new type must start after fiscal year %(fy)d, when the current "
                         "type began.", fy=current.from_fy))
    if lgo.active_until_fy is not None and from_fy > lgo.active_until_fy:
        raise Invalid(_l("The LGO ends in fiscal year %(fy)d.", fy=lgo.active_until_fy))
    old_names = (lgo.name_th, lgo.name_en)
    current.to_fy = from_fy - 1
    period = LgoTypePeriod(lgo_type=new_type, from_fy=from_fy)
    lgo.type_periods.append(period)
    derived_th, derived_en = renamed_for_type(lgo.name_th, lgo.name_en, new_type.value)
    lgo.name_th = normalise(name_th) or derived_th
    lgo.name_en = normalise(name_en) or derived_en
    db.session.flush()
    record(actor, "lgo.type_changed", lgo, dla_code=lgo.dla_code, from_type=old_type.value,
           to_type=new_type.value, from_fy=from_fy, old_names=list(old_names),
           new_names=[lgo.name_th, lgo.name_en])
    return period


def deactivate_lgo(lgo: Lgo, last_fy: int, *, actor) -> None:
    """The LGO existed until fiscal year ``last_fy`` (merged or dissolved): its type period
    closes there and it leaves every count for later years."""
    if not lgo.is_active:
        raise Conflict(_l("%(lgo)s is already inactive.", lgo=lgo.name_th))
    _check_fiscal_year(last_fy)
    current = _open_period(lgo)
    if current is not None and last_fy < current.from_fy:
        raise Invalid(_l("The last year cannot be before fiscal year %(fy)d, when the current "
                         "type began.", fy=current.from_fy))
    if current is not None:
        current.to_fy = last_fy
    lgo.is_active = False
    lgo.active_until_fy = last_fy
    db.session.flush()
    record(actor, "lgo.deactivated", lgo, dla_code=lgo.dla_code, last_fy=last_fy)


# --- DLA's LGO file ---------------------------------------------------------------------------

class LgoFileRefused(Invalid):
    """The file has bad rows; ``errors`` lists every one. Nothing was written."""

    def __init__(self, errors: list[RowError]):
        super().__init__(_l("The file has %(n)d problems; nothing was imported.", n=len(errors)))
        self.errors = errors


@dataclass
class LgoImportSummary:
    encoding: str
    fiscal_year: int
    rows: int
    lgos: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    type_changes: int = 0
    links_added: int = 0
    links_removed: int = 0
    not_in_file: int = 0
    inactive_listed: int = 0
    by_type: dict[str, int] = field(default_factory=dict)


_LGO_FIELDS = ("name_th", "name_en", "province_id", "district_id", "address", "moo",
               "postal_code", "area_sq_km", "latitude", "longitude", "website")


def _geography_tables():
    provinces = {code: (id_, th, en) for id_, code, th, en in db.session.execute(
        select(Province.id, Province.code, Province.name_th, Province.name_en))}
    districts = {code: (id_, th, en, pcode) for id_, code, th, en, pcode in db.session.execute(
        select(District.id, District.code, District.name_th, District.name_en, Province.code)
        .join(Province, District.province_id == Province.id))}
    subdistricts = {code: (id_, th, en, dcode) for id_, code, th, en, dcode in db.session.execute(
        select(Subdistrict.id, Subdistrict.code, Subdistrict.name_th, Subdistrict.name_en,
               District.code).join(District, Subdistrict.district_id == District.id))}
    return provinces, districts, subdistricts


def _derived_name_en(record, provinces, districts, subdistricts) -> str | None:
    """An English name when the Thai name is a type prefix + a place whose English name DOPA
    gives (a covered subdistrict, the district, the province); otherwise none."""
    if record.lgo_type == "pattaya":
        return lgo_name_en("pattaya", "")
    implied, place = split_lgo_name(record.name_th)
    if implied is None:
        return None
    candidates = [subdistricts[c][1:3] for c in record.subdistrict_codes]
    if record.district_code:
        th, en = districts[record.district_code][1:3]
        candidates += [(th, en), (th.removeprefix("เมือง"), en.removeprefix("Mueang "))]
    candidates.append(provinces[record.province_code][1:3])
    for th, en in candidates:
        if th == place:
            return lgo_name_en(record.lgo_type, en)
    return None


def import_lgos(source: Path | str | bytes, *, fiscal_year: int | None = None,
                actor=None) -> LgoImportSummary:
    """Import DLA's LGO list (see ``lgo_csv``): create new LGOs, update changed names and
    addresses, open a new type period from ``fiscal_year`` (default: the current one) for an LGO
    whose type changed, and set the subdistricts each covers. A file with any bad row raises
    ``LgoFileRefused`` listing every one, before anything is written. Idempotent."""
    session = db.session
    fiscal_year = fiscal_year or current_fiscal_year()
    _check_fiscal_year(fiscal_year)
    raw = source if isinstance(source, bytes) else Path(source).read_bytes()
    provinces, districts, subdistricts = _geography_tables()
    if not provinces:
        raise Invalid(_l("Import the geography first: there are no provinces."))
    geo = GeoIndex.build([(code, v[1]) for code, v in provinces.items()],
                         [(code, v[3], v[1]) for code, v in districts.items()],
                         [(code, v[3], v[1]) for code, v in subdistricts.items()])
    parsed = parse_lgo_csv(raw, geo)
    if parsed.errors:
        raise LgoFileRefused(parsed.errors)

    existing = {row.dla_code: row for row in session.execute(
        select(Lgo.id, Lgo.dla_code, Lgo.is_active, *[getattr(Lgo, f) for f in _LGO_FIELDS]))}
    open_periods = {row.lgo_id: row for row in session.execute(
        select(LgoTypePeriod.id, LgoTypePeriod.lgo_id, LgoTypePeriod.lgo_type,
               LgoTypePeriod.from_fy).where(LgoTypePeriod.to_fy.is_(None)))}
    summary = LgoImportSummary(parsed.encoding, fiscal_year, parsed.rows, len(parsed.records))
    now = utcnow()
    new_rows, changed_rows, errors = [], [], []
    retype, close, open_new = [], [], []
    wanted: dict[str, list[int]] = {}
    for rec in parsed.records:
        summary.by_type[rec.lgo_type] = summary.by_type.get(rec.lgo_type, 0) + 1
        values = {
            "name_th": rec.name_th,
            "name_en": _derived_name_en(rec, provinces, districts, subdistricts),
            "province_id": provinces[rec.province_code][0],
            "district_id": districts[rec.district_code][0] if rec.district_code else None,
            "address": rec.address, "moo": rec.moo, "postal_code": rec.postal_code,
            "area_sq_km": rec.area_sq_km, "latitude": rec.latitude, "longitude": rec.longitude,
            "website": rec.website,
        }
        wanted[rec.code] = [subdistricts[c][0] for c in rec.subdistrict_codes]
        old = existing.get(rec.code)
        if old is None:
            new_rows.append({"dla_code": rec.code, "is_active": True, "updated_at": now, **values})
            continue
        if values["name_en"] is None:
            values["name_en"] = old.name_en  # keep an English name given earlier
        if any(getattr(old, f) != values[f] for f in _LGO_FIELDS):
            changed_rows.append({"id": old.id, "updated_at": now, **values})
        else:
            summary.unchanged += 1
        if not old.is_active:
            summary.inactive_listed += 1
            continue
        period = open_periods.get(old.id)
        new_type = LgoType(rec.lgo_type)
        if period is None or period.lgo_type == new_type:
            continue
        if period.from_fy == fiscal_year:
            retype.append({"id": period.id, "lgo_type": new_type})
        elif period.from_fy < fiscal_year:
            close.append({"id": period.id, "to_fy": fiscal_year - 1})
            open_new.append({"lgo_id": old.id, "lgo_type": new_type, "from_fy": fiscal_year})
        else:
            errors.append(RowError(rec.first_line, "type_history",
                                   f"LGO code {rec.code} changes type in fiscal year "
                                   f"{fiscal_year}, before its current type began "
                                   f"({period.from_fy})"))
    if errors:
        raise LgoFileRefused(errors)

    if new_rows:
        _insert_many(Lgo, new_rows)
    if changed_rows:
        session.execute(update(Lgo), changed_rows)
    ids = dict(session.execute(select(Lgo.dla_code, Lgo.id)).all())
    type_of = {rec.code: LgoType(rec.lgo_type) for rec in parsed.records}
    open_new += [{"lgo_id": ids[row["dla_code"]], "lgo_type": type_of[row["dla_code"]],
                  "from_fy": fiscal_year} for row in new_rows]
    if retype:
        session.execute(update(LgoTypePeriod), retype)
    if close:
        session.execute(update(LgoTypePeriod), close)
    if open_new:
        _insert_many(LgoTypePeriod, open_new)

    have: dict[int, set[int]] = {}
    for lgo_id, subdistrict_id in session.execute(
            select(lgo_subdistricts.c.lgo_id, lgo_subdistricts.c.subdistrict_id)):
        have.setdefault(lgo_id, set()).add(subdistrict_id)
    add_links, remove_links = [], []
    for code, subdistrict_ids in wanted.items():
        lgo_id = ids[code]
        current = have.get(lgo_id, set())
        target = set(subdistrict_ids)
        add_links += [{"lgo_id": lgo_id, "subdistrict_id": s} for s in sorted(target - current)]
        remove_links += [{"l": lgo_id, "s": s} for s in sorted(current - target)]
    if add_links:
        _insert_many(lgo_subdistricts, add_links)
    if remove_links:
        session.execute(delete(lgo_subdistricts).where(and_(
            lgo_subdistricts.c.lgo_id == bindparam("l"),
            lgo_subdistricts.c.subdistrict_id == bindparam("s"))), remove_links)

    summary.created, summary.updated = len(new_rows), len(changed_rows)
    summary.type_changes = len(retype) + len(close)
    summary.links_added, summary.links_removed = len(add_links), len(remove_links)
    summary.not_in_file = len(set(existing) - set(wanted))
    session.flush()
    session.expire_all()
    record(actor, "registry.lgos_imported", None, **asdict(summary))
    return summary


# --- synthetic registry -----------------------------------------------------------------------

@dataclass
class SynthesisSummary:
    seed: int
    lgos: int
    by_type: dict[str, int]
    upgraded: int
    subdistrict_links: int
    area_tag_links: int
    geography: GeographySummary | None = None


def synthesize_registry(geography_dir: Path | str, seed: int = 0, *,
                        actor=None) -> SynthesisSummary:
    """Fill an empty registry with the national synthetic one (see ``synthesis``), importing the
    geography first if needed. Refuses if any LGO exists."""
    session = db.session
    count = session.execute(select(func.count(Lgo.id))).scalar_one()
    if count:
        raise Conflict(_l("The registry already holds %(n)d LGOs; synthesize fills an empty "
                          "registry.", n=count))
    geography, regions = _load_reference(geography_dir)
    try:
        plan = synthesis.synthesize(geography, seed)
    except ValueError as error:
        raise Invalid(_l("The registry cannot be synthesized: %(reason)s",
                         reason=str(error))) from error
    geography_summary = _import_geography(geography, regions)

    province_ids = _codes_to_ids(Province)
    district_ids = _codes_to_ids(District)
    subdistrict_ids = _codes_to_ids(Subdistrict)
    tag_ids = _codes_to_ids(AreaTag)
    now = utcnow()
    _insert_many(Lgo, [{
        "dla_code": lgo.code, "name_th": lgo.name_th, "name_en": lgo.name_en,
        "province_id": province_ids[lgo.province_code],
        "district_id": district_ids[lgo.district_code] if lgo.district_code else None,
        "postal_code": lgo.postal_code, "is_active": True, "updated_at": now}
        for lgo in plan])
    ids = dict(session.execute(select(Lgo.dla_code, Lgo.id)).all())
    _insert_many(LgoTypePeriod, [
        {"lgo_id": ids[lgo.code], "lgo_type": LgoType(t), "from_fy": f, "to_fy": to}
        for lgo in plan for t, f, to in lgo.periods])
    links = [{"lgo_id": ids[lgo.code], "subdistrict_id": subdistrict_ids[s]}
             for lgo in plan for s in lgo.subdistrict_codes]
    _insert_many(lgo_subdistricts, links)
    tag_links = [{"lgo_id": ids[lgo.code], "area_tag_id": tag_ids[t]}
                 for lgo in plan for t in sorted(lgo.area_tags)]
    if tag_links:
        _insert_many(lgo_area_tags, tag_links)
    session.flush()
    session.expire_all()
    by_type: dict[str, int] = {}
    for lgo in plan:
        by_type[lgo.lgo_type] = by_type.get(lgo.lgo_type, 0) + 1
    summary = SynthesisSummary(seed, len(plan), by_type,
                               sum(1 for lgo in plan if len(lgo.periods) > 1), len(links),
                               len(tag_links), geography_summary)
    record(actor, "registry.synthesized", None, seed=seed, lgos=summary.lgos, by_type=by_type,
           upgraded=summary.upgraded, subdistrict_links=summary.subdistrict_links,
           area_tag_links=summary.area_tag_links)
    return summary

