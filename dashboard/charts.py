"""Charts drawn on the server as accessible SVG: no JavaScript, no external service, and they print.

Each chart is an ``<svg role="img">`` named by its ``<title>`` and described by its ``<desc>``; the page shows
the same numbers in a table beside it (templates/dashboard/includes/trend.html). The BRAG bar is decoration
next to its own text counts, so it is hidden from assistive technology and never carries meaning by colour.
"""

import itertools

from django.utils.html import format_html
from django.utils.safestring import mark_safe

from actionplans import rules

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 14, 44
_ids = itertools.count(1)

BRAG_FILL = {
    rules.Brag.BLUE: ("#0b4f9c", "#fff"),
    rules.Brag.RED: ("#b02a37", "#fff"),
    rules.Brag.AMBER: ("#ffc107", "#212529"),
    rules.Brag.GREEN: ("#146c43", "#fff"),
}


def nice_max(value):
    """A round upper bound for a count axis: 4, 8, 20, 40, 100 …, so ticks fall on whole numbers."""
    value = max(value, 4)
    step = 1
    while True:
        for factor in (1, 2, 5):
            top = 4 * step * factor
            if top >= value:
                return top
        step *= 10


def line_chart(points, *, title, desc, y_label, percent=False, colour="#0b4f9c", described_title=False, target=None):
    """A line over time. ``points``: [(date, value or None)]; a None leaves a gap. Returns safe SVG markup.
    ``described_title``: the title carries the description too, for a tagged PDF, whose figure's alternative text
    is the title alone (WeasyPrint). ``target``: a value drawn as a dashed line, labelled (an indicator's)."""
    uid = f"chart{next(_ids)}"
    if described_title:
        title = f"{title}. {desc}"
    values = [v for _, v in points if v is not None]
    top = 100 if percent else nice_max(max([*values, target or 0], default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    dates = [d for d, _ in points]
    first, last = (dates[0], dates[-1]) if dates else (None, None)
    span = max((last - first).days, 1) if dates else 1

    def x(day):
        return round(LEFT + (plot_w * (day - first).days / span if len(dates) > 1 else plot_w / 2), 1)

    def y(value):
        return round(TOP + plot_h - plot_h * value / top, 1)

    parts = [
        format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {} {}" width="{}" height="{}" '
            'aria-labelledby="{}-title {}-desc" preserveAspectRatio="xMinYMin meet">',
            WIDTH, HEIGHT, WIDTH, HEIGHT, uid, uid,
        ),
        format_html('<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>', uid, title, uid, desc),
        '<g font-family="DejaVu Sans, Arial, sans-serif" font-size="11" fill="#212529">',
    ]
    for i in range(5):
        tick = top * i / 4
        label = f"{tick:.0f}%" if percent else f"{tick:.0f}"
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#dee2e6" stroke-width="1"/>'
                '<text x="{}" y="{}" text-anchor="end">{}</text>',
                LEFT, WIDTH - RIGHT, y(tick), y(tick), LEFT - 6, y(tick) + 4, label,
            )
        )
    parts.append(
        format_html(
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#495057"/>'
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#495057"/>',
            LEFT, LEFT, TOP, TOP + plot_h, LEFT, WIDTH - RIGHT, TOP + plot_h, TOP + plot_h,
        )
    )
    # Axis labels: the quantity on the left, the dates along the bottom.
    parts.append(
        format_html(
            '<text x="12" y="{}" transform="rotate(-90 12 {})" text-anchor="middle" font-weight="bold">{}</text>',
            TOP + plot_h / 2, TOP + plot_h / 2, y_label,
        )
    )
    if dates:
        marks = [first, last] if len(dates) > 1 else [first]
        if len(dates) > 4:
            marks.insert(1, dates[len(dates) // 2])
        for day in marks:
            anchor = "start" if day == first and len(dates) > 1 else "end" if day == last and len(dates) > 1 else "middle"
            parts.append(
                format_html('<text x="{}" y="{}" text-anchor="{}">{}</text>', x(day), TOP + plot_h + 16, anchor,
                            day.strftime("%-d %b %Y"))
            )
    parts.append(
        format_html('<text x="{}" y="{}" text-anchor="middle" font-weight="bold">Date</text>',
                    LEFT + plot_w / 2, HEIGHT - 6)
    )
    if target is not None:
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#146c43" stroke-width="2" stroke-dasharray="6 4"/>'
                '<text x="{}" y="{}" text-anchor="end" fill="#146c43" font-weight="bold">Target {}</text>',
                LEFT, WIDTH - RIGHT, y(target), y(target), WIDTH - RIGHT, y(target) - 5, _number(target),
            )
        )
    # The line, broken where a day has no snapshot, and a dot with a tooltip at each point.
    for has_value, run in itertools.groupby(points, key=lambda p: p[1] is not None):
        run = list(run)
        if has_value and len(run) > 1:
            path = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in run)
            parts.append(format_html('<polyline fill="none" stroke="{}" stroke-width="2.5" points="{}"/>', colour, path))
    for day, value in points:
        if value is None:
            continue
        shown = f"{value}%" if percent else _number(value)
        parts.append(
            format_html(
                '<circle cx="{}" cy="{}" r="3.5" fill="{}"><title>{}: {}</title></circle>',
                x(day), y(value), colour, day.strftime("%-d %b %Y"), shown,
            )
        )
    if not values:
        parts.append(
            format_html('<text x="{}" y="{}" text-anchor="middle">No figures yet</text>', LEFT + plot_w / 2, TOP + plot_h / 2)
        )
    parts.append("</g></svg>")
    return mark_safe("".join(str(part) for part in parts))  # noqa: S308 - every piece above is escaped


def _number(value):
    """A value as a person writes it: 22, 22.5 (not 22.50 or 22.0)."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def compliance_chart(trend, scope, described_title=False):
    points = [(p.date, p.figures.compliance) for p in trend]
    return line_chart(
        points,
        title=f"Compliance over time: {scope}",
        desc=_describe(points, "compliance", percent=True),
        y_label="Compliance (%)",
        percent=True,
        described_title=described_title,
    )


def overdue_chart(trend, scope, described_title=False):
    points = [(p.date, p.figures.overdue) for p in trend]
    return line_chart(
        points,
        title=f"Overdue actions over time: {scope}",
        desc=_describe(points, "overdue actions"),
        y_label="Overdue actions",
        colour="#b02a37",
        described_title=described_title,
    )


def _describe(points, what, percent=False):
    known = [(d, v) for d, v in points if v is not None]
    if not known:
        return f"No {what} recorded yet."
    unit = "%" if percent else ""
    (d0, v0), (d1, v1) = known[0], known[-1]
    if len(known) == 1:
        return f"{what.capitalize()} on {d1:%-d %B %Y}: {v1}{unit}. The trend grows by one point a week from here."
    return (
        f"{what.capitalize()} from {d0:%-d %B %Y} to {d1:%-d %B %Y}, one point a week: {v0}{unit} at the start, "
        f"{v1}{unit} now, lowest {min(v for _, v in known)}{unit}, highest {max(v for _, v in known)}{unit}. "
        "The numbers are in the table that follows the chart."
    )


def brag_bar(figures, width=160, height=16):
    """A stacked bar of the Blue, Red, Amber and Green counts (letters on wide segments); text counts go beside it.
    Built with plain string formatting: everything in it is a number or one of the constants above, nothing to
    escape, and the dashboard draws one per row."""
    counts = figures.brag_counts
    total = sum(counts.values())
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="brag-bar" aria-hidden="true" focusable="false" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f'<rect width="{width}" height="{height}" fill="#f8f9fa" stroke="#adb5bd"/>'
    ]
    x = 0.0
    for rating, count in counts.items():
        if not count or not total:
            continue
        w = round(width * count / total, 2)
        fill, ink = BRAG_FILL[rating]
        parts.append(f'<rect x="{x}" width="{w}" height="{height}" fill="{fill}"/>')
        if w >= 12:
            parts.append(
                f'<text x="{round(x + w / 2, 2)}" y="{height - 4}" text-anchor="middle" font-size="10" '
                f'font-weight="bold" fill="{ink}" font-family="DejaVu Sans, Arial, sans-serif">{rating.letter}</text>'
            )
        x = round(x + w, 2)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - numbers and constants only
