"""Backups: a database with rows and an evidence file is backed up, restored into an empty
database and evidence folder, and compared; a tampered backup and a non-empty target are refused.
Runs on the suite's engine (SQLite, or PostgreSQL with DATABASE_URL) in scratch databases."""
import hashlib
import io
import json

import flask_migrate
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from lgo_assess import create_app
from lgo_assess.core.backup import (MANIFEST, BackupError, create_backup, restore_backup,
                                    row_counts, sha256_file)
from lgo_assess.core.audit import GENESIS, AuditEvent, _digest
from lgo_assess.core.db import db, utcnow
from lgo_assess.evidence.storage import BlobStore
from lgo_assess.registry.models import District, Province
from tests.conftest import make_test_config
from tests.scratch_db import scratch_database, session_of_its_own

BLOB = "หลักฐานการประชุมสภา 2568\n".encode() * 100


@pytest.fixture(scope="module")
def source(database_url, tmp_path_factory):
    """A migrated database with a province, two districts and one evidence blob (built once;
    the tests only read it)."""
    tmp_path = tmp_path_factory.mktemp("backup-source")
    url, drop = scratch_database(database_url, tmp_path, "backup_src")
    app = create_app(make_test_config(tmp_path / "src", url))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    engine = create_engine(url)
    with Session(engine) as session:
        province = Province(code="98", name_th="จังหวัดสำรอง", name_en="Backup")
        session.add_all([province,
                         District(code="9801", province=province, name_th="อำเภอหนึ่ง",
                                  name_en="One"),
                         District(code="9802", province=province, name_th="อำเภอสอง",
                                  name_en="Two")])
        session.commit()
        prev = GENESIS
        for step in range(3):                     # a chained audit log, as record() writes it
            event = AuditEvent(occurred_at=utcnow(), actor_id=None, actor_label="system",
                               action="backup.test", object_type="provinces", object_id="98",
                               details={"step": step}, ip_address=None, prev_hash=prev)
            event.hash = prev = _digest(prev, event.payload())
            session.add(event)
            session.flush()
        session.commit()
    engine.dispose()
    store = BlobStore(tmp_path / "src-evidence")
    blob = store.commit(store.stage(io.BytesIO(BLOB)))
    try:
        yield url, store.root, blob
    finally:
        drop()


@pytest.fixture
def target(database_url, tmp_path):
    url, drop = scratch_database(database_url, tmp_path, "backup_dst")
    try:
        yield url, tmp_path / "dst-evidence"
    finally:
        drop()


def test_backup_then_restore_into_an_empty_instance(source, target, tmp_path):
    url, evidence, blob = source
    manifest = create_backup(url, evidence, tmp_path / "bk")
    assert manifest["tables"]["provinces"] == 1 and manifest["tables"]["districts"] == 2
    assert manifest["tables"]["alembic_version"] == 1
    relative = f"evidence/{blob.name[:2]}/{blob.name[2:4]}/{blob.name}"
    assert manifest["files"][relative] == hashlib.sha256(BLOB).hexdigest()
    assert json.loads((tmp_path / "bk" / MANIFEST).read_text()) == manifest

    target_url, target_evidence = target
    report = restore_backup(tmp_path / "bk", target_url, target_evidence)
    assert report.blobs == 1
    assert row_counts(target_url) == row_counts(url) == manifest["tables"]
    restored = BlobStore(target_evidence).path_for(blob.name)
    assert sha256_file(restored) == blob.name
    assert report.tables["audit_events"] == 3
    engine = create_engine(target_url)
    with engine.connect() as connection:
        names = connection.execute(text("SELECT name_th FROM districts ORDER BY code")).scalars()
        assert list(names) == ["อำเภอหนึ่ง", "อำเภอสอง"]
    # The restored audit log is still append-only: the triggers came back with the schema.
    for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
        with engine.connect() as connection, pytest.raises(DBAPIError, match="append-only"):
            connection.execute(text(statement))
    engine.dispose()

    # A second restore into the now-filled database is refused before anything is touched.
    with pytest.raises(BackupError, match="not empty"):
        restore_backup(tmp_path / "bk", target_url, tmp_path / "other-evidence")


def test_a_tampered_blob_is_refused_naming_it(source, target, tmp_path):
    url, evidence, blob = source
    create_backup(url, evidence, tmp_path / "bk")
    relative = f"evidence/{blob.name[:2]}/{blob.name[2:4]}/{blob.name}"
    (tmp_path / "bk" / relative).write_bytes(BLOB + b"forged")
    with pytest.raises(BackupError, match=relative):
        restore_backup(tmp_path / "bk", *target)
    assert row_counts(target[0]) == {}  # nothing was restored
    assert not target[1].exists()


def test_a_tampered_manifest_is_refused(source, target, tmp_path):
    url, evidence, _ = source
    manifest = create_backup(url, evidence, tmp_path / "bk")
    db_file = manifest["database_file"]
    manifest["files"][db_file] = "0" * 64
    (tmp_path / "bk" / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(BackupError, match=db_file):
        restore_backup(tmp_path / "bk", *target)


def test_a_forged_blob_with_a_matching_manifest_is_refused(source, target, tmp_path):
    """Rewriting a blob and its hash in the manifest still fails: a blob is named by its hash."""
    url, evidence, blob = source
    manifest = create_backup(url, evidence, tmp_path / "bk")
    relative = f"evidence/{blob.name[:2]}/{blob.name[2:4]}/{blob.name}"
    (tmp_path / "bk" / relative).write_bytes(b"forged")
    manifest["files"][relative] = hashlib.sha256(b"forged").hexdigest()
    (tmp_path / "bk" / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(BackupError, match="does not match its name"):
        restore_backup(tmp_path / "bk", *target)


def test_backup_refuses_a_non_empty_folder(source, tmp_path):
    url, evidence, _ = source
    (tmp_path / "bk").mkdir()
    (tmp_path / "bk" / "old").write_text("x")
    with pytest.raises(BackupError, match="not empty"):
        create_backup(url, evidence, tmp_path / "bk")


def test_cli_create_and_restore(source, target, tmp_path):
    url, evidence, _ = source
    app = create_app({**make_test_config(tmp_path / "app", url), "EVIDENCE_DIR": evidence})
    result = app.test_cli_runner().invoke(args=["backup", "create", str(tmp_path / "bk")])
    assert result.exit_code == 0, result.output
    assert "1 evidence files" in result.output
    target_url, target_evidence = target
    app = create_app({**make_test_config(tmp_path / "dst", target_url),
                      "EVIDENCE_DIR": target_evidence})
    with session_of_its_own():      # the chain check must read the restored database
        result = app.test_cli_runner().invoke(args=["backup", "restore", str(tmp_path / "bk")])
        with app.app_context():
            db.engine.dispose()
    assert result.exit_code == 0, result.output
    assert "counts match the manifest" in result.output
    assert "audit log intact: 3 events checked" in result.output


def test_a_restore_whose_audit_chain_is_broken_says_so(database_url, target, tmp_path):
    """A forged event (inserting is allowed; its hash does not fit) survives a backup, and the
    restore names it instead of reporting an intact log."""
    url, drop = scratch_database(database_url, tmp_path, "backup_forged")
    try:
        app = create_app(make_test_config(tmp_path / "forged", url))
        with app.app_context():
            flask_migrate.upgrade()
            db.engine.dispose()
        engine = create_engine(url)
        with Session(engine) as session:
            event = AuditEvent(occurred_at=utcnow(), actor_id=None, actor_label="system",
                               action="forged", object_type=None, object_id=None, details={},
                               ip_address=None, prev_hash=GENESIS, hash="f" * 64)
            session.add(event)
            session.commit()
            forged_id = event.id
        engine.dispose()
        create_backup(url, tmp_path / "no-evidence", tmp_path / "bk")
    finally:
        drop()
    target_url, target_evidence = target
    app = create_app({**make_test_config(tmp_path / "dst", target_url),
                      "EVIDENCE_DIR": target_evidence})
    with session_of_its_own():
        result = app.test_cli_runner().invoke(args=["backup", "restore", str(tmp_path / "bk")])
        with app.app_context():
            db.engine.dispose()
    assert result.exit_code == 1
    assert f"audit log is BROKEN at event {forged_id}" in result.output
