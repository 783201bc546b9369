"""The database base: naming convention, UTC timestamps and SQLite pragmas."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timestamp stored as naive UTC and always returned timezone-aware.

    SQLite has no time zones; PostgreSQL's ``timestamp without time zone`` behaves the same, so
    both engines store the same value and the app never compares naive with aware datetimes.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


# What a check constraint trims before it calls a text blank: SQL's bare ``trim`` removes plain
# spaces only, so a "justification" of tabs, line breaks or Thai/Unicode spaces would pass.
BLANK_CHARACTERS = " \t\n\r\v\f\u00a0\u2007\u200b\u202f\u3000\ufeff"


def has_text_sql(column: str) -> str:
    """SQL, for a check constraint on SQLite and PostgreSQL, true when ``column`` holds more
    than blanks (NULL counts as blank)."""
    return f"length(trim(coalesce({column}, ''), '{BLANK_CHARACTERS}')) > 0"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """WAL, a busy timeout and enforced foreign keys on every SQLite connection.

    The sqlite3 module's own transaction handling is switched off and SQLAlchemy emits BEGIN
    itself (``_sqlite_begin``), so SAVEPOINTs and transactional DDL behave as on PostgreSQL.
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


_READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def writes_on_read(view):
    """Mark a GET view that writes (the verification pages count hits): on SQLite its
    transaction takes the write lock when it begins, as a POST's does. Put it right under the
    route decorator."""
    view.writes_on_read = True
    return view


def _request_may_write() -> bool:
    from flask import current_app, has_request_context, request
    if not has_request_context():
        return False
    if request.method not in _READING_METHODS:
        return True
    view = current_app.view_functions.get(request.endpoint)
    return getattr(view, "writes_on_read", False)


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    """A POST's transaction on SQLite takes the write lock when it begins (BEGIN IMMEDIATE).

    With a plain BEGIN it reads first (the login throttle, the version check, the audit chain's
    last hash) and asks for the lock at its first write; if another process committed in
    between, SQLite refuses at once ("database is locked") instead of waiting out the busy
    timeout, since the snapshot read is stale. Under concurrent autosaves and logins that is an
    error page; taking the lock first makes writers queue instead. Reads (GET) still begin
    without it and run beside the writer, as WAL allows, but for views marked
    ``writes_on_read``."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _request_may_write() else "BEGIN")
