"""The migrations are the only source of schema: they must build exactly what the models say."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from lgo_assess.core.db import db


def test_migrated_schema_equals_the_models(app, db_session):
    context = MigrationContext.configure(db_session.connection(),
                                         opts={"compare_type": True, "render_as_batch": True})
    diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"


def test_there_is_one_head(app):
    with app.app_context():
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    assert len(script.get_heads()) == 1, f"several migration heads: {script.get_heads()}"
