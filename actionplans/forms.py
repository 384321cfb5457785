from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.urls import reverse

from accounts.models import Agency, Role, User
from actionplans.models import Action, ActionPlan
from audit.forms import StaleEditGuard
from reviews.forms import DateInput


def _helper(label):
    helper = FormHelper()
    helper.add_input(Submit("submit", label))
    return helper


class ActionPlanForm(StaleEditGuard, forms.ModelForm):
    class Meta:
        model = ActionPlan
        fields = ["kind", "agency", "title", "description"]
        widgets = {"kind": forms.RadioSelect, "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, review, submit_label="Save plan", **kwargs):
        super().__init__(*args, **kwargs)
        self.review = self.instance.review = review
        self.fields["agency"].queryset = Agency.objects.filter(is_active=True)
        self.fields["agency"].label = "Agency (single-agency plans only)"
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
        return cleaned


class ActionForm(StaleEditGuard, forms.ModelForm):
    class Meta:
        model = Action
        fields = [
            "reference",
            "recommendation",
            "description",
            "lead_agency",
            "responsible_officer",
            "target_date",
            "success_measure",
            "themes",
        ]
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
        self.helper = _helper(submit_label)

    def clean_reference(self):
        reference = self.cleaned_data["reference"].strip()
        if Action.objects.filter(plan=self.plan, reference__iexact=reference).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"This plan already has an action {reference}.")
        return reference


class ProgressForm(StaleEditGuard):
    status = forms.ChoiceField(label="Status")
    note = forms.CharField(
        label="Progress note",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What has been done since the last update. This is kept, dated, in the progress log.",
        error_messages={"required": "Write a progress note: what has been done, or why the status changed."},
    )

    def __init__(self, *args, action, statuses, **kwargs):
        self.action = action
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(s.value, s.label) for s in statuses]
        self.fields["status"].initial = action.status
        self.helper = _helper("Record progress")
        self.helper.form_action = reverse("actionplans:action_progress", args=[action.pk])

    def guarded_object(self):
        return self.action


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Reason for cancelling",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Cancelled actions leave every percentage. Say why, for the board's record.",
        error_messages={"required": "Give a reason for cancelling this action."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("Cancel this action")
        self.helper.inputs[0].field_classes = "btn btn-danger"
