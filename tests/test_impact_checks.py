"""Impact checks (learning.rules "Impact", learning.services "Impact checks"): some months after an action is
verified, a sub-committee checks whether practice changed.

The rules at their boundaries (a check's state by its due date, an action's impact from its checks) and in Python
and in SQL agreeing on a seeded mixed data set; add_months at the ends of months; the check created and withdrawn
with the action's sign-off; recording a finding through its page (who may, each follow-up rule, the follow-up check
or action, the evidence through the upload gate and who reads it, a page gone stale); moving or reassigning a
check; the impact checks list's filters; and the dashboard, the member's home page, the board report and the
action page, each number followed to the list behind it.

The hand-worked expectations are literals; the agreement tests build their expectation from the loaded rows, not
from the queries under test."""

import datetime
import random
import re
from html import unescape
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.models import Role
from actionplans import lifecycle
from actionplans.models import Action
from actionplans.rules import Status, today
from audit.models import ChangeRecord
from audit.services import history_of
from dashboard import versions
from learning import rules, services
from learning.models import ImpactCheck, LearningFile, SubCommittee
from tests import evidence_samples as samples
from tests import factories
from tests.test_races import hidden_fields

CheckStatus = ImpactCheck.Status
Finding = ImpactCheck.Finding
CONFLICT = "While you were working"
DAY = datetime.date(2025, 6, 2)


def days(n, on=None):
    return (on or today()) + datetime.timedelta(days=n)


def url(name, *args):
    return reverse(f"learning:{name}", args=args)


def text_of(response):
    """The page as text a reader sees: entities unescaped (curly quotes, apostrophes)."""
    return unescape(response.content.decode())


# --- the people and their actions ----------------------------------------------------------------------------------


@pytest.fixture
def impact(world):
    """The world with sub-committees: Monitoring and Evaluation checks impact by default (the member and member2),
    Professional Practice (member3 only); member4 belongs to none."""
    w = world
    w.member2 = factories.user(Role.MEMBER, username="member2")
    w.member3 = factories.user(Role.MEMBER, username="member3")
    w.member4 = factories.user(Role.MEMBER, username="member4")
    w.me = SubCommittee.objects.create(name="Monitoring and Evaluation", checks_impact=True)
    w.me.members.add(w.member, w.member2)
    w.pp = SubCommittee.objects.create(name="Professional Practice")
    w.pp.members.add(w.member3)
    return w


def lead_user(w, agency):
    return {w.police.pk: w.agency_user, w.health.pk: w.other}[agency.pk]


def ready(w, plan=None, lead=None, **kwargs):
    """A completed action with an accepted evidence item: ready to be signed off."""
    plan, lead = plan or w.multi_plan, lead or w.police
    action = factories.action(plan, lead, status=Status.COMPLETED, **kwargs)
    item = samples.submit_note(action, lead_user(w, lead))
    lifecycle.decide(evidence=item, actor=w.consultant, accept=True, note="Complete.")
    return action


def verified(w, action=None, **kwargs):
    """An action signed off by the consultant through the lifecycle (which schedules its impact check)."""
    action = action or ready(w, **kwargs)
    lifecycle.verify(action=action, actor=w.consultant, note="The audit shows it done.")
    return Action.objects.get(pk=action.pk)


def withdrawn(w, action):
    lifecycle.withdraw_verification(action=action, actor=w.consultant, reason="The sample was too small.")
    return Action.objects.get(pk=action.pk)


def open_check(action):
    return ImpactCheck.objects.get(action=action, status=CheckStatus.OPEN)


def finding_data(check, **overrides):
    """The finding form as a browser posts it from a page drawn now: embedded, dated today, no follow-up."""
    data = {
        "seen_status": check.status, "seen_changed_at": lifecycle.Seen.moment_of(check),
        "finding": Finding.EMBEDDED, "looked_at": "A multi-agency audit of 20 case files.",
        "finding_note": "Fathers were assessed in 18 of the 20.", "checked_on": today().isoformat(),
        "follow_up": "", "follow_up_due": "", "action_reference": "", "action_description": "",
        "action_target_date": "", "action_success_measure": "",
    }
    return {**data, **overrides}


def new_action_fields(reference="9.9"):
    return {
        "action_reference": reference, "action_description": "Re-audit supervision of the teams.",
        "action_target_date": days(90).isoformat(), "action_success_measure": "Fathers assessed in 90% of cases.",
    }


def written_state():
    """Every row a finding could write: checks, actions, files, change records."""
    return (
        list(ImpactCheck.objects.order_by("pk").values()),
        list(Action.objects.order_by("pk").values()),
        list(LearningFile.objects.order_by("pk").values()),
        factories.change_records(),
    )


def stored_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def pdf_upload(name="audit.pdf", data=None):
    return SimpleUploadedFile(name, samples.pdf() if data is None else data, content_type="application/pdf")


# --- a check's state, at its boundaries ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due_on", "state"),
    [
        (days(-400, DAY), "overdue"),
        (days(-1, DAY), "overdue"),  # the day after its date
        (DAY, "due"),  # its very day: due, not overdue
        (days(1, DAY), "due"),
        (days(29, DAY), "due"),
        (days(30, DAY), "due"),  # 30 days before: due
        (days(31, DAY), "upcoming"),
        (days(400, DAY), "upcoming"),
    ],
)
def test_an_open_check_is_overdue_after_its_date_due_in_the_30_days_before_and_upcoming_earlier(due_on, state):
    assert rules.check_state(CheckStatus.OPEN, due_on, DAY) == state
    assert rules.check_state("open", due_on, DAY) == state  # as a status string loaded from the database


@pytest.mark.parametrize("status", [CheckStatus.DONE, CheckStatus.WITHDRAWN])
@pytest.mark.parametrize("offset", [-400, -1, 0, 30, 31, 400])
def test_a_done_or_withdrawn_check_is_in_its_status_whatever_its_date(status, offset):
    assert rules.check_state(status, days(offset, DAY), DAY) == status
    assert rules.check_state(str(status), days(offset, DAY), DAY) == str(status)


STATES = ["overdue", "due", "upcoming", "done", "withdrawn"]


def test_check_state_q_agrees_with_check_state_on_a_range_of_dates(world):
    """One check per action (one open check per action at most), dated -40 to +70 days around DAY, in each status;
    each filter, for days around DAY, lists exactly the checks check_state puts in that state."""
    checks = []
    for n, offset in enumerate(range(-40, 71)):
        action = factories.action(world.multi_plan, world.police, reference=f"Q{n}", recommendation=None)
        status = [CheckStatus.OPEN, CheckStatus.OPEN, CheckStatus.DONE, CheckStatus.WITHDRAWN][n % 4]
        done = status == CheckStatus.DONE
        checks.append(ImpactCheck.objects.create(
            action=action, due_on=days(offset, DAY), status=status, finding=Finding.PARTLY if done else "",
            checked_on=DAY if done else None,
        ))
    for on in [days(-31, DAY), days(-1, DAY), DAY, days(1, DAY), days(30, DAY)]:
        seen = set()
        for state in STATES:
            listed = set(ImpactCheck.objects.filter(rules.check_state_q(state, on)).values_list("pk", flat=True))
            expected = {c.pk for c in checks if rules.check_state(c.status, c.due_on, on) == state}
            assert listed == expected, (on, state)
            assert listed, (on, state)  # every state is met on every day tried: not agreeing on nothing
            assert not listed & seen  # a check is in one state only
            seen |= listed
        assert seen == {c.pk for c in checks}


# --- an action's impact ------------------------------------------------------------------------------------------


def check(pk, status, finding="", checked_on=None):
    return SimpleNamespace(pk=pk, status=status, finding=finding, checked_on=checked_on)


@pytest.mark.parametrize(
    ("checks", "impact"),
    [
        ([], ""),
        ([check(1, "open"), check(2, "withdrawn")], ""),
        ([check(1, "done", "cannot_tell", DAY)], ""),  # "cannot tell yet" is no conclusion
        ([check(1, "done", "embedded", DAY)], "embedded"),
        ([check(1, "done", "embedded", days(-10, DAY)), check(2, "done", "not_embedded", days(-5, DAY))],
         "not_embedded"),  # the latest by its date
        ([check(2, "done", "not_embedded", days(-5, DAY)), check(1, "done", "embedded", days(-10, DAY))],
         "not_embedded"),  # whatever the order they come in
        ([check(1, "done", "not_embedded", days(-10, DAY)), check(2, "done", "embedded", days(-20, DAY))],
         "not_embedded"),  # the date decides, not the pk
        ([check(1, "done", "partly", DAY), check(2, "done", "embedded", DAY)], "embedded"),  # same day: the later pk
        ([check(2, "done", "partly", DAY), check(1, "done", "embedded", DAY)], "partly"),
        ([check(1, "done", "partly", days(-10, DAY)), check(2, "done", "cannot_tell", DAY), check(3, "open")],
         "partly"),  # a later "cannot tell" does not hide the last conclusion
    ],
)
def test_an_actions_impact_is_the_finding_of_its_latest_concluded_check(checks, impact):
    assert rules.impact_of(checks) == impact


def test_impact_percent_and_unchecked():
    assert rules.Impact().percent is None  # none checked: no percentage, not 0%
    assert rules.Impact(verified=5).percent is None
    assert rules.Impact(verified=5).unchecked == 5
    assert rules.Impact(verified=7, checked=3, embedded=2).percent == 67
    assert rules.Impact(verified=7, checked=3, embedded=1).percent == 33
    assert rules.Impact(verified=7, checked=3, embedded=2).unchecked == 4
    assert rules.Impact(verified=4, checked=4, embedded=4).percent == 100
    assert rules.Impact(verified=4, checked=4, embedded=0, not_embedded=4).percent == 0


def make_check(action, status, due, finding="", checked=None, sub=None, follows=None, note="", on=None):
    """A check written directly (a scheduled check, a finding recorded earlier): ``due`` and ``checked`` are day
    offsets from ``on`` (today by default)."""
    checked_on = None if checked is None else days(checked, on)
    return ImpactCheck.objects.create(
        action=action, status=status, due_on=days(due, on), finding=finding, checked_on=checked_on,
        sub_committee=sub, follows=follows, finding_note=note, looked_at="Case files." if finding else "",
        # recorded on the day it is dated
        status_changed_at=None if checked_on is None else timezone.make_aware(
            datetime.datetime.combine(checked_on, datetime.time(12))),
    )


def loaded_actions(actions=None):
    actions = Action.objects.all() if actions is None else actions
    return actions.prefetch_related(Prefetch("impact_checks", to_attr="checks"))


@pytest.fixture
def worked(world):
    """Actions whose impact is worked out by hand (below), their checks written directly."""
    w = world
    V, C = Status.VERIFIED, Status.COMPLETED

    def act(ref, status=V):
        return factories.action(w.multi_plan, w.police, reference=ref, status=status, recommendation=None)

    w.a1 = act("A1")  # embedded, then not embedded later: not embedded
    make_check(w.a1, "done", -30, "embedded", -10, on=DAY)
    make_check(w.a1, "done", -20, "not_embedded", -5, on=DAY)
    w.a2 = act("A2")  # not embedded, then cannot tell, then open: not embedded
    make_check(w.a2, "done", -30, "not_embedded", -10, on=DAY)
    make_check(w.a2, "done", -20, "cannot_tell", -1, on=DAY)
    make_check(w.a2, "open", 60, on=DAY)
    w.a3 = act("A3")  # partly then embedded on the same day: embedded (the later pk)
    make_check(w.a3, "done", -30, "partly", -3, on=DAY)
    make_check(w.a3, "done", -30, "embedded", -3, on=DAY)
    w.a4 = act("A4")  # embedded then partly on the same day: partly
    make_check(w.a4, "done", -30, "embedded", -3, on=DAY)
    make_check(w.a4, "done", -30, "partly", -3, on=DAY)
    w.a5 = act("A5")  # cannot tell only: not checked yet
    make_check(w.a5, "done", -30, "cannot_tell", -2, on=DAY)
    w.a6 = act("A6")  # a withdrawn check and an open one: not checked yet
    make_check(w.a6, "withdrawn", -30, on=DAY)
    make_check(w.a6, "open", 10, on=DAY)
    w.a7 = act("A7")  # no check: not checked yet
    w.a8 = act("A8", C)  # its sign-off withdrawn after an embedded finding: not verified, not counted
    make_check(w.a8, "done", -30, "embedded", -2, on=DAY)
    return w


def test_the_worked_case_gives_the_impact_worked_out_by_hand(worked):
    w = worked
    expected = {"A1": "not_embedded", "A2": "not_embedded", "A3": "embedded", "A4": "partly", "A5": "", "A6": "",
                "A7": "", "A8": "embedded"}
    ours = Action.objects.filter(reference__in=expected)
    assert {a.reference: rules.impact_of(a.checks) for a in loaded_actions(ours)} == expected
    assert dict(ours.annotate(impact=rules.impact_subquery()).values_list("reference", "impact")) == expected
    # The world's own four actions are in progress: the figures are those of A1 to A7 (A8 is not verified).
    impact = rules.Impact(verified=7, checked=4, embedded=1, partly=1, not_embedded=2)
    assert rules.impact_in_python(loaded_actions()) == impact
    assert rules.impact_in_sql(Action.objects.all()) == impact
    assert (impact.percent, impact.unchecked) == (25, 3)
    listed = {value: set(rules.impact_filter(Action.objects.all(), value).values_list("reference", flat=True))
              for value in rules.IMPACT_FILTERS}
    assert listed == {
        "checked": {"A1", "A2", "A3", "A4"}, "embedded": {"A3"}, "partly": {"A4"},
        "not_embedded": {"A1", "A2"}, "unchecked": {"A5", "A6", "A7"},
    }
    assert rules.impact_filter(Action.objects.filter(plan=w.police_plan), "checked").count() == 0


# --- Python and SQL agree on a seeded mixed data set ---------------------------------------------------------------


@pytest.fixture
def mixed(world):
    """A seeded random data set: 90 actions in every status, in the three plans, each with 0 to 3 checks in every
    status and finding (at most one open, as the database requires), their findings dated within a week so that
    checks of one action often share a date."""
    w = world
    rng = random.Random(20250831)
    statuses = [Status.NOT_STARTED, Status.IN_PROGRESS, Status.COMPLETED, Status.CANCELLED,
                Status.VERIFIED, Status.VERIFIED, Status.VERIFIED]
    plans = [(w.multi_plan, w.police), (w.multi_plan, w.health), (w.police_plan, w.police),
             (w.health_plan, w.health)]
    for n in range(90):
        plan, lead = rng.choice(plans)
        action = factories.action(plan, lead, reference=f"M{n}", status=statuses[n % len(statuses)],
                                  recommendation=None)
        has_open = False
        for _ in range(rng.randint(0, 3)):
            status = rng.choice([CheckStatus.OPEN, CheckStatus.DONE, CheckStatus.DONE, CheckStatus.WITHDRAWN])
            if status == CheckStatus.OPEN and has_open:
                status = CheckStatus.DONE
            has_open |= status == CheckStatus.OPEN
            if status == CheckStatus.DONE:
                make_check(action, status, rng.randint(-60, 0), rng.choice(Finding.values), -rng.randint(0, 6), on=DAY)
            else:
                make_check(action, status, rng.randint(-60, 60), on=DAY)
    return w


def test_the_mixed_data_set_has_every_case_the_rule_distinguishes(mixed):
    actions = list(loaded_actions())
    for status in Status.values:
        assert any(a.status == status and a.checks for a in actions), status
    verified = [a for a in actions if a.status == Status.VERIFIED]
    found = [rules.impact_of(a.checks) for a in verified]
    for value in ["", *rules.CONCLUSIONS]:
        assert found.count(value) >= 2, value
    same_day = [a for a in verified if len({c.checked_on for c in a.checks if c.status == "done"})
                < sum(c.status == "done" for c in a.checks)]
    assert same_day  # two findings on one day: the pk decides
    assert any(a.checks and a.checks[-1].status == "done" and a.checks[-1].finding == Finding.CANNOT_TELL
               and rules.impact_of(a.checks) for a in verified)  # a "cannot tell" after a conclusion
    statuses = {(c.status, c.finding) for a in actions for c in a.checks}
    assert statuses >= {("open", ""), ("withdrawn", ""), *(("done", f) for f in Finding.values)}


def test_python_and_sql_give_the_same_impact_on_the_mixed_data_set(mixed):
    in_python = rules.impact_in_python(loaded_actions())
    assert in_python == rules.impact_in_sql(Action.objects.all())
    assert in_python.checked >= 10 and in_python.unchecked >= 5  # not agreeing on nothing
    assert min(in_python.embedded, in_python.partly, in_python.not_embedded) >= 2
    # each action's impact, whatever its status
    annotated = dict(Action.objects.annotate(impact=rules.impact_subquery()).values_list("pk", "impact"))
    assert annotated == {a.pk: rules.impact_of(a.checks) for a in loaded_actions()}
    # and on what each user may see, and on each plan
    for user in (mixed.agency_user, mixed.other, mixed.member):
        visible = access.visible_actions(user)
        assert rules.impact_in_python(loaded_actions(visible)) == rules.impact_in_sql(visible), user
    for plan in (mixed.multi_plan, mixed.police_plan, mixed.health_plan):
        subset = Action.objects.filter(plan=plan)
        assert rules.impact_in_python(loaded_actions(subset)) == rules.impact_in_sql(subset), plan


def test_each_impact_filter_lists_exactly_the_actions_python_says(mixed):
    actions = list(loaded_actions())
    impact = {a.pk: rules.impact_of(a.checks) for a in actions if a.status == Status.VERIFIED}
    expected = {
        "checked": {pk for pk, found in impact.items() if found},
        "unchecked": {pk for pk, found in impact.items() if not found},
        **{f: {pk for pk, found in impact.items() if found == f} for f in rules.CONCLUSIONS},
    }
    assert set(rules.IMPACT_FILTERS) == set(expected)
    for value in rules.IMPACT_FILTERS:
        listed = set(rules.impact_filter(Action.objects.all(), value).values_list("pk", flat=True))
        assert listed == expected[value], value
        assert listed, value
    police = access.visible_actions(mixed.agency_user)
    visible = set(police.values_list("pk", flat=True))
    for value in rules.IMPACT_FILTERS:
        assert set(rules.impact_filter(police, value).values_list("pk", flat=True)) == expected[value] & visible


# --- add_months ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2023, 8, 31), 6, datetime.date(2024, 2, 29)),  # to the end of a leap February
        (datetime.date(2024, 8, 31), 6, datetime.date(2025, 2, 28)),  # and of an ordinary one
        (datetime.date(2024, 11, 30), 3, datetime.date(2025, 2, 28)),
        (datetime.date(2023, 11, 30), 3, datetime.date(2024, 2, 29)),
        (datetime.date(2025, 3, 31), 1, datetime.date(2025, 4, 30)),
        (datetime.date(2024, 10, 15), 6, datetime.date(2025, 4, 15)),  # into the next year
        (datetime.date(2024, 12, 31), 1, datetime.date(2025, 1, 31)),
        (datetime.date(2024, 12, 1), 12, datetime.date(2025, 12, 1)),
        (datetime.date(2024, 2, 29), 12, datetime.date(2025, 2, 28)),
        (datetime.date(2024, 6, 30), 0, datetime.date(2024, 6, 30)),
        (datetime.date(2024, 1, 31), 25, datetime.date(2026, 2, 28)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_months_last(day, months, expected):
    assert services.add_months(day, months) == expected


# --- the check and the action's sign-off ---------------------------------------------------------------------------


def test_verifying_an_action_schedules_one_open_check_for_the_default_sub_committee(impact, settings):
    settings.IMPACT_CHECK_MONTHS = 3
    action = verified(impact)
    check = ImpactCheck.objects.get(action=action)
    assert check.status == CheckStatus.OPEN and check.finding == "" and check.follows is None
    assert check.due_on == services.add_months(today(), 3)
    assert check.due_on > days(88)  # some three months on: not the 6 months' default
    assert check.sub_committee == impact.me
    assert check.created_by == impact.consultant
    created = history_of(check).get()
    assert (created.verb, created.actor) == (ChangeRecord.Verb.CREATED, impact.consultant)
    assert created.changes["status"] == [None, "To do"]


def test_the_check_falls_due_the_setting_s_months_after_the_day_of_the_sign_off(impact, settings, monkeypatch):
    monkeypatch.setattr(services, "today", lambda: datetime.date(2025, 8, 31))
    settings.IMPACT_CHECK_MONTHS = 6
    assert open_check(verified(impact)).due_on == datetime.date(2026, 2, 28)
    settings.IMPACT_CHECK_MONTHS = 3
    assert open_check(verified(impact)).due_on == datetime.date(2025, 11, 30)


def test_with_no_default_sub_committee_the_check_is_assigned_to_none(impact):
    SubCommittee.objects.filter(pk=impact.me.pk).update(checks_impact=False)
    assert open_check(verified(impact)).sub_committee is None


def test_an_inactive_default_sub_committee_gets_no_new_check(impact):
    SubCommittee.objects.filter(pk=impact.me.pk).update(is_active=False)
    assert open_check(verified(impact)).sub_committee is None


def test_only_one_sub_committee_checks_impact_by_default(impact):
    with pytest.raises(IntegrityError), transaction.atomic():
        SubCommittee.objects.filter(pk=impact.pp.pk).update(checks_impact=True)


def test_withdrawing_the_sign_off_withdraws_the_check_and_verifying_again_schedules_a_new_one(impact):
    w = impact
    action = verified(w)
    first = open_check(action)
    action = withdrawn(w, action)
    first.refresh_from_db()
    assert first.status == CheckStatus.WITHDRAWN and first.status_changed_at is not None  # kept, withdrawn
    assert first.finding == ""
    change = history_of(first).first()
    assert (change.verb, change.actor) == (ChangeRecord.Verb.CHANGED, w.consultant)
    assert change.changes == {"status": ["To do", "Withdrawn (the sign-off was withdrawn)"]}
    assert not ImpactCheck.objects.filter(action=action, status=CheckStatus.OPEN).exists()
    verified(w, action)
    second = open_check(action)
    assert second.pk != first.pk
    assert list(ImpactCheck.objects.filter(action=action).order_by("pk").values_list("status", flat=True)) == [
        "withdrawn", "open"]


def test_a_sign_off_refused_or_lost_schedules_no_check(impact):
    w = impact
    no_evidence = factories.action(w.multi_plan, w.police, status=Status.COMPLETED)
    with pytest.raises(lifecycle.Refused):
        lifecycle.verify(action=no_evidence, actor=w.consultant, note="Done.")
    action = ready(w)
    lifecycle.verify(action=Action.objects.get(pk=action.pk), actor=w.consultant, note="First.")
    with pytest.raises(lifecycle.Conflict):  # a second consultant, from the page drawn while it was completed
        lifecycle.verify(action=action, actor=w.admin, note="Second.", seen_status=Status.COMPLETED)
    assert not ImpactCheck.objects.filter(action=no_evidence).exists()
    assert ImpactCheck.objects.filter(action=action).count() == 1


def test_never_two_open_checks_on_one_action(impact):
    w = impact
    action = verified(w)
    first = open_check(action)
    assert services.impact_check_schedule(action=action, actor=w.member, due_on=days(100)) is None
    assert ImpactCheck.objects.filter(action=action).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        ImpactCheck.objects.create(action=action, due_on=days(200))
    # a done check and a withdrawn one beside an open one are allowed
    ImpactCheck.objects.filter(pk=first.pk).update(status="done", finding="partly", checked_on=today())
    ImpactCheck.objects.create(action=action, due_on=days(200))
    ImpactCheck.objects.create(action=action, due_on=days(10), status="withdrawn")
    assert ImpactCheck.objects.filter(action=action, status="open").count() == 1


def test_a_done_check_needs_its_finding_and_date_and_another_has_none(impact):
    action = factories.action(impact.multi_plan, impact.police, status=Status.VERIFIED)
    for bad in [{"status": "done"}, {"status": "done", "finding": "embedded"},
                {"status": "open", "finding": "embedded"}, {"status": "withdrawn", "finding": "partly"}]:
        with pytest.raises(IntegrityError), transaction.atomic():
            ImpactCheck.objects.create(action=action, due_on=days(10), **bad)


# --- recording a finding: who may -----------------------------------------------------------------------------------


@pytest.fixture
def due(impact):
    """A verified multi-agency action led by the police, with its open check (Monitoring and Evaluation's)."""
    impact.action = verified(impact)
    impact.check = open_check(impact.action)
    return impact


def test_a_finding_is_recorded_on_every_database(due):
    """The conditional write that moves the check from open to done locks its row, on PostgreSQL too."""
    w = due
    services.impact_finding_record(check=w.check, actor=w.member, seen=lifecycle.Seen("open"), finding="partly",
                                   looked_at="Case files.", finding_note="Half the teams.", checked_on=today())
    assert ImpactCheck.objects.get(pk=w.check.pk).status == CheckStatus.DONE


def test_a_member_of_the_checks_sub_committee_records_its_finding_from_the_page(client, due):
    w = due
    client.force_login(w.member2)
    page_url = url("impact_record", w.check.pk)
    page = client.get(page_url)
    assert page.status_code == 200
    hidden = hidden_fields(page.content.decode(), page_url, page_url)
    assert hidden == {"seen_status": "open", "seen_changed_at": "never"}
    response = client.post(page_url, finding_data(w.check, **hidden, checked_on=days(-2).isoformat()))
    assert response.status_code == 302 and response["Location"] == w.check.get_absolute_url()
    check = ImpactCheck.objects.get(pk=w.check.pk)
    assert (check.status, check.finding, check.checked_on, check.checked_by) == (
        CheckStatus.DONE, Finding.EMBEDDED, days(-2), w.member2)
    assert check.looked_at == "A multi-agency audit of 20 case files."
    assert check.finding_note == "Fathers were assessed in 18 of the 20."
    assert check.status_changed_at is not None
    change = history_of(check).first()
    assert (change.verb, change.actor) == (ChangeRecord.Verb.CHANGED, w.member2)
    assert change.changes["status"] == ["To do", "Done"]
    assert change.changes["finding"] == ["—", "Embedded"]
    assert ImpactCheck.objects.filter(action=w.action).count() == 1  # embedded: no follow-up
    shown = text_of(client.get(check.get_absolute_url()))
    assert "Finding: Embedded" in shown and "Finding recorded on the impact check" in shown
    assert client.get(page_url).status_code == 403  # recorded once


@pytest.mark.parametrize("role", ["member3", "member4", "chair", "consultant"])
def test_no_one_outside_the_checks_sub_committee_records_its_finding(client, due, role):
    w = due
    client.force_login(getattr(w, role))
    before = written_state()
    assert client.get(w.check.get_absolute_url()).status_code == 200  # they read it
    assert client.get(url("impact_record", w.check.pk)).status_code == 403
    assert client.post(url("impact_record", w.check.pk), finding_data(w.check)).status_code == 403
    assert written_state() == before
    with pytest.raises(lifecycle.PermissionDenied):
        services.impact_finding_record(
            check=w.check, actor=getattr(w, role), seen=lifecycle.Seen("open"), finding="embedded",
            looked_at="x", finding_note="y", checked_on=today(),
        )
    assert written_state() == before


def test_a_member_of_an_inactive_sub_committee_records_nothing(client, due):
    w = due
    SubCommittee.objects.filter(pk=w.me.pk).update(is_active=False)
    client.force_login(w.member)
    assert client.post(url("impact_record", w.check.pk), finding_data(w.check)).status_code == 403
    assert open_check(w.action).pk == w.check.pk


def test_an_unassigned_check_is_recorded_by_no_member_until_it_is_assigned(client, due):
    w = due
    ImpactCheck.objects.filter(pk=w.check.pk).update(sub_committee=None)
    client.force_login(w.member)
    refused = client.get(url("impact_record", w.check.pk))
    assert refused.status_code == 403
    assert "assign it to a sub-committee first" in text_of(refused)


def test_an_administrator_records_any_checks_finding(client, due):
    w = due
    client.force_login(w.admin)
    assert client.post(url("impact_record", w.check.pk), finding_data(w.check)).status_code == 302
    check = ImpactCheck.objects.get(pk=w.check.pk)
    assert (check.status, check.checked_by) == (CheckStatus.DONE, w.admin)


def test_the_lead_agency_reads_the_check_but_records_nothing_and_another_agency_does_not_see_it(client, impact):
    w = impact
    shared = open_check(verified(w))  # multi-agency plan, led by the police
    own = open_check(verified(w, plan=w.police_plan, lead=w.police))  # the police's own plan
    before = written_state()
    client.force_login(w.agency_user)
    for check in (shared, own):
        assert client.get(check.get_absolute_url()).status_code == 200
        assert client.get(url("impact_record", check.pk)).status_code == 403
        assert client.post(url("impact_record", check.pk), finding_data(check)).status_code == 403
        assert client.get(url("impact_edit", check.pk)).status_code == 403
    client.force_login(w.other)  # health: sees the multi-agency plan, not the police's own
    assert client.get(shared.get_absolute_url()).status_code == 200
    for name in ("impact_check", "impact_record", "impact_edit"):
        assert client.get(url(name, own.pk)).status_code == 404, name
    assert client.post(url("impact_record", own.pk), finding_data(own)).status_code == 404
    listed = {c.pk for c in client.get(url("impact_checks")).context["page"]}
    assert own.pk not in listed and shared.pk in listed
    assert written_state() == before


# --- recording a finding: the follow-up rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"finding": "embedded", "follow_up": "check", "follow_up_due": days(60).isoformat()},
         "An embedded finding closes the question: no follow-up is needed."),
        ({"finding": "embedded", "follow_up": "action", **new_action_fields()},
         "An embedded finding closes the question: no follow-up is needed."),
        ({"finding": "not_embedded", "follow_up": ""},
         "“Not embedded” reopens the question: schedule a new check, or add a new action."),
        ({"finding": "cannot_tell", "follow_up": ""},
         "“Cannot tell yet” needs a new check: give the date it falls due."),
        ({"finding": "cannot_tell", "follow_up": "action", **new_action_fields()},
         "“Cannot tell yet” needs a new check: give the date it falls due."),
        ({"finding": "cannot_tell", "follow_up": "check", "follow_up_due": ""},
         "Give the date the new check falls due."),
        ({"finding": "partly", "follow_up": "action", **new_action_fields()},
         "A new action follows a “not embedded” finding; for “partly embedded”, schedule a new check."),
        ({"finding": "partly", "follow_up": "check", "follow_up_due": today().isoformat()},
         "The new check falls due after today."),
        ({"finding": "not_embedded", "follow_up": "check", "follow_up_due": days(-1).isoformat()},
         "The new check falls due after today."),
        ({"checked_on": days(1).isoformat()}, "The finding cannot be dated in the future."),
        ({"finding": "not_embedded", "follow_up": "action", **new_action_fields(), "action_reference": ""},
         "Give the new action's reference."),
        ({"finding": "not_embedded", "follow_up": "action", **new_action_fields(), "action_target_date": ""},
         "Give the new action's target date."),
        ({"finding": ""}, "Choose the finding."),
        ({"looked_at": "  "}, "Say what the sub-committee looked at."),
    ],
    ids=["embedded+check", "embedded+action", "not-embedded-alone", "cannot-tell-alone", "cannot-tell+action",
         "check-without-date", "partly+action", "new-check-today", "new-check-yesterday", "finding-tomorrow",
         "action-without-reference", "action-without-date", "no-finding", "nothing-looked-at"],
)
def test_each_follow_up_rule_is_enforced_with_its_message_and_nothing_is_written(client, due, fields, message):
    w = due
    client.force_login(w.member)
    before = written_state()
    response = client.post(url("impact_record", w.check.pk), finding_data(w.check, **fields))
    assert response.status_code == 400
    assert message in text_of(response)
    assert written_state() == before


@pytest.mark.parametrize(
    ("finding", "follow_up", "message"),
    [
        ("embedded", "check", "An embedded finding closes the question"),
        ("embedded", "action", "An embedded finding closes the question"),
        ("not_embedded", "", "“Not embedded” reopens the question"),
        ("cannot_tell", "", "“Cannot tell yet” needs a new check"),
        ("cannot_tell", "action", "“Cannot tell yet” needs a new check"),
        ("partly", "action", "A new action follows a “not embedded” finding"),
    ],
)
def test_the_service_enforces_the_follow_up_rules_whoever_calls(due, finding, follow_up, message):
    w = due
    before = written_state()
    with pytest.raises(lifecycle.Refused, match=message):
        services.impact_finding_record(
            check=w.check, actor=w.member, seen=lifecycle.Seen("open"), finding=finding, looked_at="Case files.",
            finding_note="Found.", checked_on=today(), follow_up=follow_up, follow_up_due=days(30),
            new_action={"reference": "9.9", "description": "d", "target_date": days(30), "success_measure": "m"},
        )
    assert written_state() == before


def test_the_follow_up_table_is_the_one_the_rules_read():
    assert services.FOLLOW_UPS == {"embedded": None, "partly": "may", "not_embedded": "either",
                                   "cannot_tell": "check"}
    allowed = {(f, u) for f in Finding.values for u in ("", "check", "action")
               if services.finding_refusal(f, u) is None}
    assert allowed == {("embedded", ""), ("partly", ""), ("partly", "check"), ("not_embedded", "check"),
                       ("not_embedded", "action"), ("cannot_tell", "check")}


@pytest.mark.parametrize(
    ("finding", "follow_up"),
    [("embedded", ""), ("partly", ""), ("partly", "check"), ("cannot_tell", "check"), ("not_embedded", "check")],
)
def test_each_allowed_finding_and_follow_up_is_recorded(client, due, finding, follow_up):
    w = due
    client.force_login(w.member)
    response = client.post(url("impact_record", w.check.pk), finding_data(
        w.check, finding=finding, follow_up=follow_up, follow_up_due=days(120).isoformat() if follow_up else ""))
    assert response.status_code == 302, text_of(response)[:2000]
    check = ImpactCheck.objects.get(pk=w.check.pk)
    assert (check.status, check.finding) == ("done", finding)
    follow_ups = list(ImpactCheck.objects.filter(follows=check))
    assert len(follow_ups) == (1 if follow_up == "check" else 0)
    assert check.follow_up_action is None


def test_not_embedded_with_a_new_check_schedules_it_for_the_same_sub_committee(client, due):
    w = due
    ImpactCheck.objects.filter(pk=w.check.pk).update(sub_committee=w.pp)  # not the default one
    client.force_login(w.member3)
    response = client.post(url("impact_record", w.check.pk), finding_data(
        w.check, finding="not_embedded", follow_up="check", follow_up_due=days(90).isoformat(),
        finding_note="Fathers were assessed in 6 of the 20."))
    assert response.status_code == 302
    done = ImpactCheck.objects.get(pk=w.check.pk)
    new = ImpactCheck.objects.get(action=w.action, status=CheckStatus.OPEN)
    assert (new.follows, new.sub_committee, new.due_on, new.created_by) == (done, w.pp, days(90), w.member3)
    assert new.finding == "" and new.pk != done.pk
    assert history_of(new).get().verb == ChangeRecord.Verb.CREATED
    page = client.get(done.get_absolute_url()).content.decode()
    assert new.get_absolute_url() in page  # the done check leads to its follow-up
    assert done.get_absolute_url() in client.get(new.get_absolute_url()).content.decode()  # and back


def test_not_embedded_with_a_new_action_adds_it_to_the_same_plan_for_the_same_recommendation(client, due):
    w = due
    second = factories.theme(name="Information sharing")
    w.action.themes.set([w.theme, second])
    client.force_login(w.member)
    actions_before = Action.objects.count()
    response = client.post(url("impact_record", w.check.pk), finding_data(
        w.check, finding="not_embedded", follow_up="action", **new_action_fields("4.7")))
    assert response.status_code == 302
    assert Action.objects.count() == actions_before + 1
    done = ImpactCheck.objects.get(pk=w.check.pk)
    new = done.follow_up_action
    assert new is not None and new.pk != w.action.pk
    assert (new.plan, new.recommendation, new.lead_agency) == (w.action.plan, w.action.recommendation,
                                                                w.action.lead_agency)
    assert set(new.themes.all()) == {w.theme, second}
    assert (new.reference, new.status, new.target_date) == ("4.7", Status.NOT_STARTED, days(90))
    assert new.description == "Re-audit supervision of the teams."
    assert new.success_measure == "Fathers assessed in 90% of cases."
    assert history_of(new).get().verb == ChangeRecord.Verb.CREATED
    assert not ImpactCheck.objects.filter(action=w.action, status="open").exists()  # no new check besides
    assert history_of(done).first().changes["follow up action"] == ["—", str(new)]
    assert new.get_absolute_url() in client.get(done.get_absolute_url()).content.decode()


def test_a_new_action_whose_reference_the_plan_has_already_is_refused_and_nothing_is_written(client, due):
    w = due
    client.force_login(w.member)
    before = written_state()
    response = client.post(url("impact_record", w.check.pk), finding_data(
        w.check, finding="not_embedded", follow_up="action", **new_action_fields(w.action.reference)))
    assert response.status_code == 400
    assert "An action with this reference already exists in this plan." in text_of(response)
    assert written_state() == before


def test_a_new_actions_reference_too_long_for_an_action_is_refused_with_400(client, due):
    w = due
    client.force_login(w.member)
    before = written_state()
    response = client.post(url("impact_record", w.check.pk), finding_data(
        w.check, finding="not_embedded", follow_up="action", **new_action_fields("R" * 25)))
    assert response.status_code == 400
    assert written_state() == before


# --- recording a finding: its evidence --------------------------------------------------------------------------------


def test_the_evidence_of_a_finding_is_kept_through_the_upload_gate_and_read_by_the_boards_roles_only(
    client, due, settings
):
    w = due
    client.force_login(w.member)
    response = client.post(url("impact_record", w.check.pk), {
        **finding_data(w.check), "files": [pdf_upload("case file audit.pdf"), pdf_upload("minutes.pdf")]})
    assert response.status_code == 302
    kept = list(LearningFile.objects.order_by("original_name"))
    assert [(f.original_name, f.kind, f.impact_check_id, f.event_id, f.agency_id, f.uploaded_by)
            for f in kept] == [
        ("case file audit.pdf", LearningFile.Kind.IMPACT, w.check.pk, None, None, w.member),
        ("minutes.pdf", LearningFile.Kind.IMPACT, w.check.pk, None, None, w.member),
    ]
    for item in kept:
        assert item.stored_name.startswith(f"{services.FOLDER}/") and "minutes" not in item.stored_name
        assert (Path(settings.MEDIA_ROOT) / item.stored_name).read_bytes() == samples.pdf()
        assert history_of(item).get().verb == ChangeRecord.Verb.CREATED
    for user in (w.member, w.member3, w.chair, w.consultant, w.admin):
        client.force_login(user)
        assert kept[0].get_absolute_url() in client.get(w.check.get_absolute_url()).content.decode(), user
        for item in kept:
            response = client.get(url("file", item.pk))
            assert response.status_code == 200, user
            assert response["Content-Disposition"] == f'attachment; filename="{item.original_name}"'
            assert b"".join(response.streaming_content) == samples.pdf()
    for user in (w.agency_user, w.other):  # the lead agency's own users too: an audit of case files is no agency's
        client.force_login(user)
        page = client.get(w.check.get_absolute_url())
        assert page.status_code == 200
        assert url("file", kept[0].pk) not in page.content.decode()
        for item in kept:
            assert client.get(url("file", item.pk)).status_code == 404, user


@pytest.mark.parametrize(
    ("name", "data"),
    [("audit.pdf", samples.elf()), ("audit.pdf", samples.html()), ("audit.exe", samples.elf())],
    ids=["executable-as-pdf", "html-as-pdf", "executable"],
)
def test_evidence_that_is_not_what_it_claims_is_refused_and_nothing_is_written(client, due, settings, name, data):
    w = due
    client.force_login(w.member)
    before = written_state()
    response = client.post(url("impact_record", w.check.pk), {
        **finding_data(w.check), "files": [pdf_upload("fine.pdf"), pdf_upload(name, data)]})
    assert response.status_code == 400
    assert f"“{name}”" in text_of(response)
    assert written_state() == before
    assert stored_files(settings) == set()


def test_evidence_with_a_finding_that_is_refused_leaves_no_stored_file(client, due, settings):
    """The upload passes the gate, the finding does not: the file stored first is removed again."""
    w = due
    services.impact_finding_record(check=w.check, actor=w.member2, seen=lifecycle.Seen("open"),
                                   finding="partly", looked_at="Files.", finding_note="Some.", checked_on=today())
    client.force_login(w.member)
    before = written_state()
    response = client.post(url("impact_record", w.check.pk), {**finding_data(w.check), "files": [pdf_upload()]})
    assert response.status_code == 409
    assert written_state() == before
    assert stored_files(settings) == set()


# --- recording a finding on a page gone stale -------------------------------------------------------------------------


def test_a_finding_on_a_check_recorded_meanwhile_is_refused_with_409_and_nothing_changes(client, due):
    w = due
    client.force_login(w.member)
    page_url = url("impact_record", w.check.pk)
    hidden = hidden_fields(client.get(page_url).content.decode(), page_url, page_url)
    services.impact_finding_record(
        check=w.check, actor=w.member2, seen=lifecycle.Seen("open"), finding="cannot_tell", looked_at="Survey.",
        finding_note="Too early to say.", checked_on=days(-1), follow_up="check", follow_up_due=days(60),
    )
    before = written_state()
    response = client.post(page_url, finding_data(
        w.check, **hidden, finding="not_embedded", follow_up="check", follow_up_due=days(30).isoformat(),
        finding_note="Fathers were not assessed."))
    assert response.status_code == 409
    shown = text_of(response)
    assert CONFLICT in shown
    assert f"this check was done by {w.member2} on {days(-1):%-d %b %Y}" in shown
    assert "nothing of yours was saved" in shown
    assert "What you wrote, to use again: “Fathers were not assessed.”" in shown
    assert written_state() == before
    check = ImpactCheck.objects.get(pk=w.check.pk)
    assert (check.finding, check.checked_by) == ("cannot_tell", w.member2)
    assert ImpactCheck.objects.filter(action=w.action, status="open").count() == 1  # the other's follow-up only


def test_a_finding_on_a_check_withdrawn_meanwhile_is_refused_with_409(client, due):
    w = due
    client.force_login(w.member)
    data = finding_data(w.check)
    withdrawn(w, w.action)
    before = written_state()
    response = client.post(url("impact_record", w.check.pk), data)
    assert response.status_code == 409
    assert CONFLICT in text_of(response) and "withdrawn" in text_of(response)
    assert written_state() == before


# --- moving or reassigning a check ------------------------------------------------------------------------------------


def edit_data(check, **overrides):
    data = {"sub_committee": check.sub_committee_id or "", "due_on": check.due_on.isoformat(),
            "loaded_version": factories.loaded_version(check)}
    return {**data, **overrides}


def test_a_member_reassigns_a_check_and_moves_its_date_and_the_change_is_recorded(client, due):
    w = due
    client.force_login(w.member4)  # any member: not only the sub-committee's
    response = client.post(url("impact_edit", w.check.pk), edit_data(
        w.check, sub_committee=w.pp.pk, due_on=days(45).isoformat()))
    assert response.status_code == 302 and response["Location"] == w.check.get_absolute_url()
    check = ImpactCheck.objects.get(pk=w.check.pk)
    assert (check.sub_committee, check.due_on, check.status) == (w.pp, days(45), "open")
    change = history_of(check).first()
    assert (change.verb, change.actor) == (ChangeRecord.Verb.CHANGED, w.member4)
    assert change.changes == {
        "sub committee": ["Monitoring and Evaluation", "Professional Practice"],
        "due": [f"{w.check.due_on:%-d %b %Y}", f"{days(45):%-d %b %Y}"],
    }
    client.force_login(w.member3)  # now Professional Practice's to record
    assert client.get(url("impact_record", w.check.pk)).status_code == 200
    client.force_login(w.member)
    assert client.get(url("impact_record", w.check.pk)).status_code == 403


def test_a_check_is_reassigned_to_an_active_sub_committee_or_to_none(client, due):
    w = due
    old = SubCommittee.objects.create(name="Old workforce group", is_active=False)
    client.force_login(w.member)
    before = written_state()
    refused = client.post(url("impact_edit", w.check.pk), edit_data(w.check, sub_committee=old.pk))
    assert refused.status_code == 400
    assert "Select a valid choice" in text_of(refused)
    assert written_state() == before
    assert client.post(url("impact_edit", w.check.pk), edit_data(w.check, sub_committee="")).status_code == 302
    assert ImpactCheck.objects.get(pk=w.check.pk).sub_committee is None
    # a check already with an inactive sub-committee keeps it on a save that moves only its date
    ImpactCheck.objects.filter(pk=w.check.pk).update(sub_committee=old)
    check = ImpactCheck.objects.get(pk=w.check.pk)
    assert client.post(url("impact_edit", check.pk), edit_data(check, due_on=days(12).isoformat())).status_code == 302
    assert (ImpactCheck.objects.get(pk=check.pk).sub_committee, ImpactCheck.objects.get(pk=check.pk).due_on) == (
        old, days(12))


def test_an_edit_opened_before_someone_elses_save_is_refused_and_nothing_is_saved(client, due):
    w = due
    stale = edit_data(w.check, due_on=days(20).isoformat())
    services.impact_check_update(check=ImpactCheck.objects.get(pk=w.check.pk), actor=w.member2,
                                 sub_committee=w.pp)
    before = written_state()
    client.force_login(w.member)
    response = client.post(url("impact_edit", w.check.pk), stale)
    assert response.status_code == 400
    assert "Someone else saved this after you opened it, so nothing of yours was saved." in text_of(response)
    assert written_state() == before
    assert ImpactCheck.objects.get(pk=w.check.pk).sub_committee == w.pp


@pytest.mark.parametrize("status", ["done", "withdrawn"])
def test_a_done_or_withdrawn_check_cannot_be_edited(client, due, status):
    w = due
    if status == "done":
        services.impact_finding_record(check=w.check, actor=w.member, seen=lifecycle.Seen("open"),
                                       finding="embedded", looked_at="x", finding_note="y", checked_on=today())
    else:
        withdrawn(w, w.action)
    check = ImpactCheck.objects.get(pk=w.check.pk)
    before = written_state()
    client.force_login(w.member)
    assert client.get(url("impact_edit", check.pk)).status_code == 403
    assert client.post(url("impact_edit", check.pk), edit_data(check, due_on=days(9).isoformat())).status_code == 403
    with pytest.raises(lifecycle.Refused):
        services.impact_check_update(check=check, actor=w.member, due_on=days(9))
    assert written_state() == before


@pytest.mark.parametrize("role", ["chair", "consultant", "agency_user"])
def test_only_members_and_administrators_move_a_check(client, due, role):
    w = due
    client.force_login(getattr(w, role))
    before = written_state()
    assert client.get(url("impact_edit", w.check.pk)).status_code == 403
    assert client.post(url("impact_edit", w.check.pk), edit_data(w.check, due_on=days(9).isoformat())
                       ).status_code == 403
    assert written_state() == before
    client.force_login(w.admin)
    assert client.post(url("impact_edit", w.check.pk), edit_data(w.check, due_on=days(9).isoformat())
                       ).status_code == 302
    assert ImpactCheck.objects.get(pk=w.check.pk).due_on == days(9)


# --- a board with impact checks in every state ------------------------------------------------------------------------


@pytest.fixture
def board(impact):
    """Verified actions with checks in every state, written directly (d = today):

    multi-agency plan: V1 done embedded (found d-5, M&E); V2 done partly (d-60, M&E); V3 done not embedded (d-40,
    PP) and its follow-up overdue (due d-1, PP); V4 due (d+10, M&E); V5 upcoming (d+31, M&E); V6 due today
    (unassigned). Health's own plan: H1 done embedded (d-3, M&E); H2 overdue (d-5, M&E); H3 cannot tell (d-10,
    M&E) and due (d+30, M&E). Police's own plan: P1 done embedded (d-2, an inactive group the member is in); P2,
    its sign-off withdrawn (completed), a withdrawn check. A second review: R1 overdue (d-10, the inactive group).
    """
    w = impact
    w.old = SubCommittee.objects.create(name="Old workforce group", is_active=False)
    w.old.members.add(w.member)
    w.review2 = factories.review()
    multi2 = factories.plan(w.review2)
    V = Status.VERIFIED

    def act(plan, lead, ref, status=V):
        return factories.action(plan, lead, reference=ref, status=status)

    w.v1, w.v2, w.v3 = act(w.multi_plan, w.police, "V1"), act(w.multi_plan, w.health, "V2"), act(
        w.multi_plan, w.police, "V3")
    w.v4, w.v5, w.v6 = (act(w.multi_plan, w.police, ref) for ref in ("V4", "V5", "V6"))
    w.h1, w.h2, w.h3 = (act(w.health_plan, w.health, ref) for ref in ("H1", "H2", "H3"))
    w.p1, w.p2 = act(w.police_plan, w.police, "P1"), act(w.police_plan, w.police, "P2", Status.COMPLETED)
    w.r1 = act(multi2, w.police, "R1")
    c = w.c = SimpleNamespace()
    c.v1 = make_check(w.v1, "done", -100, "embedded", -5, w.me, note="V1: fathers assessed in 18 of 20.")
    c.v2 = make_check(w.v2, "done", -90, "partly", -60, w.me, note="V2: half the teams.")
    c.v3a = make_check(w.v3, "done", -80, "not_embedded", -40, w.pp, note="V3: no change found.")
    c.v3b = make_check(w.v3, "open", -1, sub=w.pp, follows=c.v3a)
    c.v4 = make_check(w.v4, "open", 10, sub=w.me)
    c.v5 = make_check(w.v5, "open", 31, sub=w.me)
    c.v6 = make_check(w.v6, "open", 0)
    c.h1 = make_check(w.h1, "done", -70, "embedded", -3, w.me, note="H1: health visitors ask about fathers.")
    c.h2 = make_check(w.h2, "open", -5, sub=w.me)
    c.h3a = make_check(w.h3, "done", -50, "cannot_tell", -10, w.me, note="H3: too early to tell.")
    c.h3b = make_check(w.h3, "open", 30, sub=w.me, follows=c.h3a)
    c.p1 = make_check(w.p1, "done", -30, "embedded", -2, w.old, note="P1: custody records show it.")
    c.p2 = make_check(w.p2, "withdrawn", 60, sub=w.me)
    c.r1 = make_check(w.r1, "open", -10, sub=w.old)
    return w


def checks_listed(client, query=""):
    """The checks the impact checks list shows, and the number it says ("N checks.")."""
    response = client.get(f"{url('impact_checks')}{query}")
    assert response.status_code == 200
    found = re.search(r"<p>(\d+) checks?[,.]", response.content.decode())
    assert found, f"{query}: no count of checks on the page"
    count = int(found.group(1))
    assert count == response.context["page"].paginator.count
    return count, {check.pk for check in response.context["page"]}


def pks(*checks):
    return {check.pk for check in checks}


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("", "v1 v2 v3a v3b v4 v5 v6 h1 h2 h3a h3b p1 p2 r1"),
        ("?state=overdue", "v3b h2 r1"),
        ("?state=due", "v4 v6 h3b"),
        ("?state=attention", "v3b h2 r1 v4 v6 h3b"),
        ("?state=upcoming", "v5"),
        ("?state=done", "v1 v2 v3a h1 h3a p1"),
        ("?state=withdrawn", "p2"),
        ("?finding=embedded", "v1 h1 p1"),
        ("?finding=partly", "v2"),
        ("?finding=not_embedded", "v3a"),
        ("?finding=cannot_tell", "h3a"),
        ("?review={review2}", "r1"),
        ("?review={review}", "v1 v2 v3a v3b v4 v5 v6 h1 h2 h3a h3b p1 p2"),
        ("?sub_committee={pp}", "v3a v3b"),
        ("?mine=yes", "v1 v2 v4 v5 h1 h2 h3a h3b p2"),  # not Professional Practice's, nor the inactive group's
        ("?mine=yes&state=attention", "v4 h2 h3b"),
        ("?state=done&finding=embedded&review={review}", "v1 h1 p1"),
    ],
)
def test_the_impact_checks_list_filters(client, board, query, names):
    w = board
    query = query.format(review=w.review.pk, review2=w.review2.pk, pp=w.pp.pk)
    client.force_login(w.member)
    expected = {getattr(w.c, name).pk for name in names.split()}
    assert checks_listed(client, query) == (len(expected), expected)


def test_the_lists_states_are_those_check_state_gives(client, board):
    client.force_login(board.member)
    on = today()
    for state in STATES:
        expected = {c.pk for c in ImpactCheck.objects.all() if rules.check_state(c.status, c.due_on, on) == state}
        assert checks_listed(client, f"?state={state}")[1] == expected, state


@pytest.mark.parametrize(("user", "names"), [("member3", "v3a v3b"), ("member4", ""), ("member2", None)])
def test_mine_lists_the_checks_of_the_readers_sub_committees(client, board, user, names):
    w = board
    client.force_login(getattr(w, user))
    expected = pks(*(getattr(w.c, n) for n in names.split())) if names is not None else set(
        ImpactCheck.objects.filter(sub_committee=w.me).values_list("pk", flat=True))
    assert checks_listed(client, "?mine=yes")[1] == expected


def test_the_impact_checks_list_shows_those_to_do_first_the_earliest_due_first(client, board):
    client.force_login(board.member)
    listed = list(client.get(url("impact_checks")).context["page"])
    to_do = [c for c in listed if c.status == CheckStatus.OPEN]
    assert len(to_do) == 7
    assert listed[:len(to_do)] == to_do  # those to do first
    assert [c.due_on for c in to_do] == sorted(c.due_on for c in to_do)  # the earliest due first


def test_an_agency_user_lists_the_checks_of_the_actions_they_may_see(client, board):
    w = board
    client.force_login(w.agency_user)
    c = w.c
    assert checks_listed(client)[1] == pks(c.v1, c.v2, c.v3a, c.v3b, c.v4, c.v5, c.v6, c.p1, c.p2, c.r1)
    assert checks_listed(client, "?state=overdue")[1] == pks(c.v3b, c.r1)


# --- the dashboard --------------------------------------------------------------------------------------------------


IMPACT_LINK = re.compile(r'<a href="([^"]+)"(?: class="[^"]*")?>(\d+)</a>')


def impact_section(html):
    start = html.index('id="impact"')
    return html[start:html.index("</dl>", start)]


def impact_numbers(client, user):
    """{link: number} of the dashboard's impact section, and the impact percentage it shows."""
    client.force_login(user)
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 200
    section = impact_section(response.content.decode())
    links = {unescape(href): int(number) for href, number in IMPACT_LINK.findall(section)}
    percent = re.search(r"<dt>Impact</dt><dd>([^<]+)</dd>", section).group(1)
    return links, percent


def listed_count(client, href):
    """The count a list prints above its table: "N actions." or "N checks."."""
    response = client.get(href)
    assert response.status_code == 200, href
    found = re.search(r">(\d+) (?:actions?|checks?)[,.]", response.content.decode())
    assert found, f"{href}: no count on the page"
    assert int(found.group(1)) == response.context["page"].paginator.count
    return int(found.group(1))


def expected_links(embedded, checked, partly, not_embedded, unchecked, overdue, due):
    actions, checks = reverse("actionplans:action_list"), reverse("learning:impact_checks")
    return {
        f"{actions}?impact=embedded": embedded, f"{actions}?impact=checked": checked,
        f"{actions}?impact=partly": partly, f"{actions}?impact=not_embedded": not_embedded,
        f"{actions}?impact=unchecked": unchecked, f"{checks}?state=overdue": overdue, f"{checks}?state=due": due,
    }


@pytest.mark.parametrize(
    ("role", "numbers", "percent"),
    [
        ("chair", (3, 5, 1, 1, 6, 3, 3), "60%"),
        ("member", (3, 5, 1, 1, 6, 3, 3), "60%"),
        ("agency_user", (2, 4, 1, 1, 4, 2, 2), "50%"),  # police: not health's own plan
        ("other", (2, 4, 1, 1, 6, 3, 3), "50%"),  # health: not the police's own plan
    ],
)
def test_every_impact_number_on_the_dashboard_opens_a_list_of_that_many(client, board, role, numbers, percent):
    user = getattr(board, role)
    links, shown_percent = impact_numbers(client, user)
    assert links == expected_links(*numbers)
    assert shown_percent == percent
    for href, number in links.items():
        assert listed_count(client, href) == number, href
    visible = access.visible_actions(user)
    assert rules.impact_in_python(loaded_actions(visible)) == rules.Impact(
        verified=numbers[1] + numbers[4], checked=numbers[1], embedded=numbers[0], partly=numbers[2],
        not_embedded=numbers[3])


def test_the_dashboards_impact_is_a_dash_with_nothing_checked(client, impact):
    verified(impact)
    links, percent = impact_numbers(client, impact.chair)
    assert percent == "—"
    assert links == expected_links(0, 0, 0, 0, 1, 0, 0)


@pytest.fixture
def committed(transactional_db, impact):
    """The world, committed for real: the dashboard's cache is used only outside a writing transaction."""
    return impact


def test_the_dashboard_shows_a_finding_as_soon_as_it_is_recorded(client, committed):
    w = committed
    action = verified(w)
    check = open_check(action)
    ImpactCheck.objects.filter(pk=check.pk).update(due_on=days(5))  # due
    links, percent = impact_numbers(client, w.chair)
    assert links == expected_links(0, 0, 0, 0, 1, 0, 1) and percent == "—"
    assert versions.peek((versions.FIGURES, versions.LEARNING), ("impact", "all", today())) is not None  # cached
    client.force_login(w.member)
    assert client.post(url("impact_record", check.pk), finding_data(
        ImpactCheck.objects.get(pk=check.pk), finding="partly", follow_up="check",
        follow_up_due=days(200).isoformat())).status_code == 302
    links, percent = impact_numbers(client, w.chair)
    assert links == expected_links(0, 1, 1, 0, 0, 0, 0) and percent == "0%"
    # and the report, from the same cache
    client.force_login(w.chair)
    report = client.get(reverse("dashboard:report")).context["report"]
    assert report.impact.impact == rules.Impact(verified=1, checked=1, partly=1)
    assert [c.pk for c in report.findings_since] == [check.pk]


# --- the member's home page -------------------------------------------------------------------------------------------


SEE_ALL = re.compile(r'<a href="([^"]+)">See all (\d+)<')


def home_impact(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response, {item.key: item for item in response.context["home"].lists}.get("impact")


@pytest.mark.parametrize(("role", "names"), [("member", "h2 v4 h3b"), ("member2", "h2 v4 h3b"), ("member3", "v3b")])
def test_a_members_home_lists_their_sub_committees_checks_overdue_or_due(client, board, role, names):
    w = board
    response, listed = home_impact(client, getattr(w, role))
    expected = [getattr(w.c, n).pk for n in names.split()]  # overdue first: by due date
    assert [check.pk for check in listed.items] == expected
    assert listed.count == len(expected)
    html = unescape(response.content.decode())
    links = dict(SEE_ALL.findall(html))
    assert links[listed.url] == str(listed.count)
    assert listed_count(client, listed.url) == listed.count
    page = client.get(listed.url).context["page"]
    assert [c.pk for c in page.object_list] == expected  # the very checks, in the same order
    for pk in expected:
        assert url("impact_check", pk) in html


def test_a_member_in_no_sub_committee_has_no_checks_on_their_home_page(client, board):
    response, listed = home_impact(client, board.member4)
    assert listed.count == 0 and listed.items == []
    assert "No impact check of your sub-committees is due in the next 30 days." in text_of(response)
    assert url("impact_check", board.c.v4.pk) not in response.content.decode()


# --- the board report -------------------------------------------------------------------------------------------------


def test_the_board_report_has_the_impact_section_and_the_findings_since_the_last_report(client, board):
    w = board
    client.force_login(w.chair)
    response = client.get(reverse("dashboard:report") + f"?since={days(-30).isoformat()}")
    assert response.status_code == 200
    html = text_of(response)
    assert '<span class="num">8</span> Impact: has practice changed?' in html
    assert ("Of the 11 verified actions, 5 have been checked: <strong>3 embedded</strong>, 1 partly embedded, "
            "1 not embedded (impact 60%). 3 checks are overdue and 3 due in the next 30 days.") in html
    report = response.context["report"]
    assert [c.pk for c in report.findings_since] == [w.c.h3a.pk, w.c.v1.pk, w.c.h1.pk, w.c.p1.pk]  # by date
    for note in ("V1: fathers assessed", "H1: health visitors", "H3: too early", "P1: custody records"):
        assert note in html
    for older in ("V2: half the teams.", "V3: no change found."):  # found before the report's date
        assert older not in html
    assert "Impact findings recorded since the last report" in html
    # an earlier date takes them in
    longer = client.get(reverse("dashboard:report") + f"?since={days(-60).isoformat()}").context["report"]
    assert {c.pk for c in longer.findings_since} == pks(w.c.v1, w.c.v2, w.c.v3a, w.c.h1, w.c.h3a, w.c.p1)


def test_a_finding_recorded_since_the_last_report_is_in_it_though_dated_before(client, due):
    w = due
    services.impact_finding_record(check=w.check, actor=w.member, seen=lifecycle.Seen("open"), finding="partly",
                                   looked_at="Case files.", finding_note="Recorded late: the May meeting.",
                                   checked_on=days(-40))
    client.force_login(w.chair)
    response = client.get(reverse("dashboard:report") + f"?since={days(-30).isoformat()}")
    assert [c.pk for c in response.context["report"].findings_since] == [w.check.pk]
    assert "Recorded late: the May meeting." in text_of(response)


def test_an_agency_users_report_counts_and_lists_only_what_they_may_see(client, board):
    w = board
    client.force_login(w.agency_user)
    response = client.get(reverse("dashboard:report") + f"?since={days(-30).isoformat()}")
    html = text_of(response)
    assert ("Of the 8 verified actions, 4 have been checked: <strong>2 embedded</strong>, 1 partly embedded, "
            "1 not embedded (impact 50%). 2 checks are overdue and 2 due in the next 30 days.") in html
    assert [c.pk for c in response.context["report"].findings_since] == [w.c.v1.pk, w.c.p1.pk]
    assert "H1: health visitors" not in html and "H3: too early" not in html


def test_a_report_with_no_finding_since_says_so(client, board):
    client.force_login(board.chair)
    html = text_of(client.get(reverse("dashboard:report") + f"?since={days(-1).isoformat()}"))
    assert "No impact finding was recorded since the last report." in html


# --- the action page --------------------------------------------------------------------------------------------------


def test_the_action_page_shows_its_impact_checks(client, board):
    w = board
    client.force_login(w.agency_user)
    html = text_of(client.get(w.v3.get_absolute_url()))
    assert 'id="impact-checks"' in html
    assert f'href="{w.c.v3a.get_absolute_url()}"' in html and f'href="{w.c.v3b.get_absolute_url()}"' in html
    assert f"<strong>not embedded</strong> ({days(-40):%-d %b %Y}), Professional Practice" in html
    assert f"Due {days(-1):%-d %b %Y}</a>: to do" in html
    assert html.index(w.c.v3b.get_absolute_url()) < html.index(w.c.v3a.get_absolute_url())  # the latest first
    html = text_of(client.get(w.p2.get_absolute_url()))
    assert "withdrawn (the sign-off was withdrawn)" in html
    bare = text_of(client.get(w.multi_action.get_absolute_url()))
    assert 'id="impact-checks"' not in bare


def test_the_action_page_shows_the_check_its_sign_off_scheduled(client, due):
    client.force_login(due.consultant)
    html = text_of(client.get(due.action.get_absolute_url()))
    assert f'href="{due.check.get_absolute_url()}"' in html
    assert f"Due {due.check.due_on:%-d %b %Y}</a>: to do, Monitoring and Evaluation" in html
