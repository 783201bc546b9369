"""``flask criteria …``: validate, import, publish, retire and export editions of standards."""
from __future__ import annotations

import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import inspect, select

from lgo_assess.core.db import db
from lgo_assess.core.errors import DomainError
from lgo_assess.criteria import queries, schema, services
from lgo_assess.criteria.loader import load_library

cli = AppGroup("criteria", help="Criteria files: validate, import, publish, retire, export.")

LANG_OPTION = click.option("--lang", type=click.Choice(["th", "en"]), default=None,
                           help="Language of the problem messages (default: the app's).")


def _gettext(lang: str | None):
    """The interface catalogue's gettext for ``lang``, without a request (Babel directly)."""
    from babel.support import Translations
    lang = lang or current_app.config["BABEL_DEFAULT_LOCALE"]
    translations = Translations.load(str(current_app.config["TRANSLATIONS_DIR"]), [lang])
    return translations.gettext


def _area_tags() -> tuple[str, ...]:
    """The README's area tags plus any an admin added to the registry."""
    tags = set(schema.AREA_TAGS)
    try:
        from lgo_assess.registry.models import AreaTag
        if inspect(db.engine).has_table(AreaTag.__tablename__):
            tags |= set(db.session.execute(select(AreaTag.code)).scalars())
    except Exception:  # noqa: BLE001 - validating files must work without a database
        db.session.rollback()
    return tuple(sorted(tags))


def _load(paths, lang):
    criteria_dir = Path(current_app.config["CRITERIA_DIR"])
    paths = list(paths) or [criteria_dir]
    started = time.perf_counter()
    library = load_library(paths, context=[criteria_dir], area_tags=_area_tags())
    elapsed = time.perf_counter() - started
    gettext = _gettext(lang)
    for problem in library.problems:
        click.echo(problem.format(gettext), err=True)
    return library, elapsed


def _source_path(path: str) -> str:
    root = Path(current_app.config["CRITERIA_DIR"]).resolve().parent
    try:
        return str(Path(path).resolve().relative_to(root))
    except ValueError:
        return str(path)


@cli.command("validate")
@click.argument("paths", nargs=-1, type=click.Path())
@LANG_OPTION
def validate(paths, lang):
    """Check criteria files (default: the whole criteria/ folder); report every problem as
    file:line: path: message. Exits 1 if there is any."""
    library, elapsed = _load(paths, lang)
    problems = library.problems
    click.echo(f"{len(library.files)} files checked ({len(library.editions)} editions, "
               f"{len(library.catalogues)} KPI catalogues): {len(problems)} problems "
               f"in {elapsed:.2f} s")
    if problems:
        raise SystemExit(1)


@cli.command("import")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--xlsx", "workbooks", multiple=True, type=click.Path(dir_okay=False),
              help="A workbook exported with `export --xlsx` (repeatable).")
@LANG_OPTION
def import_(paths, workbooks, lang):
    """Import editions as drafts (default: every file in criteria/). An unchanged edition is
    left alone; a changed one that is already published is refused. All or nothing."""
    if not paths and not workbooks:
        paths = (str(current_app.config["CRITERIA_DIR"]),)
    library, _ = _load(list(paths) + list(workbooks), lang)
    if library.problems:
        click.echo(f"nothing imported: {len(library.problems)} problems", err=True)
        raise SystemExit(1)
    for loaded in library.catalogues:
        click.echo(f"checked   {loaded.path}: {len(loaded.catalogue.kpis)} KPIs "
                   "(the KPI pages store them)")
    refused = 0
    for loaded in library.editions:
        try:
            result = services.import_edition(loaded, source_path=_source_path(loaded.path))
        except DomainError as error:
            refused += 1
            click.echo(f"{loaded.path}: {error.message}", err=True)
            continue
        edition = result.edition
        click.echo(f"{result.outcome:9} {edition.standard.code} {edition.code} "
                   f"({edition.status.value}, {len(edition.criteria)} criteria)")
    if refused:
        db.session.rollback()
        click.echo(f"nothing imported: {refused} editions refused", err=True)
        raise SystemExit(1)
    db.session.commit()


def _edition(standard: str, edition: str):
    try:
        return queries.get_edition(standard, edition)
    except DomainError:
        raise click.ClickException(f"no edition {edition} of standard {standard}; "
                                   "import it first") from None


@cli.command("publish")
@click.argument("standard")
@click.argument("edition")
def publish(standard, edition):
    """Publish a draft edition: from now on it never changes."""
    row = _edition(standard, edition)
    try:
        services.publish_edition(row)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    click.echo(f"published {row.label}")


@cli.command("retire")
@click.argument("standard")
@click.argument("edition")
def retire(standard, edition):
    """Retire a published edition: it stays readable, but no new cycle should use it."""
    row = _edition(standard, edition)
    try:
        services.retire_edition(row)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    click.echo(f"retired {row.label}")


@cli.command("list")
def list_editions():
    """Every imported edition with its status and content hash."""
    for standard, editions in queries.list_standards(include_drafts=True):
        for edition in editions:
            click.echo(f"{standard.code:6} {edition.code:8} {edition.status.value:10} "
                       f"{len(edition.criteria):4} criteria  {edition.content_hash[:12]}  "
                       f"{edition.source_path}")


@cli.command("export")
@click.argument("standard")
@click.argument("edition")
@click.option("--xlsx", "fmt", flag_value="xlsx", default=True, help="An Excel workbook.")
@click.option("--yaml", "fmt", flag_value="yaml", help="A criteria YAML file.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
def export(standard, edition, fmt, output):
    """Write an imported edition as a workbook for DLA authors (or as YAML)."""
    row = _edition(standard, edition)
    if fmt == "yaml":
        from lgo_assess.criteria.writer import dump_yaml
        Path(output).write_text(dump_yaml(row.document), encoding="utf-8")
    else:
        from lgo_assess.criteria.xlsx import write_workbook
        write_workbook(row.document, output)
    click.echo(f"wrote {row.label} to {output}")


@cli.command("pdf")
@click.argument("standard")
@click.argument("edition")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@LANG_OPTION
def pdf(standard, edition, output, lang):
    """Write an imported edition as a printable A4 PDF (the same book as the web page's)."""
    from lgo_assess.criteria.pdf import build_edition_pdf
    row = _edition(standard, edition)
    lang = lang or current_app.config["BABEL_DEFAULT_LOCALE"]
    build_edition_pdf(row.to_edition(), output, language=lang, gettext=_gettext(lang),
                      status=row.status.value)
    click.echo(f"wrote {row.label} ({lang}) to {output}")
