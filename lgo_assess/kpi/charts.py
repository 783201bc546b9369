"""Charts as accessible inline SVG, drawn on the server. Pure: no Flask, no database.

Each chart is ``<svg role="img" aria-labelledby="…">`` with a ``<title>`` and a ``<desc>`` that
states every value in words, so a screen reader hears the figures; the page puts a data table
next to it. A chart whose bars or points are links is a ``role="group"`` instead (an image's
content is hidden from assistive technology, links included), and each link is named by its
label and value. No script and no style attribute (the CSP allows neither inline): colours come from
classes styled in ``static/css/app.css``. Bars and points link to the drill-down when given a
``href``.
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
LABEL_WIDTH = 190
BAR_HEIGHT = 20
BAR_GAP = 10


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    target: float | None = None
    href: str | None = None
    text: str | None = None       # the value as shown (default: formatted ``value``)


@dataclass(frozen=True)
class Point:
    label: str
    value: float | None
    target: float | None = None
    href: str | None = None
    text: str | None = None


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    text = f"{value:,.1f}" if unit == "%" else f"{value:,.0f}"
    return text + ("%" if unit == "%" else "")


def _scale_max(values, unit: str) -> float:
    top = max([v for v in values if v is not None] or [0])
    if unit == "%":
        return 100.0
    if top <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(top))) - 1)
    return float(-(-top // magnitude) * magnitude)


def _open(chart_id: str, title: str, desc: str, height: int, css: str,
          linked: bool = False) -> list[str]:
    cid = escape(chart_id)
    role = "group" if linked else "img"
    return [f'<svg class="chart {css}" role="{role}" aria-labelledby="{cid}-title {cid}-desc" '
            f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
            f'xmlns="http://www.w3.org/2000/svg">',
            f'<title id="{cid}-title">{escape(title)}</title>',
            f'<desc id="{cid}-desc">{escape(desc)}</desc>']


def bar_chart(chart_id: str, title: str, bars: list[Bar], *, unit: str = "%",
              target_label: str = "target", desc: str | None = None) -> Markup:
    """Horizontal bars, one per label, with the target as a tick when there is one."""
    top = _scale_max([b.value for b in bars] + [b.target for b in bars], unit)
    span = WIDTH - LABEL_WIDTH - 70
    height = max(1, len(bars)) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP
    words = "; ".join(
        f"{b.label}: {b.text or _fmt(b.value, unit)}"
        + (f" ({target_label} {_fmt(b.target, unit)})" if b.target is not None else "")
        for b in bars)
    out = _open(chart_id, title, desc or words, height, "bar-chart",
                linked=any(b.href for b in bars))
    for index, bar in enumerate(bars):
        y = BAR_GAP + index * (BAR_HEIGHT + BAR_GAP)
        width = 0 if bar.value is None else max(0.0, min(1.0, bar.value / top)) * span
        shown = escape(bar.text or _fmt(bar.value, unit))
        out.append(f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{y + 15}" '
                   f'text-anchor="end">{escape(_clip(bar.label))}</text>')
        rect = (f'<rect class="chart-bar" x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" '
                f'height="{BAR_HEIGHT}"><title>{escape(bar.label)}: {shown}</title></rect>')
        if bar.href:
            rect = (f'<a href="{escape(bar.href)}" aria-label="{escape(bar.label)}: {shown}">'
                    f'{rect}</a>')
        out.append(rect)
        out.append(f'<text class="chart-value" x="{LABEL_WIDTH + width + 6:.1f}" y="{y + 15}">'
                   f'{shown}</text>')
        if bar.target is not None:
            x = LABEL_WIDTH + max(0.0, min(1.0, bar.target / top)) * span
            out.append(f'<line class="chart-target" x1="{x:.1f}" x2="{x:.1f}" y1="{y - 3}" '
                       f'y2="{y + BAR_HEIGHT + 3}"><title>{escape(target_label)} '
                       f'{escape(_fmt(bar.target, unit))}</title></line>')
    out.append("</svg>")
    return Markup("".join(out))


def line_chart(chart_id: str, title: str, points: list[Point], *, unit: str = "%",
               target_label: str = "target", desc: str | None = None) -> Markup:
    """A trend: the values as a line with dots, the targets as a dashed line."""
    height, left, right, top_pad, bottom = 220, 56, 16, 14, 30
    top = _scale_max([p.value for p in points] + [p.target for p in points], unit)
    inner_w, inner_h = WIDTH - left - right, height - top_pad - bottom
    step = inner_w / max(1, len(points) - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + i * step, top_pad + inner_h * (1 - max(0.0, min(1.0, v / top)))

    words = "; ".join(f"{p.label}: {p.text or _fmt(p.value, unit)}"
                      + (f" ({target_label} {_fmt(p.target, unit)})"
                         if p.target is not None else "") for p in points)
    out = _open(chart_id, title, desc or words, height, "line-chart",
                linked=any(p.href and p.value is not None for p in points))
    for fraction in (0, .5, 1):
        y = top_pad + inner_h * (1 - fraction)
        out.append(f'<line class="chart-grid" x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" '
                   f'y2="{y:.1f}"/>')
        out.append(f'<text class="chart-axis" x="{left - 6}" y="{y + 4:.1f}" '
                   f'text-anchor="end">{escape(_fmt(top * fraction, unit))}</text>')
    for i, p in enumerate(points):
        out.append(f'<text class="chart-axis" x="{left + i * step:.1f}" y="{height - 8}" '
                   f'text-anchor="middle">{escape(p.label)}</text>')
    out += _polylines([(i, p.target) for i, p in enumerate(points)], xy, "chart-target-line")
    out += _polylines([(i, p.value) for i, p in enumerate(points)], xy, "chart-line")
    for i, p in enumerate(points):
        if p.value is None:
            continue
        x, y = xy(i, p.value)
        words = f"{escape(p.label)}: {escape(p.text or _fmt(p.value, unit))}"
        dot = (f'<circle class="chart-dot" cx="{x:.1f}" cy="{y:.1f}" r="4"><title>'
               f'{words}</title></circle>')
        out.append(f'<a href="{escape(p.href)}" aria-label="{words}">{dot}</a>' if p.href
                   else dot)
    out.append("</svg>")
    return Markup("".join(out))


def _polylines(values, xy, css: str) -> list[str]:
    """One polyline per run of consecutive known values."""
    runs, run = [], []
    for i, v in values:
        if v is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append(xy(i, v))
    if run:
        runs.append(run)
    return [f'<polyline class="{css}" fill="none" points="'
            + " ".join(f"{x:.1f},{y:.1f}" for x, y in r) + '"/>' for r in runs if len(r) > 1] + \
        [f'<circle class="{css}-dot" cx="{r[0][0]:.1f}" cy="{r[0][1]:.1f}" r="2"/>'
         for r in runs if len(r) == 1]


def _clip(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
