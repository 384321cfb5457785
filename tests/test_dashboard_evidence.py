"""Evidence awaiting audit on the dashboard and evidence counts in the exports."""

import csv
import io
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from evidence.models import Evidence


def evidence(action, agency, user, status):
    return Evidence.objects.create(
        action=action, agency=agency, description="Attendance list", represents_on=timezone.localdate(),
        note="212 staff attended.", status=status, submitted_by=user, submitted_at=timezone.now(),
    )


@pytest.fixture
def items(world):
    w = world
    evidence(w.multi_action, w.police, w.agency_user, "submitted")
    evidence(w.police_action, w.police, w.agency_user, "submitted")
    evidence(w.police_action, w.police, w.agency_user, "accepted")
    evidence(w.health_action, w.health, w.other, "submitted")
    evidence(w.multi_action_health, w.health, w.other, "rejected")
    return w


def test_the_chair_sees_all_evidence_awaiting_audit(client, items):
    client.force_login(items.chair)
    d = client.get(reverse("dashboard:index")).context["dashboard"]
    assert (d.evidence.items, d.evidence.actions) == (3, 3)
    police = {row.obj.pk: row.evidence for row in d.agencies}[items.police.pk]
    assert (police.items, police.actions) == (2, 2)


def test_an_agency_user_counts_only_their_own_agencys_evidence(client, items):
    client.force_login(items.agency_user)
    d = client.get(reverse("dashboard:index")).context["dashboard"]
    assert (d.evidence.items, d.evidence.actions) == (2, 2)
    assert {row.obj.pk: row.evidence for row in d.agencies}[items.health.pk].items == 0


@pytest.mark.parametrize("role", ["chair", "agency_user", "other"])
def test_the_evidence_figures_link_to_the_actions_the_items_are_on(client, items, role):
    client.force_login(getattr(items, role))
    html = client.get(reverse("dashboard:index")).content.decode()
    links = set(re.findall(r'<a href="(/actions/\?[^"]*evidence=awaiting[^"]*)">(\d+)<', html))
    assert len(links) > 3 and any(int(n) for _, n in links)
    for href, number in links:
        assert client.get(unescape(href)).context["page"].paginator.count == int(number), href


def test_the_export_counts_evidence_the_reader_may_see(client, items):
    client.force_login(items.agency_user)
    text = b"".join(client.get(reverse("dashboard:export_csv")).streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    first = rows[0].index("Evidence awaiting audit")
    assert rows[0][first:first + 3] == ["Evidence awaiting audit", "Evidence accepted", "Evidence rejected"]
    by_reference = {row[2]: row[first:first + 3] for row in rows[1:]}
    assert by_reference["P.1"] == ["1", "1", "0"]
    assert by_reference["1.2"] == ["0", "0", "0"]  # health's rejected item is not police's to see
