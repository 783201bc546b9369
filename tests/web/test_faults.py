"""The database going away in the middle of a request: the user gets the 503 page (no stack
trace), nothing of the request is kept, and an evidence file already stored for the lost row
stays invisible until ``flask evidence sweep`` removes it.

Real faults, on a database of the test's own with real commits: on PostgreSQL the request's
backend is terminated with ``pg_terminate_backend`` from another connection just as the request
writes its audit event (after its own row was sent); on SQLite another connection holds the
write lock, so the request's first write waits out the busy timeout and fails."""
from __future__ import annotations

import io
import os
import sqlite3
import time
from contextlib import contextmanager

import flask_migrate
import pytest
from sqlalchemy import create_engine, event, func, select, text

from lgo_assess import create_app
from lgo_assess.core.audit import AuditEvent
from lgo_assess.core.db import db
from lgo_assess.core.security import Role
from lgo_assess.evidence.models import EvidenceItem
from lgo_assess.evidence.storage import BlobStore
from tests.conftest import TEST_PASSWORD, make_test_config
from tests.evidence_files import pdf_bytes
from tests.factories import make_lgo, make_user
from tests.scratch_db import scratch_database

FY = 2569


@pytest.fixture
def scratch(database_url, tmp_path):
    """An app on an empty database of its own, migrated, with one LGO and its editor; the
    suite's rolled-back test session is set aside meanwhile, so commits are real."""
    url, drop = scratch_database(database_url, tmp_path, "faults")
    app = create_app(make_test_config(tmp_path / "instance", url))
    suite_session = db.session
    db.session = db._make_scoped_session({})
    try:
        with app.app_context():
            flask_migrate.upgrade()
            lgo = make_lgo(name_th="อบต.ทดสอบความทนทาน")
            editor = make_user(Role.LGO_EDITOR, lgo=lgo)
            db.session.commit()
            ids = {"lgo": lgo.id, "email": editor.email}
            db.session.remove()
        yield app, url, ids
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        db.session = suite_session
        drop()


def _count(url: str, model) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(model)).scalar_one()
    finally:
        engine.dispose()


@contextmanager
def _database_lost_mid_request(app, url):
    """PostgreSQL: terminate the request's own backend when it starts writing its audit event.
    SQLite: hold the write lock from another connection for the whole request."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "postgresql":
        killer = create_engine(url, isolation_level="AUTOCOMMIT")
        fired = []

        def terminate(connection, _cursor, statement, *_args):
            if not fired and statement.lstrip().upper().startswith("INSERT INTO AUDIT_EVENTS"):
                pid = connection.connection.dbapi_connection.info.backend_pid
                with killer.connect() as other:
                    fired.append(other.execute(text("SELECT pg_terminate_backend(:pid, 5000)"),
                                               {"pid": pid}).scalar())
        event.listen(engine, "before_cursor_execute", terminate)
        try:
            yield
        finally:
            event.remove(engine, "before_cursor_execute", terminate)
            killer.dispose()
        assert fired == [True], "the request never reached its audit event"
    else:
        holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")               # the write lock, until rollback
        try:
            yield
        finally:
            holder.rollback()
            holder.close()


def _login(client, email):
    response = client.post("/login", data={"email": email, "password": TEST_PASSWORD})
    assert response.status_code == 302


def test_losing_the_database_mid_request_gives_503_and_keeps_nothing(scratch):
    app, url, ids = scratch
    client = app.test_client()
    _login(client, ids["email"])
    items, events = _count(url, EvidenceItem), _count(url, AuditEvent)
    with _database_lost_mid_request(app, url):
        response = client.post(f"/evidence/lgo/{ids['lgo']}/{FY}/link", data={
            "url": "https://www.example.go.th/news/503", "title": "ข่าวที่ไม่ควรถูกบันทึก",
            "accessed_on": "2026-01-10"})
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "briefly unavailable" in page or "ขัดข้อง" in page
    assert "Traceback" not in page and "sqlalchemy" not in page.lower()
    assert response.headers["Cache-Control"] == "no-store"
    assert (_count(url, EvidenceItem), _count(url, AuditEvent)) == (items, events)
    # The pool recovers: the next request works and is saved.
    again = client.post(f"/evidence/lgo/{ids['lgo']}/{FY}/link", data={
        "url": "https://www.example.go.th/news/200", "title": "ข่าวหลังระบบกลับมา",
        "accessed_on": "2026-01-10"})
    assert again.status_code == 302
    assert _count(url, EvidenceItem) == items + 1


def test_an_upload_lost_with_the_database_leaves_only_an_orphan_blob_that_sweep_removes(
        scratch):
    app, url, ids = scratch
    client = app.test_client()
    _login(client, ids["email"])
    data = pdf_bytes("ไฟล์ที่ฐานข้อมูลหายไประหว่างบันทึก")
    with _database_lost_mid_request(app, url):
        response = client.post(f"/evidence/lgo/{ids['lgo']}/{FY}/upload", data={
            "rows-0-file": (io.BytesIO(data), "หาย.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 503
    assert _count(url, EvidenceItem) == 0
    library = client.get(f"/evidence/lgo/{ids['lgo']}/{FY}").get_data(as_text=True)
    assert "หาย" not in library
    listing = client.get(f"/evidence/lgo/{ids['lgo']}/{FY}/items.json").get_json()
    assert listing["items"] == []

    import hashlib
    blob = BlobStore(app.config["EVIDENCE_DIR"]).path_for(hashlib.sha256(data).hexdigest())
    if url.startswith("sqlite"):
        # A POST takes SQLite's write lock when its transaction begins (BEGIN IMMEDIATE), so
        # with the lock held elsewhere the upload fails before it stores anything at all.
        assert not blob.exists()
        return
    assert blob.is_file()                     # stored before the row, as designed
    old = time.time() - 7200                  # older than the sweep's grace period
    os.utime(blob, (old, old))
    result = app.test_cli_runner().invoke(args=["evidence", "sweep"])
    assert result.exit_code == 0, result.output
    assert "removed 1 orphan blobs" in result.output
    assert not blob.exists()
