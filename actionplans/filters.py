import datetime

import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.conf import settings
from django.db.models import Case, IntegerField, Q, Value, When

from accounts import access
from accounts.access import visible_plans
from accounts.models import Agency, Role, User
from actionplans import rules
from actionplans.models import Action, TargetDateChange
from actionplans.selectors import CHANGES, changed_since
from reviews.models import Review, Theme


def _plans(request):
    return visible_plans(request.user).select_related("review", "agency").order_by("review__reference", "kind")


def _officers(request):
    return User.objects.filter(role=Role.AGENCY).select_related("agency").order_by("first_name", "last_name")


#: The action list's order when the reader chooses none: the earliest target date first.
LIST_ORDER = ("target_date", "plan__review__reference", "reference")


def listed_actions(params, actions, request):
    """The actions the action list shows for the query ``params`` (its filters, and its order when none is chosen),
    from ``actions`` (access.visible_actions, or "My actions"): the list, its exports and the home page's lists.
    Returns the filter (for its form) and the queryset."""
    action_filter = ActionFilter(params, queryset=actions, request=request)
    listed = action_filter.qs
    if not params.get("ordering"):
        listed = listed.order_by(*LIST_ORDER)
    return action_filter, listed


def _escalated_choices():
    return [("yes", f"Overdue {settings.REMINDER_ESCALATION_DAYS} days or more (escalated)")]


class ActionOrdering(django_filters.OrderingFilter):
    """The list's orders, and "mine first": the actions the reader is the responsible officer of, then the rest,
    each by target date (so among open actions the overdue come first), as the agency user's home page lists them."""

    MINE_FIRST = "mine_first"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.extra["choices"] = [*self.extra["choices"], (self.MINE_FIRST, "Assigned to me first, then by target date")]

    def filter(self, qs, value):
        if value and self.MINE_FIRST in value:
            mine = Case(
                When(responsible_officer_id=self.parent.request.user.pk, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
            return qs.order_by(mine, *LIST_ORDER)
        return super().filter(qs, value)


class ActionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Search", method="search")
    review = django_filters.ModelChoiceFilter(
        field_name="plan__review", queryset=Review.objects.order_by("reference"), label="Review", empty_label="Any review"
    )
    plan = django_filters.ModelChoiceFilter(queryset=_plans, label="Action plan", empty_label="Any plan")
    lead_agency = django_filters.ModelChoiceFilter(queryset=Agency.objects.all(), label="Lead agency", empty_label="Any agency")
    status = django_filters.ChoiceFilter(choices=rules.Status.choices, label="Status", empty_label="Any status")
    theme = django_filters.ModelChoiceFilter(field_name="themes", queryset=Theme.objects.all(), label="Theme", empty_label="Any theme")
    responsible_officer = django_filters.ModelChoiceFilter(queryset=_officers, label="Responsible officer", empty_label="Anyone")
    overdue = django_filters.ChoiceFilter(
        choices=[("yes", "Overdue only"), ("no", "Not overdue")], method="filter_overdue", label="Overdue", empty_label="Overdue or not"
    )
    brag = django_filters.ChoiceFilter(choices=rules.Brag.choices, method="filter_brag", label="BRAG rating", empty_label="Any rating")
    state = django_filters.ChoiceFilter(
        choices=[
            ("counted", "Counted in percentages (not cancelled)"),
            ("done", "Completed or verified"),
            ("open", "Open (not started or in progress)"),
        ],
        method="filter_state",
        label="Counted as",
        empty_label="All actions",
    )
    evidence = django_filters.ChoiceFilter(
        choices=[("awaiting", "With evidence awaiting audit"), ("rejected", "With rejected evidence to answer")],
        method="filter_evidence",
        label="Evidence",
        empty_label="With or without evidence",
    )
    slipped = django_filters.ChoiceFilter(
        choices=[("yes", "Target date slipped (later than the original)")],
        method="filter_slipped",
        label="Target date",
        empty_label="Slipped or not",
    )
    date_change = django_filters.ChoiceFilter(
        choices=[("pending", "A new target date waiting for approval")],
        method="filter_date_change",
        label="Date changes",
        empty_label="With or without",
    )
    assigned = django_filters.ChoiceFilter(
        choices=[("me", "Assigned to me")], method="filter_assigned", label="Assigned", empty_label="To anyone"
    )
    due_within = django_filters.ChoiceFilter(
        choices=[("7", "Due in the next 7 days")], method="filter_due_within", label="Due", empty_label="Any time"
    )
    escalated = django_filters.ChoiceFilter(
        choices=_escalated_choices, method="filter_escalated", label="Escalation", empty_label="Escalated or not"
    )
    ready = django_filters.ChoiceFilter(
        choices=[("signoff", "Completed, with accepted evidence: ready to sign off")],
        method="filter_ready",
        label="Sign-off",
        empty_label="Ready or not",
    )
    changed = django_filters.ChoiceFilter(
        choices=list(CHANGES.items()), method="filter_changed", label="Changed", empty_label="Changed or not"
    )
    since = django_filters.DateFilter(
        method="filter_since",
        label="Changed since",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Used with “Changed”: changes on or after this date.",
    )
    ordering = ActionOrdering(
        fields=[("target_date", "target_date"), ("plan__review__reference", "review")],
        field_labels={"target_date": "Target date", "plan__review__reference": "Review reference"},
        label="Sort by",
        empty_label="Target date, earliest first",
    )

    class Meta:
        model = Action
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["responsible_officer"].label_from_instance = lambda u: f"{u} ({u.agency.short_name})"
        Agency.label_choices(self.form.fields["lead_agency"])
        self.form.helper = helper = FormHelper()
        helper.form_method = "get"
        helper.disable_csrf = True
        helper.layout = Layout(
            Row(Column("q", css_class="col-md-6"), Column("review", css_class="col-md-3"), Column("plan", css_class="col-md-3")),
            Row(
                Column("lead_agency", css_class="col-md-3"),
                Column("responsible_officer", css_class="col-md-3"),
                Column("theme", css_class="col-md-3"),
                Column("status", css_class="col-md-3"),
            ),
            Row(
                Column("overdue", css_class="col-md-3"),
                Column("brag", css_class="col-md-3"),
                Column("state", css_class="col-md-3"),
                Column("ordering", css_class="col-md-3"),
            ),
            Row(
                Column("evidence", css_class="col-md-3"),
                Column("slipped", css_class="col-md-3"),
                Column("date_change", css_class="col-md-3"),
                Column("assigned", css_class="col-md-3"),
            ),
            Row(
                Column("due_within", css_class="col-md-3"),
                Column("escalated", css_class="col-md-3"),
                Column("ready", css_class="col-md-3"),
                Column("changed", css_class="col-md-3"),
            ),
            Row(Column("since", css_class="col-md-3")),
        )
        helper.add_input(Submit("", "Apply filters"))

    def search(self, queryset, name, value):
        words = value.split()
        for word in words[:10]:
            queryset = queryset.filter(
                Q(reference__icontains=word)
                | Q(recommendation__icontains=word)
                | Q(description__icontains=word)
                | Q(success_measure__icontains=word)
                | Q(plan__title__icontains=word)
                | Q(plan__review__reference__icontains=word)
                | Q(plan__review__title__icontains=word)
            )
        return queryset

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(rules.overdue_q()) if value == "yes" else queryset.exclude(rules.overdue_q())

    def filter_brag(self, queryset, name, value):
        return queryset.filter(rules.brag_q(value))

    def filter_evidence(self, queryset, name, value):
        # "awaiting": the actions behind the dashboard's "evidence awaiting audit", submitted items this user may
        # see. "rejected": rejected items not yet answered (a new version supersedes one, a withdrawal ends it).
        status = "rejected" if value == "rejected" else "submitted"
        items = access.visible_evidence(self.request.user).filter(status=status).values("action_id")
        return queryset.filter(pk__in=items)

    def filter_assigned(self, queryset, name, value):
        return queryset.filter(responsible_officer_id=self.request.user.pk)

    def filter_due_within(self, queryset, name, value):
        return queryset.filter(rules.due_within_q(int(value)))

    def filter_escalated(self, queryset, name, value):
        return queryset.filter(rules.overdue_by_q(settings.REMINDER_ESCALATION_DAYS))

    def filter_ready(self, queryset, name, value):
        # What the consultant can sign off: completed, with an accepted item (lifecycle.verification_refusal).
        accepted = access.visible_evidence(self.request.user).filter(status="accepted").values("action_id")
        return queryset.filter(status=rules.Status.COMPLETED, pk__in=accepted)

    def filter_changed(self, queryset, name, value):
        since = self.form.cleaned_data.get("since") or rules.today() - datetime.timedelta(days=settings.REPORT_SINCE_DAYS)
        return changed_since(queryset, value, since, self.request.user)

    def filter_since(self, queryset, name, value):
        return queryset  # the date of "changed" (filter_changed reads it)

    def filter_slipped(self, queryset, name, value):
        return queryset.filter(rules.slipped_q())

    def filter_date_change(self, queryset, name, value):
        pending = TargetDateChange.objects.filter(status=TargetDateChange.Status.PENDING).values("action_id")
        return queryset.filter(pk__in=pending)

    def filter_state(self, queryset, name, value):
        # The sets behind the dashboard's percentages: its denominator (counted) and completion's numerator (done);
        # and the open actions, those still to be done (an agency user's home page).
        if value == "open":
            return queryset.filter(status__in=rules.OPEN_STATUSES)
        return queryset.filter(rules.counted_q() if value == "counted" else rules.done_q())
