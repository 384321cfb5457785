"""The learning cycle's pages (the impact checks' among them), and the pages that show the dissemination matrix,
run an exact, pinned number of queries: the same with a few events, agencies, themes, actions and impact checks as
with many.

Each test renders a page on a small world, grows it (more agencies, themes, reviews and actions tagged with the
themes, events in every status, attendance and files), renders it again, and checks that the page really shows
more the second time while the number of queries is, both times, exactly the number written here. An N+1 query
(a lookup per event, per agency or per theme) makes the large count differ; a new query changes the pinned number,
and the failure prints every query so that the change can be judged and the number updated on purpose.

Every request pays six queries before the page's own (tests/test_query_counts.py): the session, the user, the
user's authenticator devices and the second-factor rule of their role, and the SAVEPOINT / RELEASE of
ATOMIC_REQUESTS (inside the test's transaction). An agency user has their agency loaded once more for the
navigation bar. Inside the test's transaction the data just written is not committed, so the dissemination matrix
is computed on every request, not read from the cache (dashboard.versions): its four queries (the reach of every
agency on every theme, the events per theme and status, the themes in use, the partner agencies) are in each
count below that shows it; the cache is cleared before each measurement all the same. The matrix read from the
cache, with committed data, is the last test's.
"""

import datetime

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Agency, Role
from actionplans.rules import Status, today
from evidence import uploads
from learning import selectors, services
from learning.models import ImpactCheck, LearningEvent, SubCommittee
from tests import evidence_samples as samples
from tests import factories

STATUSES = [Status.NOT_STARTED, Status.IN_PROGRESS, Status.COMPLETED, Status.VERIFIED, Status.CANCELLED]
EventStatus = LearningEvent.Status
#: Of every six events added, four are held, one scheduled and one cancelled.
EVENT_STATUSES = [EventStatus.HELD, EventStatus.HELD, EventStatus.SCHEDULED, EventStatus.HELD, EventStatus.HELD,
                  EventStatus.CANCELLED]


def checked_pdf(name):
    return uploads.check_upload(ContentFile(samples.pdf(), name=name))


class Data:
    """The world's agencies and theme, grown by ``add``; one held event (``event``) whose page is measured, with
    the attendance of every agency and a register each, and materials; and impact checks: one open check
    (``check``) whose page is measured, reassigned and moved at each ``add`` (its history grows), a verified
    action (``checked``) whose page lists a check more at each ``add`` (each finding "cannot tell yet", with its
    evidence, schedules the next), and a check of every verified action ``add`` makes."""

    def __init__(self, world):
        self.world = world
        self.agencies = [world.police, world.health]
        self.themes = [world.theme]
        self.count = 0
        self.event = self._event(title="Hidden men: working with fathers", status=EventStatus.HELD, days=-30,
                                 themes=[world.theme])
        self._attend(self.event, self.agencies)
        self.committees = [SubCommittee.objects.create(name="Monitoring and Evaluation"),
                           SubCommittee.objects.create(name="Professional Practice")]
        for committee in self.committees:
            committee.members.add(world.member)
        self.check = self._check(factories.action(world.multi_plan, world.police, reference="V.1",
                                                  status=Status.VERIFIED), days=10)
        self.checked = factories.action(world.multi_plan, world.health, reference="V.2", status=Status.VERIFIED)
        self._check(self.checked, days=-5)

    def _check(self, action, *, days, committee=0):
        return services.impact_check_schedule(action=action, actor=self.world.consultant,
                                              due_on=today() + datetime.timedelta(days=days),
                                              sub_committee=self.committees[committee] if committee is not None else None)

    def _find(self, check, finding, follow_up_days=None):
        services.impact_finding_record(
            check=check, actor=self.world.admin, seen=ImpactCheck.Status.OPEN, finding=finding,
            looked_at="An audit of case files.", finding_note=f"Found {finding}.", checked_on=today(),
            follow_up="check" if follow_up_days else "",
            follow_up_due=today() + datetime.timedelta(days=follow_up_days) if follow_up_days else None,
            uploads=[checked_pdf("audit.pdf")],
        )

    def _grow_checks(self, verified):
        """The measured check reassigned and moved; the next finding on ``checked``; a check of each newly
        verified action, a third of them with a finding."""
        w = self.world
        check = ImpactCheck.objects.get(pk=self.check.pk)
        committee = self.committees[1] if check.sub_committee == self.committees[0] else self.committees[0]
        services.impact_check_update(check=check, actor=w.member, sub_committee=committee,
                                     due_on=check.due_on + datetime.timedelta(days=7))
        self._find(ImpactCheck.objects.get(action=self.checked, status=ImpactCheck.Status.OPEN),
                   ImpactCheck.Finding.CANNOT_TELL, follow_up_days=60)
        for action in verified:
            n = int(action.reference[1:])
            check = self._check(action, days=(n % 7) * 10 - 30, committee=[0, 1, None][n % 3])
            if n % 3 == 0:
                self._find(check, [ImpactCheck.Finding.EMBEDDED, ImpactCheck.Finding.PARTLY][n % 2])

    def _event(self, *, title, status, days, themes):
        w = self.world
        event = services.event_create(
            actor=w.member, title=title, kind=LearningEvent.Kind.WORKSHOP, audience=LearningEvent.Audience.ALL,
            held_on=today() + datetime.timedelta(days=days), facilitator="The board's training officer",
            description="", themes=themes,
        )
        move = {EventStatus.HELD: "hold", EventStatus.CANCELLED: "cancel"}.get(status)
        if move:
            event = services.move_event(move, event=event, actor=w.member, seen=EventStatus.SCHEDULED,
                                        reason="The venue closed.")
        return event

    def _attend(self, event, agencies, register=True):
        for i, agency in enumerate(agencies):
            services.attendance_record(
                event=event, agency=agency, actor=self.world.member, attended=(i * 3) % 7, note=f"Teams {i}",
                register=checked_pdf(f"register-{agency.pk}.pdf") if register else None,
            )

    def add(self, *, agencies, themes, events, actions):
        w = self.world
        new_agencies = [factories.agency() for _ in range(agencies)]
        self.agencies += new_agencies
        self.themes += [factories.theme() for _ in range(themes)]
        for theme in self.themes:  # a review tagged with each theme, with actions tagged with it too
            review = factories.review()
            review.themes.add(theme)
            w.review.themes.add(theme)
        self._attend(self.event, new_agencies)
        services.materials_add(event=self.event, actor=w.member, uploads=[checked_pdf(f"slides-{self.count}.pdf")],
                               description="Slides")
        plans = [w.multi_plan, w.police_plan, w.health_plan]
        verified = []
        for _ in range(actions):
            n = self.count = self.count + 1
            plan = plans[n % len(plans)]
            action = factories.action(
                plan, plan.agency or self.agencies[n % len(self.agencies)], reference=f"L{n}",
                status=STATUSES[n % len(STATUSES)], target_date=today() + datetime.timedelta(days=(n % 5) * 20 - 45),
            )
            action.themes.set(self.themes[: n % len(self.themes) + 1])
            if action.status == Status.VERIFIED:
                verified.append(action)
        self._grow_checks(verified)
        for _ in range(events):
            n = self.count = self.count + 1
            status = EVENT_STATUSES[n % len(EVENT_STATUSES)]
            themes = [self.themes[0], self.themes[n % len(self.themes)]]
            event = self._event(title=f"Briefing {n}", status=status, days=-n if status == EventStatus.HELD else n,
                                themes=themes)
            if status == EventStatus.HELD:
                self._attend(event, self.agencies[n % 2::2], register=False)


def measure(client, url):
    cache.clear()
    client.get(url)  # warm any one-off caches (the matrix is not kept inside the test's transaction)
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return queries, response


def check_count(queries, expected, what):
    """``queries`` ran exactly ``expected`` queries; the failure lists them."""
    listing = "\n".join(f"{n:3}. {q['sql'][:200]}" for n, q in enumerate(queries.captured_queries, 1))
    assert len(queries) == expected, f"{what}: {len(queries)} queries, pinned at {expected}:\n{listing}"


def _links(html, urls):
    """How many of ``urls`` the page links to; each must be linked to for the count to mean anything."""
    return sum(f'href="{url}"' in html for url in urls)


def _matrix_shown(response):
    """The cells of the dissemination matrix the page draws, after checking each is a link to its events."""
    matrix = response.context["matrix"]
    html = response.content.decode()
    cells = [cell for line in matrix.lines for cell in line.cells]
    assert _links(html, {cell.url.replace("&", "&amp;") for cell in cells}) == len({cell.url for cell in cells})
    return len(cells)


def _theme_page(response):
    page = response.context["page"]
    html = response.content.decode()
    assert _links(html, [event.get_absolute_url() for event in page.events]) == len(page.events)
    assert _links(html, [review.get_absolute_url() for review in page.reviews]) == len(page.reviews)
    return len(page.events) + len(page.reviews) + len(page.reach) + page.figures.total


def _theme_list(response):
    themes = response.context["themes"]
    html = response.content.decode()
    assert _links(html, [reverse("learning:theme", args=[theme.pk]) for theme in themes]) == len(themes)
    return len(themes) + sum(theme.figures.total + theme.people + theme.partners for theme in themes)


def _event_list(response):
    events = list(response.context["page"].object_list)
    html = response.content.decode()
    assert _links(html, [event.get_absolute_url() for event in events]) == len(events)
    return len(events) + sum(event.people_reached for event in events)


def _event_page(response):
    html = response.content.decode()
    files = response.context["materials"] + [register for _, _, _, register in response.context["attendance"] if register]
    assert _links(html, [kept.get_absolute_url() for kept in files]) == len(files)
    return len(response.context["attendance"]) + response.context["recorded"] + len(files)


def _review_page(response):
    html = response.content.decode()
    actions = [action for plan in response.context["plans"] for action in plan.actions.all()]
    assert _links(html, [action.get_absolute_url() for action in actions]) == len(actions)
    return len(actions)


def _report_shown(response):
    """The report's matrix is plain text (no links, for paper): its cells, the rows of its tables of events, and the
    impact findings recorded since the report's date (section 8), each named by its action."""
    html = response.content.decode()
    matrix = html[html.index('class="table table-sm align-middle caption-top dissemination"'):]
    findings = response.context["report"].findings_since
    table = html[html.index('<table class="findings">'):]
    table = table[:table.index("</table>")]
    assert table.count("<tr>") == len(findings) + 1  # and the heading's row
    assert all(f"{check.action.plan.review.reference} {check.action.reference}<" in table for check in findings)
    return matrix.count("<td") + html.count('<table class="events">') + len(findings)


def _impact_list(response):
    checks = list(response.context["page"].object_list)
    html = response.content.decode()
    assert _links(html, [check.get_absolute_url() for check in checks]) == len(checks)
    return len(checks) + sum(bool(check.finding) for check in checks)


def _impact_page(response):
    html = response.content.decode()
    check = response.context["check"]
    assert f'href="{check.action.get_absolute_url()}"' in html
    return len(response.context["history"]) + len(response.context["files"]) + len(response.context["follow_ups"])


def _action_page(response):
    """The action's impact checks, each a link to its page."""
    checks = response.context["impact_checks"]
    assert _links(response.content.decode(), [check.get_absolute_url() for check in checks]) == len(checks)
    return len(checks)


# (url name, argument, query string, what the page shows, {role: exact queries})
PAGES = [
    # The theme: the theme, the figures of its visible actions, its reviews, their figures grouped by review, its
    # events with their reach and their themes (two), the matrix (four) = 10, plus 6, and the user's agency for an
    # agency user (whose visible actions are filtered in the same queries).
    ("learning:theme", "theme", "", _theme_page, {"chair": 16, "member": 16, "agency_user": 17}),
    # The matrix (four), plus 6, and the user's agency for an agency user.
    ("learning:dissemination", None, "", _matrix_shown, {"chair": 10, "member": 10, "agency_user": 11}),
    # The events: the count for the pager, the page of events with their reach, their themes; the filter form's
    # lists of themes and of agencies (twice: reached, missed) = 6, plus 6.
    ("learning:events", None, "", _event_list, {"chair": 12, "member": 12, "agency_user": 13}),
    # A gap of the matrix opens the list: the chosen theme and agency are looked up by the filter form (two more).
    ("learning:events", None, "?theme={theme}&missed_by={health}", _event_list,
     {"chair": 14, "member": 14, "agency_user": 15}),
    # An event: the event, its attendance records (agency, recorder joined) and the partner agencies, its files
    # (uploader joined), its themes, the reminders about its attendance (recipients, agencies joined), its history
    # (actors joined) = 7, plus 6.
    ("learning:event", "event", "", _event_page, {"chair": 13, "member": 13, "agency_user": 14}),
    # The themes: the themes with their reviews counted, the figures of the visible actions by theme, the matrix
    # (four) = 6, plus 6.
    ("learning:themes", None, "", _theme_list, {"chair": 12, "member": 12, "agency_user": 13}),
    # The dashboard (tests/test_dashboard_queries.py: 18 with the matrix and the impact figures, 19 for an agency
    # user), and one query more: no snapshot is written in this test's transaction, so the trend is kept under the
    # snapshots' version, read here (and the trend computed, the cache being cleared).
    ("dashboard:index", None, "", _matrix_shown, {"chair": 19, "member": 19, "agency_user": 20}),
    # The board report (tests/test_dashboard_queries.py: 26 with the matrix, the events held and scheduled and
    # section 8's impact figures and findings, 27 for an agency user), the events' themes in one query more (there
    # are events here), and the trend's version (as the dashboard's, one more). The findings since the report's
    # date are listed with their action, review, agency and sub-committee joined: no query per finding.
    ("dashboard:report", None, "", _report_shown, {"chair": 28, "member": 28, "agency_user": 29}),
    # The review page (tests/test_query_counts.py: 12 for a member who works for an agency; 11 for the chair and a
    # member who does not, whose navigation names no agency): the learning events leave it as it was.
    ("reviews:detail", "review", "", _review_page, {"chair": 11, "member": 11, "agency_user": 12}),
    # The impact checks: the count for the pager, the page of checks (action, review, plan's agency, lead agency,
    # sub-committee and who recorded the finding joined), the filter form's lists of sub-committees and reviews
    # = 4, plus 6, and the user's agency for an agency user (whose visible actions filter the same queries).
    ("learning:impact_checks", None, "", _impact_list, {"chair": 10, "member": 10, "agency_user": 11}),
    # ... the checks due or overdue (the dashboard's figures and the member's home page link to them): the same.
    ("learning:impact_checks", None, "?state=attention", _impact_list, {"chair": 10, "member": 10, "agency_user": 11}),
    # An impact check: the check (action, review, agencies, recommendation, sub-committee, who recorded it, the
    # check it follows and the follow-up action joined), its files, its follow-up checks, the reminders about it
    # (recipients joined), its history (actors joined) = 5, plus 6; whether the member is in the check's
    # sub-committee (may record its finding) is one more; an agency user's agency one more.
    ("learning:impact_check", "check", "", _impact_page, {"chair": 11, "member": 12, "agency_user": 12}),
    # A verified action's page lists its impact checks, the latest first, their sub-committees joined: one query
    # (the action, its date changes, progress twice, evidence, themes, reminder items, history are the page's
    # others) = 9, plus 6, and the user's agency for an agency user.
    ("actionplans:action_detail", "checked", "", _action_page, {"chair": 15, "member": 15, "agency_user": 16}),
]


def _url(world, data, name, arg, query):
    args = [getattr(data if arg in ("event", "check", "checked") else world, arg).pk] if arg else []
    return reverse(name, args=args) + query.format(theme=world.theme.pk, health=world.health.pk)


@pytest.mark.parametrize("role", ["chair", "member", "agency_user"])
@pytest.mark.parametrize(("name", "arg", "query", "shown", "expected"), PAGES, ids=[f"{p[0]}{p[2]}" for p in PAGES])
def test_learning_pages_run_a_pinned_number_of_queries_at_two_sizes(client, world, settings, role, name, arg, query,
                                                                    shown, expected):
    settings.ACTIONS_PER_PAGE = 10
    data = Data(world)
    data.add(agencies=1, themes=1, events=3, actions=3)
    client.force_login(getattr(world, role))
    url = _url(world, data, name, arg, query)

    few_queries, response = measure(client, url)
    few = shown(response)
    check_count(few_queries, expected[role], f"{url} as {role}, few rows")

    data.add(agencies=4, themes=3, events=16, actions=20)
    many_queries, response = measure(client, url)
    many = shown(response)
    check_count(many_queries, expected[role], f"{url} as {role}, many rows")

    assert many > few > 0, "the page must show more the second time"


def test_the_event_list_pages_its_events(client, world, settings):
    """More events than a page holds: the second page runs as many queries as the first (the pager's count)."""
    settings.ACTIONS_PER_PAGE = 5
    data = Data(world)
    data.add(agencies=2, themes=2, events=14, actions=0)
    client.force_login(world.member)
    first_queries, first = measure(client, reverse("learning:events"))
    second_queries, second = measure(client, reverse("learning:events") + "?page=2")
    assert len(first.context["page"].object_list) == 5 and second.context["page"].number == 2
    assert {e.pk for e in first.context["page"].object_list}.isdisjoint(e.pk for e in second.context["page"].object_list)
    assert len(first_queries) == len(second_queries) == 12


@pytest.mark.django_db(transaction=True)
def test_the_cached_matrix_is_read_with_one_query_at_two_sizes(client):
    """With the data committed, as the application runs, the matrix is read from the cache: the dissemination page
    then runs the six queries every request pays and the one read of the learning version, whatever its size."""
    member = factories.user(Role.MEMBER, username="member")
    client.force_login(member)
    counts, cells = [], []
    for size in (1, 4):
        theme = factories.theme()
        for _ in range(size):
            factories.agency(kind=Agency.Kind.OTHER)
        event = services.event_create(
            actor=member, title=f"Workshop {size}", kind=LearningEvent.Kind.WORKSHOP,
            audience=LearningEvent.Audience.ALL, held_on=today() - datetime.timedelta(days=size),
            facilitator="Trainer", description="", themes=[theme],
        )
        services.move_event("hold", event=event, actor=member, seen=EventStatus.SCHEDULED)
        client.get(reverse("learning:dissemination"))  # fills the cache for this version
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("learning:dissemination"))
        assert response.context["matrix"] == selectors._compute_matrix()  # what a fresh computation gives
        counts.append(len(queries))
        cells.append(response.context["matrix"].cells)
    assert counts == [6 + 1] * 2, counts
    assert cells[1] > cells[0] > 0
