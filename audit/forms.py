"""No lost updates: a form opened before someone else saved the same object is refused, not applied."""

import datetime

from django import forms
from django.utils import formats

from audit.services import history_of


class StaleEditGuard(forms.Form):
    """Mix into a form that changes an object with an ``updated_at`` (see ``guarded_object``).

    The form carries the object's ``updated_at`` from when the page was opened. If the object was saved
    since, validation fails with a message that says who changed what, and the form takes the new version,
    so that a deliberate second submit, after reading the message, goes through.
    """

    loaded_version = forms.CharField(widget=forms.HiddenInput, required=False)

    def guarded_object(self):
        return getattr(self, "instance", None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        obj = self.guarded_object()
        if obj is not None and obj.pk:
            self.fields["loaded_version"].initial = obj.updated_at.isoformat()

    def clean(self):
        cleaned = super().clean()
        obj = self.guarded_object()
        if obj is None or not obj.pk:
            return cleaned
        # Lock the row until the request's transaction ends, so two saves cannot both pass this check.
        current = type(obj).objects.select_for_update().filter(pk=obj.pk).values_list("updated_at", flat=True).get()
        try:
            loaded = datetime.datetime.fromisoformat(cleaned.get("loaded_version") or "")
        except ValueError:
            loaded = None
        if loaded != current:
            self.data = self.data.copy()
            self.data[self.add_prefix("loaded_version")] = current.isoformat()
            raise forms.ValidationError(self._stale_message(obj, loaded), code="stale")
        return cleaned

    @staticmethod
    def _stale_message(obj, loaded):
        newer = [record for record in history_of(obj)[:20] if loaded is None or record.at > loaded]
        described = [
            f"{field} changed from “{old or '—'}” to “{new}” by {record.actor or 'someone'}, "
            f"{formats.date_format(record.at, 'j M Y H:i')}"
            for record in newer[:5]
            for field, (old, new) in record.changes.items()
        ]
        return (
            "Someone else saved this after you opened it, so nothing of yours was saved. "
            + ("Their changes: " + "; ".join(described) + ". " if described else "")
            + "Your version is still in the form below: check it against theirs, then save again if it still applies."
        )
