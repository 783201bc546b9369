"""The newest migration downgrades and upgrades again, on a database of its own."""
import flask_migrate
from sqlalchemy import inspect

from lgo_assess import create_app
from lgo_assess.core.db import db
from tests.conftest import make_test_config
from tests.scratch_db import scratch_database


def test_newest_migration_downgrades_and_upgrades(database_url, tmp_path):
    url, drop = scratch_database(database_url, tmp_path, "roundtrip")
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
