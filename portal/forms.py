"""Forms of the patient's pages: booking a package (center, protocol, first day)."""

from datetime import timedelta

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinics.models import Center
from protocols.models import ProtocolVersion


class BookingForm(forms.Form):
    center = forms.ModelChoiceField(
        label=_("Center"),
        queryset=Center.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("Please choose one of the centers listed.")},
    )
    protocol_version = forms.ModelChoiceField(
        label=_("Package"),
        queryset=ProtocolVersion.objects.none(),
        empty_label=_("Choose a package"),
        error_messages={
            "required": _("Please choose a package."),
            "invalid_choice": _("Please choose one of the packages listed."),
        },
    )
    start_date = forms.DateField(
        label=_("First day"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("Please choose your first day."),
            "invalid": _("Please give the first day as a date, e.g. 2026-12-24."),
        },
    )

    def __init__(self, *args, patient, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = Center.objects.filter(is_active=True).order_by("name")
        self.fields["center"].initial = patient.center_id
        self.fields["protocol_version"].queryset = (
            ProtocolVersion.objects.effective_on(timezone.localdate())
            .filter(template__is_active=True)
            .filter(Q(template__center__isnull=True) | Q(template__center__is_active=True))
            .select_related("template__center")
            .order_by("template__name", "-version")
        )
        self.fields["protocol_version"].label_from_instance = _package_label
        today = timezone.localdate(timezone=patient.center.tzinfo)
        self.fields["start_date"].initial = today + timedelta(days=1)
        self.fields["start_date"].widget.attrs["min"] = today.isoformat()

    def clean(self):
        data = super().clean()
        center, version = data.get("center"), data.get("protocol_version")
        if center and version and version.template.center_id not in (None, center.pk):
            self.add_error(
                "protocol_version",
                _("%(package)s is offered at %(center)s only.")
                % {"package": version.template.name, "center": version.template.center.name},
            )
        return data


def _package_label(version: ProtocolVersion) -> str:
    template = version.template
    days = _("%(n)s days") % {"n": template.duration_days}
    where = f" · {template.center.name}" if template.center_id else ""
    return f"{template.name} ({days}){where}"
