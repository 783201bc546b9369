"""Forms of the registry pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, IntegerField, SelectChoice, SelectField, SelectMultipleField,
                     StringField, widgets)
from wtforms.validators import (DataRequired, InputRequired, Length, NumberRange, Optional,
                                Regexp)

from lgo_assess.registry.models import LGO_TYPE_TITLES, LgoType, RegionScheme
from lgo_assess.registry.services import EARLIEST_FY, UPGRADE_LADDER


def type_choices(blank_label=None, types=tuple(LgoType)) -> list[SelectChoice]:
    choices = [SelectChoice(t.value, LGO_TYPE_TITLES[t]) for t in types]
    return [SelectChoice("", blank_label)] + choices if blank_label else choices


class DirectorySearchForm(FlaskForm):
    """The filters above the directory (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(_l("Name or DLA code"), validators=[
        Optional(), Length(max=100, message=_l("At most 100 characters."))])
    region = SelectField(_l("Region"), validators=[Optional()])
    province = SelectField(_l("Province"), validators=[Optional()])
    type = SelectField(_l("Type"), validators=[Optional()])

    def __init__(self, *args, regions=(), provinces=(), localize=str, **kwargs):
        super().__init__(*args, **kwargs)
        groups = {RegionScheme.ADMINISTRATIVE: _l("4 administrative regions"),
                  RegionScheme.GEOGRAPHIC: _l("6 geographic regions")}
        self.region.choices = [SelectChoice("", _l("All regions"))] + [
            SelectChoice(f"{RegionScheme(r.scheme).value}:{r.code}", localize(r),
                         optgroup=str(groups[RegionScheme(r.scheme)]))
            for r in regions]
        self.province.choices = [SelectChoice("", _l("All provinces"))] + [
            SelectChoice(p.code, localize(p)) for p in provinces]
        self.type.choices = type_choices(_l("All types"))


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class AreaTagsForm(FlaskForm):
    tags = MultiCheckboxField(_l("Area tags"), validators=[Optional()])


class TypeUpgradeForm(FlaskForm):
    new_type = SelectField(_l("New type"), choices=type_choices(types=UPGRADE_LADDER[1:]),
                           validators=[DataRequired(message=_l("Choose the new type."))])
    from_fy = IntegerField(_l("From fiscal year (B.E.)"), validators=[
        InputRequired(message=_l("Give the first fiscal year of the new type.")),
        NumberRange(min=EARLIEST_FY, max=2700,
                    message=_l("Give a fiscal year in the Buddhist era, such as 2568."))])
    name_th = StringField(_l("New name in Thai (optional)"), validators=[
        Optional(), Length(max=200, message=_l("At most 200 characters."))])
    name_en = StringField(_l("New name in English (optional)"), validators=[
        Optional(), Length(max=200, message=_l("At most 200 characters."))])


class DeactivateForm(FlaskForm):
    last_fy = IntegerField(_l("Last fiscal year (B.E.)"), validators=[
        InputRequired(message=_l("Give the last fiscal year in which the LGO existed.")),
        NumberRange(min=EARLIEST_FY, max=2700,
                    message=_l("Give a fiscal year in the Buddhist era, such as 2568."))])
    confirm = BooleanField(_l("I understand that the LGO leaves every count after this year."),
                           validators=[DataRequired(message=_l("Tick the box to confirm."))])


class AreaTagCreateForm(FlaskForm):
    code = StringField(_l("Code"), validators=[
        DataRequired(message=_l("Give a code.")),
        Regexp(r"^[a-z][a-z0-9_]{1,39}$",
               message=_l("2–40 lower-case letters, digits or underscores, starting with a "
                          "letter."))])
    name_th = StringField(_l("Name in Thai"), validators=[
        DataRequired(message=_l("Give the name in Thai.")),
        Length(max=120, message=_l("At most 120 characters."))])
    name_en = StringField(_l("Name in English"), validators=[
        DataRequired(message=_l("Give the name in English.")),
        Length(max=120, message=_l("At most 120 characters."))])
