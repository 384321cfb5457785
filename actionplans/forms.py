from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row, Submit
from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils import formats
from django.utils.html import format_html
from django.utils.text import Truncator

from accounts.models import Agency, Role, User
from actionplans import bulk, lifecycle, rules, services
from actionplans.models import Action, ActionPlan
from audit.forms import StaleEditGuard
from reviews.forms import DateInput, themes_to_offer
from scrsystem import text
from scrsystem.widgets import FastSelect


def _helper(label):
    helper = FormHelper()
    helper.add_input(Submit("submit", label))
    return helper


class SeenStatus(forms.Form):
    """Mix into a form that moves an object's status: it carries the status the person saw when the page was
    drawn, and the lifecycle writes only if the object is still in it (actionplans.lifecycle). For an action or a
    learning event, it carries the moment that status was set too (lifecycle.Seen), so that a status changed and
    changed back since also counts as changed."""

    OUT_OF_DATE = "This form is out of date: open the page again and retry."

    seen_status = forms.CharField(widget=forms.HiddenInput, required=False)
    seen_changed_at = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, seen, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seen_status"].initial = seen.status
        if hasattr(seen, "status_changed_at"):  # an action, or a learning event
            self.fields["seen_changed_at"].initial = lifecycle.Seen.moment_of(seen)
        else:
            del self.fields["seen_changed_at"]

    def clean(self):
        cleaned = super().clean()
        status, moment = cleaned.get("seen_status"), cleaned.get("seen_changed_at")
        if not status:
            raise forms.ValidationError(self.OUT_OF_DATE)
        if moment:
            try:
                cleaned["seen_status"] = lifecycle.Seen.from_form(status, moment)
            except ValueError:
                raise forms.ValidationError(self.OUT_OF_DATE) from None
        return cleaned


class PastDateConfirmation(forms.Form):
    """Mix into a form with a date field (``past_date_field``) that may be set in the past only on purpose: when the
    posted date is before today, the form shows an error beside it and a tick box right after it, and is refused
    until the box is ticked."""

    past_date_field = "target_date"
    CONFIRM_LABEL = "This target date is in the past: the action will be overdue at once"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name = self.past_date_field
        if name in self.fields and self._posted_date_is_past(name):
            self.fields["confirm_past_date"] = forms.BooleanField(required=False, label=self.CONFIRM_LABEL)
            order = list(self.fields)
            order.remove("confirm_past_date")
            order.insert(order.index(name) + 1, "confirm_past_date")
            self.order_fields(order)

    def _posted_date_is_past(self, name):
        if not self.is_bound:
            return False
        try:
            date = self.fields[name].clean(self.data.get(self.add_prefix(name)))
        except forms.ValidationError:
            return False
        return date is not None and date < rules.today()

    def clean(self):
        cleaned = super().clean()
        date = cleaned.get(self.past_date_field)
        if date and date < rules.today() and not cleaned.get("confirm_past_date"):
            self.add_error(
                self.past_date_field,
                f"{formats.date_format(date, 'j F Y')} is in the past, so the action would be overdue at once. Choose "
                f"a later date, or tick “{self.CONFIRM_LABEL}” to keep it.",
            )
        return cleaned


class ActionPlanForm(StaleEditGuard, forms.ModelForm):
    hand_over_actions = forms.BooleanField(
        required=False,
        label="Hand the plan's actions to the new agency",
        help_text="Only the owning agency sees a single-agency plan: its actions must be led by that agency.",
    )

    class Meta:
        model = ActionPlan
        fields = ActionPlan.AUDITED_FIELDS
        widgets = {"kind": forms.RadioSelect, "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, review, submit_label="Save plan", **kwargs):
        super().__init__(*args, **kwargs)
        self.review = self.instance.review = review
        # A radio list has no "---------" choice: a new plan is the multi-agency one until the review has it.
        self.fields["kind"].choices = ActionPlan.Kind.choices
        if not self.instance.pk:
            has_multi_agency = ActionPlan.objects.filter(review=review, kind=ActionPlan.Kind.MULTI_AGENCY).exists()
            self.fields["kind"].initial = (
                ActionPlan.Kind.SINGLE_AGENCY if has_multi_agency else ActionPlan.Kind.MULTI_AGENCY
            )
        self.fields["agency"].queryset = Agency.objects.filter(is_active=True)
        self.fields["agency"].label = "Agency (single-agency plans only)"
        self.fields["agency"].empty_label = "None: the board's multi-agency plan"
        Agency.label_choices(self.fields["agency"])
        if not self.instance.pk or not self.instance.actions.exists():
            del self.fields["hand_over_actions"]
        self.helper = _helper(submit_label)

    def clean(self):
        cleaned = super().clean()
        kind, agency = cleaned.get("kind"), cleaned.get("agency")
        if kind == ActionPlan.Kind.SINGLE_AGENCY and not agency:
            self.add_error("agency", "Choose the agency that owns this single-agency plan.")
        if kind == ActionPlan.Kind.MULTI_AGENCY and agency:
            self.add_error("agency", "A multi-agency plan belongs to the board: leave the agency empty.")
        others = ActionPlan.objects.filter(review=self.review).exclude(pk=self.instance.pk)
        if kind == ActionPlan.Kind.MULTI_AGENCY and others.filter(kind=kind).exists():
            self.add_error("kind", "This review already has a multi-agency plan.")
        if agency and others.filter(agency=agency).exists():
            self.add_error("agency", f"{agency} already has a plan for this review.")
        if kind and agency and not cleaned.get("hand_over_actions"):
            cut_off = list(services.actions_cut_off(self.instance, kind, agency))
            if cut_off:
                self.add_error("agency", services.cut_off_message(cut_off, agency))
        return cleaned


class ActionForm(PastDateConfirmation, StaleEditGuard, forms.ModelForm):
    class Meta:
        model = Action
        fields = Action.EDITABLE_FIELDS
        widgets = {
            "target_date": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
            "success_measure": forms.Textarea(attrs={"rows": 2}),
            "themes": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, plan, submit_label="Save action", **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = self.instance.plan = plan
        agencies = Agency.objects.filter(is_active=True)
        if plan.is_single_agency:
            agencies = agencies.filter(pk=plan.agency_id)
            self.fields["lead_agency"].initial = plan.agency_id
        self.fields["lead_agency"].queryset = agencies
        Agency.label_choices(self.fields["lead_agency"])
        officers = User.objects.filter(is_active=True, role=Role.AGENCY).select_related("agency")
        if plan.is_single_agency:
            officers = officers.filter(agency_id=plan.agency_id)
        self.fields["responsible_officer"].queryset = officers.order_by("agency__name", "first_name", "last_name")
        self.fields["responsible_officer"].empty_label = "None named: the lead agency's users"
        self.fields["responsible_officer"].label_from_instance = lambda u: f"{u} ({u.agency.short_name})"
        self.fields["themes"].queryset = themes_to_offer(self.instance, "themes")
        self._offer_recommendations(plan.review)
        if self.instance.pk:
            # An action's target date moves on its own page, with a reason (actionplans.dates).
            self.fields.pop("target_date", None)
            self.fields.pop("confirm_past_date", None)
        self.helper = _helper(submit_label)

    def _offer_recommendations(self, review):
        """The review's recommendations (an agency's own plan: those to the partnership and to its agency), by
        number. Every action answers one (the review page lists them with their actions)."""
        field = self.fields["recommendation"]
        field.required = True
        field.label = "Recommendation it answers"
        recommendations = review.recommendations.order_by("number")
        if self.plan.is_single_agency:
            recommendations = recommendations.filter(Q(agency__isnull=True) | Q(agency_id=self.plan.agency_id))
        field.queryset = recommendations
        field.empty_label = "Choose the recommendation"
        field.label_from_instance = lambda r: Truncator(r.label).chars(160)
        field.error_messages["required"] = "Choose the review's recommendation this action answers."
        field.help_text = format_html(
            'The recommendations of {}. A missing one is added on <a href="{}#recommendations">the review\'s page</a>.',
            review.reference, review.get_absolute_url(),
        )

    def clean_reference(self):
        reference = self.cleaned_data["reference"].strip()
        if Action.objects.filter(plan=self.plan, reference__iexact=reference).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"This plan already has an action {reference}.")
        return reference


class ProgressForm(SeenStatus):
    status = forms.ChoiceField(label="Status")
    note = forms.CharField(
        label="Progress note",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=text.TEXT,
        help_text="What has been done since the last update. This is kept, dated, in the progress log.",
        error_messages={"required": "Write a progress note: what has been done, or why the status changed."},
    )

    def __init__(self, *args, action, statuses, **kwargs):
        super().__init__(*args, seen=action, **kwargs)
        self.fields["status"].choices = [(s.value, s.label) for s in statuses]
        self.fields["status"].initial = action.status
        self.helper = _helper("Record progress")
        self.helper.form_action = reverse("actionplans:action_progress", args=[action.pk])


class ReinstateForm(SeenStatus):
    status = forms.ChoiceField(
        label="Reinstate as", help_text="The action counts in every percentage again, in this status."
    )
    note = forms.CharField(
        label="Why it is reinstated",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=text.TEXT,
        error_messages={"required": "Say why the action is reinstated: it is kept in the progress log."},
    )

    def __init__(self, *args, action, **kwargs):
        super().__init__(*args, seen=action, **kwargs)
        self.fields["status"].choices = [(s.value, s.label) for s in lifecycle.WORKING]
        self.fields["status"].initial = lifecycle.status_before_cancelling(action)
        self.helper = _helper("Reinstate this action")


class ReasonForm(SeenStatus):
    """A status move that needs only a reason (cancel an action, withdraw a sign-off or an evidence item)."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=text.TEXT,
        error_messages={"required": "Give a reason: it stays on record."},
    )

    def __init__(self, *args, seen, label, help_text, submit_label, **kwargs):
        super().__init__(*args, seen=seen, **kwargs)
        self.fields["reason"].label = label
        self.fields["reason"].help_text = help_text
        self.helper = _helper(submit_label)
        self.helper.inputs[0].field_classes = "btn btn-danger"


class SignOffForm(SeenStatus):
    note = forms.CharField(
        label="Sign-off note",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=text.TEXT,
        help_text="Why the action is verified: which evidence shows it worked.",
        error_messages={"required": "Write a sign-off note: which evidence shows the action worked."},
    )


class TargetDateForm(PastDateConfirmation, forms.Form):
    """A new target date and its reason: a member's change (``direct``) or a lead agency's request. It carries the
    date the person saw, so that a date moved meanwhile is reported, not overwritten (actionplans.dates)."""

    past_date_field = "new_date"
    CONFIRM_LABEL = "This date is in the past: the action will be overdue at once"

    new_date = forms.DateField(
        label="New target date",
        widget=DateInput(),
        error_messages={"required": "Give the new target date.", "invalid": "Enter a date, for example 31/03/2027."},
    )
    reason = forms.CharField(
        label="Reason for the new date",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=text.TEXT,
        error_messages={"required": "Give a reason for changing the target date: it stays on record."},
    )
    seen_date = forms.DateField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, action, direct, **kwargs):
        super().__init__(*args, **kwargs)
        self.action = action
        self.fields["seen_date"].initial = action.target_date
        self.fields["reason"].help_text = (
            "Kept on the action's record, with the old and new dates, for the board."
            if direct
            else "A sub-committee member reads it and approves or refuses the new date."
        )
        self.helper = _helper("Change the target date" if direct else "Ask for this target date")

    def clean(self):
        cleaned = super().clean()
        seen = cleaned.get("seen_date")
        if not seen and "seen_date" not in self.errors:
            raise forms.ValidationError(SeenStatus.OUT_OF_DATE)
        new = cleaned.get("new_date")
        if new and seen and new == seen:
            self.add_error(
                "new_date", f"The target date is {formats.date_format(seen, 'j F Y')} already: choose another date."
            )
        return cleaned


class DateDecisionForm(forms.Form):
    """A member approves or refuses a request for a new target date (two buttons name the decision)."""

    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("refuse", "Refuse")],
        error_messages={"required": "Choose Approve or Refuse.", "invalid_choice": "Choose Approve or Refuse."},
    )
    note = forms.CharField(
        label="Note on the decision",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=text.TEXT,
        help_text="Required to refuse: the agency reads it.",
    )

    def __init__(self, *args, **kwargs):
        # Its own ids: the action page holds the progress form's note too.
        super().__init__(*args, auto_id="id_date_decision_%s", **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "refuse" and "note" not in self.errors and not cleaned.get("note", "").strip():
            self.add_error("note", "Write a note saying why the new target date is refused: the agency will read it.")
        return cleaned


class SelectedActions(forms.Field):
    """The actions ticked in the list's rows: their ids (the checkboxes are drawn by includes/action_rows.html)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        try:
            return sorted({int(pk) for pk in value or []})
        except (TypeError, ValueError):
            raise forms.ValidationError("The ticked actions could not be read: tick them again.") from None


class BulkForm(forms.Form):
    """A bulk change from the action list (actionplans.bulk): which actions, and what to change on each. Nothing
    changes when it is posted: the confirmation page comes first."""

    SELECTED, ALL = "selected", "all"
    #: The id of its form element, which the checkboxes of the list's rows name.
    form_id = "bulk-form"
    #: The officer choice that takes the responsible officer off.
    NO_OFFICER = "none"

    actions = SelectedActions(required=False)
    query = forms.CharField(widget=forms.HiddenInput, required=False)
    scope = forms.ChoiceField(label="Which actions", widget=forms.RadioSelect, initial=SELECTED)
    operation = forms.ChoiceField(
        label="What to change",
        widget=forms.RadioSelect,
        choices=bulk.Operation.choices,
        error_messages={"required": "Choose what to change: the responsible officer, the target dates or a note."},
    )
    officer = forms.ChoiceField(
        label="New responsible officer",
        required=False,
        widget=FastSelect,
        help_text="A user of each action's lead agency: actions led by another agency are refused.",
    )
    new_date = forms.DateField(label="New target date", required=False, widget=DateInput())
    days = forms.IntegerField(
        label="Or later by this many days", required=False, min_value=1, max_value=730,
        help_text="Each action's own target date moves by this many days.",
    )
    reason = forms.CharField(
        label="Reason for moving the target dates",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=text.TEXT,
        help_text="Kept with each action's change of date.",
    )
    note = forms.CharField(
        label="Progress note",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=text.TEXT,
        help_text="Recorded, dated, in each action's progress log. The statuses stay as they are.",
    )

    def __init__(self, *args, matching, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = [
            (self.SELECTED, "The actions I tick in the table"),
            (self.ALL, f"All {matching:,} action{'s' * (matching != 1)} matching the filter"),
        ]
        self._officers = None
        self.fields["officer"].choices = self._officer_choices
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            "actions",
            "query",
            "scope",
            "operation",
            Fieldset("To reassign the responsible officer", "officer"),
            Fieldset(
                "To move the target dates",
                Row(Column("new_date", css_class="col-sm-6"), Column("days", css_class="col-sm-6")),
                "reason",
            ),
            Fieldset("To record a progress note on each", "note"),
        )

    def _officer_choices(self):
        """The active agency users, by agency: read once, when the form is drawn or the choice checked."""
        if self._officers is None:
            officers = User.objects.filter(is_active=True, role=Role.AGENCY).select_related("agency")
            officers = officers.order_by("agency__short_name", "first_name", "last_name", "username")
            self._officers = {str(officer.pk): officer for officer in officers}
        groups = {}
        for pk, officer in self._officers.items():
            groups.setdefault(officer.agency.short_name, []).append((pk, str(officer)))
        return [("", "Choose the officer"), (self.NO_OFFICER, "None named: the lead agency's users"), *groups.items()]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("scope") == self.SELECTED and not cleaned.get("actions") and "actions" not in self.errors:
            self.add_error(
                "scope", "Tick at least one action in the table, or choose all the actions matching the filter."
            )
        operation = cleaned.get("operation")
        if operation == bulk.Operation.OFFICER and not cleaned.get("officer") and "officer" not in self.errors:
            self.add_error("officer", "Choose the new responsible officer, or “None named”.")
        if operation == bulk.Operation.DATES:
            self._clean_dates(cleaned)
        if operation == bulk.Operation.NOTE and not cleaned.get("note") and "note" not in self.errors:
            self.add_error("note", "Write the progress note to record on each action.")
        return cleaned

    def _clean_dates(self, cleaned):
        new_date, days = cleaned.get("new_date"), cleaned.get("days")
        if "new_date" in self.errors or "days" in self.errors:
            pass
        elif new_date is None and days is None:
            self.add_error("new_date", "Give the new target date, or a number of days to move each date by.")
        elif new_date is not None and days is not None:
            self.add_error("days", "Give a new target date or a number of days, not both.")
        elif new_date is not None and new_date < rules.today():
            self.add_error("new_date", f"{formats.date_format(new_date, 'j M Y')} is in the past: choose a later date.")
        if not cleaned.get("reason") and "reason" not in self.errors:
            self.add_error("reason", "Give a reason for moving the target dates: it is kept with each change.")

    def change(self):
        """The bulk.Change asked for (valid forms only)."""
        data = self.cleaned_data
        operation = bulk.Operation(data["operation"])
        if operation == bulk.Operation.OFFICER:
            return bulk.Change(operation, officer=(self._officers or {}).get(data["officer"]))
        if operation == bulk.Operation.DATES:
            return bulk.Change(operation, new_date=data["new_date"], days=data["days"], reason=data["reason"])
        return bulk.Change(operation, note=data["note"])
