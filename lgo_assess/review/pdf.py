"""The on-site verification sheet: an A4 PDF the review team prints and takes to the LGO, for use
without a connection. It lists the criteria the edition marks for on-site verification
(``Onsite.on_site_sheet``: interview or observation) as they apply to this LGO, each with how to
verify it (document review, interview, observation), the edition's note, how it is scored, what
the LGO answered, and room to write the findings, the score and the photos taken.

Pure (ReportLab and the Thai PDF toolkit, no Flask): the caller passes ``gettext`` for labels.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterable

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer, Table, TableStyle

from lgo_assess.assessments.scoring import Answer
from lgo_assess.core.thaidate import format_date
from lgo_assess.core.thaipdf import FONT, ThaiParagraph, draw_thai, make_style, thai_styles
from lgo_assess.criteria.edition import (EffectiveCriterion, Edition, ScoringChecklist,
                                         ScoringLevel, ScoringNumeric, Text)


def N_(text: str) -> str:
    """Mark an English source string for translation; the caller's gettext translates it."""
    return text


ONSITE_METHODS = {
    "document_review": N_("Document review"),
    "interview": N_("Interview"),
    "observation": N_("Observation"),
}

GREY = colors.Color(0.93, 0.94, 0.96)
RULE = colors.Color(0.6, 0.62, 0.66)


@dataclass(frozen=True)
class SheetCriterion:
    code: str
    section_code: str
    title: Text
    methods: tuple[str, ...]
    note: Text | None
    effective: EffectiveCriterion
    self_answer: Answer | None = None


@dataclass(frozen=True)
class SheetHeader:
    lgo_name: str
    standard: str                 # name and edition, in the sheet's language
    visit_on: date | None
    team: tuple[str, ...]
    lgo_contacts: str
    reference: str                # e.g. the assessment number, to file the sheet


def sheet_criteria(edition: Edition, lgo_type: str, area_tags: Iterable[str],
                   self_answers: dict[str, Answer] | None = None) -> list[SheetCriterion]:
    """The criteria that go on the sheet for an LGO of ``lgo_type`` with ``area_tags``: those
    verified by interview or observation that apply to it, in edition order."""
    rows = []
    for effective in edition.criteria_for(lgo_type, area_tags):
        onsite = effective.criterion.onsite
        if not (effective.applicable and onsite.on_site_sheet):
            continue
        rows.append(SheetCriterion(effective.code, effective.section_code, effective.title,
                                   onsite.methods, onsite.note, effective,
                                   (self_answers or {}).get(effective.code)))
    return rows


class _Sheet:
    def __init__(self, header: SheetHeader, language: str, gettext: Callable[[str], str]):
        self.header, self.language, self._ = header, language, gettext
        self.s = thai_styles()
        self.text = make_style("SheetText", 14, spaceAfter=1)
        self.label = make_style("SheetLabel", 12, bold=True, textColor=colors.Color(
            0.25, 0.28, 0.33))
        self.criterion_title = make_style("SheetCriterion", 15, bold=True, spaceBefore=8,
                                          spaceAfter=2, keepWithNext=1)

    def t(self, text: Text | None) -> str:
        return text.get(self.language) if text is not None else ""

    def para(self, text: str, style=None) -> ThaiParagraph:
        return ThaiParagraph(text, style or self.text)

    def grid(self, rows, widths, heights=None, shade_first_column=True) -> Table:
        cells = [[c if not isinstance(c, str) else self.para(c, self.s.cell) for c in row]
                 for row in rows]
        table = Table(cells, colWidths=widths, rowHeights=heights)
        style = [("GRID", (0, 0), (-1, -1), 0.5, RULE), ("VALIGN", (0, 0), (-1, -1), "TOP")]
        if shade_first_column:
            style.append(("BACKGROUND", (0, 0), (0, -1), GREY))
        table.setStyle(TableStyle(style))
        return table

    # -- parts ------------------------------------------------------------------------------
    def heading(self, criteria_count: int) -> list:
        _, h = self._, self.header
        visit = format_date(h.visit_on, self.language) if h.visit_on else "…………………………"
        facts = [
            [_("LGO"), h.lgo_name],
            [_("Standard"), h.standard],
            [_("Visit date"), visit],
            [_("Review team"), ", ".join(h.team) or "…………………………"],
            [_("LGO contacts"), h.lgo_contacts or "…………………………"],
            [_("Reference"), h.reference],
        ]
        return [self.para(_("On-site verification sheet"), self.s.title),
                self.grid(facts, [40 * mm, None]),
                Spacer(1, 3 * mm),
                self.para(_("%(n)s criteria to verify on site. Write what you saw and heard, the "
                            "score the team agrees, and the numbers of the photos you took; "
                            "enter them in LGO Assess after the visit.") % {"n": criteria_count},
                          self.s.small)]

    def scoring_hint(self, effective: EffectiveCriterion) -> str:
        _ = self._
        scoring = effective.scoring
        if isinstance(scoring, ScoringLevel):
            return "   ".join(f"( ) {lv.value} {self.t(lv.label)}" for lv in scoring.scale.levels)
        if isinstance(scoring, ScoringChecklist):
            return "   ".join(f"( ) {item.code}. {self.t(item.text)}" for item in scoring.items)
        if isinstance(scoring, ScoringNumeric):
            return _("Value: ……………… %(unit)s (%(min)s–%(max)s)") % {
                "unit": self.t(scoring.unit), "min": _number(scoring.min),
                "max": _number(scoring.max)}
        return f"( ) {_('Yes')}   ( ) {_('No')}"

    def answer_text(self, row: SheetCriterion) -> str:
        _ = self._
        answer = row.self_answer
        if answer is None:
            return _("not answered")
        if answer.not_applicable:
            return _("not applicable")
        scoring = row.effective.scoring
        if isinstance(scoring, ScoringLevel) and answer.level is not None:
            level = scoring.scale.level(answer.level)
            return f"{answer.level} {self.t(level.label) if level else ''}".strip()
        if isinstance(scoring, ScoringChecklist) and answer.checked is not None:
            return ", ".join(sorted(answer.checked)) or "—"
        if isinstance(scoring, ScoringNumeric) and answer.value is not None:
            return f"{_number(answer.value)} {self.t(scoring.unit)}"
        if answer.yes is not None:
            return _("Yes") if answer.yes else _("No")
        return _("not answered")

    def criterion(self, row: SheetCriterion) -> list:
        _ = self._
        methods = ", ".join(_(ONSITE_METHODS.get(m, m)) for m in row.methods)
        head = self.para(f"{row.code} {self.t(row.title)}", self.criterion_title)
        facts = [[_("How to verify"), methods]]
        if row.note is not None:
            facts.append([_("Note"), self.t(row.note)])
        facts.append([_("The LGO answered"), self.answer_text(row)])
        facts.append([_("Score"), self.scoring_hint(row.effective)])
        writing = [[_("Findings"), ""], [_("Photos and documents seen"), ""]]
        return [KeepTogether([
            head,
            self.grid(facts, [40 * mm, None]),
            self.grid(writing, [40 * mm, None], heights=[34 * mm, 20 * mm]),
        ])]

    def signatures(self) -> list:
        _ = self._
        line = "……………………………………………"
        rows = [[[self.para(_("Lead assessor"), self.text), Spacer(1, 10 * mm),
                  self.para(line, self.text)],
                 [self.para(_("For the LGO"), self.text), Spacer(1, 10 * mm),
                  self.para(line, self.text)]]]
        table = Table(rows, colWidths=[None, None])
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("TOPPADDING", (0, 0), (-1, -1), 14)]))
        return [Spacer(1, 6 * mm), KeepTogether([self.para(_("Signatures"), self.label), table])]

    def on_page(self, canvas, doc) -> None:
        _ = self._
        width = A4[0]
        footer = f"{self.header.reference} · {self.header.lgo_name}"
        draw_thai(canvas, 18 * mm, 10 * mm, footer[:100], font=FONT, size=10)
        draw_thai(canvas, width - 18 * mm, 10 * mm, _("Page %(n)s") % {"n": doc.page},
                  font=FONT, size=10, align="right")


def _number(value) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def build_onsite_sheet(target, header: SheetHeader, criteria: list[SheetCriterion], *,
                       language: str = "th",
                       gettext: Callable[[str], str] = lambda s: s) -> None:
    """Write the sheet to ``target`` (a path or a binary file object)."""
    sheet = _Sheet(header, language, gettext)
    doc = SimpleDocTemplate(target, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm,
                            topMargin=14 * mm, bottomMargin=18 * mm,
                            title=f"{gettext('On-site verification sheet')} {header.lgo_name}",
                            author="LGO Assess", lang=language)
    story = sheet.heading(len(criteria))
    if not criteria:
        story.append(sheet.para(gettext("No criterion of this edition is marked for on-site "
                                        "verification by interview or observation."),
                                sheet.s.body))
    for row in criteria:
        story += sheet.criterion(row)
    story += sheet.signatures()
    doc.build(story, onFirstPage=sheet.on_page, onLaterPages=sheet.on_page)
