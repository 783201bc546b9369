"""The live KPI summary: kept current in the same transaction as every change it depends on.

No nightly job. Session events watch every flush for new, changed or deleted ``Certificate``,
``Lgo`` and ``LgoTypePeriod`` objects and, still inside that flush, recompute the summary rows
of the LGOs (and LGO × standard pairs) they touch across the plan's fiscal years, so a
decision, a revocation or a type upgrade is in the figures the moment it is committed, and gone
if it is rolled back. The other packages' services are not edited: they go on writing through
the ORM, and this module listens.

Statements that bypass the unit of work (``session.execute(insert(Lgo.__table__), rows)`` in the
registry's bulk import and synthesis, ``update(Lgo)`` by primary key, …) are seen by
``do_orm_execute``: the summary is marked stale and rebuilt from scratch before the transaction
commits (or before the next KPI read in it). ``rebuild_summary()`` (``flask kpi rebuild``) does
the same by hand, e.g. after SQL run outside the application.

Semantics (the same as ``Lgo.is_active_in``, ``Lgo.type_in`` and ``Certificate.is_valid_on``,
which the tests use as the oracle):

- an LGO counts in fiscal year Y when it had a type in Y and Y is not after its
  ``active_until_fy``; its type and province are those of Y;
- a certificate counts for Y when it was issued on or before 30 September of Y and was valid on
  that day (Bangkok calendar): a revocation or supersession counts from the day it happened, so a
  later one never changes an earlier year; an expired certificate stops after ``valid_until``;
- the level is the position of the certificate's result level in its own edition's
  ``result.levels`` (1 = the lowest); the best valid certificate of the year counts.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from functools import cache
from typing import Iterable

from sqlalchemy import (and_, bindparam, delete, event, func, insert, inspect, literal, null,
                        select, union_all, update)
from sqlalchemy.orm import Session, load_only

from lgo_assess.certification.models import Certificate
from lgo_assess.core.thaidate import fiscal_year_end
from lgo_assess.criteria.models import Standard, StandardEdition
from lgo_assess.kpi.models import POPULATION, KpiCell, KpiLgoStandardYear, KpiLgoYear
from lgo_assess.registry.models import Lgo, LgoTypePeriod

FIRST_YEAR, LAST_YEAR = 2561, 2570        # the plan's fiscal years (criteria/kpis catalogue)
YEARS = tuple(range(FIRST_YEAR, LAST_YEAR + 1))
YEAR_ENDS = {fy: fiscal_year_end(fy) for fy in YEARS}

_PENDING = "kpi_summary_pending"      # session.info: objects seen before the flush
_STALE = "kpi_summary_stale"          # session.info: bulk writes seen; rebuild before commit
_WATCHED_TABLES = {"lgos": "lgos", "lgo_type_periods": "lgos", "certificates": "certificates"}
_CHUNK = 500
_LGO_FIELDS = ("province_id", "province", "active_until_fy", "is_active")  # what it reads

# Result levels per edition content (published editions never change; keyed by content hash,
# so a rolled-back test's edition id can never lend its levels to another's).
_LEVELS_BY_HASH: dict[str, tuple[str, ...]] = {}


# -- Computing rows -------------------------------------------------------------------------------

def edition_levels(connection, edition_ids: Iterable[int], *,
                   hashes: dict[int, str] | None = None) -> dict[int, tuple[str, ...]]:
    """Result level codes, lowest first, of each edition (``hashes``: their content hashes,
    when the caller has read them already)."""
    ids = sorted(set(edition_ids))
    if not ids:
        return {}
    if hashes is None:
        hashes = dict(connection.execute(
            select(StandardEdition.id, StandardEdition.content_hash)
            .where(StandardEdition.id.in_(ids))).all())
    missing = [i for i, h in hashes.items() if h not in _LEVELS_BY_HASH]
    if missing:
        for edition_id, document in connection.execute(
                select(StandardEdition.id, StandardEdition.document)
                .where(StandardEdition.id.in_(missing))):
            levels = tuple(level["code"] for level in document["result"]["levels"])
            _LEVELS_BY_HASH[hashes[edition_id]] = levels
    return {i: _LEVELS_BY_HASH[h] for i, h in hashes.items()}


def level_position(levels: tuple[str, ...], code: str) -> int:
    """1-based position of ``code`` among ``levels`` (an unknown code counts as the lowest)."""
    return levels.index(code) + 1 if code in levels else 1


def standard_rows(certificates: list[Certificate], levels: dict[int, tuple[str, ...]]
                  ) -> list[dict]:
    """The numerator rows of one LGO and standard from all its certificates of the standard."""
    rows = []
    for fy, day in YEAR_ENDS.items():
        best = None
        for cert in certificates:
            if not cert.is_valid_on(day):
                continue
            key = (level_position(levels.get(cert.edition_id, ()), cert.result_level_code),
                   cert.valid_until, cert.id)
            if best is None or key > best[0]:
                best = (key, cert)
        if best is not None:
            cert = best[1]
            rows.append({"lgo_id": cert.lgo_id, "standard_code": cert.standard_code,
                         "fiscal_year": fy, "level_position": best[0][0],
                         "certificate_id": cert.id})
    return rows


def lgo_rows(lgo_id: int, province_id: int, active_until_fy: int | None,
             periods: list[tuple[str, int, int | None]]) -> list[dict]:
    """The denominator rows of one LGO from its type periods (type, from_fy, to_fy)."""
    rows = []
    for fy in YEARS:
        if active_until_fy is not None and fy > active_until_fy:
            break
        lgo_type = next((t for t, start, end in periods
                         if start <= fy and (end is None or fy <= end)), None)
        if lgo_type is not None:
            rows.append({"lgo_id": lgo_id, "fiscal_year": fy, "lgo_type": str(lgo_type),
                         "province_id": province_id})
    return rows


def _type_value(lgo_type) -> str:
    return getattr(lgo_type, "value", lgo_type)


def _insert_rows(connection, table, rows: list[dict]) -> None:
    for start in range(0, len(rows), _CHUNK):
        connection.execute(insert(table), rows[start:start + _CHUNK])


def refresh_lgos(session: Session, lgo_ids: Iterable[int]) -> None:
    """Recompute the denominator rows of these LGOs (all plan years)."""
    ids = sorted({i for i in lgo_ids if i is not None})
    if not ids:
        return
    connection = session.connection()
    table = KpiLgoYear.__table__
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        periods: dict[int, list] = defaultdict(list)
        for lgo_id, lgo_type, from_fy, to_fy in connection.execute(
                select(LgoTypePeriod.lgo_id, LgoTypePeriod.lgo_type, LgoTypePeriod.from_fy,
                       LgoTypePeriod.to_fy).where(LgoTypePeriod.lgo_id.in_(chunk))):
            periods[lgo_id].append((_type_value(lgo_type), from_fy, to_fy))
        rows = []
        for lgo_id, province_id, active_until_fy in connection.execute(
                select(Lgo.id, Lgo.province_id, Lgo.active_until_fy).where(Lgo.id.in_(chunk))):
            rows += lgo_rows(lgo_id, province_id, active_until_fy, periods.get(lgo_id, []))
        connection.execute(delete(table).where(table.c.lgo_id.in_(chunk)))
        _insert_rows(connection, table, rows)


_CERT_COLUMNS = (Certificate.id, Certificate.lgo_id, Certificate.edition_id,
                 Certificate.standard_code, Certificate.result_level_code, Certificate.issued_on,
                 Certificate.valid_until, Certificate.status, Certificate.revoked_at,
                 Certificate.superseded_at)


# Statements run at every issuance, built once (building one costs more than running it on
# SQLite); they are immutable, and the values are bound at each execution. The ORM one is
# built at its first use, once every mapper is configured.
@cache
def _certificates_of_lgos():
    return (select(Certificate, StandardEdition.content_hash)
            .join(StandardEdition, StandardEdition.id == Certificate.edition_id)
            .options(load_only(*_CERT_COLUMNS))
            .where(Certificate.lgo_id.in_(bindparam("lgo_ids", expanding=True))))


def _years_and_old_rows():
    y, s = KpiLgoYear.__table__, KpiLgoStandardYear.__table__
    lgo_ids, codes = bindparam("lgo_ids", expanding=True), bindparam("codes", expanding=True)
    return union_all(
        select(y.c.lgo_id, y.c.fiscal_year, y.c.province_id, y.c.lgo_type,
               null().label("standard_code"), null().label("level_position"))
        .where(y.c.lgo_id.in_(lgo_ids)),
        select(s.c.lgo_id, s.c.fiscal_year, null(), null(), s.c.standard_code,
               s.c.level_position)
        .where(s.c.lgo_id.in_(lgo_ids), s.c.standard_code.in_(codes)))


_YEARS_AND_OLD_ROWS = _years_and_old_rows()
_CELL_COLUMNS = ("fiscal_year", "province_id", "lgo_type", "standard_code", "level_position")
_CELL_UPSERTS: dict[str, object] = {}      # dialect name → the statement


def _cell_upsert(dialect: str):
    statement = _CELL_UPSERTS.get(dialect)
    if statement is None:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as upsert
        else:
            from sqlalchemy.dialects.sqlite import insert as upsert
        table = KpiCell.__table__
        statement = upsert(table)
        statement = _CELL_UPSERTS[dialect] = statement.on_conflict_do_update(
            index_elements=list(_CELL_COLUMNS),
            set_={"lgo_count": table.c.lgo_count + statement.excluded.lgo_count})
    return statement


def refresh_standards(session: Session, pairs: Iterable[tuple[int, str]], *,
                      clear: bool = True) -> list[dict]:
    """Recompute the numerator rows of these (LGO, standard) pairs (all plan years); returns
    the rows written."""
    pairs = sorted({p for p in pairs if p[0] is not None and p[1]})
    if not pairs:
        return []
    connection = session.connection()
    table = KpiLgoStandardYear.__table__
    lgo_ids = sorted({lgo_id for lgo_id, _ in pairs})
    wanted = set(pairs)
    certificates, hashes = [], {}
    for certificate, content_hash in session.execute(_certificates_of_lgos(),
                                                     {"lgo_ids": lgo_ids}):
        if (certificate.lgo_id, certificate.standard_code) in wanted:
            certificates.append(certificate)
            hashes[certificate.edition_id] = content_hash
    levels = edition_levels(connection, hashes, hashes=hashes)
    grouped: dict[tuple[int, str], list[Certificate]] = defaultdict(list)
    for cert in certificates:
        grouped[(cert.lgo_id, cert.standard_code)].append(cert)
    rows = []
    for pair in pairs:
        rows += standard_rows(grouped.get(pair, []), levels)
    for lgo_id, standard_code in pairs if clear else ():
        connection.execute(delete(table).where(table.c.lgo_id == lgo_id,
                                               table.c.standard_code == standard_code))
    _insert_rows(connection, table, rows)
    return rows


# -- Cells: the counts the dashboards read ---------------------------------------------------------

def _cell_queries(where_years=None, where_standards=None):
    y, s = KpiLgoYear, KpiLgoStandardYear
    population = select(y.fiscal_year, y.province_id, y.lgo_type,
                        literal(POPULATION).label("standard_code"),
                        literal(0).label("level_position"), func.count().label("lgo_count"))
    certified = (select(y.fiscal_year, y.province_id, y.lgo_type, s.standard_code,
                        s.level_position, func.count().label("lgo_count"))
                 .join(s, and_(s.lgo_id == y.lgo_id, s.fiscal_year == y.fiscal_year)))
    if where_years is not None:
        population, certified = population.where(where_years), certified.where(where_years)
    group = (y.fiscal_year, y.province_id, y.lgo_type)
    return (population.group_by(*group),
            certified.group_by(*group, s.standard_code, s.level_position))


def contributions(connection, lgo_ids) -> Counter:
    """What these LGOs add to each cell now."""
    out: Counter = Counter()
    ids = sorted(lgo_ids)
    for start in range(0, len(ids), _CHUNK):
        chunk = KpiLgoYear.lgo_id.in_(ids[start:start + _CHUNK])
        for query in _cell_queries(chunk):
            for fy, province, lgo_type, standard, position, n in connection.execute(query):
                out[(fy, province, str(lgo_type), standard, position)] += n
    return out


def apply_delta(connection, delta: Counter) -> bool:
    """Add each difference to its cell: increases as upserts (creating the cell), decreases as
    updates of the cell, which then goes when it reaches zero. False when a decrease found no
    cell (the cells disagree with the rows: the caller rebuilds them)."""
    table = KpiCell.__table__
    columns = _CELL_COLUMNS
    increases = [dict(zip(columns, key), lgo_count=n) for key, n in delta.items() if n > 0]
    if increases:
        connection.execute(_cell_upsert(connection.dialect.name), increases)
    consistent = True
    for key, n in delta.items():
        if n >= 0:
            continue
        where = [table.c[c] == v for c, v in zip(columns, key)]
        result = connection.execute(update(table).where(*where, table.c.lgo_count >= -n)
                                    .values(lgo_count=table.c.lgo_count + n))
        if result.rowcount != 1:
            consistent = False
        connection.execute(delete(table).where(*where, table.c.lgo_count == 0))
    return consistent


def rebuild_cells(connection) -> int:
    table = KpiCell.__table__
    connection.execute(delete(table))
    for query in _cell_queries():
        connection.execute(insert(table).from_select(
            ["fiscal_year", "province_id", "lgo_type", "standard_code", "level_position",
             "lgo_count"], query))
    return connection.execute(select(func.count()).select_from(table)).scalar_one()


def rebuild_summary(session: Session | None = None, *, lgos: bool = True,
                    certificates: bool = True) -> dict[str, int]:
    """Recompute the whole summary from the registry and the certificates (in the caller's
    transaction; the caller commits). Returns the row counts."""
    from lgo_assess.core.db import db
    session = session or db.session
    session.flush()
    connection = session.connection()
    counts = {}
    if lgos:
        connection.execute(delete(KpiLgoYear.__table__))
        refresh_lgos(session, connection.execute(select(Lgo.id)).scalars().all())
        counts["lgo_years"] = connection.execute(
            select(db.func.count()).select_from(KpiLgoYear.__table__)).scalar_one()
    if certificates:
        connection.execute(delete(KpiLgoStandardYear.__table__))
        pairs = connection.execute(
            select(Certificate.lgo_id, Certificate.standard_code).distinct()).all()
        for start in range(0, len(pairs), _CHUNK):
            refresh_standards(session, [tuple(p) for p in pairs[start:start + _CHUNK]],
                              clear=False)
        counts["lgo_standard_years"] = connection.execute(
            select(db.func.count()).select_from(KpiLgoStandardYear.__table__)).scalar_one()
    counts["cells"] = rebuild_cells(connection)
    session.info.pop(_STALE, None)
    return counts


def ensure_fresh(session: Session) -> None:
    """Rebuild now if bulk writes in this transaction made the summary stale."""
    stale = session.info.get(_STALE)
    if stale:
        rebuild_summary(session, lgos="lgos" in stale, certificates="certificates" in stale)


def standard_codes(session: Session) -> list[str]:
    return list(session.execute(select(Standard.code).order_by(Standard.code)).scalars())


# -- Session events -------------------------------------------------------------------------------

def _before_flush(session: Session, _context, _instances) -> None:
    pending = session.info.setdefault(_PENDING, {"objects": [], "lgos": set(), "pairs": set()})
    for obj in session.new:
        if isinstance(obj, (Certificate, Lgo, LgoTypePeriod)):
            pending["objects"].append(obj)
    for obj in session.dirty:
        if isinstance(obj, Lgo):
            state = inspect(obj)
            if any(state.attrs[name].history.has_changes() for name in _LGO_FIELDS):
                pending["objects"].append(obj)
        elif isinstance(obj, (Certificate, LgoTypePeriod)) and session.is_modified(obj):
            pending["objects"].append(obj)
            if isinstance(obj, Certificate):       # a moved certificate leaves its old pair
                pending["pairs"].add((obj.lgo_id, obj.standard_code))
    for obj in session.deleted:
        if isinstance(obj, Certificate):
            pending["pairs"].add((obj.lgo_id, obj.standard_code))
        elif isinstance(obj, LgoTypePeriod):
            pending["lgos"].add(obj.lgo_id)
        if isinstance(obj, (Certificate, Lgo)):
            # The database's cascades take their summary rows before the cells can be told:
            # recount the cells (never happens in the app: LGOs are deactivated, certificates
            # revoked).
            session.info.setdefault(_STALE, set()).add("cells")


def _after_flush(session: Session, _context) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    lgos, pairs = set(pending["lgos"]), set(pending["pairs"])
    for obj in pending["objects"]:
        if isinstance(obj, Certificate):
            pairs.add((obj.lgo_id, obj.standard_code))
        elif isinstance(obj, Lgo):
            if obj not in session.deleted:
                lgos.add(obj.id)
        else:
            lgos.add(obj.lgo_id if obj.lgo_id is not None else getattr(obj.lgo, "id", None))
    pairs = {p for p in pairs if p[0] is not None and p[1]}
    affected = {i for i in lgos if i is not None} | {lgo_id for lgo_id, _ in pairs}
    if not affected:
        return
    connection = session.connection()
    if not lgos:
        _refresh_certified(session, connection, pairs)
        return
    before = contributions(connection, affected)
    refresh_lgos(session, lgos)
    if pairs:
        refresh_standards(session, pairs)
    after = contributions(connection, affected)
    after.subtract(before)
    if not apply_delta(connection, after):
        session.info.setdefault(_STALE, set()).add("cells")


def _refresh_certified(session: Session, connection, pairs: set[tuple[int, str]]) -> None:
    """``_after_flush`` when only certificates changed (an issuance, a revocation): the LGOs'
    own rows stay, so the population cells do not move, and the certified cells move by the
    numerator rows that went and came, each counted in the cell of its LGO's year (as
    ``contributions`` counts it). One read of the LGOs' years and their old rows of these
    standards instead of four counts; a pair without old rows (an LGO's first certificate
    of a standard) has nothing to delete."""
    s = KpiLgoStandardYear.__table__
    delta: Counter = Counter()
    ordered = sorted(pairs)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start:start + _CHUNK]
        lgo_ids = sorted({lgo_id for lgo_id, _ in chunk})
        codes = sorted({code for _, code in chunk})
        years: dict[tuple[int, int], tuple[int, str]] = {}
        old: list[tuple[int, int, str, int]] = []
        for lgo_id, fy, province, lgo_type, code, position in connection.execute(
                _YEARS_AND_OLD_ROWS, {"lgo_ids": lgo_ids, "codes": codes}):
            if code is None:
                years[(lgo_id, fy)] = (province, str(lgo_type))
            elif (lgo_id, code) in pairs:
                old.append((lgo_id, fy, code, position))
        for lgo_id, fy, code, position in old:
            year = years.get((lgo_id, fy))
            if year is not None:
                delta[(fy, *year, code, position)] -= 1
        for lgo_id, code in sorted({(lgo_id, code) for lgo_id, _, code, _ in old}):
            connection.execute(delete(s).where(s.c.lgo_id == lgo_id, s.c.standard_code == code))
        for row in refresh_standards(session, chunk, clear=False):
            year = years.get((row["lgo_id"], row["fiscal_year"]))
            if year is not None:
                delta[(row["fiscal_year"], *year, row["standard_code"],
                       row["level_position"])] += 1
    if not apply_delta(connection, delta):
        session.info.setdefault(_STALE, set()).add("cells")


def _do_orm_execute(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    kind = _WATCHED_TABLES.get(getattr(table, "name", None))
    if kind is not None:
        state.session.info.setdefault(_STALE, set()).add(kind)


def _before_commit(session: Session) -> None:
    if session.info.get(_STALE):
        ensure_fresh(session)


def _after_rollback(session: Session) -> None:
    session.info.pop(_STALE, None)
    session.info.pop(_PENDING, None)


def install() -> None:
    """Listen on every session (idempotent)."""
    for name, function in (("before_flush", _before_flush), ("after_flush", _after_flush),
                           ("do_orm_execute", _do_orm_execute),
                           ("before_commit", _before_commit),
                           ("after_rollback", _after_rollback)):
        if not event.contains(Session, name, function):
            event.listen(Session, name, function)


install()
