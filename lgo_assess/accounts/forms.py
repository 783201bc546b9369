from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length


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
