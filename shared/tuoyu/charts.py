"""Charts as SVG drawn by the server: no script, no address outside the machine, Chinese text as the page's fonts.

Pure functions of the figures. Every mark carries its figure in `data-category`, `data-series` and `data-value`
(the value as the table shows it), so a reader, an accessibility tool and a test read the same numbers as the table
beside the chart. Categories run down the page as horizontal bars (long Chinese names fit on a phone); months run
across as a line chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Sequence

from markupsafe import Markup, escape

Number = int | Decimal
PALETTE = ("#0f766e", "#b45309", "#1d4ed8", "#7c3aed", "#be123c")  # contrast ≥ 4.5:1 on white
# Drawn at 560 units and 15-unit text: a phone's 360 px shows it at two thirds (text about 10 px), a laptop at most
# at 640 px (the desks' CSS).
WIDTH, LABEL_WIDTH, ROW, BAR_GAP, TOP, PLOT_HEIGHT = 560, 130, 24, 4, 36, 180


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Number | None]  # one per category; None: no figure (drawn as "—")


@dataclass(frozen=True)
class Reference:
    """A target drawn across the chart: its label names its source."""

    label: str
    value: Number


def _text(value: Number | None) -> str:
    return "—" if value is None else f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"


def _scale(top: Number) -> Decimal:
    return Decimal(top) * Decimal("1.1") if top else Decimal(1)


def _frame(title: str, description: str, height: int, body: list[str]) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
            f'width="100%" preserveAspectRatio="xMinYMin meet" font-size="15">'
            f'<title>{escape(title)}</title><desc>{escape(description)}</desc>')
    return Markup(head + "".join(body) + "</svg>")


def _legend(series: Sequence[Series], y: int) -> list[str]:
    parts, x = [], LABEL_WIDTH
    for i, s in enumerate(series):
        parts.append(f'<rect x="{x}" y="{y - 10}" width="10" height="10" fill="{PALETTE[i % len(PALETTE)]}"/>'
                     f'<text x="{x + 14}" y="{y}" fill="#1f2937">{escape(s.name)}</text>')
        x += 26 + 15 * len(s.name)
    return parts


def bar_chart(title: str, categories: Sequence[str], series: Sequence[Series],
              references: Sequence[Reference] = (), unit: str = "") -> Markup:
    """Horizontal bars, one group per category and one bar per series, with each reference as a dashed line."""
    known = [v for s in series for v in s.values if v is not None] + [r.value for r in references]
    top = _scale(max(known, default=0))
    plot = WIDTH - LABEL_WIDTH - 80
    group = ROW * len(series) + 10
    height = TOP + group * len(categories) + 26 + 16 * len(references)
    x_of = lambda value: LABEL_WIDTH + float(Decimal(value) / top * plot)  # noqa: E731
    body = _legend(series, 14)
    for c, category in enumerate(categories):
        y0 = TOP + c * group
        body.append(f'<text x="{LABEL_WIDTH - 6}" y="{y0 + group / 2}" text-anchor="end" fill="#1f2937">'
                    f'{escape(category)}</text>')
        for i, s in enumerate(series):
            value = s.values[c]
            y = y0 + i * ROW
            width = 0.0 if value is None else x_of(value) - LABEL_WIDTH
            body.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{ROW - BAR_GAP}" '
                        f'fill="{PALETTE[i % len(PALETTE)]}" data-category="{escape(category)}" '
                        f'data-series="{escape(s.name)}" data-value="{escape(_text(value))}"/>'
                        f'<text x="{LABEL_WIDTH + width + 4:.1f}" y="{y + ROW - BAR_GAP - 5}" fill="#1f2937">'
                        f'{escape(_text(value))}{escape(unit) if value is not None else ""}</text>')
    bottom = TOP + group * len(categories)
    for r, ref in enumerate(references):
        x = x_of(ref.value)
        body.append(f'<line x1="{x:.1f}" y1="{TOP - 4}" x2="{x:.1f}" y2="{bottom}" stroke="#374151" '
                    f'stroke-dasharray="4 3" data-reference="{escape(ref.label)}" data-value="{_text(ref.value)}"/>'
                    f'<text x="{LABEL_WIDTH}" y="{bottom + 18 + 16 * r}" fill="#374151">- - {escape(ref.label)}：'
                    f'{_text(ref.value)}{escape(unit)}</text>')
    description = "；".join(f"{c}：" + "，".join(f"{s.name} {_text(s.values[i])}{unit}" for s in series)
                           for i, c in enumerate(categories))
    return _frame(title, description, height, body)


def line_chart(title: str, categories: Sequence[str], series: Sequence[Series], unit: str = "") -> Markup:
    """One line per series across the categories (months), each point a circle carrying its figure."""
    known = [v for s in series for v in s.values if v is not None]
    top = _scale(max(known, default=0))
    left, plot_w, plot_h, base = 80, WIDTH - 100, PLOT_HEIGHT, TOP + PLOT_HEIGHT
    step = plot_w / max(len(categories) - 1, 1)
    body = _legend(series, 14)
    for tick in range(5):
        value = top * tick / 4
        y = base - plot_h * tick / 4
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#e5e7eb"/>'
                    f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#4b5563">{value:,.0f}</text>')
    for c, category in enumerate(categories):
        body.append(f'<text x="{left + c * step:.1f}" y="{base + 16}" text-anchor="middle" fill="#1f2937">'
                    f'{escape(category)}</text>')
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        points = [(left + c * step, base - float(Decimal(v) / top) * plot_h, categories[c], v)
                  for c, v in enumerate(s.values) if v is not None]
        if points:
            body.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="'
                        + " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points) + '"/>')
        body.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}" data-category="{escape(cat)}" '
                    f'data-series="{escape(s.name)}" data-value="{escape(_text(v))}"/>' for x, y, cat, v in points)
    description = "；".join(f"{s.name}：" + "，".join(f"{c} {_text(v)}{unit}" for c, v in zip(categories, s.values))
                           for s in series)
    return _frame(title, description, base + 28, body)
