"""Commands that belong to no domain: the audit log and demo data."""
from __future__ import annotations

import click
from flask.cli import AppGroup

cli = AppGroup("audit", help="The tamper-evident audit log.")


@cli.command("verify")
def verify():
    """Walk the hash chain and report the first broken link."""
    from lgo_assess.core.audit import verify_chain
    report = verify_chain()
    if report.ok:
        click.echo(f"audit log intact: {report.checked} events checked")
        return
    click.echo(f"audit log BROKEN at event {report.broken_at}: {report.reason} "
               f"({report.checked} events before it are intact)", err=True)
    raise SystemExit(1)
