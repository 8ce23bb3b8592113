"""Forms of the session runner: what a practitioner types on the tablet, checked before a service."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from clinics.models import Consumable
from protocols.models import SOPChecklistItem
from sessions.models import VITAL_RANGES, Incident, SessionNote, SessionStatus
from sessions.services import vitals_errors


class QueuedWriteFields(forms.Form):
    """Sent by runner.js with every write that may be queued offline: its key and its time."""

    idempotency_key = forms.UUIDField(required=False, widget=forms.HiddenInput)
    taken_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)


class StatusForm(forms.Form):
    to_status = forms.ChoiceField(choices=SessionStatus.choices)
    # The status the page showed: a page left open while the session moved on is refused.
    expected_status = forms.ChoiceField(choices=SessionStatus.choices, widget=forms.HiddenInput)
    note = forms.CharField(required=False, max_length=500)


class TickForm(QueuedWriteFields):
    item = forms.ModelChoiceField(queryset=SOPChecklistItem.objects.none())
    done = forms.TypedChoiceField(
        choices=[("1", _("Done")), ("0", _("Not done"))], coerce=lambda v: v == "1", initial="1"
    )
    value = forms.CharField(required=False, max_length=200)

    def __init__(self, *args, template=None, **kwargs):
        super().__init__(*args, **kwargs)
        if template is not None:
            self.fields["item"].queryset = template.items.all()
        self.fields["item"].error_messages["invalid_choice"] = _(
            "This step is not on the session's checklist."
        )

    def clean(self):
        cleaned = super().clean()
        item = cleaned.get("item")
        if (
            item is not None
            and cleaned.get("done")
            and item.kind == SOPChecklistItem.Kind.MEASUREMENT
            and item.required
            and not cleaned.get("value", "").strip()
        ):
            self.add_error("value", _("Enter the measurement before ticking this step."))
        return cleaned


class TimerForm(forms.Form):
    item = forms.ModelChoiceField(queryset=SOPChecklistItem.objects.none())
    action = forms.ChoiceField(
        choices=[("start", _("Start")), ("pause", _("Pause")), ("reset", _("Reset"))]
    )

    def __init__(self, *args, template=None, **kwargs):
        super().__init__(*args, **kwargs)
        if template is not None:
            self.fields["item"].queryset = template.items.filter(timer_seconds__gt=0)


def _range_attrs(name: str, step: str) -> dict:
    low, high = VITAL_RANGES[name]
    return {"min": low, "max": high, "step": step, "inputmode": "decimal"}


class VitalsForm(QueuedWriteFields):
    # The browser keeps obvious slips out with min/max; the ranges are checked again here and
    # by the service, in words that say which reading is wrong.
    bp_systolic = forms.IntegerField(
        label=_("BP systolic (mmHg)"),
        required=False,
        widget=forms.NumberInput(attrs=_range_attrs("bp_systolic", "1")),
    )
    bp_diastolic = forms.IntegerField(
        label=_("BP diastolic (mmHg)"),
        required=False,
        widget=forms.NumberInput(attrs=_range_attrs("bp_diastolic", "1")),
    )
    pulse = forms.IntegerField(
        label=_("Pulse (/min)"),
        required=False,
        widget=forms.NumberInput(attrs=_range_attrs("pulse", "1")),
    )
    temperature_c = forms.DecimalField(
        label=_("Temperature (°C)"),
        required=False,
        max_digits=4,
        decimal_places=1,
        widget=forms.NumberInput(attrs=_range_attrs("temperature_c", "0.1")),
    )
    weight_kg = forms.DecimalField(
        label=_("Weight (kg)"),
        required=False,
        max_digits=5,
        decimal_places=1,
        widget=forms.NumberInput(attrs=_range_attrs("weight_kg", "0.1")),
    )

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            for name, message in vitals_errors(cleaned).items():
                self.add_error(None if name == "__all__" else name, message)
        return cleaned

    def readings(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in VITAL_RANGES}


class DosageForm(forms.Form):
    dose_given = forms.DecimalField(
        label=_("Dose given"),
        min_value=Decimal("0.01"),
        max_digits=8,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    dose_unit = forms.CharField(label=_("Unit"), required=False, max_length=20)
    remark = forms.CharField(
        label=_("Remark"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. with warm water, taken slowly")}),
    )


class MaterialForm(forms.Form):
    consumable = forms.ModelChoiceField(
        label=_("Material"), queryset=Consumable.objects.none(), empty_label=_("Choose…")
    )
    quantity = forms.DecimalField(
        label=_("Quantity used"),
        min_value=Decimal("0.001"),
        max_digits=12,
        decimal_places=3,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )

    def __init__(self, *args, center_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consumable"].queryset = Consumable.objects.filter(center_id=center_id)
        self.fields["consumable"].error_messages["invalid_choice"] = _(
            "This material is not stocked at this center."
        )


class NoteForm(QueuedWriteFields):
    note_kind = forms.ChoiceField(
        label=_("Kind"), choices=SessionNote.Kind.choices, initial=SessionNote.Kind.NOTE
    )
    text = forms.CharField(
        label=_("Note"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class IncidentForm(forms.Form):
    severity = forms.ChoiceField(label=_("Severity"), choices=Incident.Severity.choices)
    near_miss = forms.BooleanField(
        label=_("Near miss (caught before it reached the patient)"), required=False
    )
    description = forms.CharField(
        label=_("What happened"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    action_taken = forms.CharField(
        label=_("What was done at once"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class IncidentStepForm(forms.Form):
    action = forms.ChoiceField(choices=[("review", _("Review")), ("resolve", _("Resolve"))])
    resolution = forms.CharField(required=False, max_length=4000)
