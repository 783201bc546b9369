"""``flask keys …``: the Ed25519 keys that sign certificates (in ``KEYS_DIR``)."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from lgo_assess.certification.signing import KeyDirectory, SigningError
from lgo_assess.config import PROJECT_ROOT

cli = AppGroup("keys", help="The keys that sign certificates.")


def _directory() -> KeyDirectory:
    return KeyDirectory(current_app.config["KEYS_DIR"])


def check_outside_repository(path: Path, instance: Path) -> None:
    """Private keys never go into the source tree (the instance folder is ignored by git)."""
    path, root, instance = path.resolve(), PROJECT_ROOT.resolve(), instance.resolve()
    if path.is_relative_to(root) and not path.is_relative_to(instance):
        raise click.ClickException(
            f"KEYS_DIR {path} is inside the repository; point KEYS_DIR outside it (or into "
            f"the instance folder {instance})")


@cli.command("generate")
@click.option("--activate/--no-activate", default=None,
              help="Make the new key the one that signs (default: only if none is active).")
def generate(activate: bool | None):
    """Create a new key pair in KEYS_DIR (the private key with mode 0600). Existing keys are
    never overwritten: certificates they signed keep verifying."""
    directory = _directory()
    check_outside_repository(directory.path, Path(current_app.instance_path))
    try:
        kid = directory.generate(activate=activate)
    except (SigningError, OSError) as error:
        raise click.ClickException(str(error))
    state = "active" if directory.active_kid() == kid else "not active"
    click.echo(f"key {kid} created in {directory.path} ({state})")
    click.echo(f"  private: {directory.path / (kid + '.private.pem')} (mode 600; back it up, "
               "keep it secret)")
    click.echo(f"  public:  published at /keys/{kid}.pem")


@cli.command("list")
def list_keys():
    """The keys in KEYS_DIR, oldest first; * marks the one that signs."""
    directory = _directory()
    kids = directory.kids()
    if not kids:
        raise click.ClickException(f"no keys in {directory.path}: run `flask keys generate`")
    active = directory.active_kid()
    for kid in kids:
        made = datetime.fromtimestamp(
            (directory.path / f"{kid}.public.pem").stat().st_mtime, timezone.utc)
        private = (directory.path / f"{kid}.private.pem").exists()
        click.echo(f"{'*' if kid == active else ' '} {kid}  {made:%Y-%m-%d %H:%M}Z"
                   f"{'' if private else '  (public key only)'}")


@cli.command("activate")
@click.argument("kid")
def activate(kid: str):
    """Make KID the key that signs new certificates."""
    try:
        _directory().activate(kid)
    except SigningError as error:
        raise click.ClickException(str(error))
    click.echo(f"key {kid} now signs new certificates")
