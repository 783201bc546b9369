"""Login, logout and the profile for everyone; user administration for DLA administrators."""
from __future__ import annotations

from flask import (Blueprint, current_app, flash, make_response, redirect, render_template,
                   request, session, url_for)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from lgo_assess.accounts import policies, services
from lgo_assess.accounts.forms import (ConfirmForm, LanguageForm, LoginForm, PasswordChangeForm,
                                       RoleGrantForm, UserCreateForm, UserSearchForm)
from lgo_assess.accounts.models import LoginSession
from lgo_assess.core.db import db
from lgo_assess.core.errors import DomainError
from lgo_assess.core.navigation import add_nav_entry
from lgo_assess.core.security import Permission, Role, login_required_only, public, require

bp = Blueprint("accounts", __name__, template_folder="templates")

add_nav_entry(_l("Users"), "accounts.list_users", order=90, permission=Permission.MANAGE_USERS)

USERS_PER_PAGE = 25


def _safe_next(target: str | None) -> str:
    if (target and target.startswith("/") and not target.startswith("//")
            and "\\" not in target):
        return target
    return url_for("core.home")


def _throttle_policy() -> services.ThrottlePolicy:
    config = current_app.config
    return services.ThrottlePolicy(window_seconds=config["LOGIN_THROTTLE_WINDOW"],
                                   per_account=config["LOGIN_THROTTLE_PER_ACCOUNT"],
                                   per_address=config["LOGIN_THROTTLE_PER_ADDRESS"])


def _me():
    return current_user._get_current_object()


# Logging in and out --------------------------------------------------------------------------
@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    if form.validate_on_submit():
        policy = _throttle_policy()
        try:
            user = services.log_in(form.email.data, form.password.data,
                                   ip_address=request.remote_addr,
                                   user_agent=request.user_agent.string, policy=policy)
        except (services.LoginRefused, services.LoginThrottled) as refusal:
            db.session.commit()  # a failed attempt must count towards the throttle
            flash(str(refusal.message), "error")
            response = make_response(render_template("accounts/login.html", form=form),
                                     refusal.status)
            if refusal.status == 429:
                response.headers["Retry-After"] = str(policy.window_seconds)
            return response
        session.clear()  # a fresh session at login: nothing from before survives
        login_user(user)
        session["locale"] = user.locale
        db.session.commit()
        return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required_only
def logout():
    services.end_login_session(current_user.get_id(), actor=_me())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("accounts.login"))


# The user's own profile ----------------------------------------------------------------------
def _render_profile(form=None, status=200):
    current_hash = LoginSession.hash_token(current_user.get_id())
    return render_template(
        "accounts/profile.html", form=form or PasswordChangeForm(),
        language_form=LanguageForm(locale=current_user.locale),
        confirm_form=ConfirmForm(), sessions=services.active_sessions(_me()),
        current_hash=current_hash), status


@bp.route("/profile", methods=["GET", "POST"])
@login_required_only
def profile():
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        return _render_profile(form, 422 if form.is_submitted() else 200)
    user = _me()
    try:
        services.change_password(user, form.current_password.data, form.new_password.data,
                                 hash_method=current_app.config["PASSWORD_HASH_METHOD"],
                                 min_length=current_app.config["PASSWORD_MIN_LENGTH"])
        services.start_login_session(user, ip_address=request.remote_addr,
                                     user_agent=request.user_agent.string)
    except DomainError as error:
        db.session.rollback()
        form.new_password.errors.append(str(error.message))
        return _render_profile(form, error.status)
    db.session.commit()
    session.clear()
    login_user(user)
    session["locale"] = user.locale
    flash(_("Your password has been changed. Other sessions were logged out."), "success")
    return redirect(url_for("accounts.profile"))


@bp.post("/profile/language")
@login_required_only
def save_language():
    form = LanguageForm()
    if not form.validate_on_submit():
        flash(_("Choose Thai or English."), "error")
        return redirect(url_for("accounts.profile"))
    services.set_locale(_me(), form.locale.data, actor=_me())
    db.session.commit()
    session["locale"] = form.locale.data
    flash(_("Your language has been saved."), "success")
    return redirect(url_for("accounts.profile"))


@bp.post("/profile/sessions/end-others")
@login_required_only
def end_other_sessions():
    if ConfirmForm().validate_on_submit():
        ended = services.end_other_sessions(_me(), current_user.get_id(), actor=_me())
        db.session.commit()
        flash(ngettext("%(num)d other session was logged out.",
                       "%(num)d other sessions were logged out.", ended), "success")
    return redirect(url_for("accounts.profile"))


# User administration -------------------------------------------------------------------------
@bp.get("/admin/users")
@require(Permission.MANAGE_USERS)
def list_users():
    form = UserSearchForm(formdata=request.args)
    role = Role(form.role.data) if form.validate() and form.role.data else None
    page = db.paginate(services.users_query(form.q.data, role),
                       page=request.args.get("page", 1, type=int), per_page=USERS_PER_PAGE,
                       error_out=False)
    return render_template("accounts/users.html", form=form, page=page,
                           filters={"q": form.q.data or None, "role": role.value if role else None})


@bp.route("/admin/users/new", methods=["GET", "POST"])
@require(Permission.MANAGE_USERS)
def create_user():
    form = UserCreateForm()
    if not form.validate_on_submit():
        return render_template("accounts/user_new.html", form=form), (
            422 if form.is_submitted() else 200)
    district = None
    if form.home_district_code.data:
        district = services.find_district(form.home_district_code.data)
        if district is None:
            form.home_district_code.errors.append(_("There is no district with this code."))
            return render_template("accounts/user_new.html", form=form), 422
    try:
        user = services.create_user(
            form.email.data, form.display_name.data, form.password.data, actor=_me(),
            locale=form.locale.data, home_district=district,
            hash_method=current_app.config["PASSWORD_HASH_METHOD"],
            min_length=current_app.config["PASSWORD_MIN_LENGTH"])
    except DomainError as error:
        db.session.rollback()
        return render_template("accounts/user_new.html", form=form,
                               error=str(error.message)), error.status
    db.session.commit()
    flash(_("The account %(email)s was created. Now give it a role.", email=user.email),
          "success")
    return redirect(url_for("accounts.show_user", user_id=user.id))


def _render_user(user, grant_form=None, error=None, status=200):
    return render_template(
        "accounts/user.html", user=user, grant_form=grant_form or RoleGrantForm(),
        confirm_form=ConfirmForm(), grant_error=error,
        session_count=len(services.active_sessions(user)),
        may_disable=policies.can_disable(_me(), user)), status


@bp.get("/admin/users/<int:user_id>")
@require(Permission.MANAGE_USERS)
def show_user(user_id: int):
    return _render_user(services.get_user(user_id))


@bp.post("/admin/users/<int:user_id>/grants")
@require(Permission.MANAGE_USERS)
def grant_role(user_id: int):
    user = services.get_user(user_id)
    form = RoleGrantForm()
    if not form.validate_on_submit():
        return _render_user(user, form, status=422)
    lgo = province = None
    if form.lgo_code.data:
        lgo = services.find_lgo(form.lgo_code.data)
        if lgo is None:
            form.lgo_code.errors.append(_("There is no LGO with this DLA code."))
    if form.province_code.data:
        province = services.find_province(form.province_code.data)
        if province is None:
            form.province_code.errors.append(_("There is no province with this code."))
    if form.lgo_code.errors or form.province_code.errors:
        return _render_user(user, form, status=422)
    try:
        services.grant_role(user, Role(form.role.data), lgo=lgo, province=province, actor=_me())
    except DomainError as error:
        db.session.rollback()
        return _render_user(user, form, error=str(error.message), status=error.status)
    db.session.commit()
    flash(_("The role was given."), "success")
    return redirect(url_for("accounts.show_user", user_id=user.id))


def _button_action(user, action, done_message: str):
    """A POST from a button on the user page: one service call, then back to the page."""
    if ConfirmForm().validate_on_submit():
        try:
            action()
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            db.session.commit()
            flash(done_message, "success")
    return redirect(url_for("accounts.show_user", user_id=user.id))


@bp.post("/admin/users/<int:user_id>/grants/<int:grant_id>/remove")
@require(Permission.MANAGE_USERS)
def remove_grant(user_id: int, grant_id: int):
    user = services.get_user(user_id)
    grant = services.get_grant(user, grant_id)
    return _button_action(user, lambda: services.revoke_role(grant, actor=_me()),
                          _("The role was removed."))


@bp.post("/admin/users/<int:user_id>/disable")
@require(Permission.MANAGE_USERS)
def disable_user(user_id: int):
    user = services.get_user(user_id)
    return _button_action(user, lambda: services.set_enabled(user, False, actor=_me()),
                          _("The account was disabled and all its sessions logged out."))


@bp.post("/admin/users/<int:user_id>/enable")
@require(Permission.MANAGE_USERS)
def enable_user(user_id: int):
    user = services.get_user(user_id)
    return _button_action(user, lambda: services.set_enabled(user, True, actor=_me()),
                          _("The account was enabled."))
