"""The consultant's audit queue: undecided items, oldest first, filterable, with the action beside each."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actionplans import lifecycle
from evidence import services
from evidence.models import Evidence
from tests import evidence_samples as samples
from tests import factories


def _queue(client, query=""):
    response = client.get(reverse("evidence:queue") + query)
    assert response.status_code == 200
    return response


def _age(item, days):
    Evidence.objects.filter(pk=item.pk).update(submitted_at=timezone.now() - datetime.timedelta(days=days))


def test_the_queue_holds_undecided_items_oldest_first(client, world):
    newest = samples.submit(world.multi_action, world.agency_user, name="newest.pdf")
    oldest = samples.submit_note(world.health_action, world.other)
    middle = samples.submit(world.police_action, world.agency_user, name="middle.pdf")
    _age(oldest, 30)
    _age(middle, 10)
    accepted = samples.submit(world.multi_action, world.agency_user, name="accepted.pdf")
    lifecycle.decide(evidence=accepted, actor=world.consultant, accept=True, note="")
    rejected = samples.submit(world.multi_action, world.agency_user, name="rejected.pdf")
    lifecycle.decide(evidence=rejected, actor=world.consultant, accept=False, note="No.", notify=False)
    withdrawn = samples.submit(world.multi_action, world.agency_user, name="withdrawn.pdf")
    lifecycle.withdraw_evidence(evidence=withdrawn, actor=world.agency_user, reason="Wrong file.", seen_status=withdrawn.status)

    client.force_login(world.consultant)
    shown = list(_queue(client).context["page"].object_list)
    assert shown == [oldest, middle, newest]


def test_the_queue_shows_the_actions_context_and_the_earlier_rejection(client, world):
    old = samples.submit(world.multi_action, world.agency_user)
    lifecycle.decide(evidence=old, actor=world.consultant, accept=False, note="The lists are undated.", notify=False)
    new = services.evidence_supersede(
        old=old, actor=world.agency_user, description="Dated lists.", represents_on=datetime.date(2026, 1, 20),
        note="Now dated.",
    )
    client.force_login(world.consultant)
    html = _queue(client).content.decode()
    action = world.multi_action
    for text in (action.recommendation.text, action.description, action.success_measure, world.review.reference,
                 "The lists are undated.", f"#{old.pk}"):
        assert text in html
    assert reverse("evidence:decide", args=[new.pk]) in html


def test_the_queue_filters_by_review_agency_and_action(client, world):
    other_review = factories.review()
    other_plan = factories.plan(other_review)
    other_action = factories.action(other_plan, world.health, reference="9.1")
    police_item = samples.submit(world.multi_action, world.agency_user)
    health_item = samples.submit(world.health_action, world.other)
    elsewhere = samples.submit(other_action, world.other)
    client.force_login(world.consultant)

    def shown(query):
        return set(_queue(client, query).context["page"].object_list)

    assert shown("") == {police_item, health_item, elsewhere}
    assert shown(f"?review={world.review.pk}") == {police_item, health_item}
    assert shown(f"?agency={world.health.pk}") == {health_item, elsewhere}
    assert shown(f"?action={world.multi_action.pk}") == {police_item}
    assert shown(f"?review={other_review.pk}&agency={world.health.pk}") == {elsewhere}


def test_deciding_from_the_queue_comes_back_to_the_queue(client, world):
    item = samples.submit(world.multi_action, world.agency_user)
    client.force_login(world.consultant)
    response = client.post(reverse("evidence:decide", args=[item.pk]), {"decision": "accept", "from": "queue"})
    assert response.url == reverse("evidence:queue")
    assert list(_queue(client).context["page"].object_list) == []


def _fill(world, start, count):
    """Items on different actions, agencies and reviews, half of them new versions of rejected ones."""
    for i in range(start, start + count):
        review = factories.review()
        plan = factories.plan(review)
        lead, user = (world.police, world.agency_user) if i % 2 else (world.health, world.other)
        action = factories.action(plan, lead, reference=f"Q{i}", responsible_officer=user if i % 3 else None)
        item = samples.submit(action, user, name=f"item{i}.pdf")
        if i % 2:
            lifecycle.decide(evidence=item, actor=world.consultant, accept=False, note="Again.", notify=False)
            services.evidence_supersede(
                old=item, actor=user, description="v2", represents_on=datetime.date(2026, 1, 1), note="Second go."
            )


def test_the_queue_runs_the_same_number_of_queries_whatever_its_length(client, world):
    client.force_login(world.consultant)
    _fill(world, 0, 2)
    _queue(client)  # warm the session and content type caches
    with CaptureQueriesContext(connection) as few:
        small = _queue(client)
    _fill(world, 2, 10)
    with CaptureQueriesContext(connection) as many:
        large = _queue(client)
    assert len(small.context["page"].object_list) == 2
    assert len(large.context["page"].object_list) == 12
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)
    assert len(few) <= 15


def test_the_action_page_runs_the_same_number_of_queries_whatever_its_evidence(client, world):
    action = world.multi_action
    url = reverse("actionplans:action_detail", args=[action.pk])

    def add(count):
        for i in range(count):
            item = samples.submit(action, world.agency_user, name=f"file{i}.pdf")
            lifecycle.decide(evidence=item, actor=world.consultant, accept=False, note="No.", notify=False)
            services.evidence_supersede(
                old=item, actor=world.agency_user, description="v2", represents_on=datetime.date(2026, 1, 1), note="x"
            )

    for user in (world.consultant, world.agency_user):
        client.force_login(user)
        client.get(url)
    add(1)
    counts = {}
    for user in (world.consultant, world.agency_user):
        client.force_login(user)
        with CaptureQueriesContext(connection) as few:
            client.get(url)
        counts[user] = len(few)
    add(5)
    for user in (world.consultant, world.agency_user):
        client.force_login(user)
        with CaptureQueriesContext(connection) as many:
            response = client.get(url)
        assert len(response.context["evidence_items"]) == 12
        assert len(many) == counts[user], "\n".join(q["sql"] for q in many.captured_queries)


def test_a_rejection_without_a_note_is_refused_beside_the_item_on_the_same_page_of_the_queue(client, world):
    first = samples.submit(world.multi_action, world.agency_user, name="first.pdf")
    item = samples.submit(world.police_action, world.agency_user, name="second.pdf")
    client.force_login(world.consultant)
    query = f"agency={world.police.pk}"
    html = _queue(client, f"?{query}").content.decode()
    assert 'name="queue_query" value="' + query.replace("=", "=") in html
    response = client.post(
        reverse("evidence:decide", args=[item.pk]),
        {"decision": "reject", "note": " ", "from": "queue", "queue_query": query},
    )
    assert response.url == f"{reverse('evidence:queue')}?{query}#decide-{item.pk}"
    html = client.get(response.url.split("#")[0]).content.decode()
    message = "Write a note saying why the evidence is rejected"
    top, _, items = html.partition("<h1>Audit queue</h1>")
    assert message not in top  # not at the top of a long page...
    mine = items[items.index(f'id="decide-{item.pk}"'):]
    assert message in mine[: mine.index("</form>")]  # ...but inside the item's own form
    assert 'aria-describedby="decide-{}-error"'.format(item.pk) in mine
    item.refresh_from_db()
    first.refresh_from_db()
    assert item.status == first.status == Evidence.Status.SUBMITTED
