"""Forms of the review pages. Score sheets have one group of inputs per criterion, shaped by the
criterion's scoring method, so ``parse_score`` reads them from the submitted data rather than
from declared fields; the surrounding ``FlaskForm`` carries the CSRF token."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (BooleanField, DateField, HiddenField, IntegerField, RadioField,
                     SelectChoice, SelectField, SelectMultipleField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lgo_assess.assessments.scoring import Answer
from lgo_assess.criteria.edition import (EffectiveCriterion, ScoringChecklist, ScoringLevel,
                                         ScoringNumeric)
from lgo_assess.review.models import AssignmentRole, RecommendationOutcome

TEXT_MAX = 4000


class ConfirmForm(FlaskForm):
    """A button that only needs the CSRF token."""


class ReturnForm(FlaskForm):
    reason = TextAreaField(_l("Why it goes back (the LGO sees this)"), validators=[
        DataRequired(message=_l("Say why the assessment goes back to the LGO.")),
        Length(max=TEXT_MAX, message=_l("At most %(max)d characters.", max=TEXT_MAX))])


class BulkAcceptForm(FlaskForm):
    assessment_ids = SelectMultipleField(_l("Assessments"), coerce=int, validate_choice=False,
                                         validators=[DataRequired(
                                             message=_l("Tick the assessments to accept."))])


class TeamForm(FlaskForm):
    lead = SelectField(_l("Lead assessor"), coerce=int, validate_choice=False, validators=[
        InputRequired(message=_l("Choose the lead assessor."))])
    members = SelectMultipleField(_l("Team members"), coerce=int, validate_choice=False,
                                  validators=[Optional()])


class AddAssessorForm(FlaskForm):
    assessor = SelectField(_l("Assessor"), coerce=int, validate_choice=False, validators=[
        InputRequired(message=_l("Choose an assessor."))])
    role = SelectField(_l("Role in the team"), choices=[
        SelectChoice(AssignmentRole.MEMBER.value, _l("Team member")),
        SelectChoice(AssignmentRole.LEAD.value, _l("Lead assessor"))], validators=[
        DataRequired(message=_l("Choose the role."))])


class EndAssignmentForm(FlaskForm):
    assignment_id = HiddenField(validators=[DataRequired(message=_l("Choose the assignment."))])
    reason = TextAreaField(_l("Why the assignment ends"), validators=[
        DataRequired(message=_l("Say why the assignment ends (for example, a conflict of "
                                "interest you declare).")),
        Length(max=TEXT_MAX, message=_l("At most %(max)d characters.", max=TEXT_MAX))])


class EvidenceRequestForm(FlaskForm):
    criterion_code = SelectField(_l("Criterion"), validators=[
        DataRequired(message=_l("Choose the criterion."))])
    reason = TextAreaField(_l("What the LGO should add (the LGO sees this)"), validators=[
        DataRequired(message=_l("Say what the LGO should add.")),
        Length(max=TEXT_MAX, message=_l("At most %(max)d characters.", max=TEXT_MAX))])
    due_on = DateField(_l("Answer by"), validators=[
        DataRequired(message=_l("Give the date by which the LGO should answer."))])


class VisitForm(FlaskForm):
    visit_on = DateField(_l("Visit date"), validators=[
        DataRequired(message=_l("Choose the visit date."))])
    team = SelectMultipleField(_l("Who goes"), coerce=int, validate_choice=False,
                               validators=[Optional()])
    lgo_contacts = TextAreaField(_l("Whom to meet at the LGO (names, positions, telephone)"),
                                 validators=[Length(max=TEXT_MAX, message=_l(
                                     "At most %(max)d characters.", max=TEXT_MAX))])


class FindingsForm(FlaskForm):
    summary = TextAreaField(_l("What the visit found, in short"), validators=[
        DataRequired(message=_l("Summarise what the visit found.")),
        Length(max=TEXT_MAX, message=_l("At most %(max)d characters.", max=TEXT_MAX))])


class VisitPhotosForm(FlaskForm):
    """Photos taken on site for one criterion, stored in the LGO's evidence library."""

    criterion_code = HiddenField(validators=[DataRequired(message=_l("Choose the criterion."))])
    photos = MultipleFileField(_l("Photos"), render_kw={"accept": "image/*"})


class RecommendationForm(FlaskForm):
    outcome = RadioField(_l("Recommendation"), choices=[
        SelectChoice(RecommendationOutcome.PASS.value, _l("Certify")),
        SelectChoice(RecommendationOutcome.FAIL.value, _l("Do not certify"))], validators=[
        DataRequired(message=_l("Choose whether to recommend certification."))])
    result_level = SelectField(_l("Result level"), validators=[Optional()])
    justification = TextAreaField(
        _l("Justification (required when it differs from the computed result; DLA sees it)"),
        validators=[Length(max=TEXT_MAX, message=_l("At most %(max)d characters.",
                                                    max=TEXT_MAX))])


class SettingsForm(FlaskForm):
    block_same_district = BooleanField(_l("Assessors may not review LGOs of the district where "
                                          "they work"))
    block_same_province = BooleanField(_l("Assessors may not review LGOs of the province where "
                                          "they work"))
    min_team_size = IntegerField(_l("Smallest team (assessors, the lead included)"), validators=[
        InputRequired(message=_l("Give the smallest team size.")),
        NumberRange(min=1, max=9, message=_l("Between 1 and 9."))])


# -- Score sheets -------------------------------------------------------------------------------

def field_name(prefix: str, code: str, part: str) -> str:
    return f"{prefix}{code}-{part}"


def parse_answer(effective: EffectiveCriterion, data,
                 prefix: str) -> tuple[Answer | None, str | None]:
    """The answer given for one criterion in ``data`` (request.form), or None when nothing was
    given; and an error message when what was given cannot be read."""
    def get(part):
        return (data.get(field_name(prefix, effective.code, part)) or "").strip()

    if get("na"):
        return Answer(not_applicable=True), None
    scoring = effective.scoring
    try:
        if isinstance(scoring, ScoringLevel):
            raw = get("level")
            return (Answer(level=int(raw)) if raw else None), None
        if isinstance(scoring, ScoringChecklist):
            checked = data.getlist(field_name(prefix, effective.code, "checked"))
            if checked or get("none"):      # "none of the items" is an answer too
                return Answer(checked=frozenset(checked)), None
            return None, None
        if isinstance(scoring, ScoringNumeric):
            raw = get("value").replace(",", "")
            return (Answer(value=float(raw)) if raw else None), None
        raw = get("yes")
        return (Answer(yes=raw == "1") if raw in ("0", "1") else None), None
    except ValueError:
        return None, _("Criterion %(code)s: enter a number.", code=effective.code)


def parse_text(data, prefix: str, code: str, part: str) -> str:
    return (data.get(field_name(prefix, code, part)) or "").strip()[:TEXT_MAX]


def parse_ids(raw: str) -> tuple[int, ...]:
    """Evidence item numbers typed as ``12, 15 18``; anything else is left out."""
    return tuple(int(part) for part in raw.replace(",", " ").split() if part.isdigit())
