from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.urls import reverse

from accounts.models import Agency, Role, User
from actionplans import lifecycle, services
from actionplans.models import Action, ActionPlan
from audit.forms import StaleEditGuard
from reviews.forms import DateInput, themes_to_offer
from scrsystem import text


def _helper(label):
    helper = FormHelper()
    helper.add_input(Submit("submit", label))
    return helper


class SeenStatus(forms.Form):
    """Mix into a form that moves an object's status: it carries the status the person saw when the page was
    drawn, and the lifecycle writes only if the object is still in it (actionplans.lifecycle). For an action, it
    carries the moment that status was set too (lifecycle.Seen), so that a status changed and changed back since
    also counts as changed."""

    OUT_OF_DATE = "This form is out of date: open the page again and retry."

    seen_status = forms.CharField(widget=forms.HiddenInput, required=False)
    seen_changed_at = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, seen, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seen_status"].initial = seen.status
        if isinstance(seen, Action):
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
        self.fields["agency"].queryset = Agency.objects.filter(is_active=True)
        self.fields["agency"].label = "Agency (single-agency plans only)"
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


class ActionForm(StaleEditGuard, forms.ModelForm):
    class Meta:
        model = Action
        fields = Action.EDITABLE_FIELDS
        widgets = {
            "target_date": DateInput(),
            "recommendation": forms.Textarea(attrs={"rows": 3}),
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
        officers = User.objects.filter(is_active=True, role=Role.AGENCY).select_related("agency")
        if plan.is_single_agency:
            officers = officers.filter(agency_id=plan.agency_id)
        self.fields["responsible_officer"].queryset = officers.order_by("agency__name", "first_name", "last_name")
        self.fields["responsible_officer"].empty_label = "None named: the lead agency's users"
        self.fields["responsible_officer"].label_from_instance = lambda u: f"{u} ({u.agency.short_name})"
        self.fields["themes"].queryset = themes_to_offer(self.instance, "themes")
        self.helper = _helper(submit_label)

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
