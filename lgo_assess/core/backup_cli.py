"""``flask backup …``: copy the database and the evidence store, and restore them."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from lgo_assess.core.backup import BackupError, create_backup, restore_backup

cli = AppGroup("backup", help="Back up and restore the database and the evidence files.")


@cli.command("create")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def create(directory: Path):
    """Write a backup into DIRECTORY (absent or empty): the database (SQLite online backup or
    pg_dump), every evidence file and manifest.json with their SHA-256 and row counts."""
    try:
        manifest = create_backup(current_app.config["SQLALCHEMY_DATABASE_URI"],
                                 current_app.config["EVIDENCE_DIR"], directory)
    except (BackupError, OSError) as error:
        raise click.ClickException(str(error))
    rows = sum(manifest["tables"].values())
    click.echo(f"backup written to {directory}: {len(manifest['tables'])} tables, {rows} rows, "
               f"{len(manifest['files']) - 1} evidence files")
    click.echo("  the signing keys (KEYS_DIR) are not included: back them up separately")


@cli.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
def restore(directory: Path):
    """Restore the backup in DIRECTORY into an EMPTY database and an empty evidence folder,
    after checking every file against manifest.json; then compare row counts."""
    try:
        report = restore_backup(directory, current_app.config["SQLALCHEMY_DATABASE_URI"],
                                current_app.config["EVIDENCE_DIR"])
    except (BackupError, OSError) as error:
        raise click.ClickException(str(error))
    click.echo(f"restored {len(report.tables)} tables ({sum(report.tables.values())} rows, "
               f"counts match the manifest) and {report.blobs} evidence files")
    from lgo_assess.core.audit import verify_chain
    chain = verify_chain()
    if chain.ok:
        click.echo(f"audit log intact: {chain.checked} events checked")
    else:
        raise click.ClickException(f"restored, but the audit log is BROKEN at event "
                                   f"{chain.broken_at}: {chain.reason}")
