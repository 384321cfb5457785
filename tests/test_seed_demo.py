import io

import pytest
from django.core import serializers
from django.core.management import CommandError, call_command

from accounts.models import User
from actionplans import rules
from actionplans.models import Action, ActionPlan, ProgressUpdate
from reviews.models import Review, Theme

MODELS = [User, Review, Theme, ActionPlan, Action, ProgressUpdate]


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
