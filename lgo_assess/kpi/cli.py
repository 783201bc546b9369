"""``flask kpi …``: import the plan's KPI catalogue, rebuild the live summary."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from lgo_assess.core.db import db
from lgo_assess.core.errors import DomainError
from lgo_assess.kpi import services, summary

cli = AppGroup("kpi", help="KPIs of the plan: catalogue and roll-up summary.")


@cli.command("import-catalogue")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False,
                                                        path_type=Path))
def import_catalogue(path: Path | None):
    """Import the KPI catalogue (default: criteria/kpis/plan-2561-2570.yaml). Idempotent."""
    path = path or services.default_catalogue_path()
    try:
        result = services.import_catalogue(services.load_catalogue(path))
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"{path.name}: {result.created} created, {result.updated} updated, "
               f"{result.unchanged} unchanged")


@cli.command("rebuild")
def rebuild():
    """Recompute the KPI summary from the registry and the certificates (after bulk SQL run
    outside the application, or after upgrading a database that had no summary)."""
    counts = summary.rebuild_summary(db.session)
    db.session.commit()
    click.echo(f"LGO-years: {counts['lgo_years']}, certified LGO-standard-years: "
               f"{counts['lgo_standard_years']}, cells: {counts['cells']}")
