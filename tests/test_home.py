"""Each person's home page (README, "Home page"): per role, lists whose counts equal the lists they link to, the
first rows of those lists, empty states in words, nothing of another agency's evidence or own plans, and a fixed
number of queries; and "Sign off now" right after accepting evidence on a completed action."""

import datetime
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from actionplans import lifecycle
from actionplans.models import Action, TargetDateChange
from actionplans.rules import Status, today
from dashboard.models import ReportIssue
from evidence import services as evidence_services
from evidence.models import Evidence
from learning.models import ImpactCheck, SubCommittee
from tests import evidence_samples as samples
from tests import factories

S = Status
SEE_ALL = re.compile(r'<a href="([^"]+)">See all (\d+)<')


def days(n):
    return today() + datetime.timedelta(days=n)


def _reject(item, consultant, note="Not signed: send the signed copy."):
    lifecycle.decide(evidence=item, actor=consultant, accept=False, note=note, notify=False)


@pytest.fixture
def data(world, settings):
    """The world plus actions in every state that a home list picks or leaves out, evidence and date requests.

    The police user's own actions (lead agency police, not started or in progress): the world's 1.1 (theirs) and
    P.1, and P.2 (theirs, overdue), 1.3 (overdue 40 days), P.3 (27), P.4 (28), P.5 (due today), P.6 (theirs, due
    in 7 days), P.7 (in 8 days): 9, of which 4 overdue and 2 due within 7 days."""
    settings.REMINDER_ESCALATION_DAYS = 28
    w = world

    def act(plan, lead, reference, status, offset, **kwargs):
        return factories.action(plan, lead, reference=reference, status=status, target_date=days(offset), **kwargs)

    w.p2 = act(w.police_plan, w.police, "P.2", S.IN_PROGRESS, -3, responsible_officer=w.agency_user)
    w.m3 = act(w.multi_plan, w.police, "1.3", S.NOT_STARTED, -40)
    w.p3 = act(w.police_plan, w.police, "P.3", S.IN_PROGRESS, -27)
    w.p4 = act(w.police_plan, w.police, "P.4", S.NOT_STARTED, -28)
    w.p5 = act(w.police_plan, w.police, "P.5", S.NOT_STARTED, 0)
    w.p6 = act(w.police_plan, w.police, "P.6", S.IN_PROGRESS, 7, responsible_officer=w.agency_user)
    w.p7 = act(w.police_plan, w.police, "P.7", S.IN_PROGRESS, 8)
    w.p8 = act(w.police_plan, w.police, "P.8", S.COMPLETED, -5)
    w.p9 = act(w.police_plan, w.police, "P.9", S.CANCELLED, -5)
    w.h2 = act(w.health_plan, w.health, "H.2", S.NOT_STARTED, -60)  # health's own plan: escalated
    w.m4 = act(w.multi_plan, w.health, "1.4", S.COMPLETED, -2)
    w.m5 = act(w.multi_plan, w.health, "1.5", S.IN_PROGRESS, 2)

    # Rejected evidence: the police's on P.2 and two on P.5; one answered by a new version (P.3); health's on 1.4.
    _reject(samples.submit_note(w.p2, w.agency_user), w.consultant)
    _reject(samples.submit_note(w.p5, w.agency_user), w.consultant)
    _reject(samples.submit_note(w.p5, w.agency_user, note="Second try."), w.consultant)
    answered = samples.submit_note(w.p3, w.agency_user)
    _reject(answered, w.consultant)
    evidence_services.evidence_supersede(
        old=answered, actor=w.agency_user, description="Signed", represents_on=days(-1), note="Signed copy."
    )
    w.health_rejected = samples.submit_note(w.m4, w.other, note="Health's minutes.")
    _reject(w.health_rejected, w.consultant)
    # The audit queue: the new version on P.3 and an item on P.7. Ready to sign off: P.8 (accepted evidence).
    w.queued = samples.submit_note(w.p7, w.agency_user, note="Briefing notes.")
    lifecycle.decide(evidence=samples.submit_note(w.p8, w.agency_user), actor=w.consultant, accept=True, note="")

    # New target dates waiting for approval: on P.7 and on 1.5.
    for action, user in [(w.p7, w.agency_user), (w.m5, w.other)]:
        TargetDateChange.objects.create(
            action=action, old_date=action.target_date, new_date=action.target_date + datetime.timedelta(days=30),
            reason="Training postponed by the college.", requested_by=user, requested_at=timezone.now(),
        )
    return w


def home(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response


def lists_of(response):
    return {item.key: item for item in response.context["home"].lists}


def check_against_the_linked_pages(client, response):
    """Each non-empty list's "See all N" opens a page that shows N, and the list's rows are that page's first."""
    html = response.content.decode()
    links = {unescape(href): int(n) for href, n in SEE_ALL.findall(html)}
    lists = [item for item in response.context["home"].lists if item.count]
    assert links == {item.url: item.count for item in lists}
    for item in lists:
        page = client.get(item.url).context["page"]
        assert page.paginator.count == item.count, item.url
        assert [row.pk for row in item.items] == [row.pk for row in page.object_list[: len(item.items)]], item.url
        assert len(item.items) == min(item.count, 5)


def references(items):
    return [str(action) for action in items]


def test_the_agency_user_sees_their_actions_mine_first_then_overdue_first(client, data):
    response = home(client, data.agency_user)
    lists = lists_of(response)
    mine = lists["mine"]
    assert mine.count == 9
    ref = data.review.reference
    # Theirs first (P.2, P.6, 1.1 by target date), then the rest of the police's, the longest overdue first.
    assert references(mine.items) == [f"{ref} P.2", f"{ref} P.6", f"{ref} 1.1", f"{ref} 1.3", f"{ref} P.4"]
    assert mine.extra[:2] == ("overdue", 4)
    assert lists["due"].count == 2 and set(references(lists["due"].items)) == {f"{ref} P.5", f"{ref} P.6"}
    assert lists["rejected"].count == 2
    assert set(references(lists["rejected"].items)) == {f"{ref} P.2", f"{ref} P.5"}
    html = response.content.decode()
    assert "4 of them are overdue" in html
    check_against_the_linked_pages(client, response)
    overdue_url = unescape(re.search(r'<a href="([^"]+)">4 of them are overdue', html).group(1))
    assert client.get(overdue_url).context["page"].paginator.count == 4


def test_the_assigned_to_me_filter_lists_the_actions_the_reader_is_responsible_for(client, data):
    client.force_login(data.agency_user)
    page = client.get(reverse("actionplans:action_list") + "?assigned=me").context["page"]
    assert {a.reference for a in page.object_list} == {"1.1", "P.2", "P.6"}
    client.force_login(data.member)  # responsible for nothing
    assert client.get(reverse("actionplans:action_list") + "?assigned=me").context["page"].paginator.count == 0


def test_an_agency_user_sees_only_their_own_agencys_rejected_evidence(client, data):
    police_home = home(client, data.agency_user)
    html = police_home.content.decode()
    rejected = lists_of(police_home)["rejected"]
    shown = {item.pk for action in rejected.items for item in action.rejected}
    assert shown == set(
        Evidence.objects.filter(status="rejected", agency=data.police).values_list("pk", flat=True)
    )
    assert len(shown) == 3
    assert reverse("evidence:detail", args=[data.health_rejected.pk]) not in html
    assert "Health's minutes" not in html and "H.2" not in html  # nor health's own plan
    health = lists_of(home(client, data.other))["rejected"]
    assert references(health.items) == [f"{data.review.reference} 1.4"] and health.count == 1
    check_against_the_linked_pages(client, home(client, data.other))


@pytest.mark.parametrize("role", ["member", "admin"])
def test_members_see_escalated_actions_date_requests_and_completed_actions(client, data, role):
    response = home(client, getattr(data, role))
    lists = lists_of(response)
    ref = data.review.reference
    assert references(lists["escalated"].items) == [f"{ref} H.2", f"{ref} 1.3", f"{ref} P.4"]  # not P.3 (27 days)
    assert set(references(lists["date_change"].items)) == {f"{ref} P.7", f"{ref} 1.5"}
    assert all(action.pending_change.status == "pending" for action in lists["date_change"].items)
    assert set(references(lists["completed"].items)) == {f"{ref} P.8", f"{ref} 1.4"}
    html = response.content.decode()
    assert "Training postponed by the college." in html
    check_against_the_linked_pages(client, response)


def test_the_escalated_list_follows_the_escalation_setting(client, data, settings):
    settings.REMINDER_ESCALATION_DAYS = 27
    lists = lists_of(home(client, data.member))
    assert lists["escalated"].count == 4  # P.3 too
    assert "Escalated: overdue 27 days or more" in lists["escalated"].heading


def test_the_consultant_sees_the_oldest_queue_items_and_actions_ready_to_sign_off(client, data):
    response = home(client, data.consultant)
    lists = lists_of(response)
    queue = lists["queue"]
    waiting = Evidence.objects.filter(status="submitted").order_by("submitted_at", "pk")
    assert queue.count == 2 and [item.pk for item in queue.items] == list(waiting.values_list("pk", flat=True))
    assert queue.url == reverse("evidence:queue")
    assert references(lists["ready"].items) == [f"{data.review.reference} P.8"]  # not 1.4: only rejected evidence
    check_against_the_linked_pages(client, response)


def test_the_chair_sees_the_headline_figures_and_what_changed_since_the_last_board_report(client, data):
    w = data
    ReportIssue.objects.create(issued_at=timezone.now() - datetime.timedelta(days=10), issued_by=w.chair, since=days(-40))
    lifecycle.verify(action=w.p8, actor=w.consultant, note="Seen the attendance lists.")
    old = factories.action(w.multi_plan, w.police, reference="1.6", status=S.VERIFIED, target_date=days(-100))
    Action.objects.filter(pk=old.pk).update(status_changed_at=timezone.now() - datetime.timedelta(days=20))
    moves = [(w.police_action, 30, 0), (w.multi_action, 30, 20), (w.multi_action_health, -10, 0)]  # later, old, earlier
    for action, by, decided_days_ago in moves:
        TargetDateChange.objects.create(
            action=action, old_date=action.target_date, new_date=action.target_date + datetime.timedelta(days=by),
            reason="Moved.", status="approved", requested_by=w.member, requested_at=timezone.now(),
            decided_by=w.member, decided_at=timezone.now() - datetime.timedelta(days=decided_days_ago),
        )

    response = home(client, w.chair)
    chair_home = response.context["home"]
    assert chair_home.since == days(-10)
    counts = {change.key: change.count for change in chair_home.changes}
    # Verified: P.8 (not 1.6, 20 days ago). Became overdue: P.2 (3 days). Moved later: P.1 only. Evidence
    # accepted: P.8. Rejected: P.2, P.5, P.3 (answered since, still rejected then) and health's 1.4.
    assert counts == {"verified": 1, "overdue": 1, "slipped": 1, "accepted": 1, "rejected": 4}
    for change in chair_home.changes:
        page = client.get(change.url).context["page"]
        assert page.paginator.count == change.count, change.url
    html = response.content.decode()
    assert chair_home.figures.total == Action.objects.count()
    assert f'href="{reverse("actionplans:action_list")}">{Action.objects.count()}</a>' in html  # the figures' links
    assert "The last board report was produced on" in html


def test_producing_the_board_report_pdf_moves_the_chairs_since_date(client, data):
    client.force_login(data.chair)
    assert home(client, data.chair).context["home"].last_report is None
    assert home(client, data.chair).context["home"].since == days(-30)  # REPORT_SINCE_DAYS before any report
    response = client.get(reverse("dashboard:report_pdf") + f"?since={days(-45).isoformat()}")
    assert response.status_code == 200
    issue = ReportIssue.objects.get()
    assert (issue.issued_by, issue.since) == (data.chair, days(-45))
    chair_home = home(client, data.chair).context["home"]
    assert chair_home.last_report == issue and chair_home.since == today()
    client.force_login(data.agency_user)  # an agency's own report is not the board's
    client.get(reverse("dashboard:report_pdf"))
    assert ReportIssue.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "sentences"),
    [
        ("agency_user", ["Nothing is open for you", "No rejected evidence is waiting for an answer.",
                         "Nothing of yours is due in the next 7 days."]),
        ("member", ["No action is overdue by 28 days or more.", "No new target date is waiting for approval.",
                    "No completed action is waiting for sign-off."]),
        ("consultant", ["No evidence is waiting for a decision.",
                        "No completed action with accepted evidence is waiting for sign-off."]),
        ("chair", ["No action was verified since", "No action became overdue since",
                   "No target date was moved later since", "No evidence was accepted since",
                   "No evidence was rejected since"]),
    ],
)
def test_empty_lists_say_so_in_words(client, world, role, sentences):
    Action.objects.filter(lead_agency=world.police).update(status=S.CANCELLED, cancellation_reason="Merged.")
    html = home(client, getattr(world, role)).content.decode()
    for sentence in sentences:
        assert sentence in html
    assert "See all" not in html


def test_nothing_overdue_is_said_in_words(client, world):
    html = home(client, world.agency_user).content.decode()
    assert "Nothing is overdue for you." in html
    assert "See all 2" in html  # the world's 1.1 and P.1


def test_everyone_has_home_in_the_navigation(client, world):
    for role in ("agency_user", "member", "chair", "consultant", "admin"):
        html = home(client, getattr(world, role)).content.decode()
        assert f'<a class="nav-link" href="{reverse("home")}">Home</a>' in html
        assert f'href="{reverse("dashboard:index")}">Dashboard</a>' in html


# --- A fixed number of queries for each role ------------------------------------------------------------------


def grow(world, n):
    """n more of everything the lists show: open, overdue, escalated, due-soon and completed actions of both
    agencies, rejected, waiting and accepted evidence, date requests, verified actions."""
    for i in range(n):
        review = factories.review()
        plan = factories.plan(review)
        for lead, user in [(world.police, world.agency_user), (world.health, world.other)]:
            officer = user if i % 2 else None
            overdue = factories.action(plan, lead, status=S.IN_PROGRESS, target_date=days(-40 - i), responsible_officer=officer)
            factories.action(plan, lead, status=S.NOT_STARTED, target_date=days(i % 7), responsible_officer=officer)
            completed = factories.action(plan, lead, status=S.COMPLETED, target_date=days(-1))
            _reject(samples.submit_note(overdue, user), world.consultant)
            samples.submit_note(overdue, user, note="Waiting.")
            lifecycle.decide(evidence=samples.submit_note(completed, user), actor=world.consultant, accept=True, note="")
            TargetDateChange.objects.create(
                action=overdue, old_date=overdue.target_date, new_date=days(30), reason="Later.",
                requested_by=user, requested_at=timezone.now(),
            )
            verified = factories.action(plan, lead, status=S.COMPLETED, target_date=days(-3))
            lifecycle.decide(evidence=samples.submit_note(verified, user), actor=world.consultant, accept=True, note="")
            lifecycle.verify(action=verified, actor=world.consultant, note="Done.")
            # Its impact check (made by the sign-off, for the sub-committee that checks impact by default, if
            # any) falls due within 30 days or is overdue: on the member's home page.
            ImpactCheck.objects.filter(action=verified).update(due_on=days(i - 3))


# The home page's own queries, after the six every request pays (session, user, devices, second-factor rule,
# and the SAVEPOINT / RELEASE of ATOMIC_REQUESTS). An agency user's agency is read once more for the page.
#   agency user: my actions (count, rows), of them overdue (count), rejected (count, rows, their items), due
#                within 7 days (count, rows), the agency for the navigation and the page = 9
#   member, admin: escalated (count, rows), date requests (count, rows, the requests), completed (count, rows), the
#                  impact checks of their sub-committees due or overdue (rows, count: dashboard.home._impact_list),
#                  the board concerns gone quiet (count, rows: dashboard.home._quiet_concerns) = 11
#   consultant: the queue (count, rows), ready to sign off (count, rows) = 4
#   chair: the dashboard's summary computed afresh (figures, evidence awaiting audit, the reviews and agencies it
#          lists: the test's own writes are not committed, so no cache is used), the last report, five counts of
#          changes = 10
HOME_QUERIES = {"agency_user": 6 + 9, "member": 6 + 11, "admin": 6 + 11, "consultant": 6 + 4, "chair": 6 + 10}


def measure(client):
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return queries, response


def shown_rows(response):
    home_page = response.context["home"]
    return sum(len(item.items) for item in home_page.lists) + sum(change.count for change in home_page.changes)


@pytest.mark.parametrize("role", list(HOME_QUERIES))
def test_the_home_page_runs_a_fixed_number_of_queries_at_two_sizes(client, world, role):
    ReportIssue.objects.create(issued_at=timezone.now() - datetime.timedelta(days=10), issued_by=world.chair, since=days(-40))
    committee = SubCommittee.objects.create(name="Monitoring and Evaluation", checks_impact=True)
    committee.members.set([world.member, world.admin])
    client.force_login(getattr(world, role))
    grow(world, 1)
    few, response = measure(client)
    few_rows = shown_rows(response)
    few_checks = lists_of(response).get("impact")
    grow(world, 6)
    many, response = measure(client)
    listing = "\n".join(f"{n:3}. {q['sql'][:160]}" for n, q in enumerate(many.captured_queries, 1))
    assert len(few) == len(many) == HOME_QUERIES[role], f"{len(few)} then {len(many)} queries:\n{listing}"
    assert shown_rows(response) > few_rows > 0
    if role in ("member", "admin"):  # the impact list has rows both times, each drawn with its action's review
        many_checks = lists_of(response)["impact"]
        assert (few_checks.count, many_checks.count) == (2, 14) and len(many_checks.items) == 5
        html = response.content.decode()
        for check in many_checks.items:
            assert f'href="{check.get_absolute_url()}">{check.action.plan.review.reference} ' in html


# --- "Sign off now" after accepting evidence on a completed action --------------------------------------------


@pytest.fixture
def completed(world):
    action = factories.action(world.police_plan, world.police, reference="P.20", status=S.COMPLETED)
    return action, samples.submit_note(action, world.agency_user)


def test_accepting_evidence_on_a_completed_action_offers_sign_off_now_from_the_queue(client, world, completed):
    action, item = completed
    client.force_login(world.consultant)
    response = client.post(reverse("evidence:decide", args=[item.pk]), {"decision": "accept", "note": "", "from": "queue"}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0].startswith(reverse("evidence:queue"))
    assert f"Action {action} is completed and now has accepted evidence" in html
    assert f'<a href="{action.get_absolute_url()}#sign-off">Sign off now' in html
    page = client.get(action.get_absolute_url()).content.decode()
    assert f'action="{reverse("actionplans:action_verify", args=[action.pk])}"' in page


def test_accepting_evidence_on_its_page_shows_the_sign_off_form_there(client, world, completed):
    action, item = completed
    client.force_login(world.consultant)
    response = client.post(reverse("evidence:decide", args=[item.pk]), {"decision": "accept", "note": ""}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0].startswith(item.get_absolute_url())
    assert "Sign off now" in html
    assert f'action="{reverse("actionplans:action_verify", args=[action.pk])}"' in html
    signed = client.post(
        reverse("actionplans:action_verify", args=[action.pk]),
        {"note": "The minutes show it.", "seen_status": "completed", "seen_changed_at": "never"},
    )
    assert signed.status_code == 302
    action.refresh_from_db()
    assert action.status == S.VERIFIED


def test_no_sign_off_now_when_the_action_is_not_completed_or_for_others(client, world):
    action = factories.action(world.police_plan, world.police, reference="P.21", status=S.IN_PROGRESS)
    item = samples.submit_note(action, world.agency_user)
    client.force_login(world.consultant)
    response = client.post(reverse("evidence:decide", args=[item.pk]), {"decision": "accept", "note": ""}, follow=True)
    assert "Sign off now" not in response.content.decode()
    completed_action = factories.action(world.police_plan, world.police, reference="P.22", status=S.COMPLETED)
    accepted = samples.submit_note(completed_action, world.agency_user)
    lifecycle.decide(evidence=accepted, actor=world.consultant, accept=True, note="")
    client.force_login(world.chair)  # reads the item, may not sign off
    assert "Sign off now" not in client.get(accepted.get_absolute_url()).content.decode()
    client.force_login(world.consultant)
    assert "Sign off now" in client.get(accepted.get_absolute_url()).content.decode()


def test_a_member_who_is_also_an_officer_does_not_get_an_agency_home(client, world):
    member = factories.user(Role.MEMBER, username="officer-member", agency=world.police)
    # A member's lists (the impact checks of their sub-committees and the quiet board concerns among them), not an
    # agency user's.
    assert lists_of(home(client, member)).keys() == {"impact", "escalated", "date_change", "completed", "quiet"}
