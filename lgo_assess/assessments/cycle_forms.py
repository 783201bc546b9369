"""Forms of the cycle administration pages. Dates are entered in the Gregorian calendar (a
browser's date input knows no other) and shown in B.E. beside the input."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from lgo_assess.assessments.states import AssessmentStatus
from lgo_assess.core.thaidate import BE_OFFSET


class GregorianDateField(DateField):
    """An ``<input type="date">`` whose errors are translated (WTForms' own are not)."""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            self.data = None
            return
        try:
            self.data = date.fromisoformat(text)
        except ValueError:
            self.data = None
            raise ValueError(str(_l("Give a date as YYYY-MM-DD in the Gregorian calendar.")))
        if self.data.year > 2400:
            year = self.data.year
            self.data = None
            raise ValueError(str(_l(
                "%(year)s looks like a Buddhist-era year; give the Gregorian year (%(ce)s).",
                year=year, ce=year - BE_OFFSET)))


def _required_date(label, message):
    return GregorianDateField(label, validators=[InputRequired(message=message)])


class CycleOpenForm(FlaskForm):
    edition = SelectField(_l("Published edition"), validate_choice=False, validators=[
        InputRequired(message=_l("Choose the edition to assess against."))])
    fiscal_year = SelectField(_l("Fiscal year"), validate_choice=False, validators=[
        InputRequired(message=_l("Choose the fiscal year."))])
    opens_on = _required_date(_l("Opens on"), _l("Give the opening date."))
    self_assessment_due = _required_date(_l("Self-assessment deadline"),
                                         _l("Give the self-assessment deadline."))
    review_due = _required_date(_l("Review deadline"), _l("Give the review deadline."))
    decision_due = _required_date(_l("Decision deadline"), _l("Give the decision deadline."))

    def __init__(self, *args, editions=(), localize=str, **kwargs):
        super().__init__(*args, **kwargs)
        self.editions = {str(e.id): e for e in editions}
        self.edition.choices = [SelectChoice("", _l("Choose…"))] + [
            SelectChoice(str(e.id), f"{e.standard.code} {e.code}: {localize(e.standard)}")
            for e in editions]
        chosen = self.editions.get(self.edition.data or "")
        years = sorted(set(chosen.fiscal_years) if chosen else
                       {fy for e in editions for fy in e.fiscal_years}, reverse=True)
        self.fiscal_year.choices = [SelectChoice("", _l("Choose…"))] + [
            SelectChoice(str(fy), str(fy)) for fy in years]

    @property
    def chosen_edition(self):
        return self.editions.get(self.edition.data or "")

    def validate_edition(self, field):
        if field.data and self.chosen_edition is None:
            raise ValidationError(_l("Choose a published edition."))

    def validate_fiscal_year(self, field):
        edition = self.chosen_edition
        if not field.data or edition is None:
            return
        if not field.data.isdigit() or int(field.data) not in edition.fiscal_years:
            raise ValidationError(_l(
                "Edition %(edition)s serves fiscal year %(years)s only.",
                edition=f"{edition.standard.code} {edition.code}",
                years=", ".join(str(fy) for fy in edition.fiscal_years)))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        order = [(self.opens_on, None),
                 (self.self_assessment_due, _l("The self-assessment deadline cannot be before "
                                               "the opening date.")),
                 (self.review_due, _l("The review deadline cannot be before the "
                                      "self-assessment deadline.")),
                 (self.decision_due, _l("The decision deadline cannot be before the review "
                                        "deadline."))]
        for (before, _message), (after, message) in zip(order, order[1:]):
            if before.data and after.data and after.data < before.data:
                after.errors = list(after.errors) + [message]
                valid = False
        return valid


class ExtensionForm(FlaskForm):
    lgo_code = StringField(_l("DLA code of the LGO"), validators=[
        InputRequired(message=_l("Give the LGO's DLA code.")),
        Length(max=10, message=_l("A DLA code has at most 10 digits."))])
    self_assessment_due = _required_date(_l("New self-assessment deadline"),
                                         _l("Give the new deadline."))
    reason = TextAreaField(_l("Reason"), validators=[
        InputRequired(message=_l("Give the reason for the extension.")),
        Length(max=2000, message=_l("At most 2,000 characters."))])


class LgoSearchForm(FlaskForm):
    """Find an LGO by DLA code or name (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(_l("Find an LGO by name or DLA code"), validators=[
        Optional(), Length(max=100, message=_l("At most 100 characters."))])


class CycleFilterForm(FlaskForm):
    """Filters of a cycle's list of assessments (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    province = SelectField(_l("Province"), validators=[Optional()], validate_choice=False)
    status = SelectField(_l("Status"), validators=[Optional()], validate_choice=False)

    def __init__(self, *args, provinces=(), localize=str, **kwargs):
        super().__init__(*args, **kwargs)
        self.province.choices = [SelectChoice("", _l("All provinces"))] + [
            SelectChoice(p.code, localize(p)) for p in provinces]
        self.status.choices = [SelectChoice("", _l("All statuses"))] + [
            SelectChoice(s.value, s.title) for s in AssessmentStatus]

    @property
    def province_code(self) -> str | None:
        codes = {choice.value for choice in self.province.choices if choice.value}
        return self.province.data if self.province.data in codes else None

    @property
    def status_value(self) -> AssessmentStatus | None:
        try:
            return AssessmentStatus(self.status.data) if self.status.data else None
        except ValueError:
            return None
