from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (DateField, FieldList, FileField, Form, FormField, HiddenField, IntegerField,
                     SelectChoice, SelectField, StringField, TextAreaField, URLField)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from lgo_assess.evidence.models import EVIDENCE_KIND_TITLES, EvidenceKind
from lgo_assess.evidence.sniffing import ACCEPT_ATTRIBUTE

UPLOAD_ROWS = 5


class UploadRowForm(Form):
    """One file and its title (the file's name is used when the title is left empty)."""

    file = FileField(_l("File"), render_kw={"accept": ACCEPT_ATTRIBUTE})
    title = StringField(_l("Title"), validators=[
        Optional(), Length(max=300, message=_l("At most 300 characters."))])


class EvidenceUploadForm(FlaskForm):
    rows = FieldList(FormField(UploadRowForm), min_entries=UPLOAD_ROWS, max_entries=UPLOAD_ROWS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for number, row in enumerate(self.rows, start=1):
            row.file.label.text = _l("File %(n)d", n=number)
            row.title.label.text = _l("Title for file %(n)d", n=number)


class EvidenceLinkForm(FlaskForm):
    url = URLField(_l("Web address"), validators=[
        DataRequired(message=_l("Enter the web address.")),
        Length(max=2000, message=_l("At most 2,000 characters."))])
    title = StringField(_l("Title"), validators=[
        DataRequired(message=_l("Enter a title.")),
        Length(max=300, message=_l("At most 300 characters."))])
    accessed_on = DateField(_l("Date you looked at the page"), validators=[
        InputRequired(message=_l("Enter the date you looked at the page."))])
    note = TextAreaField(_l("Note (optional)"), validators=[
        Optional(), Length(max=2000, message=_l("At most 2,000 characters."))])
    description = TextAreaField(_l("Description (optional)"), validators=[
        Optional(), Length(max=5000, message=_l("At most 5,000 characters."))])


class EvidenceEditForm(FlaskForm):
    title = StringField(_l("Title"), validators=[
        DataRequired(message=_l("Enter a title.")),
        Length(max=300, message=_l("At most 300 characters."))])
    description = TextAreaField(_l("Description"), validators=[
        Optional(), Length(max=5000, message=_l("At most 5,000 characters."))])
    note = TextAreaField(_l("Note"), validators=[
        Optional(), Length(max=2000, message=_l("At most 2,000 characters."))])
    version = IntegerField(widget=HiddenField.widget, validators=[
        InputRequired(message=_l("The form is out of date: reload the page."))])


class DeleteForm(FlaskForm):
    """Only the CSRF token."""


class LibrarySearchForm(FlaskForm):
    """The filters above the library list (a GET form: no CSRF token needed)."""

    class Meta:
        csrf = False

    q = StringField(_l("Title or file name contains"), validators=[
        Optional(), Length(max=200, message=_l("At most 200 characters."))])
    kind = SelectField(_l("Kind"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice("", _l("Files and links"))] + [
            SelectChoice(kind.value, EVIDENCE_KIND_TITLES[kind]) for kind in EvidenceKind]
