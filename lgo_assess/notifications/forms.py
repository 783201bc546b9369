"""Forms of the notification pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField
from wtforms.validators import Optional


class NotificationActionForm(FlaskForm):
    """A button that marks notifications read: only the CSRF token."""


class OutboxFilterForm(FlaskForm):
    """The filter above the outbox (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    state = SelectField(_l("Status"), validators=[Optional()], choices=[
        SelectChoice("", _l("All messages")), SelectChoice("pending", _l("Waiting to be sent")),
        SelectChoice("sent", _l("Sent")), SelectChoice("failed", _l("Failed"))])
