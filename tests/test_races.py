"""Two people act on the same action or evidence item at once (issue 10, "Races lose cleanly").

Each racing pair (cancel/verify, cancel/progress, verify/withdraw the sign-off, accept/reject, new version/decide)
is played as two real requests, each from its own test client on its own thread, so each with its own database
connection, released together by a barrier, many times over with fresh objects. Each person first opens the page
they act from, and posts what that page gave them (the hidden ``seen_status`` among it), as a browser would.
Every time: exactly one wins; the other is told that nothing of theirs was saved, what changed and by whom, and
is given back what they wrote; the database holds the winner's outcome only; the change records and the progress
log tell the true before and after.

Real threads need real commits (``transaction=True``; the requests run in ATOMIC_REQUESTS transactions) and a
database that serves two connections at once: PostgreSQL, as .ci/run provides. On SQLite these tests are skipped
with the reason, except in CI (CI=true), where a missing PostgreSQL is a failure, not a skip. A one-line summary per
pair (tries, overlapping requests, winners per side, losers told) is printed: run with ``-s`` to see it.

The sequential interleavings at the end (one request completes, then the other posts the form it had opened
before) run on every database, SQLite included: the loser gets the same message, never a 500.
"""

import datetime
import html
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from actionplans import dates, lifecycle
from actionplans.models import ProgressUpdate, TargetDateChange
from actionplans.rules import Status, today
from audit.models import ChangeRecord
from evidence import tasks
from evidence.models import Evidence, EvidenceDecision
from tests import evidence_samples as samples
from tests import factories

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
#: Tries per racing pair (the issue asks for at least 10).
TRIALS = 12
CONFLICT = "While you were working"


@pytest.fixture
def concurrent_db(transactional_db):
    if connection.vendor != "postgresql":
        missing = (
            "two requests at once need a database that serves two connections at once: "
            "set DATABASE_URL to PostgreSQL (as .ci/run does) to run it"
        )
        if IN_CI:
            pytest.fail(f"CI must run the race tests, but {missing}.")
        pytest.skip(f"Race test with concurrent requests: {missing}.")


@pytest.fixture
def people(world):
    """The world, with a second consultant (two consultants deciding at once) and a third person who acted
    before the race (the administrator, who may sign off too)."""
    world.consultant2 = factories.user(Role.CONSULTANT, username="consultant2")
    world.member2 = factories.user(Role.MEMBER, username="member2")  # two members deciding a date at once
    return world


@pytest.fixture
def rejection_emails():
    with mock.patch.object(tasks.send_rejection_email, "delay") as delay:
        yield delay


# --- the people, their pages and their requests -----------------------------------------------------------------


class _Forms(HTMLParser):
    """The forms of a page: each one's action and hidden inputs."""

    def __init__(self):
        super().__init__()
        self.forms, self._open = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._open = {"action": attrs.get("action") or "", "hidden": {}}
            self.forms.append(self._open)
        elif tag == "input" and self._open is not None and attrs.get("type") == "hidden" and attrs.get("name"):
            self._open["hidden"][attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None


def hidden_fields(page_html, page_url, post_url):
    """The hidden inputs of the form on this page that posts to ``post_url`` (CSRF token left out)."""
    parser = _Forms()
    parser.feed(page_html)
    forms = [form for form in parser.forms if (form["action"] or page_url) == post_url]
    assert forms, f"{page_url} has no form posting to {post_url}"
    return {name: value for name, value in forms[0]["hidden"].items() if name != "csrfmiddlewaretoken"}


@dataclass
class Side:
    """One person in a race: who, what they post where, and what they wrote (a lost race must give it back)."""

    name: str
    user: object
    url: str
    data: dict
    text: str
    client: Client
    response: object = None
    started: float = 0.0
    ended: float = 0.0
    won: bool = False
    #: The conflict message the person was shown, as text; "" when none.
    told: str = ""

    def post(self):
        self.started = time.perf_counter()
        self.response = self.client.post(self.url, self.data)
        self.ended = time.perf_counter()


def opened(name, user, url, page_url, text, **data):
    """``user`` opens ``page_url`` now, and will post its form to ``url`` with ``data``."""
    client = Client()
    client.force_login(user)
    page = client.get(page_url)
    assert page.status_code == 200, f"{user} cannot open {page_url}: HTTP {page.status_code}"
    return Side(name, user, url, {**hidden_fields(page.content.decode(), page_url, url), **data}, text, client)


@dataclass
class Trial:
    sides: list
    #: check(winner, loser): the database and the loser's message, as they must be.
    check: Callable
    #: When one side acts on a page that was out of date before the race began, it must lose whatever the timing.
    must_win: str = ""


def settle(side):
    """Did the person's move go through, and what were they told? Follows the redirect, as a browser would."""
    response = side.response
    if response.status_code == 302:
        page = side.client.get(response["Location"])
        assert page.status_code == 200, f"{side.name}: the page after the redirect gave HTTP {page.status_code}"
        levels = {message.level_tag for message in page.context["messages"]}
        content = page.content.decode()
    else:
        levels, content = set(), response.content.decode()
    found = re.search(re.escape(CONFLICT) + r"[^<]*", content)
    side.told = html.unescape(found.group(0)).strip() if found else ""
    side.won = response.status_code == 302 and "success" in levels and "error" not in levels and not side.told
    lost = bool(side.told) and "success" not in levels and response.status_code in (302, 400, 409)
    if not (side.won or lost):
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", content))
        pytest.fail(
            f"{side.name} by {side.user}: neither a success nor the conflict message: HTTP {response.status_code}, "
            f"messages {sorted(levels)}, page: {text[:800]}"
        )


def judge(trial):
    """Exactly one side won; the loser was told who changed what, and given back what they wrote."""
    for side in trial.sides:
        settle(side)
    winners = [side for side in trial.sides if side.won]
    assert len(winners) == 1, "both won" if winners else "neither won: " + " / ".join(s.told for s in trial.sides)
    winner = winners[0]
    loser = next(side for side in trial.sides if side is not winner)
    if trial.must_win:
        assert winner.name == trial.must_win, f"{winner.name} won on a page out of date before the race began"
    assert loser.told.startswith(CONFLICT)
    if loser.text:
        assert f"What you wrote, to use again: “{loser.text}”" in loser.told
    trial.check(winner, loser)
    return winner, loser


def at_once(*sides):
    """Post every side's request on its own thread (its own database connection), released together."""
    barrier = threading.Barrier(len(sides))
    failures = []

    def run(side):
        try:
            connection.ensure_connection()  # connected before the start, so that both requests start level
            barrier.wait(timeout=30)
            side.post()
        except BaseException as error:  # a 500 (the client re-raises it), a deadlock, a broken barrier
            failures.append((side, error))
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(side,), name=f"race-{side.name}") for side in sides]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request never finished (a lock never released?)"
    if failures:
        side, error = failures[0]
        raise AssertionError(f"the {side.name} request by {side.user} failed: {error!r}") from error
    return max(side.started for side in sides) < min(side.ended for side in sides)


def one_after_the_other(first, second):
    first.post()
    second.post()


def race(label, make_trial, trials=TRIALS):
    """Play the pair ``trials`` times with fresh objects; print the figures; return the winners' tally."""
    wins, overlapped, told = Counter(), 0, 0
    names = None
    for n in range(trials):
        trial = make_trial(n)
        names = names or [side.name for side in trial.sides]
        overlapped += at_once(*trial.sides)
        winner, loser = judge(trial)
        wins[winner.name] += 1
        told += loser.told.startswith(CONFLICT)
    figures = ", ".join(f"{name} {wins[name]}" for name in names)
    print(
        f"\nrace {label} on {connection.vendor}: {trials} tries, the two requests overlapped in time in {overlapped}; "
        f"exactly one won every time ({figures}); the loser was told who changed what in {told}/{trials}"
    )
    assert sum(wins.values()) == told == trials
    return wins


# --- what the database must hold ---------------------------------------------------------------------------------


def last_record_id():
    return ChangeRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0


def records_since(obj, since, verb=ChangeRecord.Verb.CHANGED):
    return ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk, id__gt=since, verb=verb
    ).order_by("id")


def status_changes(obj, since):
    """(actor, [status before, status after]) of each change record of ``obj`` written since ``since``."""
    return [(record.actor_id, record.changes.get("status")) for record in records_since(obj, since)]


def progress_entries(action, since_entry):
    entries = ProgressUpdate.objects.filter(action=action, id__gt=since_entry).order_by("id")
    return [(e.author_id, e.status_before, e.status_after, e.note) for e in entries]


def last_entry_id():
    return ProgressUpdate.objects.order_by("-id").values_list("id", flat=True).first() or 0


def stored_files():
    root = Path(settings.MEDIA_ROOT)
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def kept_files():
    return set(Evidence.objects.exclude(stored_name="").values_list("stored_name", flat=True))


# --- the pairs ---------------------------------------------------------------------------------------------------


def _action_url(name, action):
    return reverse(f"actionplans:{name}", args=[action.pk])


def completed_with_accepted_evidence(w):
    action = factories.action(w.multi_plan, w.police, status=Status.COMPLETED)
    item = samples.submit_note(action, w.agency_user)
    lifecycle.decide(evidence=item, actor=w.consultant, accept=True, note="Complete.")
    return action


def cancel_or_verify(w, n):
    """A member cancels a completed action while the consultant signs it off."""
    action = completed_with_accepted_evidence(w)
    since, since_entry = last_record_id(), last_entry_id()
    reason = f"Merged into action 2.4 of the new plan (try {n})."
    note = f"The audit of 30 files shows fathers assessed in 28 (try {n})."
    page = _action_url("action_detail", action)
    cancel_url = _action_url("action_cancel", action)
    cancel = opened("cancel", w.member, cancel_url, cancel_url, reason, reason=reason)
    verify = opened("verify", w.consultant, _action_url("action_verify", action), page, note, note=note)

    def check(winner, loser):
        action.refresh_from_db()
        after = Status.CANCELLED if winner is cancel else Status.VERIFIED
        assert action.status == after
        assert action.cancellation_reason == (reason if winner is cancel else "")
        assert status_changes(action, since) == [(winner.user.pk, ["Completed", after.label])]
        entry = f"Cancelled: {reason}" if winner is cancel else f"Verified: {note}"
        assert progress_entries(action, since_entry) == [(winner.user.pk, Status.COMPLETED, after, entry)]
        assert f"changed from completed to {after.label.lower()} by {winner.user} on " in loser.told

    return Trial([cancel, verify], check)


def cancel_or_progress(w, n):
    """A member cancels an action in progress while its lead agency records it completed."""
    action = factories.action(w.multi_plan, w.police, status=Status.IN_PROGRESS)
    since, since_entry = last_record_id(), last_entry_id()
    reason = f"The national protocol replaces it (try {n})."
    note = f"All six workshops held; 212 staff attended (try {n})."
    cancel_url = _action_url("action_cancel", action)
    cancel = opened("cancel", w.member, cancel_url, cancel_url, reason, reason=reason)
    progress = opened(
        "progress", w.agency_user, _action_url("action_progress", action), _action_url("action_detail", action),
        note, status=Status.COMPLETED, note=note,
    )

    def check(winner, loser):
        action.refresh_from_db()
        after = Status.CANCELLED if winner is cancel else Status.COMPLETED
        assert action.status == after
        assert status_changes(action, since) == [(winner.user.pk, ["In progress", after.label])]
        entry = f"Cancelled: {reason}" if winner is cancel else note
        assert progress_entries(action, since_entry) == [(winner.user.pk, Status.IN_PROGRESS, after, entry)]
        assert f"changed from in progress to {after.label.lower()} by {winner.user} on " in loser.told

    return Trial([cancel, progress], check)


def verify_or_withdraw(w, n):
    """Signing off and withdrawing a sign-off undo each other, so two people meet only when one of them acts on a
    page drawn before a third person's move. Even tries: a consultant opened the action when it was completed,
    then the administrator signed it off, and a second consultant, seeing that sign-off, withdraws it while the
    first signs off. Odd tries: the second consultant opened the action when it was verified, then the
    administrator withdrew that sign-off, and the first consultant, seeing it completed, signs it off while the
    second withdraws. Whatever the timing, the person whose page was out of date must lose, and must not undo
    the other's move without having seen it."""
    action = completed_with_accepted_evidence(w)
    page = _action_url("action_detail", action)
    verify_url, withdraw_url = _action_url("action_verify", action), _action_url("action_withdraw_verification", action)
    note = f"The re-audit confirms the change (try {n})."
    reason = f"The audit sample was too small (try {n})."

    def open_verify():
        return opened("verify", w.consultant, verify_url, page, note, note=note)

    def open_withdraw():
        return opened("withdraw", w.consultant2, withdraw_url, withdraw_url, reason, reason=reason)

    if n % 2 == 0:
        verify = open_verify()
        lifecycle.verify(action=action, actor=w.admin, note="Signed off first.", seen_status=Status.COMPLETED)
        withdraw = open_withdraw()
        before, must_win = Status.VERIFIED, "withdraw"
    else:
        lifecycle.verify(action=action, actor=w.admin, note="Signed off first.", seen_status=Status.COMPLETED)
        withdraw = open_withdraw()
        lifecycle.withdraw_verification(
            action=action, actor=w.admin, reason="Signed off too early.", seen_status=Status.VERIFIED
        )
        verify = open_verify()
        before, must_win = Status.COMPLETED, "verify"
    since, since_entry = last_record_id(), last_entry_id()

    def check(winner, loser):
        action.refresh_from_db()
        after = Status.COMPLETED if winner is withdraw else Status.VERIFIED
        assert action.status == after
        assert status_changes(action, since) == [(winner.user.pk, [before.label, after.label])]
        entry = f"Sign-off withdrawn: {reason}" if winner is withdraw else f"Verified: {note}"
        assert progress_entries(action, since_entry) == [(winner.user.pk, before, after, entry)]
        # The loser's page was out of date before the race: the message names whoever changed it since.
        assert re.search(rf" by ({re.escape(str(w.admin))}|{re.escape(str(winner.user))}) on ", loser.told)

    return Trial([verify, withdraw], check, must_win=must_win)


def accept_or_reject(w, n, emails):
    """Two consultants decide on the same submitted item at once: one accepts, the other rejects."""
    action = factories.action(w.multi_plan, w.police)
    item = samples.submit_note(action, w.agency_user)
    since = last_record_id()
    emails.reset_mock()
    page, url = reverse("evidence:detail", args=[item.pk]), reverse("evidence:decide", args=[item.pk])
    yes = f"Complete attendance lists (try {n})."
    no = f"The lists are undated (try {n})."
    accept = opened("accept", w.consultant, url, page, yes, decision="accept", note=yes)
    reject = opened("reject", w.consultant2, url, page, no, decision="reject", note=no)

    def check(winner, loser):
        item.refresh_from_db()
        outcome = EvidenceDecision.Outcome.ACCEPTED if winner is accept else EvidenceDecision.Outcome.REJECTED
        assert item.status == outcome
        decision = EvidenceDecision.objects.get(evidence=item)
        assert (decision.outcome, decision.decided_by, decision.note) == (outcome, winner.user, winner.text)
        assert status_changes(item, since) == [(winner.user.pk, ["Submitted", outcome.label])]
        assert records_since(decision, since, ChangeRecord.Verb.CREATED).count() == 1
        # Only a rejection that won e-mails the agency; a lost one sends nothing.
        assert emails.call_count == (1 if winner is reject else 0)
        assert f"evidence #{item.pk} on action {action} was {outcome.label.lower()} by {winner.user} on " in loser.told

    return Trial([accept, reject], check)


def new_version_or_decide(w, n, emails):
    """The agency sends a new version of a submitted item while the consultant decides on it (accepts on even
    tries, rejects on odd ones). Every other try the new version carries a file: a lost one leaves none behind."""
    action = factories.action(w.multi_plan, w.police)
    item = samples.submit_note(action, w.agency_user)
    since = last_record_id()
    emails.reset_mock()
    url = reverse("evidence:new_version", args=[item.pk])
    description = f"Signed protocol, with the last two signatures (try {n})."
    data = {
        "description": description,
        "represents_on": (today() - datetime.timedelta(days=1)).isoformat(),
        "note": f"All eight partners have now signed (try {n}).",
    }
    if n % 2:
        data["files"] = samples.upload("protocol.pdf", samples.pdf(), "application/pdf")
    new = opened("new version", w.agency_user, url, url, description, **data)
    accepting = n % 2 == 0
    note = f"Accepted as it stands (try {n})." if accepting else f"Two signatures are missing (try {n})."
    decide = opened(
        "decide", w.consultant, reverse("evidence:decide", args=[item.pk]), reverse("evidence:detail", args=[item.pk]),
        note, decision="accept" if accepting else "reject", note=note,
    )

    def check(winner, loser):
        item.refresh_from_db()
        newer = list(Evidence.objects.filter(supersedes=item))
        if winner is new:
            assert item.status == Evidence.Status.SUPERSEDED
            assert [(e.description, e.status, e.submitted_by) for e in newer] == [
                (description, Evidence.Status.SUBMITTED, w.agency_user)
            ]
            assert not EvidenceDecision.objects.filter(evidence=item).exists()
            assert status_changes(item, since) == [(w.agency_user.pk, ["Submitted", "Superseded"])]
            assert records_since(newer[0], since, ChangeRecord.Verb.CREATED).count() == 1
            assert emails.call_count == 0
            assert f"evidence #{item.pk} on action {action} was superseded by evidence #{newer[0].pk}, " \
                   f"from {w.agency_user} on " in loser.told
        else:
            outcome = EvidenceDecision.Outcome.ACCEPTED if accepting else EvidenceDecision.Outcome.REJECTED
            assert item.status == outcome
            assert newer == []
            assert EvidenceDecision.objects.get(evidence=item).decided_by == w.consultant
            assert status_changes(item, since) == [(w.consultant.pk, ["Submitted", outcome.label])]
            assert emails.call_count == (0 if accepting else 1)
            assert f"evidence #{item.pk} on action {action} was {outcome.label.lower()} by {w.consultant} on " in (
                loser.told
            )
        assert stored_files() == kept_files()  # a lost upload is removed again; a won one is kept

    return Trial([new, decide], check)


def approve_or_refuse(w, n):
    """Two members decide the same request for a new target date at once: one approves, the other refuses."""
    action = factories.action(w.multi_plan, w.police)
    original = action.target_date
    new_date = original + datetime.timedelta(days=30 + n)
    change = dates.request_target_date(action=action, actor=w.agency_user, new_date=new_date, reason=f"Late (try {n}).")
    since = last_record_id()
    page, url = _action_url("action_detail", action), reverse("actionplans:date_change_decide", args=[change.pk])
    yes = f"Agreed at the sub-committee (try {n})."
    no = f"Keep the date: the spring course will do (try {n})."
    approve = opened("approve", w.member, url, page, yes, decision="approve", note=yes)
    refuse = opened("refuse", w.member2, url, page, no, decision="refuse", note=no)

    def check(winner, loser):
        change.refresh_from_db()
        action.refresh_from_db()
        outcome = TargetDateChange.Status.APPROVED if winner is approve else TargetDateChange.Status.REFUSED
        assert (change.status, change.decided_by, change.decision_note) == (outcome, winner.user, winner.text)
        assert [r.changes["status"] for r in records_since(change, since)] == [["Waiting for approval", outcome.label]]
        moved = winner is approve
        assert (action.target_date, action.target_date_moves) == ((new_date, 1) if moved else (original, 0))
        assert len(records_since(action, since)) == int(moved)
        assert (
            f"the request to move the target date of action {action} to {dates.day(new_date)} was "
            f"{outcome.label.lower()} by {winner.user} on " in loser.told
        )

    return Trial([approve, refuse], check)


def two_date_changes(w, n):
    """Two members move the same action's target date at once, from the date both their pages showed."""
    action = factories.action(w.multi_plan, w.police)
    original = action.target_date
    since = last_record_id()
    url = _action_url("action_target_date", action)
    first_date, second_date = original + datetime.timedelta(days=30), original + datetime.timedelta(days=60)
    first_reason, second_reason = f"The provider withdrew (try {n}).", f"The guidance is late (try {n})."
    first = opened("change", w.member, url, url, first_reason, new_date=first_date.isoformat(), reason=first_reason)
    second = opened(
        "change again", w.member2, url, url, second_reason, new_date=second_date.isoformat(), reason=second_reason
    )

    def check(winner, loser):
        action.refresh_from_db()
        won_date = first_date if winner is first else second_date
        assert (action.target_date, action.original_target_date, action.target_date_moves) == (won_date, original, 1)
        changes = list(TargetDateChange.objects.filter(action=action).values_list("new_date", "requested_by", "reason"))
        assert changes == [(won_date, winner.user.pk, winner.text)]
        assert [r.actor_id for r in records_since(action, since)] == [winner.user.pk]
        assert (
            f"the target date of action {action} was changed from {dates.day(original)} to {dates.day(won_date)} "
            f"by {winner.user} on " in loser.told
        )

    return Trial([first, second], check)


# --- concurrent requests, on PostgreSQL ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_cancel_and_verify_at_once(concurrent_db, people):
    race("cancel/verify", lambda n: cancel_or_verify(people, n))


@pytest.mark.django_db(transaction=True)
def test_cancel_and_progress_at_once(concurrent_db, people):
    race("cancel/progress", lambda n: cancel_or_progress(people, n))


@pytest.mark.django_db(transaction=True)
def test_verify_and_withdraw_the_sign_off_at_once(concurrent_db, people):
    wins = race("verify/withdraw-verification", lambda n: verify_or_withdraw(people, n))
    assert wins == {"verify": TRIALS // 2, "withdraw": TRIALS - TRIALS // 2}  # the up-to-date page, every time


@pytest.mark.django_db(transaction=True)
def test_accept_and_reject_at_once(concurrent_db, people, rejection_emails):
    race("accept/reject", lambda n: accept_or_reject(people, n, rejection_emails))


@pytest.mark.django_db(transaction=True)
def test_new_version_and_decide_at_once(concurrent_db, people, rejection_emails):
    race("new-version/decide", lambda n: new_version_or_decide(people, n, rejection_emails))


@pytest.mark.django_db(transaction=True)
def test_two_members_decide_the_same_date_request_at_once(concurrent_db, people):
    race("approve/refuse a new target date", lambda n: approve_or_refuse(people, n))


@pytest.mark.django_db(transaction=True)
def test_two_members_move_the_same_target_date_at_once(concurrent_db, people):
    race("change/change a target date", lambda n: two_date_changes(people, n))


# --- one after the other, on any database (SQLite too) ------------------------------------------------------------

PAIRS = {
    "cancel/verify": lambda w, n, emails: cancel_or_verify(w, n),
    "cancel/progress": lambda w, n, emails: cancel_or_progress(w, n),
    "verify/withdraw-verification": lambda w, n, emails: verify_or_withdraw(w, n),
    "accept/reject": accept_or_reject,
    "new-version/decide": new_version_or_decide,
    "approve/refuse-date": lambda w, n, emails: approve_or_refuse(w, n),
    "change/change-date": lambda w, n, emails: two_date_changes(w, n),
}


@pytest.mark.parametrize("pair", PAIRS)
@pytest.mark.parametrize("try_number", [0, 1])
@pytest.mark.parametrize("second_first", [False, True], ids=["in-order", "reversed"])
def test_the_second_of_two_posts_from_the_same_state_gets_the_message(
    people, rejection_emails, django_capture_on_commit_callbacks, pair, try_number, second_first
):
    """Both people opened their page; one posts and is done; then the other posts what their page had."""
    trial = PAIRS[pair](people, try_number, rejection_emails)
    first, second = reversed(trial.sides) if second_first else trial.sides
    with django_capture_on_commit_callbacks(execute=True):  # the test's transaction never commits
        one_after_the_other(first, second)
    winner, loser = judge(trial)
    if not trial.must_win:
        assert winner is first
    elif winner is first:
        # The status is back to what the loser's out-of-date page showed: only its moment tells it changed.
        assert f"and is now {loser.data['seen_status'].replace('_', ' ')} again by {winner.user} on " in loser.told
    on_its_page = ("new version", "cancel", "progress", "withdraw", "approve", "refuse", "change", "change again")
    assert loser.response.status_code == (409 if loser.name in on_its_page else 302)


@pytest.mark.parametrize("moment", ["yesterday", "2026-03-02T10:00:00", ""])
def test_a_form_with_a_broken_or_missing_moment_is_never_a_500(client, world, moment):
    """A moment that is not one is refused as an out-of-date form; without one, the status alone is checked."""
    action = world.police_action
    client.force_login(world.member)
    data = {"reason": "Duplicate.", "seen_status": action.status, "seen_changed_at": moment}
    response = client.post(reverse("actionplans:action_cancel", args=[action.pk]), data)
    action.refresh_from_db()
    if moment:
        assert response.status_code == 400
        assert "This form is out of date: open the page again and retry." in response.content.decode()
        assert action.status == Status.IN_PROGRESS
    else:
        assert response.status_code == 302
        assert action.status == Status.CANCELLED
