"""A database of its own for a test that needs real commits or a connection to kill: a SQLite
file in the test's folder, or a new PostgreSQL database beside the suite's (dropped after)."""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text


def scratch_database(database_url: str, tmp_path: Path, label: str):
    """(URL of an empty database, function that drops it)."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / f'{label}.sqlite3'}", lambda: None
    base = create_engine(database_url, isolation_level="AUTOCOMMIT")
    name = f"lgo_assess_test_{label}_{uuid.uuid4().hex[:8]}"
    with base.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with base.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        base.dispose()
    return database_url.rsplit("/", 1)[0] + f"/{name}", drop


@contextmanager
def session_of_its_own():
    """Set the suite's rolled-back test session aside, so that an app on a scratch database
    (and its commands) use a real session of their own; put it back afterwards."""
    from lgo_assess.core.db import db
    suite_session = db.session
    db.session = db._make_scoped_session({})
    try:
        yield
    finally:
        db.session = suite_session
