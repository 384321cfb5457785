"""Each action points to the review's recommendation it answers, instead of carrying its text.

The free text of existing actions is carried over: within a review, actions whose text is the same (ignoring case
and runs of spaces) answer one recommendation, created here with that text, numbered in the order the review's
plans list them (the multi-agency plan first, then each agency's, by action reference). A recommendation whose
actions are all in one agency's own plan is addressed to that agency; any other to the partnership. The board's
response was never recorded, so each starts "awaiting the board's response". An action with no text (none can be
written through the forms, but a database may hold one) is left answering none, and the review page shows it.
The same text in two reviews is two recommendations, one in each. Going back puts each action's text back.
"""

import re

import django.db.models.deletion
from django.db import migrations, models


def normalised(text):
    return " ".join(text.split()).casefold()


def reference_order(reference):
    """3.10 after 3.9: the numbers in a reference compared as numbers."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.findall(r"\d+|\D+", reference)]


def carry_over(apps, schema_editor):
    Action = apps.get_model("actionplans", "Action")
    Recommendation = apps.get_model("reviews", "Recommendation")
    # Plain rows, not model instances, and bulk writes: a board may bring thousands of actions.
    rows = Action.objects.values_list(
        "pk", "reference", "recommendation_text", "plan__review_id", "plan__kind", "plan__agency_id",
        "plan__agency__name",
    )
    by_review = {}
    for row in rows.iterator(chunk_size=2000):
        by_review.setdefault(row[3], []).append(row)
    links = []
    for review_id, listed in by_review.items():
        listed.sort(key=lambda r: (r[4] != "multi_agency", r[6] or "", reference_order(r[1]), r[0]))
        groups = {}
        for row in listed:
            key = normalised(row[2] or "")
            if key:
                groups.setdefault(key, []).append(row)
        recommendations = []
        for number, members in enumerate(groups.values(), start=1):
            agencies = {r[5] if r[4] == "single_agency" else None for r in members}
            recommendations.append(Recommendation(
                review_id=review_id, number=number, text=members[0][2].strip(),
                agency_id=agencies.pop() if len(agencies) == 1 else None,
            ))
        Recommendation.objects.bulk_create(recommendations)
        if not all(r.pk for r in recommendations):  # a database that does not return the new keys
            recommendations = list(Recommendation.objects.filter(review_id=review_id).order_by("number"))
        for recommendation, members in zip(recommendations, groups.values(), strict=True):
            links.extend(Action(pk=r[0], recommendation_id=recommendation.pk) for r in members)
    Action.objects.bulk_update(links, ["recommendation"], batch_size=1000)


def carry_back(apps, schema_editor):
    Action = apps.get_model("actionplans", "Action")
    texts = Action.objects.filter(recommendation__isnull=False).values_list("pk", "recommendation__text")
    restored = [Action(pk=pk, recommendation_text=text) for pk, text in texts.iterator(chunk_size=2000)]
    Action.objects.bulk_update(restored, ["recommendation_text"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ("actionplans", "0004_action_list_order_index"),
        ("reviews", "0004_learning_cycle_recommendations"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="action", name="action_recommendation_length"),
        migrations.RenameField(model_name="action", old_name="recommendation", new_name="recommendation_text"),
        migrations.AlterField(
            model_name="action", name="recommendation_text", field=models.TextField(blank=True, default="")
        ),
        migrations.AddField(
            model_name="action",
            name="recommendation",
            field=models.ForeignKey(
                blank=True,
                help_text="The review's recommendation this action answers.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="actions",
                to="reviews.recommendation",
            ),
        ),
        migrations.RunPython(carry_over, carry_back),
        migrations.RemoveField(model_name="action", name="recommendation_text"),
    ]
