"""Forms of the certification pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, RadioField, SelectChoice, SelectField,
                     SelectMultipleField, StringField, TextAreaField, widgets)
from wtforms.validators import DataRequired, Length, Optional

from lgo_assess.certification.models import CertificateStatus, DecisionOutcome

REASON_MAX = 2000


class DecisionForm(FlaskForm):
    outcome = RadioField(_l("Decision"), choices=[
        SelectChoice(DecisionOutcome.APPROVED.value,
                     _l("Approve: certify at the recommended level")),
        SelectChoice(DecisionOutcome.REJECTED.value, _l("Reject: do not certify"))],
        validators=[DataRequired(message=_l("Choose approve or reject."))])
    reason = TextAreaField(_l("Reason (required for a rejection)"), validators=[
        Optional(), Length(max=REASON_MAX, message=_l("At most 2,000 characters."))])

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.outcome.data == DecisionOutcome.REJECTED.value and \
                not (self.reason.data or "").strip():
            self.reason.errors.append(_l("Give the reason for the rejection."))
            return False
        return True


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class BulkApprovalForm(FlaskForm):
    assessment_ids = MultiCheckboxField(_l("Recommendations to approve"), coerce=int,
                                        validate_choice=False, validators=[
        DataRequired(message=_l("Tick at least one recommendation."))])
    confirm = BooleanField(_l("I have read these recommendations and approve each of them."),
                           validators=[DataRequired(message=_l("Tick the box to confirm."))])


class RevocationRequestForm(FlaskForm):
    reason = TextAreaField(_l("Why the approval must be revoked"), validators=[
        DataRequired(message=_l("Give the reason for the revocation.")),
        Length(max=REASON_MAX, message=_l("At most 2,000 characters."))])


class ConfirmRevocationForm(FlaskForm):
    confirm = BooleanField(_l("I have checked the reason and confirm the revocation."),
                           validators=[DataRequired(message=_l("Tick the box to confirm."))])


class CancelRevocationForm(FlaskForm):
    """Only the CSRF token."""


class CorrectionForm(FlaskForm):
    reason = TextAreaField(_l("What the corrected certificate corrects"), validators=[
        DataRequired(message=_l("Say what the correction corrects.")),
        Length(max=REASON_MAX, message=_l("At most 2,000 characters."))])
    level = SelectField(_l("Result level"), validators=[Optional()])

    def __init__(self, *args, levels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.level.choices = [SelectChoice(code, label) for code, label in levels]


class RegisterSearchForm(FlaskForm):
    """The register's filters (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(_l("Name, DLA code or serial"), validators=[
        Optional(), Length(max=100, message=_l("At most 100 characters."))])
    standard = SelectField(_l("Standard"), validators=[Optional()])
    fiscal_year = SelectField(_l("Fiscal year"), validators=[Optional()])
    province = SelectField(_l("Province"), validators=[Optional()])
    level = SelectField(_l("Result level"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()])

    def __init__(self, *args, options=None, localize=str, language="th", **kwargs):
        super().__init__(*args, **kwargs)
        self.standard.choices = [SelectChoice("", _l("All standards"))] + [
            SelectChoice(s.code, f"{s.code} · {localize(s)}") for s in options.standards]
        self.fiscal_year.choices = [SelectChoice("", _l("All fiscal years"))] + [
            SelectChoice(str(year), str(year)) for year in options.fiscal_years]
        self.province.choices = [SelectChoice("", _l("All provinces"))] + [
            SelectChoice(p.code, localize(p)) for p in options.provinces]
        self.level.choices = [SelectChoice("", _l("All levels"))] + [
            SelectChoice(code, en if language == "en" else th)
            for code, th, en in options.levels]
        self.status.choices = [SelectChoice("", _l("All statuses"))] + [
            SelectChoice(s.value, s.title) for s in (
                CertificateStatus.VALID, CertificateStatus.EXPIRED, CertificateStatus.REVOKED)]


class HistoryUploadForm(FlaskForm):
    """A file of historical certification results (CSV or XLSX)."""

    file = FileField(_l("File of historical results (XLSX or CSV)"), validators=[
        FileRequired(message=_l("Choose the file to import."))],
        render_kw={"accept": ".xlsx,.csv,text/csv,application/vnd.openxmlformats-"
                             "officedocument.spreadsheetml.sheet"})
