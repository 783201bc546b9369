"""The profile page's form for a new API token."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from lgo_assess.api.services import EXPIRY_DAYS, NAME_MAX


def expiry_choices() -> list[SelectChoice]:
    return [SelectChoice(str(days), _l("%(days)s days", days=days)) for days in EXPIRY_DAYS] + [
        SelectChoice("never", _l("No expiry"))]


class ApiTokenCreateForm(FlaskForm):
    name = StringField(_l("What the token is for"), validators=[
        DataRequired(message=_l("Give the token a name, so you know later what uses it.")),
        Length(max=NAME_MAX, message=_l("At most %(n)s characters.", n=NAME_MAX))])
    expires = SelectField(_l("Expires after"), default="90", validate_choice=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.expires.choices = expiry_choices()

    @property
    def expires_in_days(self) -> int | None:
        return None if self.expires.data == "never" else int(self.expires.data)
