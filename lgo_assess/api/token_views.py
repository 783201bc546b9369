"""Personal API tokens on the profile page: create one (its secret is shown once, on the page
that answers the creation, and never again) and revoke one. Ordinary pages with CSRF, unlike
the API blueprint."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lgo_assess.api import services
from lgo_assess.api.forms import ApiTokenCreateForm
from lgo_assess.accounts.forms import ConfirmForm
from lgo_assess.core.db import db, utcnow
from lgo_assess.core.errors import DomainError
from lgo_assess.core.security import login_required_only

bp = Blueprint("api_tokens", __name__, template_folder="templates")


def _me():
    return current_user._get_current_object()


@bp.app_context_processor
def profile_token_section():
    """What ``api/_profile_tokens.html`` (included in the profile page) shows."""
    def api_token_section():
        return {"tokens": services.active_tokens(_me()), "form": ApiTokenCreateForm(),
                "confirm_form": ConfirmForm(), "now": utcnow()}
    return {"api_token_section": api_token_section}


@bp.post("/profile/api-tokens")
@login_required_only
def create_token():
    form = ApiTokenCreateForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(url_for("accounts.profile", _anchor="api-tokens"))
    try:
        issued = services.create_token(_me(), form.name.data,
                                       expires_in_days=form.expires_in_days, actor=_me())
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("accounts.profile", _anchor="api-tokens"))
    db.session.commit()
    # The secret is in this page only: never in a flash message, a URL or a log.
    return render_template("api/token_created.html", token=issued.token, secret=issued.secret)


@bp.post("/profile/api-tokens/<int:token_id>/revoke")
@login_required_only
def revoke_token(token_id: int):
    token = services.get_own_token(_me(), token_id)
    if ConfirmForm().validate_on_submit():
        services.revoke_token(token, actor=_me())
        db.session.commit()
        flash(_("The token “%(name)s” was revoked; it no longer works.", name=token.name),
              "success")
    return redirect(url_for("accounts.profile", _anchor="api-tokens"))
