from __future__ import annotations

from flask import (Blueprint, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from lgo_assess.accounts import services
from lgo_assess.accounts.forms import LoginForm, PasswordChangeForm
from lgo_assess.core.db import db
from lgo_assess.core.errors import DomainError
from lgo_assess.core.security import login_required_only, public

bp = Blueprint("accounts", __name__, template_folder="templates")


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("core.home")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            flash(_("The e-mail address or password is not right."), "error")
            return render_template("accounts/login.html", form=form), 401
        locale = session.get("locale")
        session.clear()  # a fresh session at login: nothing from before survives
        services.start_login_session(user, ip_address=request.remote_addr,
                                     user_agent=request.user_agent.string)
        login_user(user)
        if locale and user.locale != locale:
            session["locale"] = user.locale
        db.session.commit()
        return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required_only
def logout():
    token = current_user.get_id()
    user = current_user._get_current_object()
    services.end_login_session(token, actor=user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required_only
def profile():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(
                user, form.current_password.data, form.new_password.data,
                hash_method=current_app.config["PASSWORD_HASH_METHOD"],
                min_length=current_app.config["PASSWORD_MIN_LENGTH"])
            token = services.start_login_session(user, ip_address=request.remote_addr,
                                                 user_agent=request.user_agent.string)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            form.new_password.errors.append(str(error.message))
        else:
            session.clear()
            user.login_session_token = token
            login_user(user)
            flash(_("Your password has been changed. Other sessions were logged out."), "info")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form)
