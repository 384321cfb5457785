import datetime
import io
from collections import Counter

import pytest
from django.core import serializers
from django.core.management import CommandError, call_command

from accounts.models import User
from actionplans import rules
from actionplans.models import Action, ActionPlan, ProgressUpdate
from dashboard import selectors as dashboard_selectors
from learning import rules as learning_rules
from learning import selectors as learning_selectors
from learning.models import Attendance, ImpactCheck, LearningEvent, LearningFile, SubCommittee
from reviews import demo
from reviews.models import Review, Theme

MODELS = [User, Review, Theme, ActionPlan, Action, ProgressUpdate, LearningEvent, Attendance, LearningFile,
          SubCommittee, ImpactCheck]


def dump():
    return {
        model.__name__: serializers.serialize("json", model.objects.order_by("pk"), fields=None)
        for model in MODELS
    }


def seed():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def demo_allowed(settings, db):
    settings.ALLOW_DEMO_DATA = True


def test_seed_demo_run_twice_leaves_the_same_data(demo_allowed):
    seed()
    first = dump()
    output = seed()
    assert dump() == first
    assert "0 objects created, 0 brought back" in output


def test_the_demo_has_what_domain_md_describes(demo_allowed):
    seed()
    reviews = Review.objects.all()
    assert reviews.count() == 5
    assert reviews.filter(status=Review.Status.PUBLISHED).count() == 4
    assert reviews.filter(status=Review.Status.AWAITING_PUBLICATION).count() == 1
    assert Theme.objects.count() == 6
    assert ActionPlan.objects.filter(kind=ActionPlan.Kind.MULTI_AGENCY).count() == 5
    assert ActionPlan.objects.filter(kind=ActionPlan.Kind.SINGLE_AGENCY).exists()
    actions = Action.objects.all()
    assert 50 <= actions.count() <= 70
    assert set(actions.values_list("status", flat=True)) == set(rules.Status.values)
    today = rules.today()
    ratings = {a.brag(today) for a in actions if a.status != rules.Status.CANCELLED}
    assert ratings == set(rules.Brag)
    assert {a.brag(today) for a in actions if a.status == rules.Status.CANCELLED} == {None}  # a neutral badge
    assert any(0 <= (a.target_date - today).days <= 7 and a.status in rules.OPEN_STATUSES for a in actions)
    assert rules.figures_for(actions).overdue >= 3
    for username in ["chair", "member", "consultant", "police", "health", "socialcare", "education", "admin"]:
        assert User.objects.get(username=username).check_password("demo-password")


def test_the_demo_has_the_papers_workshops_with_gaps_in_the_matrix(demo_allowed):
    """Two workshops for supervisors and managers held and two scheduled (the paper), events in every status, and
    attendance that leaves gaps even on the themes the events have carried."""
    seed()
    workshops = LearningEvent.objects.filter(kind="workshop", audience="supervisors_managers")
    assert workshops.filter(status="held").count() == 2
    assert workshops.filter(status="scheduled").count() == 2
    assert {e.status for e in LearningEvent.objects.all()} == set(LearningEvent.Status.values)
    assert LearningEvent.objects.filter(kind="briefing", audience="all_practitioners", status="held").exists()
    assert Attendance.objects.filter(attended=0).count() == 2
    assert LearningFile.objects.filter(kind="register", agency__short_name="Police").count() == 1
    assert LearningFile.objects.filter(kind="material").count() == 1
    matrix = learning_selectors.dissemination()
    assert len(matrix.themes) == 6 and len(matrix.lines) == 7  # the board itself is no row
    carried = [i for i, theme in enumerate(matrix.themes) if theme.held]
    gaps_on_carried_themes = [line.short_name for line in matrix.lines for i in carried if line.cells[i].reach.gap]
    assert {"Housing", "Voluntary"} <= set(gaps_on_carried_themes)
    assert any(not line.cells[i].reach.gap for line in matrix.lines for i in carried)
    # Themes whose events are still to come are gaps for every agency.
    assert [t.name for t in matrix.themes if not t.held] == ["Drug and alcohol misuse", "Multi-agency pre-birth assessment"]


def test_the_demo_has_sub_committees_and_impact_checks_in_every_state(demo_allowed):
    """Two sub-committees (the member in both, Monitoring and Evaluation checking impact by default); a check of
    every verified action (its sign-off made it); done checks with each of the four findings, each of "partly",
    "not embedded" and "cannot tell yet" followed by one new check; checks overdue, due within 30 days and later
    (reviews/demo.py, IMPACT_CHECKS)."""
    seed()
    today = rules.today()
    committees = {committee.name.split()[0].lower(): committee for committee in SubCommittee.objects.all()}
    assert len(committees) == len(demo.SUB_COMMITTEES) == 2
    assert [c.name for c in SubCommittee.objects.filter(checks_impact=True)] == ["Monitoring and Evaluation Sub-Committee"]
    member = User.objects.get(username="member")
    assert all(list(c.members.all()) == [member] and c.is_active for c in committees.values())

    checks = list(ImpactCheck.objects.select_related("action", "sub_committee"))
    verified = set(Action.objects.filter(status=rules.Status.VERIFIED).values_list("pk", flat=True))
    assert {check.action_id for check in checks} == verified and len(verified) >= len(demo.IMPACT_CHECKS)
    assert all(check.sub_committee is not None for check in checks)
    states = Counter(learning_rules.check_state(check.status, check.due_on, today) for check in checks)
    dues = [scenario[1] for scenario in demo.IMPACT_CHECKS if scenario[0] == "due"]
    assert states["overdue"] == sum(days < 0 for days in dues) == 2
    assert states["due"] == sum(days >= 0 for days in dues) == 2
    assert states["done"] == len(demo.IMPACT_CHECKS) - len(dues) == 5
    assert states["upcoming"] > 0 and "withdrawn" not in states
    professional = [check for check in checks if check.sub_committee == committees["professional"]]
    assert sorted((check.due_on - today).days for check in professional) == [-5, 25]

    done = ImpactCheck.objects.filter(status=ImpactCheck.Status.DONE)
    assert Counter(done.values_list("finding", flat=True)) == {"embedded": 2, "partly": 1, "not_embedded": 1,
                                                               "cannot_tell": 1}
    for check in done:
        assert check.checked_by == member and check.checked_on < today and check.looked_at and check.finding_note
        assert check.due_on == check.checked_on - datetime.timedelta(days=7)  # it fell due a week before
        follow_ups = list(check.follow_ups.all())
        if check.finding == ImpactCheck.Finding.EMBEDDED:
            assert follow_ups == []
            continue
        days = {"partly": 60, "not_embedded": 90, "cannot_tell": 120}[check.finding]
        assert len(follow_ups) == 1, check.finding
        (follow_up,) = follow_ups
        assert (follow_up.action_id, follow_up.status, follow_up.sub_committee) == (
            check.action_id, ImpactCheck.Status.OPEN, check.sub_committee)
        assert follow_up.due_on == today + datetime.timedelta(days=days)
    # The dashboard's impact: embedded 2 of the 4 concluded (cannot tell yet is no conclusion).
    chair = User.objects.get(username="chair")
    impact = dashboard_selectors.impact_counts(chair)
    assert (impact.impact.checked, impact.impact.embedded, impact.impact.percent) == (4, 2, 50)
    assert (impact.overdue, impact.due) == (2, 2)


def test_every_seeded_action_is_valid(demo_allowed):
    seed()
    for action in Action.objects.select_related("plan", "responsible_officer"):
        action.full_clean()


def test_seed_demo_refuses_where_demo_data_is_not_allowed(settings, db):
    settings.ALLOW_DEMO_DATA = False
    with pytest.raises(CommandError, match="not allowed"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not User.objects.exists()


def test_if_empty_leaves_an_existing_database_alone(demo_allowed, world):
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "not loaded" in out.getvalue()
    assert not User.objects.filter(username="socialcare").exists()


def test_the_demo_leaves_an_audit_chain_that_verifies(demo_allowed):
    seed()
    seed()
    out = io.StringIO()
    call_command("verify_audit_chain", stdout=out)
    assert "Audit chain intact" in out.getvalue()


def test_seed_demo_can_bring_an_empty_database_up_to_date_first(tmp_path):
    """`make run` migrates and seeds in one process (seed_demo --migrate) on a database with no tables yet."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}}
    env.update({"DJANGO_SETTINGS_MODULE": "scrsystem.settings", "VAR_DIR": str(tmp_path / "var"), "DEBUG": "true"})
    root = Path(__file__).resolve().parent.parent
    run = subprocess.run(
        [sys.executable, "manage.py", "seed_demo", "--if-empty", "--migrate"],
        cwd=root, env=env, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "Applying actionplans.0001_initial" in run.stdout and "Demo data loaded" in run.stdout
    again = subprocess.run(
        [sys.executable, "manage.py", "seed_demo", "--if-empty", "--migrate"],
        cwd=root, env=env, capture_output=True, text=True, timeout=300,
    )
    assert again.returncode == 0 and "demo data not loaded (--if-empty)" in again.stdout
