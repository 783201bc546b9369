"""Login, logout and the profile for everyone; user administration for DLA administrators."""
from __future__ import annotations

from flask import (Blueprint, current_app, flash, make_response, redirect, render_template,
                   request, session, url_for)
from markupsafe import Markup
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from lgo_assess.accounts import policies, services
from lgo_assess.accounts import totp
from lgo_assess.accounts.forms import (ConfirmForm, EnrolForm, LanguageForm, LoginForm,
                                       PasswordChangeForm, RoleGrantForm, SecondFactorForm,
                                       UserCreateForm, UserSearchForm)
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
PENDING_KEY, NEXT_KEY, ENROL_SECRET_KEY = "pending_login", "pending_next", "enrol_secret"


def _refused(template: str, refusal, policy, **context):
    flash(str(refusal.message), "error")
    response = make_response(render_template(template, **context), refusal.status)
    if refusal.status == 429:
        response.headers["Retry-After"] = str(policy.window_seconds)
    return response


def _finish_login(user, token: str, next_url: str | None):
    """Swap whatever the browser held for a fresh session carrying the login token."""
    session.clear()  # a fresh session at login: nothing from before survives
    user.login_session_token = token
    login_user(user)
    session["locale"] = user.locale
    return _safe_next(next_url)


def _pending():
    """The login session waiting for this browser's second factor, or None."""
    return services.pending_login(session.get(PENDING_KEY))


def _second_step_endpoint(user) -> str:
    return ("accounts.second_factor" if services.has_second_factor(user)
            else "accounts.enrol_at_login")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    if not form.is_submitted() and (pending := _pending()) is not None:
        return redirect(url_for(_second_step_endpoint(pending.user)))
    if form.validate_on_submit():
        policy = _throttle_policy()
        try:
            user = services.log_in(form.email.data, form.password.data,
                                   ip_address=request.remote_addr,
                                   user_agent=request.user_agent.string, policy=policy)
        except (services.LoginRefused, services.LoginThrottled) as refusal:
            db.session.commit()  # a failed attempt must count towards the throttle
            return _refused("accounts/login.html", refusal, policy, form=form)
        token = user.login_session_token
        if services.needs_second_factor(user):
            db.session.commit()
            # Not logged in yet: the browser holds only the waiting session's token.
            session.clear()
            session[PENDING_KEY] = token
            session[NEXT_KEY] = request.args.get("next")
            return redirect(url_for(_second_step_endpoint(user)))
        # Logged in from what is loaded, then committed: after the commit every attribute of
        # the user is expired, and reading one again costs a transaction of three statements.
        # Should the commit fail, the cookie names a login session that was never stored.
        target = _finish_login(user, token, request.args.get("next"))
        db.session.commit()
        return redirect(target)
    return render_template("accounts/login.html", form=form)


def _login_expired():
    session.clear()
    flash(_("Your login has expired. Log in again."), "error")
    return redirect(url_for("accounts.login"))


@bp.route("/login/code", methods=["GET", "POST"])
@public
def second_factor():
    """The second step of a login: the code from the user's authenticator app."""
    pending = _pending()
    if pending is None:
        return _login_expired()
    user = pending.user
    if not services.has_second_factor(user):
        return redirect(url_for("accounts.enrol_at_login"))
    form = SecondFactorForm()
    if not form.validate_on_submit():
        return render_template("accounts/login_code.html", form=form,
                               cancel_form=ConfirmForm()), 422 if form.is_submitted() else 200
    policy = _throttle_policy()
    try:
        method = services.pass_second_factor(pending, form.code.data,
                                             ip_address=request.remote_addr, policy=policy)
    except (services.SecondFactorRefused, services.LoginThrottled,
            services.SecondFactorUnreadable) as refusal:
        db.session.commit()  # a wrong code must count towards the throttle
        return _refused("accounts/login_code.html", refusal, policy, form=form,
                        cancel_form=ConfirmForm())
    token, next_url = session[PENDING_KEY], session.get(NEXT_KEY)
    db.session.commit()
    target = _finish_login(user, token, next_url)
    if method == "recovery":
        left = services.unused_recovery_codes(user)
        flash(ngettext("You used a recovery code; %(num)d is left. Make new ones on your "
                       "profile if you are running low.",
                       "You used a recovery code; %(num)d are left. Make new ones on your "
                       "profile if you are running low.", left), "info")
    return redirect(target)


@bp.post("/login/cancel")
@public
def cancel_login():
    """Give up a login waiting for its second factor (to log in as someone else)."""
    if ConfirmForm().validate_on_submit():
        token = session.get(PENDING_KEY)
        if token and _pending() is not None:
            services.end_login_session(token, actor=None)
            db.session.commit()
        session.clear()
    return redirect(url_for("accounts.login"))


def _enrol_secret() -> str:
    """The secret being set up, kept in the (signed) session until the user confirms it."""
    if not session.get(ENROL_SECRET_KEY):
        session[ENROL_SECRET_KEY] = totp.new_secret()
    return session[ENROL_SECRET_KEY]


def _render_enrol(user, form, *, action: str, status: int = 200, at_login: bool = False):
    secret = _enrol_secret()
    uri = totp.provisioning_uri(secret, user.email)
    qr = Markup(totp.qr_svg(uri, _("QR code to add LGO Assess to your authenticator app")))  # noqa: S704 -- segno's SVG of our own URI; the only text in it (the title) is escaped by segno
    return render_template("accounts/enrol.html", form=form, qr=qr,
                           secret=totp.grouped(secret), action=action, at_login=at_login,
                           cancel_form=ConfirmForm()), status


def _enrol(user, form, token: str):
    """Confirm the enrolment with the code; returns the recovery codes or None (errors are put
    on the form)."""
    try:
        codes = services.enrol_second_factor(user, session.get(ENROL_SECRET_KEY, ""),
                                             form.code.data.replace(" ", ""), actor=user)
        services.mark_second_factor_passed(user, token)
    except DomainError as error:
        db.session.rollback()
        form.code.errors.append(str(error.message))
        return None
    return codes


@bp.route("/login/enrol", methods=["GET", "POST"])
@public
def enrol_at_login():
    """Approvers and administrators without an authenticator set one up before anything else."""
    pending = _pending()
    if pending is None:
        return _login_expired()
    user = pending.user
    if services.has_second_factor(user):
        return redirect(url_for("accounts.second_factor"))
    form = EnrolForm()
    action = url_for("accounts.enrol_at_login")
    if not form.validate_on_submit():
        return _render_enrol(user, form, action=action, at_login=True,
                             status=422 if form.is_submitted() else 200)
    token, next_url = session[PENDING_KEY], session.get(NEXT_KEY)
    codes = _enrol(user, form, token)
    if codes is None:
        return _render_enrol(user, form, action=action, at_login=True, status=422)
    db.session.commit()
    target = _finish_login(user, token, next_url)
    return render_template("accounts/recovery_codes.html", codes=codes, next_url=target)


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
        has_second_factor=services.has_second_factor(_me()),
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
                                     user_agent=request.user_agent.string,
                                     second_factor_passed=services.needs_second_factor(user))
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


@bp.route("/profile/two-factor", methods=["GET", "POST"])
@login_required_only
def two_factor():
    """Set up an authenticator app (any user), or see its state and make new recovery codes."""
    user = _me()
    if services.has_second_factor(user):
        return render_template("accounts/two_factor.html", confirm_form=ConfirmForm(),
                               unused=services.unused_recovery_codes(user))
    form = EnrolForm()
    action = url_for("accounts.two_factor")
    if not form.validate_on_submit():
        return _render_enrol(user, form, action=action,
                             status=422 if form.is_submitted() else 200)
    codes = _enrol(user, form, current_user.get_id())
    if codes is None:
        return _render_enrol(user, form, action=action, status=422)
    db.session.commit()
    session.pop(ENROL_SECRET_KEY, None)
    flash(_("Your authenticator app is set up. From now on you log in with a code from it."),
          "success")
    return render_template("accounts/recovery_codes.html", codes=codes,
                           next_url=url_for("accounts.two_factor"))


@bp.post("/profile/two-factor/recovery-codes")
@login_required_only
def new_recovery_codes():
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("accounts.two_factor"))
    try:
        codes = services.new_recovery_codes(_me(), actor=_me())
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("accounts.two_factor"))
    db.session.commit()
    flash(_("New recovery codes were made; the old ones no longer work."), "success")
    return render_template("accounts/recovery_codes.html", codes=codes,
                           next_url=url_for("accounts.two_factor"))


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
        has_second_factor=services.has_second_factor(user),
        second_factor_required=services.second_factor_required(user),
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


@bp.post("/admin/users/<int:user_id>/second-factor/reset")
@require(Permission.MANAGE_USERS)
def reset_second_factor(user_id: int):
    user = services.get_user(user_id)
    return _button_action(user, lambda: services.reset_second_factor(user, actor=_me()),
                          _("The second factor was removed and the account's sessions logged "
                            "out; a new one is set up at the next login."))
