"""Forms of the self-assessment pages, and the reading of one criterion's answer.

A criterion's answer arrives either as a plain HTML form (the page without JavaScript) or as JSON
(autosave). ``answer_from_form`` and ``answer_from_json`` turn both into the same dict of
``services.ANSWER_FIELDS`` for ``services.save_response``, reading only the field the criterion's
scoring method uses, so the two paths cannot drift apart.
"""
from __future__ import annotations

import math
from typing import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lgo_assess.core.errors import Invalid
from lgo_assess.core.thaidate import to_arabic_digits
from lgo_assess.criteria.edition import (Scoring, ScoringChecklist, ScoringLevel, ScoringNumeric,
                                         ScoringYesNo)

NARRATIVE_MAX = 20_000
REASON_MAX = 2_000
_TRUE = {"1", "true", "on", "y", "yes"}

# The answer field each scoring method reads.
METHOD_FIELD = {"level": "level", "checklist": "checked", "numeric": "value", "yes_no": "yes"}
SCORING_FIELDS = tuple(METHOD_FIELD.values())


def _bad(message) -> Invalid:
    return Invalid(message)


def parse_level(raw, scoring: ScoringLevel) -> int | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise _bad(_l("Choose one of the levels."))
    try:
        level = int(to_arabic_digits(str(raw)).strip())
    except ValueError:
        raise _bad(_l("Choose one of the levels.")) from None
    if level not in scoring.scale.values:
        raise _bad(_l("Choose one of the levels."))
    return level


def parse_number(raw) -> float | None:
    """A number as people type it: Thai or Arabic digits, thousands separators, spaces."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise _bad(_l("Enter a number."))
    if isinstance(raw, (int, float)):
        number = float(raw)
    else:
        text = to_arabic_digits(str(raw)).replace(",", "").replace(" ", "").strip()
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            raise _bad(_l("Enter a number.")) from None
    if not math.isfinite(number):
        raise _bad(_l("Enter a number."))
    return number


def parse_yes(raw) -> bool | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("yes", "true", "1"):
        return True
    if text in ("no", "false", "0"):
        return False
    raise _bad(_l("Answer yes or no."))


def parse_checked(raw, scoring: ScoringChecklist) -> list[str] | None:
    if raw is None:
        return None
    if isinstance(raw, str) or not isinstance(raw, (list, tuple)):
        raise _bad(_l("Tick the items that are in place."))
    codes = {item.code for item in scoring.items}
    chosen = [str(code) for code in raw]
    if not set(chosen) <= codes:
        raise _bad(_l("Tick the items that are in place."))
    # Keep the edition's order, without repeats.
    return [item.code for item in scoring.items if item.code in chosen]


def _text(raw, maximum: int, message) -> str:
    text = "" if raw is None else str(raw)
    if len(text) > maximum:
        raise _bad(message)
    return text.replace("\r\n", "\n")


def _scoring_value(scoring: Scoring, raw):
    if isinstance(scoring, ScoringLevel):
        return parse_level(raw, scoring)
    if isinstance(scoring, ScoringChecklist):
        return parse_checked(raw, scoring)
    if isinstance(scoring, ScoringNumeric):
        return parse_number(raw)
    if isinstance(scoring, ScoringYesNo):
        return parse_yes(raw)
    raise _bad(_l("The answer does not fit this criterion."))  # pragma: no cover


def answer_from_form(scoring: Scoring, form) -> dict:
    """The whole answer from the criterion's HTML form (a MultiDict). A field left empty clears
    it; a checklist with no box ticked is an answer only when "none of these" is ticked."""
    field = METHOD_FIELD[scoring.method]
    if isinstance(scoring, ScoringChecklist):
        ticked = form.getlist("checked")
        raw = ticked if ticked or form.get("checked_none", "").lower() in _TRUE else None
    else:
        raw = form.get(field)
    data = {name: None for name in SCORING_FIELDS}
    data[field] = _scoring_value(scoring, raw)
    data["is_not_applicable"] = form.get("is_not_applicable", "").lower() in _TRUE
    data["not_applicable_reason"] = _text(
        form.get("not_applicable_reason"), REASON_MAX,
        _l("The reason can have at most %(n)s characters.", n=REASON_MAX)).strip() or None
    data["narrative"] = _text(form.get("narrative"), NARRATIVE_MAX,
                              _l("The narrative can have at most %(n)s characters.",
                                 n=NARRATIVE_MAX))
    return data


def answer_from_json(scoring: Scoring, body: Mapping) -> dict:
    """The fields present in an autosave body; a field left out keeps its stored value."""
    field = METHOD_FIELD[scoring.method]
    data: dict = {}
    if field in body:
        data[field] = _scoring_value(scoring, body[field])
    if "is_not_applicable" in body:
        data["is_not_applicable"] = bool(body["is_not_applicable"])
    if "not_applicable_reason" in body:
        data["not_applicable_reason"] = _text(
            body["not_applicable_reason"], REASON_MAX,
            _l("The reason can have at most %(n)s characters.", n=REASON_MAX)).strip() or None
    if "narrative" in body:
        data["narrative"] = _text(body["narrative"], NARRATIVE_MAX,
                                  _l("The narrative can have at most %(n)s characters.",
                                     n=NARRATIVE_MAX))
    return data


def expected_version(raw) -> int | None:
    """The version the page loaded: empty for a criterion never saved."""
    if raw is None or raw == "":
        return None
    try:
        version = int(raw)
    except (TypeError, ValueError):
        raise _bad(_l("The page is out of date; reload it.")) from None
    if version < 1:
        raise _bad(_l("The page is out of date; reload it."))
    return version


# -- WTForms --------------------------------------------------------------------------------------

class StartAssessmentForm(FlaskForm):
    """Start the LGO's assessment in a cycle, empty or from last year's answers."""

    copy_from = RadioField(_l("Start from"), validators=[Optional()], default="")


class SubmitForm(FlaskForm):
    confirm = BooleanField(
        _l("I confirm that these answers and this evidence are true, and I submit the "
           "self-assessment for review."),
        validators=[DataRequired(message=_l("Tick the box to confirm."))])


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Why the LGO withdraws this assessment"), validators=[
        DataRequired(message=_l("Give the reason for withdrawing.")),
        Length(max=REASON_MAX, message=_l("At most %(n)s characters.", n=REASON_MAX))])
