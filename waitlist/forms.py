"""The patient's form to join a waitlist: package, window of first days, times of day."""

from datetime import timedelta

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from protocols.models import ProtocolVersion
from waitlist.models import TimeOfDay


class WaitlistJoinForm(forms.Form):
    protocol_version = forms.ModelChoiceField(
        label=_("Package"),
        queryset=ProtocolVersion.objects.none(),
        empty_label=_("Choose a package"),
        error_messages={
            "required": _("Please choose a package."),
            "invalid_choice": _("Please choose one of the packages listed."),
        },
    )
    earliest_start = forms.DateField(
        label=_("Earliest first day"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("Please give the earliest day you could start."),
            "invalid": _("Please give the day as a date, e.g. 2026-12-24."),
        },
    )
    latest_start = forms.DateField(
        label=_("Latest first day"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("Please give the latest day you could start."),
            "invalid": _("Please give the day as a date, e.g. 2026-12-24."),
        },
    )
    preferred_times = forms.MultipleChoiceField(
        label=_("Preferred times of day (none: any)"),
        choices=TimeOfDay.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": _("Please choose the times of day from those listed.")},
    )

    def __init__(self, *args, patient, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        center = patient.center
        self.fields["protocol_version"].queryset = (
            ProtocolVersion.objects.effective_on(timezone.localdate())
            .filter(template__is_active=True)
            .filter(Q(template__center__isnull=True) | Q(template__center=center))
            .select_related("template")
            .order_by("template__name", "-version")
        )
        self.fields["protocol_version"].label_from_instance = lambda v: v.template.name
        today = timezone.localdate(timezone=center.tzinfo)
        self.fields["earliest_start"].initial = today + timedelta(days=1)
        self.fields["latest_start"].initial = today + timedelta(days=14)
        for name in ("earliest_start", "latest_start"):
            self.fields[name].widget.attrs["min"] = today.isoformat()
