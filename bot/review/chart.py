"""A server-rendered SVG bar chart of conversations per day, with the hand-offs and the unsure share.

No JavaScript and no external library: the chart is SVG markup built here, every text escaped,
with a `<title>` and `<desc>` for screen readers; the same numbers are also in a table on the page.

Must not: put unescaped text into the markup.
"""

from __future__ import annotations

from html import escape

from core.review_records import DayStats

WIDTH, HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 16, 48


def _nice_max(value: int) -> int:
    # Even steps, so the middle grid line is a whole number too.
    for step in (2, 4, 6, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000):
        if value <= step:
            return step
    return value


def day_chart(days: tuple[DayStats, ...], title: str) -> str:
    """The SVG for `days`: a bar per day (conversations), a darker part for hand-offs."""
    top = _nice_max(max((d.conversations for d in days), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(days))
    bar = max(2.0, slot * 0.7)
    total = sum(d.conversations for d in days)
    handoffs = sum(d.handoffs for d in days)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title chart-desc" class="chart">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{total} samtaler i alt, heraf {handoffs} hvor borgeren bad om et menneske. '
        "Tallene for hver dag står i tabellen under diagrammet.</desc>",
    ]
    for fraction in (0, 0.5, 1):
        y = TOP + plot_h * (1 - fraction)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{int(top * fraction)}</text>')
    label_every = max(1, len(days) // 10)
    for index, day in enumerate(days):
        x = LEFT + index * slot + (slot - bar) / 2
        height = plot_h * day.conversations / top if top else 0
        handoff_height = plot_h * day.handoffs / top if top else 0
        label = escape(
            f"{day.day.day}/{day.day.month}: {day.conversations} samtaler, {day.handoffs} hand-offs"
        )
        parts.append(
            f'<rect x="{x:.1f}" y="{TOP + plot_h - height:.1f}" width="{bar:.1f}" height="{height:.1f}" '
            f'class="bar"><title>{label}</title></rect>'
        )
        if handoff_height:
            parts.append(
                f'<rect x="{x:.1f}" y="{TOP + plot_h - handoff_height:.1f}" width="{bar:.1f}" '
                f'height="{handoff_height:.1f}" class="bar-handoff"/>'
            )
        if index % label_every == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
                f"{day.day.day}/{day.day.month}</text>"
            )
    legend_y = HEIGHT - 12
    parts.append(f'<rect x="{LEFT}" y="{legend_y - 10}" width="12" height="12" class="bar"/>')
    parts.append(f'<text x="{LEFT + 18}" y="{legend_y}">Samtaler</text>')
    parts.append(f'<rect x="{LEFT + 110}" y="{legend_y - 10}" width="12" height="12" class="bar-handoff"/>')
    parts.append(f'<text x="{LEFT + 128}" y="{legend_y}">Bad om et menneske</text>')
    parts.append("</svg>")
    return "".join(parts)
