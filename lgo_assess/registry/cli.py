"""``flask registry …``: import geography and LGOs, synthesize a national registry."""
from __future__ import annotations

import time
from pathlib import Path

import click
from flask.cli import AppGroup

cli = AppGroup("registry", help="Regions, provinces, districts and LGOs.")


def _fail(message: str) -> None:
    from lgo_assess.core.db import db
    db.session.rollback()
    raise click.ClickException(message)


@cli.command("import-geography")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
def import_geography_command(directory: Path):
    """Import regions, provinces, districts and subdistricts from DOPA's JSON files in
    DIRECTORY (provinces.json, districts.json, subdistricts.json). Safe to run again."""
    from lgo_assess.core.db import db
    from lgo_assess.core.errors import DomainError
    from lgo_assess.registry import services

    started = time.perf_counter()
    click.echo(f"Importing geography from {directory} …")
    try:
        summary = services.import_geography(directory)
    except DomainError as error:
        _fail(str(error.message))
    db.session.commit()
    for name in ("regions", "provinces", "districts", "subdistricts"):
        click.echo(f"  {name:<13} {getattr(summary, name)}")
    click.echo(f"  area tags     {summary.area_tags_added} added")
    click.echo(f"Done in {time.perf_counter() - started:.1f} s.")


@cli.command("import-lgos")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--fiscal-year", "fiscal_year", type=int, default=None,
              help="Fiscal year (B.E.) the file describes: new LGOs and changed types hold "
                   "from it. Default: the current fiscal year.")
def import_lgos_command(file: Path, fiscal_year: int | None):
    """Import DLA's open-data list of LGOs (ชื่อและที่ตั้งองค์กรปกครองส่วนท้องถิ่น, CSV in
    UTF-8 or Windows-874). A file with any bad row is refused whole; every bad row is listed."""
    from lgo_assess.core.db import db
    from lgo_assess.core.errors import DomainError
    from lgo_assess.registry import services

    started = time.perf_counter()
    click.echo(f"Importing LGOs from {file} …")
    try:
        summary = services.import_lgos(file, fiscal_year=fiscal_year)
    except services.LgoFileRefused as refused:
        db.session.rollback()
        for error in refused.errors:
            click.echo(f"{file}:{error}", err=True)
        lines = len({e.line for e in refused.errors})
        raise click.ClickException(
            f"refused: {len(refused.errors)} problems on {lines} lines; nothing was imported.")
    except DomainError as error:
        _fail(str(error.message))
    db.session.commit()
    click.echo(f"  read          {summary.rows:,} rows ({summary.encoding}), "
               f"{summary.lgos:,} LGOs")
    click.echo("  by type       " + ", ".join(f"{k} {v:,}" for k, v in
                                              sorted(summary.by_type.items())))
    click.echo(f"  LGOs          {summary.created:,} new, {summary.updated:,} updated, "
               f"{summary.unchanged:,} unchanged; {summary.type_changes:,} type changes "
               f"from FY {summary.fiscal_year}")
    click.echo(f"  subdistricts  {summary.links_added:,} links added, "
               f"{summary.links_removed:,} removed")
    if summary.not_in_file:
        click.echo(f"  note          {summary.not_in_file:,} LGOs in the registry are not in "
                   "this file (left unchanged)")
    if summary.inactive_listed:
        click.echo(f"  note          {summary.inactive_listed:,} inactive LGOs are listed in "
                   "the file (left inactive)")
    click.echo(f"Done in {time.perf_counter() - started:.1f} s.")


@cli.command("synthesize")
@click.option("--geography", "geography", required=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Directory of DOPA's geography JSON files.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="The same seed always gives the same registry.")
def synthesize_command(geography: Path, seed: int):
    """Fill an empty registry with a synthetic national one (7,850 LGOs of the real type mix,
    named after real subdistricts) for tests, demos and benchmarks."""
    from lgo_assess.core.db import db
    from lgo_assess.core.errors import DomainError
    from lgo_assess.registry import services

    started = time.perf_counter()
    click.echo(f"Synthesizing a national registry (seed {seed}) …")
    try:
        summary = services.synthesize_registry(geography, seed)
    except DomainError as error:
        _fail(str(error.message))
    db.session.commit()
    click.echo(f"  LGOs          {summary.lgos:,}: " + ", ".join(
        f"{k} {v:,}" for k, v in sorted(summary.by_type.items())))
    click.echo(f"  history       {summary.upgraded:,} SAOs upgraded in FY "
               "2563–2568")
    click.echo(f"  links         {summary.subdistrict_links:,} subdistricts, "
               f"{summary.area_tag_links:,} area tags")
    click.echo(f"Done in {time.perf_counter() - started:.1f} s.")
