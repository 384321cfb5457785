"""The demo's evidence: every state, stored files that pass the download check, and idempotent seeding."""

import io

import pytest
from django.core.management import call_command

from actionplans.models import Action
from actionplans.rules import Status
from evidence import storage
from evidence.models import Evidence, EvidenceDecision
from learning.models import LearningFile


@pytest.fixture
def seeded(settings, db):
    settings.ALLOW_DEMO_DATA = True
    call_command("seed_demo", stdout=io.StringIO())


def test_the_demo_has_evidence_in_every_state(seeded):
    assert set(Evidence.objects.values_list("status", flat=True)) == set(Evidence.Status.values)
    assert Evidence.objects.filter(stored_name="").exists(), "a written note"
    superseded = Evidence.objects.get(status=Evidence.Status.SUPERSEDED)
    assert superseded.decision.outcome == EvidenceDecision.Outcome.REJECTED
    assert superseded.superseded_by.status == Evidence.Status.SUBMITTED
    assert Evidence.objects.get(status=Evidence.Status.WITHDRAWN).withdrawal_reason


def test_every_verified_demo_action_has_accepted_evidence(seeded):
    verified = Action.objects.filter(status=Status.VERIFIED)
    assert verified.exists()
    for action in verified:
        assert action.evidence.filter(status=Evidence.Status.ACCEPTED).exists(), action


def test_demo_evidence_is_submitted_by_the_lead_agency_and_its_files_are_intact(seeded):
    for item in Evidence.objects.select_related("action", "submitted_by"):
        assert item.agency_id == item.action.lead_agency_id == item.submitted_by.agency_id
        if item.has_file:
            storage.open_verified(item.stored_name, item.sha256).close()


def test_seeding_again_adds_no_evidence_and_no_files(seeded, settings):
    before = list(Evidence.objects.order_by("pk").values())
    files = sorted(p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file())
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "0 objects created, 0 brought back" in out.getvalue()
    assert list(Evidence.objects.order_by("pk").values()) == before
    assert sorted(p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()) == files
    # Every stored file is an evidence item's or a learning event's (a register or materials), once each.
    assert len(files) == Evidence.objects.exclude(stored_name="").count() + LearningFile.objects.count()
    assert LearningFile.objects.count() == 2
