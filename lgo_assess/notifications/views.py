"""The user's notifications (and the unread count in the header of every page); the e-mail
outbox for DLA administrators."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from lgo_assess.core.db import db
from lgo_assess.core.navigation import add_nav_entry
from lgo_assess.core.security import Permission, login_required_only, require
from lgo_assess.notifications import listeners, messages, services
from lgo_assess.notifications.forms import NotificationActionForm, OutboxFilterForm
from lgo_assess.notifications.mail import SmtpSettings

bp = Blueprint("notifications", __name__, template_folder="templates")

add_nav_entry(_l("E-mail outbox"), "notifications.outbox", order=95,
              permission=Permission.VIEW_AUDIT_LOG)

PER_PAGE = 25


@bp.record_once
def _install_listener(_state) -> None:
    listeners.install()   # the workflow tells people of each move


def _me():
    return current_user._get_current_object()


@bp.app_context_processor
def inject_notification_helpers():
    def unread_notifications() -> int:
        """The header badge: one indexed count, only for a logged-in user."""
        if not current_user.is_authenticated:
            return 0
        try:
            return services.unread_count(current_user)
        except SQLAlchemyError:          # an error page while the database is down
            db.session.rollback()
            return 0
    return {"unread_notifications": unread_notifications,
            "render_notification": lambda n: messages.render(n.kind, n.params)}


def _safe_link(link: str | None) -> str | None:
    if link and link.startswith("/") and not link.startswith("//") and "\\" not in link:
        return link
    return None


@bp.get("/notifications")
@login_required_only
def index():
    page = db.paginate(services.notifications_query(_me()),
                       page=request.args.get("page", 1, type=int), per_page=PER_PAGE,
                       error_out=False)
    return render_template("notifications/index.html", page=page,
                           form=NotificationActionForm(),
                           unread=services.unread_count(_me()))


@bp.post("/notifications/<int:notification_id>/open")
@login_required_only
def open_notification(notification_id: int):
    notification = services.get_notification_for(_me(), notification_id)
    if not NotificationActionForm().validate_on_submit():
        return redirect(url_for("notifications.index"))
    services.mark_read(notification, actor=_me())
    db.session.commit()
    return redirect(_safe_link(notification.link) or url_for("notifications.index"))


@bp.post("/notifications/read-all")
@login_required_only
def read_all():
    if NotificationActionForm().validate_on_submit():
        count = services.mark_all_read(_me(), actor=_me())
        db.session.commit()
        flash(ngettext("%(num)d notification marked as read.",
                       "%(num)d notifications marked as read.", count), "success")
    return redirect(url_for("notifications.index"))


@bp.get("/admin/outbox")
@require(Permission.VIEW_AUDIT_LOG)
def outbox():
    form = OutboxFilterForm(formdata=request.args)
    state = form.state.data if form.validate() and form.state.data else None
    page = db.paginate(services.outbox_query(state), page=request.args.get("page", 1, type=int),
                       per_page=PER_PAGE, error_out=False)
    settings = SmtpSettings.from_config(current_app.config)
    return render_template("notifications/outbox.html", form=form, page=page,
                           counts=services.outbox_counts(), settings=settings,
                           filters={"state": state} if state else {})
