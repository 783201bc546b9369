"""``flask history …``: import historical certification results, write the file template."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

cli = AppGroup("history", help="Historical certification results from before the platform.")


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--check", is_flag=True, help="Check the file and report; write nothing.")
def import_command(file: Path, check: bool):
    """Import FILE (CSV or XLSX; `flask history template` writes one): one row per historical
    certificate. The whole file is checked first; a file with any bad row is refused whole and
    every problem is listed (line, column, reason). Importing the same file again changes
    nothing."""
    from lgo_assess.certification import history
    from lgo_assess.core.db import db
    from lgo_assess.core.errors import DomainError

    raw = file.read_bytes()
    try:
        if check:
            plan = history.check_file(raw)
            if not plan.ok:
                raise history.HistoryFileRefused(plan.problems)
            click.echo(f"{file}: {len(plan.rows)} rows, {len(plan.new)} new, "
                       f"{len(plan.unchanged)} already recorded; the file can be imported")
            return
        result = history.import_history(raw, file.name, actor=None)
    except history.HistoryFileRefused as refused:
        db.session.rollback()
        for problem in refused.problems:
            where = f"{file}:{problem.line}" if problem.line else str(file)
            column = f" [{problem.column}]" if problem.column else ""
            click.echo(f"{where}:{column} {history.describe(problem)}", err=True)
        raise click.ClickException(str(refused.message))
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message))
    db.session.commit()
    if result.already_imported is not None:
        batch = result.already_imported
        click.echo(f"{file}: already imported as batch {batch.id} ({batch.file_name}, "
                   f"{batch.imported_at:%Y-%m-%d %H:%M} UTC); nothing changed")
    elif result.batch is None:
        click.echo(f"{file}: all {result.rows} certificates are already recorded; "
                   "nothing changed")
    else:
        click.echo(f"{file}: batch {result.batch.id}: {result.created} historical certificates "
                   f"added, {result.unchanged} already recorded")


@cli.command("template")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              required=True, help="Where to write it (.xlsx or .csv).")
def template_command(output: Path):
    """Write the file template (Thai and English headers, one example row; the XLSX has a
    second sheet explaining each column)."""
    from lgo_assess.certification.history_file import template_csv, template_xlsx

    data = template_csv() if output.suffix.lower() == ".csv" else template_xlsx()
    output.write_bytes(data)
    click.echo(f"{output} ({len(data):,} bytes)")
