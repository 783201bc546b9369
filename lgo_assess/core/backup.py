"""Backups of the database and the evidence store, with a SHA-256 manifest, and their restore.

No Flask: every function takes the SQLAlchemy database URL and the evidence folder. Layout of a
backup folder::

    manifest.json           format, dialect, time, row counts per table, SHA-256 of every file
    database.sqlite3        SQLite: a copy made with the online backup API (integrity-checked)
    database.dump           PostgreSQL: ``pg_dump --format=custom``
    evidence/ab/cd/<sha256> every evidence blob (previews and temporary files are not kept)

The row counts and the dump come from one snapshot: SQLite counts the copy; PostgreSQL exports
the snapshot of a REPEATABLE READ transaction, counts in it and hands it to ``pg_dump --snapshot``.

Restore checks every hash first (and that each blob's content matches its name), refuses a
database that already has tables and an evidence folder that already holds files, restores, and
compares the row counts. The manifest is not signed: keep backups where only operators can write.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess  # noqa: S404 -- runs pg_dump/pg_restore by absolute path, argument list, no shell
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select, table, text
from sqlalchemy.engine import make_url

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
EVIDENCE = "evidence"
_CHUNK = 1024 * 1024
_BLOB_PATH = re.compile(r"evidence/([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})")
_SHA256 = re.compile(r"[0-9a-f]{64}")


class BackupError(Exception):
    """The backup or restore was refused or failed; the message says which file or table."""


@dataclass(frozen=True)
class RestoreReport:
    tables: dict[str, int]
    blobs: int


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# Database helpers -----------------------------------------------------------------------------
def _dialect(database_url: str) -> str:
    name = make_url(database_url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"unsupported database: {name}")
    return name


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("only a SQLite database in a file can be backed up or restored")
    return Path(database)


def _pg_env(database_url: str) -> dict[str, str]:
    """libpq's PG* variables for the URL, so no password ever appears on a command line."""
    url = make_url(database_url)
    env = dict(os.environ)
    for var, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                       ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value is not None:
            env[var] = str(value)
    for key, var in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        if key in url.query:
            env[var] = str(url.query[key])
    return env


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(f"{name} not found on PATH (install the PostgreSQL client)")
    return path


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 -- fixed argument list from shutil.which, no shell, no user input
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")


def _row_counts(connection) -> dict[str, int]:
    names = sorted(inspect(connection).get_table_names())
    return {name: connection.execute(select(func.count()).select_from(table(name))).scalar_one()
            for name in names}


def table_names(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return sorted(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def row_counts(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return _row_counts(connection)
    finally:
        engine.dispose()


# Create ---------------------------------------------------------------------------------------
def _backup_sqlite(database_url: str, target: Path) -> dict[str, int]:
    source_path = _sqlite_path(database_url)
    if not source_path.is_file():
        raise BackupError(f"database file {source_path} does not exist")
    copy = target / SQLITE_FILE
    source = sqlite3.connect(f"{source_path.resolve().as_uri()}?mode=ro", uri=True)
    destination = sqlite3.connect(copy)
    try:
        source.backup(destination)
    finally:
        source.close()
        destination.close()
    checked = sqlite3.connect(copy)
    try:
        verdict = [row[0] for row in checked.execute("PRAGMA integrity_check")]
    finally:
        checked.close()
    if verdict != ["ok"]:
        raise BackupError(f"integrity_check of the copy failed: {'; '.join(verdict[:5])}")
    return row_counts(f"sqlite:///{copy}")


def _backup_postgres(database_url: str, target: Path) -> dict[str, int]:
    pg_dump = _pg_tool("pg_dump")
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                counts = _row_counts(connection)
                # The transaction stays open while pg_dump reads the same snapshot.
                _run([pg_dump, "--format=custom", "--no-owner", f"--snapshot={snapshot}",
                      f"--file={target / PG_FILE}"], _pg_env(database_url))
    finally:
        engine.dispose()
    return counts


def _copy_blob(source: Path, destination: Path) -> str:
    """Copy and hash in one pass; returns the SHA-256 of what was written."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with open(source, "rb") as reader, open(destination, "wb") as writer:
        while chunk := reader.read(_CHUNK):
            digest.update(chunk)
            writer.write(chunk)
        writer.flush()
        os.fsync(writer.fileno())
    return digest.hexdigest()


def _iter_blobs(root: Path):
    """(relative path, file) of every blob under a content address in ``root``."""
    if not root.is_dir():
        return
    for path in sorted(root.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*")):
        if path.is_file() and _SHA256.fullmatch(path.name) and \
                path.name[:4] == path.parent.parent.name + path.parent.name:
            yield f"{EVIDENCE}/{path.parent.parent.name}/{path.parent.name}/{path.name}", path


def create_backup(database_url: str, evidence_dir: Path | str, target: Path | str) -> dict:
    """Write a backup into ``target`` (absent or empty) and return its manifest."""
    dialect = _dialect(database_url)
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty")
    target.mkdir(parents=True, exist_ok=True)
    os.chmod(target, 0o700)  # evidence and the database hold personal data
    if dialect == "sqlite":
        counts, db_file = _backup_sqlite(database_url, target), SQLITE_FILE
    else:
        counts, db_file = _backup_postgres(database_url, target), PG_FILE
    files = {db_file: sha256_file(target / db_file)}
    for relative, source in _iter_blobs(Path(evidence_dir)):
        files[relative] = _copy_blob(source, target / relative)
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "dialect": dialect,
        "database_file": db_file,
        "tables": counts,
        "files": files,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n",
                                   encoding="utf-8")
    return manifest


# Verify and restore ---------------------------------------------------------------------------
def verify_backup(source: Path | str) -> dict:
    """Check the manifest's shape and every file's hash; return the manifest or raise
    ``BackupError`` naming the first file that does not match."""
    source = Path(source)
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"{MANIFEST} cannot be read: {error}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{MANIFEST}: unknown format")
    files, tables = manifest.get("files"), manifest.get("tables")
    db_file = manifest.get("database_file")
    expected_db = {"sqlite": SQLITE_FILE, "postgresql": PG_FILE}.get(manifest.get("dialect"))
    if not isinstance(files, dict) or not isinstance(tables, dict) or db_file != expected_db \
            or db_file not in files:
        raise BackupError(f"{MANIFEST}: malformed")
    for relative, expected in files.items():
        if relative != db_file and not _BLOB_PATH.fullmatch(relative):
            raise BackupError(f"{MANIFEST} names an unexpected file: {relative}")
        path = source / relative
        if not path.is_file():
            raise BackupError(f"{relative} is missing from the backup")
        actual = sha256_file(path)
        if actual != expected:
            raise BackupError(f"{relative} does not match its SHA-256 in {MANIFEST}")
        if relative != db_file and actual != Path(relative).name:
            raise BackupError(f"{relative}: its content does not match its name")
    listed = set(files)
    for relative, _ in _iter_blobs(source / EVIDENCE):
        if relative not in listed:
            raise BackupError(f"{relative} is in the backup but not in {MANIFEST}")
    return manifest


def _restore_sqlite(backup_file: Path, database_url: str) -> None:
    target_path = _sqlite_path(database_url)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"{backup_file.resolve().as_uri()}?mode=ro", uri=True)
    destination = sqlite3.connect(target_path)
    try:
        source.backup(destination)
    finally:
        source.close()
        destination.close()


def _restore_postgres(backup_file: Path, database_url: str) -> None:
    env = _pg_env(database_url)
    _run([_pg_tool("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction",
          f"--dbname={env['PGDATABASE']}", str(backup_file)], env)


def restore_backup(source: Path | str, database_url: str,
                   evidence_dir: Path | str) -> RestoreReport:
    """Restore a verified backup into an empty database and an empty evidence folder."""
    source, evidence_dir = Path(source), Path(evidence_dir)
    manifest = verify_backup(source)
    dialect = _dialect(database_url)
    if manifest["dialect"] != dialect:
        raise BackupError(f"the backup is of a {manifest['dialect']} database, "
                          f"the target is {dialect}")
    existing = table_names(database_url)
    if existing:
        raise BackupError(f"the target database is not empty ({len(existing)} tables, "
                          f"e.g. {existing[0]}); restore only into an empty database")
    if evidence_dir.exists() and any(p.is_file() for p in evidence_dir.rglob("*")):
        raise BackupError(f"the evidence folder {evidence_dir} is not empty")
    backup_file = source / manifest["database_file"]
    if dialect == "sqlite":
        _restore_sqlite(backup_file, database_url)
    else:
        _restore_postgres(backup_file, database_url)
    blobs = 0
    for relative, expected in manifest["files"].items():
        if relative == manifest["database_file"]:
            continue
        destination = evidence_dir / Path(relative).relative_to(EVIDENCE)
        if _copy_blob(source / relative, destination) != expected:
            raise BackupError(f"{relative} changed while it was being restored")
        os.chmod(destination, 0o640)
        blobs += 1
    counts = row_counts(database_url)
    if counts != manifest["tables"]:
        differing = sorted(name for name in set(counts) | set(manifest["tables"])
                           if counts.get(name) != manifest["tables"].get(name))
        raise BackupError(f"row counts differ after restore in: {', '.join(differing)}")
    return RestoreReport(counts, blobs)
