"""``flask evidence …``: housekeeping of the evidence store."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

cli = AppGroup("evidence", help="The evidence store.")


@cli.command("sweep")
@click.option("--dry-run", is_flag=True, help="List what would be removed; remove nothing.")
@click.option("--grace-minutes", default=60, show_default=True, type=click.IntRange(min=0),
              help="Leave files younger than this alone (an upload may still be committing).")
def sweep(dry_run: bool, grace_minutes: int):
    """Remove blobs no evidence item in use points at, stale temporary files and previews of
    removed blobs."""
    from lgo_assess.evidence.services import EvidenceSettings, human_size, sweep as run_sweep
    report = run_sweep(EvidenceSettings.from_config(current_app.config), dry_run=dry_run,
                       grace_seconds=grace_minutes * 60)
    verb = "would remove" if dry_run else "removed"
    for label, paths in (("blob", report.blobs), ("temp file", report.temp_files),
                         ("preview", report.previews)):
        for path in paths:
            click.echo(f"{verb} {label} {path}")
    click.echo(f"{verb} {len(report.blobs)} orphan blobs, {len(report.temp_files)} temporary "
               f"files and {len(report.previews)} previews ({human_size(report.bytes_freed)})")
