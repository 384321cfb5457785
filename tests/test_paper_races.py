"""Two people issue the same board paper at once, or one edits a draft while another issues it (README, "Board
papers": issuing is a conditional write, ``UPDATE … WHERE status = 'draft'``, on the locked row; a draft is changed
on its locked row, never once issued). Each pair is played many times, with fresh drafts, on two real database
connections released together (tests/test_races.py's machinery): through the services, where the loser of two
issues must get lifecycle.Conflict, and through the pages, where the loser must be told that nothing of theirs was
saved. Every time the paper is issued once, by the winner: two kept files (its PDF and DOCX), one record of the
board's report for a report to partners, and content that is the winner's; and an issued paper's introduction is
always the one its frozen content says.

PostgreSQL only, as tests/test_races.py: skipped with the reason on SQLite (a failure in CI)."""

import datetime
import html
import io
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from docx import Document

from accounts.models import Role
from actionplans import lifecycle
from actionplans.rules import today
from audit.models import ChangeRecord
from dashboard.models import ReportIssue
from evidence import storage
from papers import content, services
from papers.models import Paper, PaperFile
from tests import factories
from tests.test_learning_races import one_won, together
from tests.test_races import (  # noqa: F401 - concurrent_db is a fixture
    CONFLICT,
    Trial,
    at_once,
    concurrent_db,
    opened,
    race,
    stored_files,
)

Status = Paper.Status
TRIES = 8
SAVED_NOTHING = "nothing of yours was saved"
INTRODUCTION = "The board reports on the action plans of its serious case reviews."


@pytest.fixture
def people(world):
    """The world, with a second member: two members issuing the same paper at once."""
    world.member2 = factories.user(Role.MEMBER, username="member2")
    return world


def draft(w, n, kind=Paper.Kind.PARTNERS):
    """A fresh draft by the member: a report to partners (changes since 90 days ago) or an annual report."""
    period = ({"since": today() - datetime.timedelta(days=90)} if kind == Paper.Kind.PARTNERS
              else {"year_start": datetime.date(today().year - 1, 4, 1)})
    return services.paper_create(
        actor=w.member, kind=kind, title=f"Report to partners ({n})", meeting="LSCB Board", dated=today(),
        author="Business manager, LSCB", introduction=INTRODUCTION, recommendations="That the partners note it.",
        **period,
    )


def status_changes(paper):
    records = ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(paper), object_id=paper.pk,
                                          verb=ChangeRecord.Verb.CHANGED)
    return [(record.actor_id, record.changes.get("status")) for record in records.order_by("id")]


def page_text(response):
    """The page as text: tags out, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def introduction_of(frozen):
    """The paragraphs of an issued paper's Introduction, as its content holds them."""
    (section,) = [section for section in frozen["sections"] if section["title"] == "Introduction"]
    return [block["text"] for block in section["blocks"] if block["t"] == "p"]


def assert_issued_once_by(paper, winner, loser, reports_before):
    """The paper is issued once, by ``winner``: its row, its content, its two kept files, its status change and, for
    a report to partners, one record of the board's report, all the winner's."""
    paper.refresh_from_db()
    assert (paper.status, paper.issued_by) == (Status.ISSUED, winner)
    assert paper.content["title"] == paper.title
    assert f" by {winner}" in paper.content["state"] and f" by {loser}" not in paper.content["state"]
    assert status_changes(paper) == [(winner.pk, ["Draft", "Issued"])]
    files = list(PaperFile.objects.filter(paper=paper).order_by("format"))
    assert [(kept.format, kept.uploaded_by) for kept in files] == [("docx", winner), ("pdf", winner)]
    for kept in files:  # the bytes kept are those recorded, and the Word document names the winner as its author
        data = storage.open_verified(kept.stored_name, kept.sha256).read()
        assert len(data) == kept.size
        if kept.format == PaperFile.Format.DOCX:
            assert Document(io.BytesIO(data)).core_properties.author == str(winner)
        else:
            assert data.startswith(b"%PDF-")
    reports = list(ReportIssue.objects.exclude(pk__in=reports_before).values_list("issued_by", "since"))
    assert reports == ([(winner.pk, paper.since)] if paper.kind == Paper.Kind.PARTNERS else [])
    return files


# --- two members issue the same draft at once -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", [Paper.Kind.PARTNERS, Paper.Kind.ANNUAL])
def test_two_members_issue_the_same_draft_at_once_through_the_service(concurrent_db, people, kind):  # noqa: F811
    w = people
    winners = []
    for n in range(TRIES):
        paper = draft(w, n, kind)
        reports_before = list(ReportIssue.objects.values_list("pk", flat=True))
        outcomes = together(
            lambda paper=paper: services.paper_issue(paper=paper, actor=w.member),
            lambda paper=paper: services.paper_issue(paper=paper, actor=w.member2),
        )
        won, refusal = one_won(outcomes)
        assert isinstance(refusal, lifecycle.Conflict), refusal
        winner, loser = (w.member, w.member2)[won], (w.member, w.member2)[1 - won]
        assert CONFLICT in refusal.messages[0] and SAVED_NOTHING in refusal.messages[0]
        assert f"was changed from draft to issued by {winner} on " in refusal.messages[0]
        assert outcomes[won][1].pk == paper.pk
        assert_issued_once_by(paper, winner, loser, reports_before)
        winners.append(("member", "member2")[won])
    assert PaperFile.objects.count() == 2 * TRIES
    assert len([name for name in stored_files() if name.startswith("papers/")]) == 2 * TRIES  # none left by a loser
    print(f"\npaper issue race ({kind}, service): {TRIES} tries, winners {sorted(winners)}")


@pytest.mark.django_db(transaction=True)
def test_two_members_issue_the_same_draft_at_once_through_the_pages(concurrent_db, people):  # noqa: F811
    w = people

    def make_trial(n):
        paper = draft(w, n)
        reports_before = list(ReportIssue.objects.values_list("pk", flat=True))
        url = reverse("papers:paper_issue", args=[paper.pk])
        page = paper.get_absolute_url()
        first = opened("member", w.member, url, page, "")
        second = opened("member2", w.member2, url, page, "")

        def check(winner, loser):
            assert loser.response.status_code == 302 and loser.response["Location"] == page
            assert f"changed from draft to issued by {winner.user} on " in loser.told
            assert_issued_once_by(paper, winner.user, loser.user, reports_before)

        return Trial([first, second], check)

    wins = race("paper issue (pages)", make_trial, trials=TRIES)
    assert sum(wins.values()) == TRIES
    assert PaperFile.objects.count() == 2 * TRIES


# --- an edit while the draft is issued ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", [Paper.Kind.PARTNERS, Paper.Kind.ANNUAL])
def test_an_edit_while_the_draft_is_issued_lands_before_it_or_is_refused_never_after(concurrent_db, people, kind):  # noqa: F811
    w = people
    landed = refused = 0
    for n in range(TRIES):
        paper = draft(w, n, kind)
        edited = f"Revised by the second member while the paper was being issued ({n})."
        outcomes = together(
            lambda paper=paper: services.paper_issue(paper=paper, actor=w.member),
            lambda paper=paper, edited=edited: services.paper_update(paper=paper, actor=w.member2,
                                                                     introduction=edited),
        )
        (issue_kind, issued), (edit_kind, edit) = outcomes
        assert issue_kind == "returned", f"the issue was refused: {issued!r}"
        paper.refresh_from_db()
        assert paper.status == Status.ISSUED and issued.pk == paper.pk
        if edit_kind == "returned":  # the edit landed first: the paper was issued with it
            landed += 1
            assert paper.introduction == edited
        else:  # the issue came first: the edit was refused, and the introduction is the one issued
            refused += 1
            assert type(edit) is lifecycle.Refused, edit
            assert "an issued paper is never changed" in edit.messages[0]
            assert paper.introduction == INTRODUCTION
        # Never an issued paper that says one thing in its row and another in what it issued.
        assert introduction_of(paper.content)[:1] == [block["text"] for block in content.paragraphs(paper.introduction)]
        assert len(PaperFile.objects.filter(paper=paper)) == 2
    print(f"\npaper edit/issue race ({kind}, service): {TRIES} tries, the edit landed first {landed}, refused {refused}")


@pytest.mark.django_db(transaction=True)
def test_an_edit_posted_while_the_draft_is_issued_through_the_pages_never_changes_an_issued_paper(
    concurrent_db, people  # noqa: F811
):
    w = people
    outcomes = []
    for n in range(TRIES):
        paper = draft(w, n)
        edited = f"Revised on the edit page ({n})."
        issue_url = reverse("papers:paper_issue", args=[paper.pk])
        edit_url = reverse("papers:paper_edit", args=[paper.pk])
        issue = opened("issue", w.member, issue_url, paper.get_absolute_url(), "")
        edit = opened("edit", w.member2, edit_url, edit_url, edited, title=paper.title, meeting=paper.meeting,
                      dated=paper.dated.isoformat(), author=paper.author, sponsor=paper.sponsor,
                      introduction=edited, recommendations=paper.recommendations, since=paper.since.isoformat())
        at_once(issue, edit)
        assert issue.response.status_code == 302
        paper.refresh_from_db()
        assert (paper.status, paper.issued_by) == (Status.ISSUED, w.member)
        code = edit.response.status_code
        if code == 302:  # saved before the issue took the row: issued with it
            assert paper.introduction == edited
        else:  # the draft was issued first: refused (the form, or the page of an issued paper), nothing changed
            assert code in (403, 409), code
            assert paper.introduction == INTRODUCTION
            told = page_text(edit.response)
            # Refused by the page (403), or by the form, which says the paper was issued meanwhile (409).
            assert "is issued: an issued paper is never changed" in told or (
                "while you were editing it, so nothing of yours was saved: an issued paper is never changed" in told
                and edited in told), told[:2000]
        assert introduction_of(paper.content)[:1] == [edited if code == 302 else INTRODUCTION]
        outcomes.append(code)
    print(f"\npaper edit/issue race (pages): {TRIES} tries, edit answered {sorted(outcomes)}")

