"""What a board paper says, as plain data: its cover, the person's words and the system's sections with the
figures of the day it is built. Rendered to HTML and PDF (templates/papers/paper.html) and to DOCX (papers.render)
from the same data, so the two formats hold the same headings and figures; stored as JSON when the paper is issued,
so an issued paper is rendered from what it said then, never from today's data.

A paper is {"board", "title", "kind", "cover": [[label, value]], "sections": [{"number", "title", "blocks"}]}.
A block is one of:
  {"t": "p", "text"}                                  a paragraph
  {"t": "h", "number", "text"}                        a sub-heading
  {"t": "table", "caption", "head": [..], "rows": [[..]], "widths": [..]}  a table; the first cell of each row
                                                      heads it; "widths" (optional): its columns in % of the page
  {"t": "chart", "title", "desc", "unit", "target", "points": [[ISO date, value]]}  a line chart (then its table)
"""

import re

from django.utils.dateformat import format as date_format
from django.utils.text import Truncator

from actionplans import rules as action_rules
from actionplans.templatetags.actions import percent as pct
from concerns import rules as concern_rules
from concerns import selectors as concern_selectors
from concerns.models import Concern, Entry
from dashboard import selectors as dashboard_selectors
from learning.models import ImpactCheck
from papers import rules

#: The content's shape: bumped when it changes, so a renderer can tell what it reads.
VERSION = 1


def day(value):
    return date_format(value, "j F Y") if value else "—"


def short(value):
    return date_format(value, "j M Y") if value else "—"


def plural(count, one, many=None):
    return f"{count} {one if count == 1 else (many or one + 's')}"


def cut(value, words=40, chars=280):
    return Truncator(Truncator(value or "").words(words)).chars(chars)


def paragraphs(value):
    """The person's text as paragraphs: a blank line between two."""
    return [{"t": "p", "text": " ".join(part.split())} for part in re.split(r"\n\s*\n", value or "") if part.strip()]


class _Sections:
    """Numbered sections and sub-headings, as the paper's headings give them ("3", "3.1")."""

    def __init__(self):
        self.sections = []

    def add(self, title, blocks):
        number = str(len(self.sections) + 1)
        for block in blocks:
            if block["t"] == "h":
                block["number"] = block["number"].replace("#", number)
        self.sections.append({"number": number, "title": title, "blocks": blocks})


def cover(paper, period):
    rows = [
        ["Report title", paper.title],
        ["Meeting", paper.meeting or "—"],
        ["Date", day(paper.dated)],
        ["Author", paper.author],
        ["Sponsor", paper.sponsor or "—"],
        ["Period", period],
    ]
    return rows


def build(paper, user, on=None):
    """The paper's content as of day ``on`` (today), over what ``user`` (a member) may see: everything."""
    on = on or action_rules.today()
    builder = _partners if paper.kind == paper.Kind.PARTNERS else _annual
    return {"version": VERSION, "kind": paper.kind, "board": dashboard_selectors.board_name(), "title": paper.title,
            **builder(paper, user, on)}


# --- the report to partners --------------------------------------------------------------------------------------


def _figures_row(figures, evidence=None):
    row = [
        str(figures.total) + (f" ({figures.cancelled} cancelled)" if figures.cancelled else ""),
        f"{pct(figures.compliance)} ({figures.verified} of {figures.counted})",
        f"{pct(figures.completion)} ({figures.done} of {figures.counted})",
        str(figures.overdue),
        str(figures.slipped),
        str(figures.due_soon),
    ]
    if evidence is not None:
        row.append(str(evidence.items))
    return row


FIGURES_HEAD = ["Actions", "Compliance (verified)", "Completion (completed or verified)", "Overdue",
                "Target date slipped", "Due in the next 30 days"]


def _partners(paper, user, on):
    report = dashboard_selectors.report(user, paper.since)
    since = day(paper.since)
    sections = _Sections()
    figures = report.figures
    summary = (
        f"This report covers {plural(len(report.reviews), 'review')} and the {plural(figures.total, 'action')} of their "
        f"action plans. Compliance, the share of actions the consultant has verified with evidence, stands at "
        f"{pct(figures.compliance)}; {figures.overdue} {'action is' if figures.overdue == 1 else 'actions are'} overdue, "
        f"and {plural(report.verified_since, 'action')} {'was' if report.verified_since == 1 else 'were'} verified "
        f"since {since}."
    )
    if report.recommendation_gaps:
        summary += (f" {plural(report.recommendation_gaps, 'recommendation')} of the reviews "
                    f"{'has' if report.recommendation_gaps == 1 else 'have'} no live action.")
    sections.add("Introduction", [*paragraphs(paper.introduction), {"t": "p", "text": summary}])
    if paper.recommendations.strip():
        sections.add(paper.words_heading, paragraphs(paper.recommendations))

    blocks = [{"t": "table", "caption": "Headline figures, all reviews",
               "head": [*FIGURES_HEAD, "Evidence awaiting audit"], "widths": [14, 16, 18, 12, 14, 12, 14],
               "rows": [_figures_row(figures, report.evidence)]}]
    for index, row in enumerate(report.reviews, 1):
        review, f = row.obj, row.figures
        status = (f"Published {day(review.published_on)}" if review.published_on
                  else review.get_status_display())
        blocks.append({"t": "h", "number": f"#.{index}", "text": f"{review.reference}: {review.title}"})
        blocks.append({"t": "p", "text": (
            f"{status}. {plural(f.total, 'action')}: compliance {pct(f.compliance)} ({f.verified} of {f.counted} "
            f"verified), completion {pct(f.completion)}, {f.overdue} overdue, {f.due_soon} due in the next 30 days. "
            f"{plural(len(row.verified_since), 'action')} verified since {since}."
        )})
        if row.overdue:
            blocks.append({"t": "table", "caption": f"Overdue actions of {review.reference}",
                           "head": ["Action", "What will be done", "Lead agency", "Target date", "Days overdue"],
                           "widths": [10, 46, 16, 16, 12],
                           "rows": [[a.reference, cut(a.description), a.lead_agency.short_name, short(a.target_date),
                                     str(a.days_overdue(on))] for a in row.overdue]})
    blocks.append({"t": "table", "caption": "Actions by lead agency, across all reviews",
                   "head": ["Agency", *FIGURES_HEAD, "Evidence awaiting audit"],
                   "widths": [22, 10, 14, 14, 8, 10, 10, 12],
                   "rows": [[row.obj.name, *_figures_row(row.figures, row.evidence)] for row in report.agencies]})
    sections.add("Implementation of the reviews' action plans", blocks)

    matrix = report.dissemination
    reach = (f"{matrix.gaps} of the {matrix.cells} agency and theme pairs have had no one at a held learning event "
             "(“None” below)." if matrix.gaps else "Every partner agency has been reached on every theme.")
    blocks = [
        {"t": "table", "caption": "The themes drawn from the reviews and the actions that address them",
         "head": ["Theme", "Actions", "Compliance", "Overdue"], "widths": [46, 18, 18, 18],
         "rows": [[row.name, str(row.figures.total), pct(row.figures.compliance), str(row.figures.overdue)]
                  for row in report.themes]},
        {"t": "p", "text": (f"{plural(len(report.events_held), 'learning event')} held since {since}; "
                            f"{len(report.events_scheduled)} scheduled. " + (reach if matrix.cells else ""))},
    ]
    if matrix.cells:
        blocks.append({"t": "table", "caption": "People from each agency reached on each theme",
                       "head": ["Agency", *[theme.name for theme in matrix.themes]],
                       "rows": [[line.name, *["None" if cell.reach.gap else str(cell.reach.people) for cell in line.cells]]
                                for line in matrix.lines]})
    for events, caption in ((report.events_held, f"Learning events held since {since}"),
                            (report.events_scheduled, "Learning events scheduled")):
        if events:
            blocks.append({"t": "table", "caption": caption,
                           "head": ["Event", "Date", "Themes", "People reached", "Agencies reached"],
                           "widths": [32, 14, 26, 14, 14],
                           "rows": [[event.title, short(event.held_on), "; ".join(t.name for t in event.themes.all()),
                                     str(event.people_reached) if event.status == "held" else "—",
                                     str(event.agencies_reached) if event.status == "held" else "—"]
                                    for event in events]})
    sections.add("Themes and learning events", blocks)

    impact = report.impact.impact
    blocks = [{"t": "p", "text": (
        f"Of the {plural(impact.verified, 'verified action')}, {impact.checked} "
        f"{'has' if impact.checked == 1 else 'have'} had an impact check: {impact.embedded} embedded, {impact.partly} "
        f"partly embedded, {impact.not_embedded} not embedded (impact {pct(impact.percent)}). "
        f"{report.impact.overdue} {'check is' if report.impact.overdue == 1 else 'checks are'} overdue and "
        f"{report.impact.due} due in the next 30 days."
    )}]
    blocks.append(_findings_table(report.findings_since, f"Impact findings recorded since {since}")
                  if report.findings_since else {"t": "p", "text": f"No impact finding was recorded since {since}."})
    sections.add("Impact findings: has practice changed?", blocks)

    sections.add("Other board concerns", _concern_blocks(on, paper.since))
    period = f"Changes since {since} to {day(on)}"
    return {"cover": cover(paper, period), "sections": sections.sections,
            "definitions": DEFINITIONS, "figures_on": day(on)}


DEFINITIONS = (
    "Definitions: an action is overdue when its target date has passed and it is not started or in progress. "
    "Compliance is verified actions over all actions except the cancelled; completion counts completed and "
    "verified actions the same way. An indicator is red when its latest value misses the target by more than the "
    "margin, amber within it, green when it meets the target."
)


def _findings_table(checks, caption):
    return {"t": "table", "caption": caption,
            "head": ["Action", "Finding", "Date", "Sub-committee", "What was found"],
            "widths": [22, 14, 12, 16, 36],
            "rows": [[f"{c.action.plan.review.reference} {c.action.reference} ({c.action.lead_agency.short_name})",
                      c.get_finding_display(), short(c.checked_on), str(c.sub_committee or "—"), cut(c.finding_note)]
                     for c in checks]}


def _concern_blocks(on, since):
    """Each board concern not closed, and those closed since ``since``: its state, latest log line, indicators'
    latest values and RAG, and a chart of each indicator against its target. Five queries."""
    concerns = list(
        concern_selectors.with_last_entry(
            Concern.objects.exclude(status=Concern.Status.CLOSED, status_changed_at__date__lt=since)
        ).prefetch_related("agencies").order_by("raised_on", "title")
    )
    if not concerns:
        return [{"t": "p", "text": "The board has no open concern."}]
    indicators = concern_selectors.indicators_of(concerns, on)
    points = concern_selectors.points_by_indicator(indicators)
    latest = {}
    for entry in Entry.objects.filter(concern__in=[c.pk for c in concerns]).select_related("agency").order_by("on", "pk"):
        latest[entry.concern_id] = entry
    blocks = [{"t": "p", "text": (
        "The board also holds its partners to account outside any one review. "
        f"{plural(len(concerns), 'concern')}, with {plural(len(indicators), 'indicator')}:"
    )}]
    for index, concern in enumerate(concerns, 1):
        agencies = ", ".join(sorted(a.short_name for a in concern.agencies.all()))
        text = (f"{concern.get_status_display()}. Raised with {concern.raised_with} on {day(concern.raised_on)} "
                f"({concern.get_source_display().lower()}); it concerns {agencies}.")
        if concern.status == Concern.Status.CLOSED:
            text += f" Closed: {cut(concern.closed_reason)}"
        blocks += [{"t": "h", "number": f"#.{index}", "text": concern.title}, {"t": "p", "text": text}]
        if entry := latest.get(concern.pk):
            who = entry.agency.short_name if entry.agency_id else "The board"
            blocks.append({"t": "p", "text": f"Latest ({short(entry.on)}, {who}): {cut(entry.text, 60, 400)}"})
        if concern.indicator_list:
            blocks.append({"t": "table", "caption": f"Indicators of “{concern.title}”",
                           "head": ["Indicator", "Reported by", "Target", "Latest value", "Period", "RAG"],
                           "widths": [26, 14, 16, 16, 16, 12],
                           "rows": [_indicator_row(i) for i in concern.indicator_list]})
        for indicator in concern.indicator_list:
            blocks.append(_chart(indicator, points[indicator.pk]))
    return blocks


def _indicator_row(indicator):
    target = f"{concern_rules.number(indicator.target)} ({indicator.get_direction_display().lower()})"
    if indicator.latest_value is None:
        return [indicator.name, indicator.owner.short_name, target, "—", "—", concern_rules.RAG_LABELS[indicator.rag]]
    return [indicator.name, indicator.owner.short_name, target,
            f"{concern_rules.number(indicator.latest_value)} {indicator.unit}",
            concern_rules.period_label(indicator.latest_period, indicator.frequency),
            concern_rules.RAG_LABELS[indicator.rag]]


def _chart(indicator, points):
    """An indicator's chart as data: drawn as SVG in the HTML and PDF, as an image in the DOCX, with its values
    in a table beside it in both."""
    return {
        "t": "chart", "title": concern_selectors.chart_title(indicator),
        "desc": concern_selectors.chart_description(indicator, points),
        "unit": indicator.unit, "target": float(indicator.target),
        "points": [[concern_rules.period_end(p.period, indicator.frequency).isoformat(), float(p.value),
                    concern_rules.period_label(p.period, indicator.frequency), concern_rules.number(p.value)]
                   for p in points],
    }


# --- the annual report -------------------------------------------------------------------------------------------


def _annual(paper, user, on):
    figures = rules.annual_figures(paper.year_start, on)
    label = rules.year_label(paper.year_start)
    first, end = figures.start, figures.end
    ended = end == rules.year_bounds(paper.year_start)[1]
    as_of = day(end) if ended else f"{day(end)}, the year not yet over"
    found = figures.findings_by_kind
    sections = _Sections()
    sections.add("Introduction", paragraphs(paper.introduction))
    start_f, end_f = figures.compliance_start, figures.compliance_end
    sections.add("The year in figures", [{
        "t": "table", "caption": f"The board's year, {label}", "head": ["Measure", "Figure"], "widths": [50, 50],
        "rows": [
            ["Reviews published", str(len(figures.reviews_published))],
            ["Actions completed", str(figures.completed)],
            ["Actions verified", str(figures.verified)],
            [f"Compliance on {day(first)}", f"{pct(start_f.compliance)} ({start_f.verified} of {start_f.counted})"],
            [f"Compliance on {as_of}", f"{pct(end_f.compliance)} ({end_f.verified} of {end_f.counted})"],
            ["Learning events held", str(len(figures.events_held))],
            ["People reached", str(figures.people_reached)],
            ["Impact findings", str(len(figures.findings))],
            *[[f"Impact findings: {finding.label.lower()}", str(found[finding])] for finding in ImpactCheck.Finding],
            ["Board concerns raised", str(len(figures.concerns_raised))],
            ["Board concerns closed", str(len(figures.concerns_closed))],
        ],
    }, {"t": "p", "text": (
        "Actions completed and verified count each action once, from its progress log, whenever in the year its "
        "status moved; compliance is verified actions over all actions except the cancelled, as they stood on the day."
    )}])
    sections.add("Reviews published", [{
        "t": "table", "caption": f"Reviews published, {label}", "head": ["Review", "Title", "Published"],
        "widths": [20, 60, 20],
        "rows": [[r.reference, r.title, short(r.published_on)] for r in figures.reviews_published],
    }] if figures.reviews_published else [{"t": "p", "text": "No review was published in the year."}])
    blocks = [{"t": "table", "caption": "People reached by agency", "head": ["Agency", "Events attended", "People"],
               "widths": [50, 26, 24],
               "rows": [[row.name, str(row.events), str(row.people)] for row in figures.reach]}]
    if figures.events_held:
        blocks.append({"t": "table", "caption": f"Learning events held, {label}",
                       "head": ["Event", "Date", "Kind", "People"], "widths": [48, 18, 20, 14],
                       "rows": [[e.title, short(e.held_on), e.get_kind_display(), str(e.people or 0)]
                                for e in figures.events_held]})
    else:
        blocks.append({"t": "p", "text": "No learning event was held in the year."})
    sections.add("Learning events and people reached", blocks)
    sections.add("Impact findings", [_findings_table(figures.findings, f"Impact findings, {label}")]
                 if figures.findings else [{"t": "p", "text": "No impact finding was recorded in the year."}])
    blocks = []
    for concerns, caption, empty in (
        (figures.concerns_raised, "Board concerns raised", "No board concern was raised in the year."),
        (figures.concerns_closed, "Board concerns closed", "No board concern was closed in the year."),
    ):
        if concerns:
            blocks.append({"t": "table", "caption": f"{caption}, {label}", "widths": [36, 32, 16, 16],
                           "head": ["Concern", "Raised with", "Raised on", "Status"],
                           "rows": [[c.title, c.raised_with, short(c.raised_on), c.get_status_display()] for c in concerns]})
        else:
            blocks.append({"t": "p", "text": empty})
    sections.add("Board concerns", blocks)
    if paper.recommendations.strip():
        sections.add(paper.words_heading, paragraphs(paper.recommendations))
    return {"cover": cover(paper, f"{label} (figures to {as_of})"), "sections": sections.sections,
            "definitions": DEFINITIONS, "figures_on": day(on)}

