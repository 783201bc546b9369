"""``flask users …``: create users and grant roles from the command line."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from lgo_assess.accounts import services
from lgo_assess.core.db import db
from lgo_assess.core.errors import DomainError
from lgo_assess.core.security import Role
from lgo_assess.registry.models import Lgo, Province

cli = AppGroup("users", help="User accounts and their roles.")


@cli.command("create")
@click.argument("email")
@click.option("--name", "display_name", required=True, help="The user's display name.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", "roles", multiple=True, type=click.Choice([r.value for r in Role]),
              help="A role to grant; repeat for several.")
@click.option("--lgo", "lgo_code", help="DLA code of the LGO, for LGO roles.")
@click.option("--province", "province_code", help="DOPA code of the province, for officers.")
@click.option("--locale", default="th", type=click.Choice(["th", "en"]))
def create(email, display_name, password, roles, lgo_code, province_code, locale):
    """Create a user and grant roles, e.g. ``flask users create a@b.th --name A --role dla_admin``."""
    lgo = province = None
    if lgo_code:
        lgo = db.session.execute(select(Lgo).where(Lgo.dla_code == lgo_code)).scalar_one_or_none()
        if lgo is None:
            raise click.ClickException(f"no LGO with DLA code {lgo_code}")
    if province_code:
        province = db.session.execute(
            select(Province).where(Province.code == province_code)).scalar_one_or_none()
        if province is None:
            raise click.ClickException(f"no province with code {province_code}")
    try:
        user = services.create_user(
            email, display_name, password, locale=locale,
            hash_method=current_app.config["PASSWORD_HASH_METHOD"],
            min_length=current_app.config["PASSWORD_MIN_LENGTH"])
        for value in roles:
            role = Role(value)
            services.grant_role(user, role,
                                lgo=lgo if role.scope == "lgo" else None,
                                province=province if role.scope == "province" else None)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    click.echo(f"created user {user.email} with roles: {', '.join(roles) or 'none'}")


def _user_by_email(email: str):
    from lgo_assess.accounts.models import User
    user = db.session.execute(
        select(User).where(User.email == email.strip().lower())).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"no user with e-mail {email}")
    return user


@cli.command("reset-2fa")
@click.argument("email")
def reset_2fa(email):
    """Remove a user's authenticator and recovery codes (a lost phone) and log them out; they
    set up a new one at their next login. Recorded in the audit log."""
    user = _user_by_email(email)
    try:
        services.reset_second_factor(user, actor=None)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    click.echo(f"second factor of {user.email} removed; their sessions were logged out")


@cli.command("prune-sessions")
def prune_sessions():
    """Delete login sessions that ended more than LOGIN_SESSION_RETENTION_DAYS ago (logins
    also do this as they go; run it from cron where logins are rare)."""
    count = services.prune_login_sessions()
    db.session.commit()
    click.echo(f"{count} old login sessions deleted")
