"""Forms of the KPI pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DecimalField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lgo_assess.kpi.summary import YEARS


def year_choices():
    return [SelectChoice(str(fy), str(fy)) for fy in YEARS]


class FiscalYearForm(FlaskForm):
    """The fiscal year shown (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    fy = SelectField(_l("Fiscal year"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fy.choices = year_choices()


class DrilldownForm(FlaskForm):
    """Filters of the list of LGOs behind a figure (GET)."""

    class Meta:
        csrf = False

    fy = SelectField(_l("Fiscal year"), validators=[Optional()])
    scope = SelectField(_l("Area"), validators=[Optional()])
    subset = SelectField(_l("Show"), validators=[Optional()])
    type = SelectField(_l("LGO type"), validators=[Optional()])

    def __init__(self, *args, scopes=(), types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fy.choices = year_choices()
        self.scope.choices = [SelectChoice(key, label) for key, label in scopes]
        self.subset.choices = [
            SelectChoice("certified", _l("LGOs counted (certified)")),
            SelectChoice("not_certified", _l("LGOs not certified")),
            SelectChoice("population", _l("All LGOs of the population"))]
        self.type.choices = [SelectChoice("", _l("All types"))] + [
            SelectChoice(code, label) for code, label in types]


class KpiValueForm(FlaskForm):
    value = DecimalField(_l("Value"), places=None, validators=[
        DataRequired(message=_l("Give the value.")),
        NumberRange(min=0, message=_l("Give a number of zero or more."))])
    source_text = TextAreaField(_l("Source"), validators=[
        DataRequired(message=_l("Say where the figure comes from.")),
        Length(max=2000, message=_l("At most 2000 characters."))])
    file = FileField(_l("Supporting document (optional: PDF, image, Word, Excel)"))


def targets_form_class(kpis):
    """A form with one optional number per KPI (field ``t_<index>``)."""

    class TargetsForm(FlaskForm):
        pass

    for index, kpi in enumerate(kpis):
        setattr(TargetsForm, f"t_{index}", DecimalField(
            kpi.id, places=None, validators=[
                Optional(), NumberRange(min=0, message=_l("Give a number of zero or more."))]))
    return TargetsForm
