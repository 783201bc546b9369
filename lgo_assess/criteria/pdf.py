"""An edition of a standard as a printable A4 book: header, scales, result levels, then every
section and criterion with its scoring, evidence, on-site method, applicability and variants.
Pure (ReportLab and the Thai PDF toolkit, no Flask): the caller passes ``gettext`` for labels."""
from __future__ import annotations

import re
from typing import Callable
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import (KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table,
                                TableStyle)

from lgo_assess.core.thaipdf import FONT, ThaiParagraph, draw_thai, make_style, thai_styles
from lgo_assess.criteria import labels
from lgo_assess.criteria.edition import (Criterion, Edition, EvidenceExpectation, Scoring,
                                         ScoringChecklist, ScoringLevel, ScoringNumeric, Text)
from lgo_assess.criteria.validation import identity

_THAI = re.compile("[\u0e00-\u0e7f]")
GREY = colors.Color(0.93, 0.94, 0.96)
RULE = colors.Color(0.7, 0.72, 0.75)


class _Book:
    def __init__(self, edition: Edition, language: str, gettext: Callable[[str], str],
                 status: str | None):
        self.edition, self.language, self._ = edition, language, gettext
        self.status = status
        self.s = thai_styles()
        self.label = make_style("CriteriaLabel", 12, bold=True, textColor=colors.Color(
            0.25, 0.28, 0.33), spaceBefore=4)
        self.text_style = make_style("CriteriaText", 14, spaceAfter=2)
        self.criterion_title = make_style("CriteriaTitle", 16, bold=True, spaceBefore=10,
                                          spaceAfter=2, keepWithNext=1)
        self._plain_styles: dict = {}

    def t(self, text: Text | None) -> str:
        return text.get(self.language) if text is not None else ""

    def para(self, text: str, style=None):
        """A paragraph of plain text. Thai needs shaping and word-boundary wrapping (the
        toolkit's ThaiParagraph); text without Thai goes the cheaper plain way."""
        style = style or self.text_style
        if _THAI.search(text):
            return ThaiParagraph(text, style)
        return Paragraph(escape(text), self._plain(style))

    def _plain(self, style):
        plain = self._plain_styles.get(style.name)
        if plain is None:
            plain = self._plain_styles[style.name] = style.clone(style.name + "Plain", shaping=0)
        return plain

    def table(self, rows: list[list], widths, header: bool = True) -> Table:
        cells = []
        for i, row in enumerate(rows):
            style = self.s.cell_header if header and i == 0 else self.s.cell
            # One kind of paragraph per row, so that cells line up (Thai ones pad for marks).
            thai = any(isinstance(c, str) and _THAI.search(c) for c in row)
            cells.append([c if not isinstance(c, str) else
                          ThaiParagraph(c, style) if thai else self.para(c, style) for c in row])
        table = Table(cells, colWidths=widths, repeatRows=1 if header else 0)
        style = [("GRID", (0, 0), (-1, -1), 0.5, RULE), ("VALIGN", (0, 0), (-1, -1), "TOP")]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), GREY))
        table.setStyle(TableStyle(style))
        return table

    # -- the parts --------------------------------------------------------------------------
    def story(self) -> list:
        e, _ = self.edition, self._
        story = [self.para(self.t(e.standard.name), self.s.title),
                 self.para(self.t(e.title), self.s.subheading)]
        if self.language != "th":  # the official Thai names, under their translation
            story += [self.para(f"{e.standard.name.th} · {e.title.th}", self.s.small)]
        story.append(self.para(self.t(e.summary), self.s.body))
        facts = [
            [_("Standard"), f"{e.standard.code} ({e.standard.plan_ref})"],
            [_("Edition"), e.code + (f" · {_(labels.STATUSES[self.status])}"
                                     if self.status in labels.STATUSES else "")],
            [_("Fiscal years"), ", ".join(str(y) for y in e.fiscal_years)],
            [_("Owner"), self.t(e.standard.owner)],
            [_("Certificate valid for"), _("%(n)s months") % {"n": e.certificate_validity_months}],
            [_("Plan KPIs"), ", ".join(e.kpis) or "—"],
            [_("N/A by default"), labels.label(labels.NA_EFFECTS, e.not_applicable_default, _)],
        ]
        if e.supersedes:
            facts.append([_("Supersedes edition"), e.supersedes])
        story.append(self.table(facts, [45 * mm, None], header=False))
        story += self.scales() + self.result()
        for section in e.sections:
            story.append(self.para(f"{_('Section')} {section.code} {self.t(section.title)}",
                                   self.s.heading))
            line = _("Weight %(weight)s") % {"weight": _number(section.weight)}
            if section.section_minimum_percent is not None:
                line += " · " + _("section minimum %(percent)s%%") % {
                    "percent": _number(section.section_minimum_percent)}
            story.append(self.para(line, self.s.small))
            if section.description:
                story.append(self.para(self.t(section.description), self.s.body))
            for criterion in section.criteria:
                story += self.criterion(criterion)
        return story

    def scales(self) -> list:
        _ = self._
        if not self.edition.scales:
            return []
        out = [self.para(_("Scales"), self.s.heading)]
        for scale in self.edition.scales.values():
            rows = [[_("Level"), _("Label"), _("Meaning")]]
            rows += [[str(lv.value), self.t(lv.label), self.t(lv.descriptor)]
                     for lv in scale.levels]
            out += [self.para(self.t(scale.name), self.s.subheading),
                    self.table(rows, [18 * mm, 45 * mm, None])]
        return out

    def result(self) -> list:
        _ = self._
        rules = self.edition.result
        rows = [[_("Result level"), _("Overall score at least"), _("Every section at least")]]
        for level in rules.levels:
            minimum = level.section_minimum_percent or rules.section_minimum_percent
            rows.append([self.t(level.label), f"{_number(level.min_percent)}%",
                         f"{_number(minimum)}%" if minimum is not None else "—"])
        return [self.para(_("Result levels"), self.s.heading),
                self.table(rows, [None, 45 * mm, 45 * mm])]

    def criterion(self, c: Criterion) -> list:
        _ = self._
        head = [self.para(f"{c.code} {self.t(c.title)}", self.criterion_title)]
        facts = [_("Weight %(weight)s") % {"weight": _number(c.weight)},
                 labels.label(labels.SCORING_METHODS, c.scoring.method, _)]
        if c.must_pass is not None:
            facts.append(_("must pass") + (f" ({_('level')} {c.must_pass.min_level})"
                                            if c.must_pass.min_level is not None else ""))
        head.append(self.para(" · ".join(facts), self.s.small))
        body = [self.para(_("Guidance"), self.label), self.para(self.t(c.guidance))]
        body += self.scoring(c.scoring)
        body += self.evidence(c.evidence)
        body.append(self.para(_("On-site verification"), self.label))
        methods = ", ".join(labels.label(labels.ONSITE_METHODS, m, _) for m in c.onsite.methods)
        body.append(self.para(methods + (f": {self.t(c.onsite.note)}" if c.onsite.note else "")))
        applies = []
        if c.applies_to.lgo_types is not None:
            applies.append(", ".join(labels.label(labels.LGO_TYPES, t, _)
                                     for t in sorted(c.applies_to.lgo_types)))
        if c.applies_to.area_tags_any is not None:
            applies.append(_("areas: %(tags)s") % {"tags": ", ".join(
                labels.label(labels.AREA_TAGS, t, _) for t in sorted(c.applies_to.area_tags_any))})
        if applies:
            body += [self.para(_("Applies to"), self.label), self.para("; ".join(applies))]
        if c.not_applicable and c.not_applicable.allowed:
            effect = c.not_applicable.effect or self.edition.not_applicable_default
            body += [self.para(_("Not applicable (N/A)"), self.label),
                     self.para(f"{self.t(c.not_applicable.when)} "
                               f"({labels.label(labels.NA_EFFECTS, effect, _)})")]
        for index, variant in enumerate(c.variants, start=1):
            types = ", ".join(labels.label(labels.LGO_TYPES, t, _)
                              for t in sorted(variant.lgo_types))
            body.append(self.para(_("Variant %(n)s: %(types)s") % {"n": index, "types": types},
                                  self.label))
            if variant.title:
                body.append(self.para(self.t(variant.title)))
            if variant.guidance:
                body.append(self.para(self.t(variant.guidance)))
            if variant.weight is not None:
                body.append(self.para(_("Weight %(weight)s") % {"weight": _number(variant.weight)}))
            if variant.scoring is not None:
                body += self.scoring(variant.scoring)
            if variant.evidence is not None:
                body += self.evidence(variant.evidence)
        if c.kpis:
            body += [self.para(_("Plan KPIs"), self.label), self.para(", ".join(c.kpis))]
        if c.crosswalk:
            links = [f"{x.standard} {x.criterion}" if x.standard else f"{x.framework} {x.ref}"
                     for x in c.crosswalk]
            body += [self.para(_("Related criteria"), self.label), self.para(", ".join(links))]
        return [KeepTogether(head + body[:2])] + body[2:]

    def scoring(self, scoring: Scoring) -> list:
        _ = self._
        if isinstance(scoring, ScoringLevel):
            rows = [[_("Level"), _("Meaning here")]]
            for level in scoring.scale.levels:
                meaning = scoring.descriptor(level.value)
                rows.append([f"{level.value} {self.t(level.label)}", self.t(meaning)])
            return [self.para(_("Scoring: %(scale)s") % {"scale": self.t(scoring.scale.name)},
                              self.label), self.table(rows, [45 * mm, None])]
        if isinstance(scoring, ScoringChecklist):
            if scoring.bands:
                rule = "; ".join(_("%(count)s items: %(percent)s%%") % {
                    "count": b.min_count, "percent": _number(b.fraction * 100)}
                    for b in scoring.bands)
            else:
                rule = _("full marks with %(n)s of %(total)s items") % {
                    "n": scoring.needed, "total": len(scoring.items)}
            rows = [[item.code, self.t(item.text)] for item in scoring.items]
            return [self.para(_("Checklist (%(rule)s)") % {"rule": rule}, self.label),
                    self.table(rows, [12 * mm, None], header=False)]
        if isinstance(scoring, ScoringNumeric):
            key = _("at least") if scoring.higher_is_better else _("at most")
            rows = [[f"{key} {_number(b.threshold)} {self.t(scoring.unit)}",
                     f"{_number(b.fraction * 100)}%"] for b in scoring.bands]
            return [self.para(_("Number in %(unit)s, %(min)s–%(max)s") % {
                "unit": self.t(scoring.unit), "min": _number(scoring.min),
                "max": _number(scoring.max)}, self.label),
                self.table([[_("Value"), _("Share of the weight")]] + rows, [None, 45 * mm])]
        return [self.para(_("Scoring: yes (full marks) or no (none)"), self.label)]

    def evidence(self, items: tuple[EvidenceExpectation, ...]) -> list:
        _ = self._
        rows = [[_("Evidence"), _("Kind"), _("Required")]]
        for item in items:
            need = _("required") if item.required else _("optional")
            if item.recency_months:
                need += " · " + _("within %(n)s months") % {"n": item.recency_months}
            rows.append([self.t(item.description),
                         labels.label(labels.EVIDENCE_KINDS, item.kind, _), need])
        return [self.table(rows, [None, 38 * mm, 35 * mm])]

    def on_page(self, canvas, doc) -> None:
        _ = self._
        width = A4[0]
        e = self.edition
        footer = f"{e.standard.code} {e.code} · {self.t(e.title)}"
        draw_thai(canvas, 18 * mm, 10 * mm, footer[:110], font=FONT, size=10)
        draw_thai(canvas, width - 18 * mm, 10 * mm, _("Page %(n)s") % {"n": doc.page},
                  font=FONT, size=10, align="right")


def _number(value) -> str:
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def build_edition_pdf(edition: Edition, target, *, language: str = "th",
                      gettext: Callable[[str], str] = identity, status: str | None = None) -> None:
    """Write ``edition`` as an A4 PDF to ``target`` (a path or a binary file), texts in
    ``language`` (Thai when a text has no English), labels through ``gettext``."""
    book = _Book(edition, language, gettext, status)
    doc = SimpleDocTemplate(target, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=16 * mm, bottomMargin=18 * mm,
                            title=f"{edition.standard.name.get(language)} {edition.code}",
                            author=edition.standard.owner.get(language), lang=language)
    story = book.story()
    story.append(Spacer(1, 4 * mm))
    doc.build(story, onFirstPage=book.on_page, onLaterPages=book.on_page)

