"""Each person's work on their home page (README, "Home page"): a few short lists for their role, each with its
count and a link to the full list.

A home list is the first rows of the page it links to, not a count of its own: its actions come from the
action list's own ActionFilter, with the link's parameters, over ``accounts.access.visible_actions`` (or
"My actions"), and the consultant's evidence from the audit queue's own selector. So the count on the home page
is the count on the linked page, and an agency user sees nothing another agency's evidence or own plans would
reveal. Each list costs two queries (its count and its first rows), and one more where its rows show details
(rejected items, a requested date): the page runs a fixed number of queries for each role.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.http import QueryDict
from django.urls import reverse
from django.utils import dateformat, timezone

from accounts import access
from actionplans import rules
from actionplans.filters import listed_actions
from actionplans.models import TargetDateChange
from actionplans.selectors import CHANGES, with_latest_progress
from actionplans.views import LIST_RELATED, mine_of
from dashboard import selectors
from dashboard.models import ReportIssue
from evidence import selectors as evidence_selectors

#: How many rows each home list shows; "See all N" opens the rest.
SHOWN = 5


@dataclass
class HomeList:
    """One list of the home page: its rows (the first SHOWN of ``count``), the page it comes from, and the words
    for none."""

    key: str
    heading: str
    intro: str
    count: int
    items: list
    url: str
    empty: str
    #: "actions" (rows are actions), "evidence" (the audit queue's items), "impact" (impact checks) or "concerns"
    #: (board concerns).
    kind: str = "actions"
    #: The heading of the extra column some action lists show ("rejected" items, a "date_change" waiting).
    detail: str = ""
    #: A second figure inside the list, e.g. how many of the agency's open actions are overdue: (words, count, url).
    extra: tuple = ()


@dataclass
class Change:
    """One kind of change since the last board report: how many actions, and the list of them."""

    key: str
    label: str
    count: int
    url: str
    empty: str


@dataclass
class Home:
    role: str
    lists: list = field(default_factory=list)
    #: The chair's: the dashboard's headline figures (figures, links, evidence) and what changed since the last
    #: board report.
    figures: rules.Figures | None = None
    links: dict = field(default_factory=dict)
    evidence: selectors.Awaiting | None = None
    since: datetime.date | None = None
    last_report: ReportIssue | None = None
    changes: list = field(default_factory=list)


def _url(name, params):
    return f"{reverse(name)}?{urlencode(params)}" if params else reverse(name)


def _filtered(request, params, *, mine=False):
    """The actions of the action list (or "My actions") opened with ``params``, in its order."""
    actions = access.visible_actions(request.user)
    if mine:
        actions, _ = mine_of(request.user, actions)
    return listed_actions(QueryDict(urlencode(params)), actions, request)[1]


def _action_list(request, key, params, *, mine=False, **words):
    actions = _filtered(request, params, mine=mine)
    items = list(with_latest_progress(actions.select_related(*LIST_RELATED))[:SHOWN])
    url = _url("actionplans:my_actions" if mine else "actionplans:action_list", params)
    return HomeList(key=key, count=actions.count(), items=items, url=url, **words)


def _count_of(request, params, *, mine=False, words):
    count = _filtered(request, params, mine=mine).count()
    return (words, count, _url("actionplans:my_actions" if mine else "actionplans:action_list", params))


# --- Agency users ---------------------------------------------------------------------------------------------


def _rejected_items(user, items):
    """Each listed action's rejected items (of this user's agency), newest first, as ``action.rejected``."""
    by_action = defaultdict(list)
    rejected = (
        access.visible_evidence(user)
        .filter(status="rejected", action__in=[a.pk for a in items])
        .select_related("decision__decided_by")
        .order_by("-submitted_at", "-pk")
    )
    for item in rejected:
        by_action[item.action_id].append(item)
    for action in items:
        action.rejected = by_action[action.pk]


def _agency_home(request):
    user = request.user
    agency = user.agency
    mine = _action_list(
        request, "mine", {"state": "open", "ordering": "mine_first"}, mine=True,
        heading="My actions",
        intro=f"Not started or in progress: those you are responsible for first, then the rest of {agency}'s, "
        "the overdue first.",
        empty=f"Nothing is open for you: {agency} has no action to start or finish.",
    )
    mine.extra = _count_of(request, {"overdue": "yes"}, mine=True, words="overdue")
    rejected = _action_list(
        request, "rejected", {"evidence": "rejected"},
        heading="Rejected evidence to answer",
        intro="Actions with evidence the consultant rejected: submit a new version, or withdraw the item.",
        empty="No rejected evidence is waiting for an answer.",
        detail="Rejected evidence",
    )
    _rejected_items(user, rejected.items)
    due = _action_list(
        request, "due", {"due_within": "7"}, mine=True,
        heading="Due in the next 7 days",
        intro=f"{agency}'s open actions due between today and a week from today.",
        empty="Nothing of yours is due in the next 7 days.",
    )
    return Home(role="agency", lists=[mine, rejected, due])


# --- Sub-committee members and administrators ---------------------------------------------------------------


def _pending_changes(items):
    """Each listed action's new target date waiting for approval, as ``action.pending_change``."""
    changes = TargetDateChange.objects.filter(
        status=TargetDateChange.Status.PENDING, action__in=[a.pk for a in items]
    ).select_related("requested_by")
    by_action = {change.action_id: change for change in changes}
    for action in items:
        action.pending_change = by_action.get(action.pk)


def _member_home(request):
    days = settings.REMINDER_ESCALATION_DAYS
    escalated = _action_list(
        request, "escalated", {"escalated": "yes"},
        heading=f"Escalated: overdue {days} days or more",
        intro="The longest overdue first. The sub-committee is e-mailed when an action reaches this point.",
        empty=f"No action is overdue by {days} days or more.",
    )
    dates = _action_list(
        request, "date_change", {"date_change": "pending"},
        heading="New target dates waiting for approval",
        intro="Agencies asked to move these actions' target dates: approve or refuse each on the action's page.",
        empty="No new target date is waiting for approval.",
        detail="Requested date",
    )
    _pending_changes(dates.items)
    completed = _action_list(
        request, "completed", {"status": rules.Status.COMPLETED.value},
        heading="Completed, not yet verified",
        intro="The agencies say these are done; the consultant has not signed them off yet.",
        empty="No completed action is waiting for sign-off.",
    )
    return Home(role="member", lists=[_impact_list(request), escalated, dates, completed, _quiet_concerns(request)])


def _impact_list(request):
    """The impact checks of the member's sub-committees that are overdue or due within 30 days: the first rows of
    the impact checks list with the same filter (learning.filters), so the counts agree."""
    from learning.filters import ImpactCheckFilter

    params = {"state": "attention", "mine": "yes"}
    checks = access.visible_impact_checks(request.user).select_related(
        "action__plan__review", "action__lead_agency", "sub_committee")
    listed = ImpactCheckFilter(params, queryset=checks, request=request).qs.order_by("due_on", "pk")
    today = rules.today()
    items = list(listed[:SHOWN])
    for check in items:
        check.overdue = check.due_on < today
    return HomeList(
        key="impact", kind="impact", count=listed.count(), items=items,
        url=f"{reverse('learning:impact_checks')}?{urlencode(params)}",
        heading="Impact checks for your sub-committees",
        intro="Has practice changed since these actions were verified? Record each finding on the check's page.",
        empty="No impact check of your sub-committees is due in the next 30 days.",
    )


def _quiet_concerns(request):
    """The board concerns with no update or response for CONCERN_UPDATE_DAYS days: the first rows of the register
    with the same filter (concerns.filters), so the counts agree."""
    from concerns.filters import ConcernFilter

    params = {"quiet": "yes"}
    listed = ConcernFilter(params, queryset=access.visible_concerns(request.user), on=rules.today()).qs
    days = settings.CONCERN_UPDATE_DAYS
    return HomeList(
        key="quiet", kind="concerns", count=listed.count(), items=list(listed.order_by("last_activity", "pk")[:SHOWN]),
        url=f"{reverse('concerns:concerns')}?{urlencode(params)}",
        heading=f"Board concerns with no update for {days} days",
        intro="The longest quiet first. Log what the partners have done, or close the concern if the board no "
              "longer presses it.",
        empty=f"Every board concern has had an update in the last {days} days.",
    )


# --- The consultant -------------------------------------------------------------------------------------------


def _consultant_home(request):
    queue = evidence_selectors.audit_queue(request.user)
    oldest = HomeList(
        key="queue",
        heading="Evidence waiting longest for a decision",
        intro="The oldest items of the audit queue.",
        count=queue.count(),
        items=list(queue[:SHOWN]),
        url=reverse("evidence:queue"),
        empty="No evidence is waiting for a decision.",
        kind="evidence",
    )
    ready = _action_list(
        request, "ready", {"ready": "signoff"},
        heading="Ready to sign off",
        intro="Completed actions with at least one accepted evidence item.",
        empty="No completed action with accepted evidence is waiting for sign-off.",
    )
    return Home(role="consultant", lists=[oldest, ready])


# --- The board chair ----------------------------------------------------------------------------------------


def last_board_report():
    """The last board report produced (its PDF), or None."""
    return ReportIssue.objects.select_related("issued_by").first()


def changes_since_last_report(request):
    """What changed since the last board report (or, before the first, in the last REPORT_SINCE_DAYS days): a
    Change per kind of CHANGES, each the count of the action list it links to. Returns (since, last, changes)."""
    last = last_board_report()
    if last:
        since = timezone.localdate(last.issued_at)
    else:
        since = rules.today() - datetime.timedelta(days=settings.REPORT_SINCE_DAYS)
    on = dateformat.format(since, "j F Y")
    empty = {
        "verified": f"No action was verified since {on}.",
        "overdue": f"No action became overdue since {on}.",
        "slipped": f"No target date was moved later since {on}.",
        "accepted": f"No evidence was accepted since {on}.",
        "rejected": f"No evidence was rejected since {on}.",
    }
    changes = []
    for key, label in CHANGES.items():
        params = {"changed": key, "since": since.isoformat()}
        count = _filtered(request, params).count()
        changes.append(Change(key, label, count, _url("actionplans:action_list", params), empty[key]))
    return since, last, changes


def _chair_home(request):
    user = request.user
    since, last, changes = changes_since_last_report(request)
    summary = selectors.summary(user)  # the dashboard's headline figures, from the same cache
    return Home(
        role="chair",
        figures=summary.figures,
        links=selectors.figure_links(),
        evidence=summary.evidence,
        since=since,
        last_report=last,
        changes=changes,
    )


def home_of(request):
    """The home page of the person making the request, by role."""
    user = request.user
    if user.is_agency_user:
        return _agency_home(request)
    if user.is_chair:
        return _chair_home(request)
    if user.is_consultant:
        return _consultant_home(request)
    return _member_home(request)
