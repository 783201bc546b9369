"""Test set-up: one database built from the migrations per run; each test in a transaction that
is rolled back, so tests never see each other's rows.

``DATABASE_URL`` picks the database (PostgreSQL in CI); without it a temporary SQLite file is used.
"""
from __future__ import annotations

import os
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import text
from sqlalchemy.orm import scoped_session, sessionmaker

from lgo_assess import create_app
from lgo_assess.config import _database_url
from lgo_assess.core.db import db

ROOT = Path(__file__).resolve().parent.parent
GEOGRAPHY_DIR = Path(os.environ.get("GEOGRAPHY_DIR", ROOT.parent / "shared" / "data" /
                                    "thailand-geography"))
TEST_PASSWORD = "correct horse battery staple"
SCENE_APPS: list = []  # the app, for scene helpers that build objects outside any app context


def _translations_cached_per_app() -> None:
    """Flask-Babel keeps one translations cache for every app in the process, keyed only by
    locale: whichever app of the suite first shows a Thai page (the main app has no compiled
    catalogue) decided what ``thai_app`` showed, so Thai page tests passed or failed by order.
    The main app keeps ``domain.cache`` (tests put made-up catalogues there); every other app
    gets a cache of its own."""
    from flask import current_app
    from flask_babel import Domain

    def per_app(self, ctx):
        app = current_app._get_current_object()
        if SCENE_APPS and app is SCENE_APPS[0]:
            return self.cache
        return self.__dict__.setdefault("other_apps_cache", {}).setdefault(id(app), {})
    Domain.get_translations_cache = per_app


_translations_cached_per_app()


def make_test_config(instance: Path, database_url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "INSTANCE_DIR": instance,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "EVIDENCE_DIR": instance / "evidence",
        "KEYS_DIR": instance / "keys",
        "GEOGRAPHY_DIR": GEOGRAPHY_DIR,
        "WTF_CSRF_ENABLED": False,
        # Services' messages are asserted in their English source; pages ask for Thai themselves.
        "CLI_LANGUAGE": "en",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast in tests; scrypt in production
        "SERVER_NAME": None,
        "DEMO_KPI_HISTORY": False,
        "AUDIT_GUARD": "raise",  # a request that writes without an audit event fails its test  # the KPI demo's past years: tests/integration/test_demo_kpi.py
    }


def _reset_postgres(engine) -> None:
    """Start from an empty schema, but only in a database whose name says it is for tests."""
    name = engine.url.database or ""
    if "test" not in name:
        raise RuntimeError(f"refusing to wipe database {name!r}: its name must contain 'test'")
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    raw = os.environ.get("DATABASE_URL")
    if raw:
        return _database_url(raw, Path("."))
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory, database_url):
    instance = tmp_path_factory.mktemp("instance")
    application = create_app(make_test_config(instance, database_url))
    SCENE_APPS.append(application)
    with application.app_context():
        if db.engine.dialect.name == "postgresql":
            _reset_postgres(db.engine)
        flask_migrate.upgrade()
        db.session.remove()
    return application


class _TestScopedSession(scoped_session):
    """One session for the whole test. At the end of a request Flask-SQLAlchemy calls
    ``remove``; here that rolls back what the request left uncommitted (as a new request would
    see it) and expires everything, but keeps the test's objects usable."""

    def remove(self):
        if self.registry.has():
            self.registry().rollback()


@pytest.fixture(autouse=True)
def db_session(app):
    with app.app_context():
        engine = db.engine
    connection = engine.connect()
    outer = connection.begin()
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint",
                           expire_on_commit=False)
    session = _TestScopedSession(factory, scopefunc=lambda: 0)
    original = db.session
    db.session = session
    try:
        yield session
    finally:
        session.registry().close()
        db.session = original
        outer.rollback()
        connection.close()


@pytest.fixture
def app_ctx(app):
    """A request context in English, for asserting services' messages in their source text."""
    with app.test_request_context("/?lang=en"):
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login(client):
    """``login(user)`` logs the test client in through the real login form (and the second
    step's form for approvers and administrators)."""
    from tests.logins import log_in_client

    def do_login(user, password: str = TEST_PASSWORD):
        log_in_client(client, user.email, password)
        return user
    return do_login


@pytest.fixture
def login_as(login):
    """``login_as(Role.X, lgo=…, province=…, locale=…)``: a new user holding that role (or no
    role), logged in on ``client`` through the real login form; returns the user."""
    from tests.factories import make_user

    def do_login_as(role=None, **kwargs):
        return login(make_user(role, **kwargs))
    return do_login_as


@pytest.fixture(scope="session")
def thai_app(app, tmp_path_factory, database_url):
    """The app with the Thai catalogue compiled in, on the same (already migrated) database.

    The main test app runs without a compiled catalogue, so services' and pages' messages can be
    asserted in their English source; tests of what a Thai user reads use this app instead."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    translations = tmp_path_factory.mktemp("translations")
    target = translations / "th" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (ROOT / "translations" / "th" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalogue = read_po(source)
    with (target / "messages.mo").open("wb") as compiled:
        write_mo(compiled, catalogue)
    config = make_test_config(tmp_path_factory.mktemp("instance-th"), database_url)
    config["TRANSLATIONS_DIR"] = translations
    return create_app(config)


@pytest.fixture
def thai_client(thai_app):
    return thai_app.test_client()
