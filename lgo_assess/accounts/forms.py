from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp

from lgo_assess.core.security import ROLE_TITLES, Role

LANGUAGE_CHOICES = [SelectChoice("th", "ไทย", {"lang": "th"}),
                    SelectChoice("en", "English", {"lang": "en"})]


def role_choices(blank_label=None) -> list[SelectChoice]:
    choices = [SelectChoice(role.value, ROLE_TITLES[role]) for role in Role]
    return [SelectChoice("", blank_label)] + choices if blank_label else choices


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[
        DataRequired(message=_l("Enter your e-mail address.")),
        Email(message=_l("Enter a valid e-mail address."))])
    password = PasswordField(_l("Password"), validators=[
        DataRequired(message=_l("Enter your password."))])


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[
        DataRequired(message=_l("Enter your current password."))])
    new_password = PasswordField(_l("New password"), validators=[
        DataRequired(message=_l("Enter a new password.")),
        Length(min=12, message=_l("The password must have at least 12 characters."))])
    confirm = PasswordField(_l("Repeat the new password"), validators=[
        EqualTo("new_password", message=_l("The two passwords are not the same."))])


class DisplayNameForm(FlaskForm):
    display_name = StringField(_l("Name"), validators=[
        DataRequired(message=_l("Enter your name.")),
        Length(max=200, message=_l("At most 200 characters."))])


class LanguageForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES, validators=[
        DataRequired(message=_l("Choose a language."))])


class UserSearchForm(FlaskForm):
    """The filters above the user list (a GET form: no CSRF token needed)."""

    class Meta:
        csrf = False

    q = StringField(_l("Name or e-mail contains"), validators=[
        Optional(), Length(max=200, message=_l("At most 200 characters."))])
    role = SelectField(_l("Role"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices(_l("Any role"))


class UserCreateForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[
        DataRequired(message=_l("Enter the e-mail address.")),
        Email(message=_l("Enter a valid e-mail address.")),
        Length(max=200, message=_l("At most 200 characters."))])
    display_name = StringField(_l("Name"), validators=[
        DataRequired(message=_l("Enter the user's name.")),
        Length(max=200, message=_l("At most 200 characters."))])
    password = PasswordField(_l("Initial password"), validators=[
        DataRequired(message=_l("Enter an initial password.")),
        Length(min=12, message=_l("The password must have at least 12 characters."))])
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES, default="th", validators=[
        DataRequired(message=_l("Choose a language."))])
    home_district_code = StringField(_l("Home district (DOPA code, optional)"), validators=[
        Optional(), Regexp(r"^\d{4}$", message=_l("A district code has 4 digits."))])


class RoleGrantForm(FlaskForm):
    role = SelectField(_l("Role"), validators=[DataRequired(message=_l("Choose a role."))])
    lgo_code = StringField(_l("LGO (DLA code)"), validators=[
        Optional(), Regexp(r"^\d{5,10}$", message=_l("A DLA code has only digits."))])
    province_code = StringField(_l("Province (code)"), validators=[
        Optional(), Regexp(r"^\d{2}$", message=_l("A province code has 2 digits."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices(_l("Choose a role"))


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class SecondFactorForm(FlaskForm):
    """The second step of a login: the authenticator's code, or a recovery code."""

    code = StringField(_l("Code"), validators=[
        DataRequired(message=_l("Enter the 6-digit code from your authenticator app.")),
        Length(max=40, message=_l("At most 40 characters."))])


class EnrolForm(FlaskForm):
    code = StringField(_l("Code shown in the app"), validators=[
        DataRequired(message=_l("Enter the 6-digit code from your authenticator app.")),
        Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message=_l("The code has 6 digits."))])
