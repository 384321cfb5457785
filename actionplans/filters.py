import datetime

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Case, IntegerField, Q, Value, When
from drf_spectacular.utils import extend_schema_field

from accounts import access
from accounts.access import visible_plans
from accounts.models import Agency, Role, User
from actionplans import rules
from actionplans.models import Action, TargetDateChange
from actionplans.selectors import CHANGES, changed_since
from dashboard import versions
from learning import rules as learning_rules
from reviews.models import Review, Theme
from scrsystem.widgets import FastSelect

#: Up to this many reviews, the action list's review filter is a drop-down of them all; with more, a text box for
#: a review's reference (a drop-down of thousands is slow to draw and to use).
REVIEW_DROP_DOWN_MAX = 100


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


class ReviewField(forms.Field):
    """A review, named by its reference as typed (capitals or not) or by its id (the links: ``?review=<id>``).
    How the form shows it (a drop-down or a text box) is ``ActionFilter.offer_choices``'s choice."""

    widget = forms.TextInput
    default_error_messages = {"no_match": "No review has the reference “%(value)s”."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: What the form shows for the chosen review (offer_choices sets it): its id or its reference.
        self.shown = None

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        if len(value) <= Review._meta.get_field("reference").max_length:
            matches = Q(reference__iexact=value)
            if value.isdigit() and len(value) < 10:
                matches |= Q(pk=int(value))
            # An id (a link) first, then the reference as written, then in other capitals.
            found = sorted(Review.objects.filter(matches), key=lambda r: (str(r.pk) != value, r.reference != value))
            if found:
                return found[0]
        raise forms.ValidationError(self.error_messages["no_match"], code="no_match", params={"value": value})

    def prepare_value(self, value):
        return value if self.shown is None else self.shown


class ReviewFilter(django_filters.Filter):
    field_class = ReviewField


class DropDown(django_filters.ChoiceFilter):
    """A choice filter drawn with FastSelect (no template per option)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", FastSelect)
        super().__init__(*args, **kwargs)


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
    review = ReviewFilter(field_name="plan__review", label="Review")
    kind = DropDown(field_name="plan__review__kind", choices=Review.Kind.choices, label="Kind of review",
                    empty_label="Any kind")
    plan = django_filters.ModelChoiceFilter(queryset=_plans, label="Action plan", empty_label="Any plan", widget=FastSelect)
    lead_agency = django_filters.ModelChoiceFilter(
        queryset=Agency.objects.all(), label="Lead agency", empty_label="Any agency", widget=FastSelect
    )
    status = DropDown(choices=rules.Status.choices, label="Status", empty_label="Any status")
    theme = django_filters.ModelChoiceFilter(
        field_name="themes", queryset=Theme.objects.all(), label="Theme", empty_label="Any theme", widget=FastSelect
    )
    responsible_officer = django_filters.ModelChoiceFilter(
        queryset=_officers, label="Responsible officer", empty_label="Anyone", widget=FastSelect
    )
    overdue = DropDown(
        choices=[("yes", "Overdue only"), ("no", "Not overdue")], method="filter_overdue", label="Overdue", empty_label="Overdue or not"
    )
    brag = DropDown(choices=rules.Brag.choices, method="filter_brag", label="BRAG rating", empty_label="Any rating")
    state = DropDown(
        choices=[
            ("counted", "Counted in percentages (not cancelled)"),
            ("done", "Completed or verified"),
            ("open", "Open (not started or in progress)"),
        ],
        method="filter_state",
        label="Counted as",
        empty_label="All actions",
    )
    evidence = DropDown(
        choices=[("awaiting", "With evidence awaiting audit"), ("rejected", "With rejected evidence to answer")],
        method="filter_evidence",
        label="Evidence",
        empty_label="With or without evidence",
    )
    slipped = DropDown(
        choices=[("yes", "Target date slipped (later than the original)")],
        method="filter_slipped",
        label="Target date",
        empty_label="Slipped or not",
    )
    date_change = DropDown(
        choices=[("pending", "A new target date waiting for approval")],
        method="filter_date_change",
        label="Date changes",
        empty_label="With or without",
    )
    assigned = DropDown(
        choices=[("me", "Assigned to me")], method="filter_assigned", label="Assigned", empty_label="To anyone"
    )
    due_within = DropDown(
        choices=[("7", "Due in the next 7 days")], method="filter_due_within", label="Due", empty_label="Any time"
    )
    escalated = DropDown(
        choices=_escalated_choices, method="filter_escalated", label="Escalation", empty_label="Escalated or not"
    )
    ready = DropDown(
        choices=[("signoff", "Completed, with accepted evidence: ready to sign off")],
        method="filter_ready",
        label="Sign-off",
        empty_label="Ready or not",
    )
    changed = DropDown(
        choices=list(CHANGES.items()), method="filter_changed", label="Changed", empty_label="Changed or not"
    )
    since = django_filters.DateFilter(
        method="filter_since",
        label="Changed since",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Used with “Changed”: changes on or after this date.",
    )
    impact = DropDown(
        choices=list(learning_rules.IMPACT_FILTERS.items()), method="filter_impact", label="Impact (verified actions)",
        empty_label="Any impact",
    )
    ordering = ActionOrdering(
        fields=[("target_date", "target_date"), ("plan__review__reference", "review")],
        field_labels={"target_date": "Target date", "plan__review__reference": "Review reference"},
        label="Sort by",
        empty_label="Target date, earliest first",
        widget=FastSelect,
    )

    class Meta:
        model = Action
        fields = []

    #: The form's rows on the page: each field with its width in Bootstrap columns (of 12, from medium screens up).
    LAYOUT = (
        (("q", 6), ("review", 3), ("plan", 3)),
        (("lead_agency", 3), ("responsible_officer", 3), ("theme", 3), ("status", 3)),
        (("overdue", 3), ("brag", 3), ("state", 3), ("ordering", 3)),
        (("evidence", 3), ("slipped", 3), ("date_change", 3), ("assigned", 3)),
        (("due_within", 3), ("escalated", 3), ("ready", 3), ("changed", 3)),
        (("since", 3), ("kind", 3), ("impact", 3)),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["responsible_officer"].label_from_instance = lambda u: f"{u} ({u.agency.short_name})"
        Agency.label_choices(self.form.fields["lead_agency"])

    def rows(self):
        """The form's fields as the page lays them out (LAYOUT): rows of (bound field, width)."""
        return [[(self.form[name], width) for name, width in row] for row in self.LAYOUT]

    def offer_choices(self):
        """Make the form ready to be shown (the list; the home page, the exports and bulk updates only filter, and
        pay nothing for this). Call it after ``qs``, which validates the form. Each control gets Bootstrap's class,
        marked invalid beside an error.

        The review field is a drop-down of every review up to REVIEW_DROP_DOWN_MAX of them, else a text box for
        a reference. The plan field offers the plans of the chosen review that the reader may see, and with no
        review chosen none, saying so; a plan in the URL (``?plan=<id>``, a plan page's link) filters and is shown
        chosen either way. The names the other drop-downs offer come from the cache (``_names``); one query for
        the plans when a review is chosen."""
        fields, data = self.form.fields, self.form.cleaned_data
        review, plan = data.get("review"), data.get("plan")
        review_field = fields["review"]
        names = versions.cached(versions.NAMES, ("action-filter",), self._names)
        if names["review"] is not None:
            review_field.widget = FastSelect(choices=[("", "Any review"), *names["review"]])
            review_field.shown = review and str(review.pk)
        else:
            self._hint("review", "Type the review's reference, for example SCR-2009-01.")
            review_field.shown = review and review.reference
        plan_field = fields["plan"]
        if review:
            plans = list(plan_field.queryset.filter(Q(review=review) | Q(pk__in=[plan.pk] if plan else [])))
        else:
            plans = [plan] if plan else []
            self._hint("plan", "Choose a review first to pick one of its plans.")
        plan_field.widget.choices = [("", plan_field.empty_label), *((p.pk, plan_field.label_from_instance(p)) for p in plans)]
        for name in ("lead_agency", "responsible_officer", "theme"):
            fields[name].widget.choices = [("", fields[name].empty_label), *names[name]]
        for name, field in fields.items():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = f"{css} is-invalid" if name in self.form.errors else css

    def _names(self):
        """The choices of the drop-downs that list names, as (value, label) pairs: the reviews (None beyond
        REVIEW_DROP_DOWN_MAX of them), agencies, officers and themes. One plain query each (a model choice field
        iterates with a server-side cursor: three round trips); kept in the cache under the names' version."""
        fields = self.form.fields
        reviews = list(Review.objects.order_by("reference").only("reference", "title")[: REVIEW_DROP_DOWN_MAX + 1])
        names = {"review": [(r.pk, str(r)) for r in reviews] if len(reviews) <= REVIEW_DROP_DOWN_MAX else None}
        for name in ("lead_agency", "responsible_officer", "theme"):
            field = fields[name]
            names[name] = [(o.pk, field.label_from_instance(o)) for o in field.queryset]
        return names

    def _hint(self, name, text):
        # The bound field keeps its own copy of the help text (made when the form was validated).
        self.form.fields[name].help_text = self.form[name].help_text = text

    def search(self, queryset, name, value):
        words = value.split()
        for word in words[:10]:
            queryset = queryset.filter(
                Q(reference__icontains=word)
                | Q(recommendation__text__icontains=word)
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

    @extend_schema_field({"type": "string", "enum": ["awaiting", "rejected"]})  # not the model's relation of that name
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

    @extend_schema_field({"type": "string", "enum": ["yes"]})  # its label names a setting (the API's schema)
    def filter_escalated(self, queryset, name, value):
        return queryset.filter(rules.overdue_by_q(settings.REMINDER_ESCALATION_DAYS))

    def filter_ready(self, queryset, name, value):
        # What the consultant can sign off: completed, with an accepted item (lifecycle.verification_refusal).
        accepted = access.visible_evidence(self.request.user).filter(status="accepted").values("action_id")
        return queryset.filter(status=rules.Status.COMPLETED, pk__in=accepted)

    def filter_impact(self, queryset, name, value):
        # The dashboard's impact figures open these (learning.rules: the finding of the latest concluded check).
        return learning_rules.impact_filter(queryset, value)

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
