"""The newest migration downgrades and upgrades again, on a database of its own."""
from pathlib import Path

import flask_migrate
from sqlalchemy import create_engine, inspect, text

from lgo_assess import create_app
from lgo_assess.core.db import db
from tests.conftest import make_test_config


def _scratch_url(database_url: str, tmp_path: Path) -> tuple[str, callable]:
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}", lambda: None
    base = create_engine(database_url, isolation_level="AUTOCOMMIT")
    name = "lgo_assess_test_roundtrip"
    with base.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with base.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        base.dispose()
    return database_url.rsplit("/", 1)[0] + f"/{name}", drop


def test_newest_migration_downgrades_and_upgrades(database_url, tmp_path):
    url, drop = _scratch_url(database_url, tmp_path)
    app = create_app(make_test_config(tmp_path, url))
    try:
        with app.app_context():
            flask_migrate.upgrade()
            tables_at_head = set(inspect(db.engine).get_table_names())
            flask_migrate.downgrade(revision="-1")
            flask_migrate.upgrade()
            assert set(inspect(db.engine).get_table_names()) == tables_at_head
            flask_migrate.downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            db.engine.dispose()
    finally:
        drop()
