"""What each kind of notification says, rendered in the language of whoever reads it.

A notification stores a message key and parameters, never finished text: the page renders it in
the reader's language and an e-mail in the recipient's (``flask_babel.force_locale``). Parameters
hold data only: names as ``{"th": …, "en": …}``, dates as ISO strings, fiscal years as B.E. ints.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable

from flask_babel import gettext as _
from flask_babel import ngettext

from lgo_assess.core import thaidate
from lgo_assess.core.i18n import current_language


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str


_MESSAGES: dict[str, Callable[[dict], Rendered]] = {}


def message(kind: str):
    def register(render: Callable[[dict], Rendered]):
        _MESSAGES[kind] = render
        return render
    return register


def kinds() -> frozenset[str]:
    return frozenset(_MESSAGES)


def render(kind: str, params: dict | None) -> Rendered:
    """The title and body of a notification in the current language."""
    renderer = _MESSAGES.get(kind)
    if renderer is None:
        return Rendered(_("Notification"), "")
    return renderer(_Params(params or {}))


class _Params(dict):
    """Parameters with helpers that pick the current language."""

    def text(self, key: str) -> str:
        value = self.get(key)
        if isinstance(value, dict):
            return value.get(current_language()) or value.get("th") or ""
        return "" if value is None else str(value)

    def date(self, key: str) -> str:
        value = self.get(key)
        return thaidate.format_date(date.fromisoformat(value), current_language()) if value else ""

    def fiscal_year(self, key: str = "fiscal_year") -> str:
        value = self.get(key)
        return thaidate.format_fiscal_year(int(value), current_language()) if value else ""

    def about(self) -> dict:
        """The LGO, standard and fiscal year that most messages name."""
        return {"lgo": self.text("lgo"), "standard": self.text("standard"),
                "fy": self.fiscal_year()}


# -- The workflow ---------------------------------------------------------------------------------

@message("assessment.submitted")
def _submitted(p) -> Rendered:
    return Rendered(
        _("%(lgo)s submitted its self-assessment", lgo=p.text("lgo")),
        _("%(lgo)s submitted its %(standard)s self-assessment for %(fy)s. Screen it: accept it "
          "for review or return it to the LGO with a reason.", **p.about()))


@message("assessment.submitted_for_lgo")
def _submitted_for_lgo(p) -> Rendered:
    return Rendered(
        _("Your self-assessment was submitted"),
        _("%(actor)s submitted the %(standard)s self-assessment of %(lgo)s for %(fy)s. The "
          "provincial office screens it next; the answers cannot be changed unless it is "
          "returned.", actor=p.text("actor"), **p.about()))


@message("assessment.returned")
def _returned(p) -> Rendered:
    return Rendered(
        _("Your self-assessment was returned"),
        _("The provincial office returned the %(standard)s self-assessment of %(lgo)s for "
          "%(fy)s. Reason: %(reason)s. Correct it and submit it again by %(due)s.",
          reason=p.text("reason"), due=p.date("due"), **p.about()))


@message("assessment.accepted")
def _accepted(p) -> Rendered:
    return Rendered(
        _("Your self-assessment was accepted for review"),
        _("The provincial office accepted the %(standard)s self-assessment of %(lgo)s for "
          "%(fy)s; assessors will be assigned to review it.", **p.about()))


@message("assessment.in_review")
def _in_review(p) -> Rendered:
    return Rendered(
        _("The review of your self-assessment has started"),
        _("Assessors are reviewing the %(standard)s self-assessment of %(lgo)s for %(fy)s.",
          **p.about()))


@message("assessment.evidence_requested")
def _evidence_requested(p) -> Rendered:
    return Rendered(
        _("More evidence is requested"),
        _("The assessors of the %(standard)s self-assessment of %(lgo)s for %(fy)s ask for more "
          "evidence: %(reason)s. Only the criteria named in the request can be changed.",
          reason=p.text("reason"), **p.about()))


@message("assessment.evidence_answered")
def _evidence_answered(p) -> Rendered:
    return Rendered(
        _("%(lgo)s answered the evidence request", lgo=p.text("lgo")),
        _("%(lgo)s answered the request for more evidence on its %(standard)s self-assessment "
          "for %(fy)s; the review can go on.", **p.about()))


@message("assessment.reviewed")
def _reviewed(p) -> Rendered:
    return Rendered(
        _("The review of %(lgo)s is complete", lgo=p.text("lgo")),
        _("The assessors completed their review of the %(standard)s self-assessment of %(lgo)s "
          "for %(fy)s.", **p.about()))


@message("assessment.review_reopened")
def _review_reopened(p) -> Rendered:
    return Rendered(
        _("The review of %(lgo)s was reopened", lgo=p.text("lgo")),
        _("The lead assessor reopened the review of the %(standard)s self-assessment of %(lgo)s "
          "for %(fy)s.", **p.about()))


@message("assessment.recommended")
def _recommended(p) -> Rendered:
    return Rendered(
        _("%(lgo)s awaits a decision", lgo=p.text("lgo")),
        _("The lead assessor recommended a decision on the %(standard)s assessment of %(lgo)s "
          "for %(fy)s. DLA decides next.", **p.about()))


@message("assessment.approved")
def _approved(p) -> Rendered:
    return Rendered(
        _("%(standard)s: approved", standard=p.text("standard")),
        _("DLA approved the %(standard)s assessment of %(lgo)s for %(fy)s.", **p.about()))


@message("assessment.rejected")
def _rejected(p) -> Rendered:
    return Rendered(
        _("%(standard)s: not approved", standard=p.text("standard")),
        _("DLA did not approve the %(standard)s assessment of %(lgo)s for %(fy)s. Reason: "
          "%(reason)s.", reason=p.text("reason"), **p.about()))


@message("assessment.withdrawn")
def _withdrawn(p) -> Rendered:
    return Rendered(
        _("%(lgo)s withdrew its self-assessment", lgo=p.text("lgo")),
        _("%(actor)s withdrew the %(standard)s self-assessment of %(lgo)s for %(fy)s. Reason: "
          "%(reason)s.", actor=p.text("actor"), reason=p.text("reason"), **p.about()))


# -- Deadline reminders ---------------------------------------------------------------------------

_STAGES = {
    "not_started": lambda: _("It has not been started yet."),
    "draft": lambda: _("It is still a draft."),
    "returned": lambda: _("It was returned by the provincial office and awaits resubmission."),
}


@message("reminder.self_assessment")
def _remind_self_assessment(p) -> Rendered:
    days = int(p.get("days_left", 0))
    stage = _STAGES.get(p.get("stage", ""), lambda: "")()
    return Rendered(
        ngettext("%(num)d day left to submit the %(standard)s self-assessment",
                 "%(num)d days left to submit the %(standard)s self-assessment", days,
                 standard=p.text("standard")),
        _("The %(standard)s self-assessment of %(lgo)s for %(fy)s is due on %(due)s. %(stage)s "
          "The LGO executive submits it once every applicable criterion is answered.",
          due=p.date("due"), stage=stage, **p.about()))


@message("reminder.review")
def _remind_review(p) -> Rendered:
    days, count = int(p.get("days_left", 0)), int(p.get("count", 0))
    return Rendered(
        ngettext("%(num)d day left to finish the %(standard)s reviews",
                 "%(num)d days left to finish the %(standard)s reviews", days,
                 standard=p.text("standard")),
        ngettext("%(num)d assessment of %(province)s for %(fy)s is not yet reviewed; the review "
                 "deadline is %(due)s.",
                 "%(num)d assessments of %(province)s for %(fy)s are not yet reviewed; the "
                 "review deadline is %(due)s.", count,
                 province=p.text("province"), fy=p.fiscal_year(), due=p.date("due")))


@message("reminder.decision")
def _remind_decision(p) -> Rendered:
    days, count = int(p.get("days_left", 0)), int(p.get("count", 0))
    return Rendered(
        ngettext("%(num)d day left for the %(standard)s decisions",
                 "%(num)d days left for the %(standard)s decisions", days,
                 standard=p.text("standard")),
        ngettext("%(num)d %(standard)s assessment for %(fy)s awaits a decision; the decision "
                 "deadline is %(due)s.",
                 "%(num)d %(standard)s assessments for %(fy)s await a decision; the decision "
                 "deadline is %(due)s.", count,
                 standard=p.text("standard"), fy=p.fiscal_year(), due=p.date("due")))


def email_footer() -> str:
    return _("This message was sent by LGO Assess, the assessment platform of the Department of "
             "Local Administration. Your notifications are also listed in the application.")
