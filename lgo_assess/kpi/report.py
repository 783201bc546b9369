"""The executive KPI report of one fiscal year as an A4 PDF in shaped Thai (or English). Pure:
no Flask, no database; the view hands over every text already translated.

Charts are ReportLab graphics (bars, lines, target ticks as ``reportlab.graphics.shapes``),
drawn inside a flowable whose labels go through ``core.thaipdf.draw_thai``, so Thai names of
regions are shaped like the rest of the text.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing, Line, PolyLine, Rect
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import (KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table,
                                TableStyle)
from reportlab.platypus.flowables import Flowable

from lgo_assess.core.thaipdf import FONT, FONT_BOLD, ThaiParagraph, draw_thai, make_style, \
    thai_styles

_THAI = re.compile("[\u0e00-\u0e7f]")
BRAND = colors.Color(0.043, 0.31, 0.54)
TARGET = colors.Color(0.72, 0.53, 0.04)
GREY = colors.Color(0.93, 0.94, 0.96)
RULE = colors.Color(0.7, 0.72, 0.75)
SERIES = (BRAND, colors.Color(0.11, 0.43, 0.24), colors.Color(0.64, 0.15, 0.17),
          colors.Color(0.54, 0.35, 0.0), colors.Color(0.35, 0.39, 0.45),
          colors.Color(0.45, 0.2, 0.55))


@dataclass
class BarItem:
    label: str
    value: float | None
    target: float | None
    text: str


@dataclass
class Series:
    label: str
    values: list[float | None]


@dataclass
class ReportTable:
    title: str
    header: list[str]
    rows: list[list[str]]
    widths: list[float | None] | None = None     # in mm; None: share the rest


@dataclass
class ReportData:
    language: str
    title: str
    subtitle: str
    produced: str
    summary: list[str]
    page_label: str                               # "หน้า": the number follows
    bars_title: str
    bars: list[BarItem]
    trend_title: str
    trend_years: list[str]
    trend: list[Series]
    tables: list[ReportTable] = field(default_factory=list)
    footer: str = ""


class ChartFlowable(Flowable):
    """A ReportLab ``Drawing`` with shaped labels drawn on top."""

    def __init__(self, drawing: Drawing, labels: list[tuple[float, float, str, str, float, str]]):
        super().__init__()
        self.drawing, self.labels = drawing, labels
        self.width, self.height = drawing.width, drawing.height

    def wrap(self, availWidth, availHeight):
        return self.width, self.height

    def draw(self):
        renderPDF.draw(self.drawing, self.canv, 0, 0)
        for x, y, text, align, size, font in self.labels:
            draw_thai(self.canv, x, y, text, font=font, size=size, align=align)


def bar_chart(items: list[BarItem], width: float, unit_max: float = 100.0) -> ChartFlowable:
    label_w, row_h, bar_h = 42 * mm, 9 * mm, 5.5 * mm
    height = row_h * max(1, len(items)) + 8 * mm
    span = width - label_w - 24 * mm
    drawing = Drawing(width, height)
    labels = []
    top = max([unit_max] + [i.value or 0 for i in items] + [i.target or 0 for i in items])
    for index, item in enumerate(items):
        y = height - (index + 1) * row_h
        w = 0 if item.value is None else span * max(0.0, min(1.0, item.value / top))
        drawing.add(Rect(label_w, y, span, bar_h, fillColor=GREY, strokeColor=None))
        drawing.add(Rect(label_w, y, w, bar_h, fillColor=BRAND, strokeColor=None))
        text_x = label_w + w + 2 * mm
        if item.target is not None:
            x = label_w + span * max(0.0, min(1.0, item.target / top))
            drawing.add(Line(x, y - 1.5 * mm, x, y + bar_h + 1.5 * mm, strokeColor=TARGET,
                             strokeWidth=2))
            if x >= text_x - 1 * mm:          # keep the figure clear of the target tick
                text_x = x + 2 * mm
        labels.append((label_w - 2 * mm, y + 1.3 * mm, item.label, "right", 11, FONT))
        labels.append((text_x, y + 1.3 * mm, item.text, "left", 11, FONT_BOLD))
    drawing.add(Line(label_w, 2 * mm, label_w, height - 2 * mm, strokeColor=RULE))
    return ChartFlowable(drawing, labels)


def line_chart(years: list[str], series: list[Series], width: float,
               legend: str) -> ChartFlowable:
    height, left, bottom, right = 70 * mm, 14 * mm, 16 * mm, 4 * mm
    inner_w, inner_h = width - left - right, height - bottom - 6 * mm
    drawing = Drawing(width, height)
    labels = []
    step = inner_w / max(1, len(years) - 1)
    for fraction in (0, 0.25, 0.5, 0.75, 1):
        y = bottom + inner_h * fraction
        drawing.add(Line(left, y, left + inner_w, y, strokeColor=GREY))
        labels.append((left - 1.5 * mm, y - 1.2 * mm, f"{int(fraction * 100)}%", "right", 9,
                       FONT))
    for i, year in enumerate(years):
        labels.append((left + i * step, bottom - 5 * mm, year, "centre", 9, FONT))
    for index, s in enumerate(series):
        colour = SERIES[index % len(SERIES)]
        run: list[float] = []
        for i, value in enumerate(s.values + [None]):
            if value is None:
                if len(run) >= 4:
                    drawing.add(PolyLine(run, strokeColor=colour, strokeWidth=1.6))
                run = []
                continue
            x, y = left + i * step, bottom + inner_h * max(0.0, min(1.0, value / 100))
            run += [x, y]
            drawing.add(Rect(x - 1.2, y - 1.2, 2.4, 2.4, fillColor=colour, strokeColor=None))
        if index < 6:
            row, col = divmod(index, 3)
            lx, ly = left + col * (inner_w / 3), 6 * mm - row * 4 * mm
            drawing.add(Rect(lx, ly + 1, 4 * mm, 1.5, fillColor=colour, strokeColor=None))
            labels.append((lx + 5 * mm, ly, s.label, "left", 9, FONT))
    if legend:
        labels.append((left, height - 3 * mm, legend, "left", 9, FONT))
    return ChartFlowable(drawing, labels)


class _Report:
    def __init__(self, data: ReportData):
        self.data = data
        self.s = thai_styles()
        self.cell = make_style("ReportCell", 11)
        self.cell_head = make_style("ReportCellHead", 11, bold=True)
        self.plain: dict[str, object] = {}

    def para(self, text: str, style):
        if _THAI.search(text or ""):
            return ThaiParagraph(text, style)
        plain = self.plain.get(style.name)
        if plain is None:
            plain = self.plain[style.name] = style.clone(style.name + "Plain", shaping=0)
        return Paragraph(escape(text or ""), plain)

    def table(self, spec: ReportTable, width: float) -> list:
        rows = [spec.header] + spec.rows
        cells = []
        for i, row in enumerate(rows):
            style = self.cell_head if i == 0 else self.cell
            thai = any(_THAI.search(c or "") for c in row)
            cells.append([ThaiParagraph(c or "", style) if thai else self.para(c, style)
                          for c in row])
        widths = [w * mm if w else None for w in spec.widths] if spec.widths else None
        table = Table(cells, colWidths=widths, repeatRows=1)
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, RULE),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("BACKGROUND", (0, 0), (-1, 0), GREY)]))
        return [self.para(spec.title, self.s.subheading), table, Spacer(1, 4 * mm)]

    def story(self, width: float) -> list:
        d = self.data
        story = [self.para(d.title, self.s.title), self.para(d.subtitle, self.s.subheading),
                 self.para(d.produced, self.s.small), Spacer(1, 4 * mm)]
        story += [self.para(line, self.s.body) for line in d.summary]
        if d.bars:
            story.append(KeepTogether([self.para(d.bars_title, self.s.heading),
                                       bar_chart(d.bars, width)]))
        if d.trend:
            story.append(KeepTogether([self.para(d.trend_title, self.s.heading),
                                       line_chart(d.trend_years, d.trend, width, "")]))
        for spec in d.tables:
            story += self.table(spec, width)
        if d.footer:
            story.append(self.para(d.footer, self.s.small))
        return story


def render(data: ReportData) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=20 * mm, bottomMargin=18 * mm, title=data.title,
                            author="LGO Assess", lang=data.language)
    width = A4[0] - 36 * mm

    def on_page(canvas, document):
        draw_thai(canvas, A4[0] / 2, A4[1] - 12 * mm, data.subtitle, font=FONT, size=10,
                  align="centre")
        draw_thai(canvas, A4[0] - 18 * mm, 10 * mm, f"{data.page_label} {document.page}",
                  font=FONT, size=10, align="right")

    doc.build(_Report(data).story(width), onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()
