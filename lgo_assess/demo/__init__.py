"""Demo data: ``flask demo load`` fills a database with a small hand-written registry and one
account for every role; ``flask demo logins`` prints how to log in as each.

Loading is idempotent: each step looks its rows up by their natural keys (codes, e-mail
addresses) and adds only what is missing, so a second run changes nothing.

Each capability adds its own step: a module with ``load(ctx: DemoContext) -> int`` that returns
how many rows it created, listed in ``STEPS`` in the order the steps must run (criteria before
cycles, cycles before assessments, …). A step reads what earlier steps made through the
database, never through the context.
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Callable

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from lgo_assess.core.db import db

STEPS = (
    "lgo_assess.demo.registry",
    "lgo_assess.demo.accounts",
    "lgo_assess.demo.criteria",
    "lgo_assess.demo.assessments",
    "lgo_assess.demo.review",
    "lgo_assess.demo.certification",
    "lgo_assess.demo.kpi",
)

DEMO_EMAIL_DOMAIN = "demo.example"   # a reserved domain (RFC 2606): mail to it goes nowhere
DEMO_PASSWORD = "demo-lgo-assess-2569"  # noqa: S105 -- shared password of demo accounts only (published by flask demo logins)
# The authenticator key of every demo approver and administrator (they must use a second
# factor); published by ``flask demo logins``, and ``flask demo code`` prints its current code.
DEMO_TOTP_SECRET = "LGOASSESSDEMOONLYSECRETKEY234567"  # noqa: S105 -- published demo key, demo accounts only


@dataclass(frozen=True)
class DemoContext:
    password: str
    hash_method: str
    min_length: int
    echo: Callable[[str], None]


def load_demo(ctx: DemoContext) -> dict[str, int]:
    """Run every step in order; returns rows created per step. Flushes; the caller commits."""
    created = {}
    for name in STEPS:
        created[name.rsplit(".", 1)[-1]] = import_module(name).load(ctx)
    return created


def foreign_users() -> list[str]:
    """E-mail addresses of accounts that are not demo accounts: a sign of a real database."""
    from lgo_assess.accounts.models import User
    return list(db.session.execute(
        select(User.email).where(~User.email.like(f"%@{DEMO_EMAIL_DOMAIN}"))
        .order_by(User.email).limit(5)).scalars())


cli = AppGroup("demo", help="Demo data for trying the application out.")


@cli.command("load")
@click.option("--force", is_flag=True,
              help="Load even though the database holds accounts that are not demo accounts.")
def load(force: bool):
    """Add the demo registry and one account per role (all with one known password)."""
    others = foreign_users()
    if others and not force:
        raise click.ClickException(
            "this database holds real accounts (" + ", ".join(others) + "); demo accounts "
            "share a published password, so they are not added. Use --force to add them anyway.")
    ctx = DemoContext(password=DEMO_PASSWORD,
                      hash_method=current_app.config["PASSWORD_HASH_METHOD"],
                      min_length=current_app.config["PASSWORD_MIN_LENGTH"], echo=click.echo)
    created = load_demo(ctx)
    db.session.commit()
    for step, count in created.items():
        click.echo(f"demo {step}: {count} new rows" if count else f"demo {step}: already loaded")


@cli.command("logins")
def logins():
    """Print the demo accounts: role, e-mail, password and scope."""
    from lgo_assess.demo.accounts import login_rows
    rows = login_rows()
    if not rows:
        raise click.ClickException("no demo accounts yet: run `flask demo load`")
    from lgo_assess.accounts.totp import grouped
    header = ("role", "e-mail", "password", "scope")
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(3)]
    for row in (header, tuple("-" * w for w in widths) + ("-----",), *rows):
        # the scope (with Thai names) comes last, so Thai marks cannot spoil the alignment
        click.echo("  ".join([*(cell.ljust(w) for cell, w in zip(row, widths)), row[3]]))
    click.echo("")
    click.echo("dla_approver and dla_admin accounts also ask for a 6-digit code after the "
               "password. Either add this key to an authenticator app (Google Authenticator, "
               f"FreeOTP, ...; time-based, 6 digits): {grouped(DEMO_TOTP_SECRET)}")
    click.echo("or run `make demo-code` (flask demo code) for the code of the moment; each code "
               "works once.")


@cli.command("code")
def code():
    """Print the current 6-digit code of the demo approvers' and administrators' authenticator."""
    from datetime import datetime, timezone

    from lgo_assess.accounts.totp import INTERVAL, code_at_step, step_at
    now = datetime.now(timezone.utc)
    left = INTERVAL - int(now.timestamp()) % INTERVAL
    click.echo(f"{code_at_step(DEMO_TOTP_SECRET, step_at(now))}  (changes in {left} s)")
