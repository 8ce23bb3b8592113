"""Forms of the scheduling pages: a new care plan, and sick leave to re-plan around."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clinics.models import Center, PractitionerProfile
from patients.models import Patient
from protocols.models import ProtocolVersion
from scheduling.services.replanning import LeaveToPlan


class CarePlanForm(forms.Form):
    patient = forms.ModelChoiceField(queryset=Patient.objects.none(), label=gettext_lazy("Patient"))
    protocol_version = forms.ModelChoiceField(
        queryset=ProtocolVersion.objects.none(), label=gettext_lazy("Protocol")
    )
    start_date = forms.DateField(
        label=gettext_lazy("First day"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, center: Center, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patient"].queryset = Patient.objects.filter(center=center, is_active=True)
        self.fields["protocol_version"].queryset = (
            ProtocolVersion.objects.filter(status=ProtocolVersion.Status.ACTIVE)
            .filter(Q(template__center__isnull=True) | Q(template__center=center))
            .select_related("template")
        )
        self.fields["protocol_version"].label_from_instance = lambda v: (
            f"{v.template.name} (v{v.version})"
        )


class SickLeaveForm(forms.Form):
    practitioner = forms.ModelChoiceField(
        queryset=PractitionerProfile.objects.none(), label=gettext_lazy("Practitioner")
    )
    first_day = forms.DateField(
        label=gettext_lazy("First day away"), widget=forms.DateInput(attrs={"type": "date"})
    )
    last_day = forms.DateField(
        label=gettext_lazy("Last day away"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=200)

    def __init__(self, *args, center: Center, **kwargs):
        super().__init__(*args, **kwargs)
        self.center = center
        self.fields["practitioner"].queryset = (
            PractitionerProfile.objects.filter(shifts__center=center)
            .distinct()
            .select_related("user")
            .order_by("user__first_name")
        )

    def clean(self):
        data = super().clean()
        if data.get("first_day") and data.get("last_day") and data["last_day"] < data["first_day"]:
            raise ValidationError(_("The last day away cannot be before the first."))
        return data

    def leave(self) -> LeaveToPlan:
        """The whole days away, from the first day's start to the last day's end, locally."""
        zone = ZoneInfo(self.center.timezone)
        return LeaveToPlan(
            practitioner=self.cleaned_data["practitioner"],
            starts_at=datetime.combine(self.cleaned_data["first_day"], time.min, tzinfo=zone),
            ends_at=datetime.combine(self.cleaned_data["last_day"], time.max, tzinfo=zone),
            note=self.cleaned_data["note"],
        )
