"""``flask certificates …``: issue the certificates of a cycle's approvals, render one as a PDF,
verify a PDF."""
from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import IntegrityError, OperationalError

cli = AppGroup("certificates", help="Certificates: issue, render, verify.")


@cli.command("issue")
@click.option("--cycle", "cycle_id", type=int, required=True, help="The cycle's id.")
@click.option("--render/--no-render", default=False,
              help="Also render each PDF (Thai) into the cache, so the first download is fast.")
def issue(cycle_id: int, render: bool):
    """Issue a certificate for every approval of the cycle that has none yet. Each one is
    committed as it is issued, so an interrupted run loses nothing, and running the command
    again issues only what is missing (the database refuses a second certificate for one
    approval)."""
    from lgo_assess.assessments.models import Cycle
    from lgo_assess.certification import services
    from lgo_assess.certification.models import Decision
    from lgo_assess.certification.signing import SigningError
    from lgo_assess.core.db import db
    from lgo_assess.core.errors import DomainError

    if db.session.get(Cycle, cycle_id) is None:
        raise click.ClickException(f"no cycle {cycle_id}")
    pending = [d.id for d in services.approved_without_certificate(cycle_id)]
    if not pending:
        click.echo("nothing to issue: every approval of this cycle has its certificate")
        return
    try:
        signer = services.key_directory().signer()
    except SigningError as error:           # no key, or an unsafe one
        raise click.ClickException(str(error))

    issued, skipped = 0, []
    started = time.perf_counter()
    with click.progressbar(pending, label=f"issuing {len(pending)} certificates",
                           show_pos=True) as bar:
        for decision_id in bar:
            decision = db.session.get(Decision, decision_id)
            try:
                certificate = services.issue_certificate(decision, actor=None, signer=signer)
                if render:
                    services.certificate_pdf_path(certificate, "th")
                db.session.commit()
                issued += 1
            except (DomainError, IntegrityError) as error:
                db.session.rollback()       # issued meanwhile by another run, or refused
                skipped.append((decision_id, getattr(error, "message", None) or error))
            except BaseException:
                db.session.rollback()
                raise
    elapsed = time.perf_counter() - started
    click.echo(f"issued {issued} certificates in {elapsed:.1f} s"
               + (f" ({issued / elapsed:.1f} per second)" if issued and elapsed else ""))
    for decision_id, why in skipped:
        click.echo(f"  decision {decision_id} skipped: {why}", err=True)


@cli.command("render")
@click.argument("serial")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--lang", type=click.Choice(["th", "en"]), default="th", show_default=True)
@click.option("--png", is_flag=True,
              help="Also draw the page as OUTPUT.png (poppler's pdftoppm, 100 dpi), to check the "
                   "Thai by eye.")
def render(serial: str, output: Path, lang: str, png: bool):
    """Write the certificate SERIAL as a PDF (and, with --png, as a picture of its page)."""
    from lgo_assess.certification import queries, services

    certificate = queries.certificate_by_serial(serial)
    if certificate is None:
        raise click.ClickException(f"no certificate {serial}")
    if certificate.is_historical:
        raise click.ClickException(f"{certificate.serial} is a historical certificate "
                                   "(imported): it has no PDF")
    output.write_bytes(services.render_certificate_pdf(certificate, lang))
    click.echo(f"{output} ({certificate.serial}, {lang})")
    if png:
        click.echo(_draw_page(output))


def _draw_page(pdf: Path) -> Path:
    binary = shutil.which("pdftoppm")
    if binary is None:
        raise click.ClickException("pdftoppm is missing: install poppler-utils to draw the page")
    target = pdf.with_suffix("")
    subprocess.run([binary, "-r", "100", "-png", "-singlefile", "-f", "1", "-l", "1",  # noqa: S603 -- argument list, pdftoppm from shutil.which, no shell
                    str(pdf), str(target)], check=True, capture_output=True, timeout=60)
    return target.with_suffix(".png")


@cli.command("verify")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--offline", is_flag=True, help="Check the signature only; skip the database.")
@click.option("--keys", "keys_dir", type=click.Path(file_okay=False, path_type=Path),
              help="A folder of published keys (<kid>.public.pem); default KEYS_DIR.")
def verify(pdf: Path, offline: bool, keys_dir: Path | None):
    """Check a certificate PDF: its embedded signature against the published key and, when
    the database is reachable, its live status. Exit code 0 if valid, 1 if not."""
    from lgo_assess.certification import services
    from lgo_assess.certification.signing import KeyDirectory
    from lgo_assess.core.db import db

    keys = KeyDirectory(keys_dir or current_app.config["KEYS_DIR"])
    try:
        result = services.verify_pdf_file(pdf, keys=keys, look_up=not offline)
    except OperationalError:
        db.session.rollback()
        click.echo("the database is not reachable: checking the signature only")
        result = services.verify_pdf_file(pdf, keys=keys, look_up=False)
    facts = result.signed.facts if result.signed and result.signature_ok else {}
    if facts:
        click.echo(f"certificate {facts.get('serial')}: {facts.get('lgo_name_th')} · "
                   f"{facts.get('standard_code')} {facts.get('edition')} · "
                   f"{facts.get('level_en')}")
    click.echo("signature: " + ("valid (key %s)" % result.signed.kid if result.signature_ok
                                else "INVALID"))
    if result.problem:
        click.echo(f"problem: {result.problem}")
    if result.certificate is not None:
        click.echo(f"status today: {result.status.value}")
        if not result.matches_record:
            click.echo("problem: the PDF's payload differs from DLA's record of this serial")
        if result.certificate.revocation_reason:
            click.echo(f"revoked: {result.certificate.revocation_reason}")
    elif not offline and result.signature_ok and result.problem is None:
        click.echo("status: not checked (offline)")
    click.echo("VALID" if result.ok else "NOT VALID")
    raise SystemExit(0 if result.ok else 1)
