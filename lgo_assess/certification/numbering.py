"""Gap-free numbers: certificate serials (``GGL-2569-000042``, one series per standard and
fiscal year) and decision references (``DLA-2569-000123``, one series per fiscal year).

Each series is one ``number_counters`` row. Taking a number locks that row (the upsert's row
lock on PostgreSQL; on SQLite the database's write lock) until the transaction ends, so
concurrent issuers queue on it; if the transaction rolls back, so does the counter, and the next issuer gets the same number. Hence no gaps and no duplicates, at the cost
of issuing one certificate of a series at a time (each holds the lock for milliseconds).
"""
from __future__ import annotations

from functools import cache

from sqlalchemy import bindparam, case
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lgo_assess.certification.models import NumberCounter
from lgo_assess.core.db import db

DECISION_SERIES = "decision"
DECISION_PREFIX = "DLA"


def next_number(series: str, fiscal_year: int, *, session=None) -> int:
    """The next number of ``series`` in ``fiscal_year`` (1, 2, 3 …), held until the caller's
    transaction ends. One statement: an upsert that creates the series' row at 1 or adds one
    to it, returning the value. On PostgreSQL the conflicting row stays locked until the
    transaction ends and a waiting issuer then adds one to the committed value; on SQLite
    the statement takes the database's write lock."""
    session = session or db.session
    return session.execute(_next_number_statement(session.get_bind().dialect.name),
                           {"series": series, "fiscal_year": fiscal_year}).scalar_one()


@cache
def _next_number_statement(dialect: str):
    """``next_number``'s upsert, built once per dialect (it runs twice per issuance)."""
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(NumberCounter).values(series=bindparam("series"),
                                             fiscal_year=bindparam("fiscal_year"),
                                             last_value=1)
    return statement.on_conflict_do_update(
        index_elements=["series", "fiscal_year"],
        set_={"last_value": NumberCounter.last_value + 1}).returning(NumberCounter.last_value)


def reserve_number(series: str, fiscal_year: int, value: int, *, session=None) -> None:
    """Make sure ``series`` in ``fiscal_year`` never hands out ``value`` or anything below it
    (a number already used outside the series, e.g. by an imported historical certificate)."""
    session = session or db.session
    postgres = session.get_bind().dialect.name == "postgresql"
    insert = postgresql_insert if postgres else sqlite_insert
    statement = insert(NumberCounter).values(series=series, fiscal_year=fiscal_year,
                                             last_value=value)
    session.execute(statement.on_conflict_do_update(
        index_elements=["series", "fiscal_year"],
        set_={"last_value": case((NumberCounter.last_value < value, value),
                                 else_=NumberCounter.last_value)}))


def certificate_serial(standard_code: str, fiscal_year: int, *, session=None) -> str:
    number = next_number(f"certificate:{standard_code}", fiscal_year, session=session)
    return f"{standard_code}-{fiscal_year}-{number:06d}"


def decision_reference(fiscal_year: int, *, session=None) -> str:
    number = next_number(DECISION_SERIES, fiscal_year, session=session)
    return f"{DECISION_PREFIX}-{fiscal_year}-{number:06d}"
