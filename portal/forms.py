"""Forms of the patient's pages: booking a package, and the intake's preferences step."""

from datetime import date, timedelta

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from clinics.choices import Language, Weekday
from clinics.models import Center
from patients.forms import CONSENT_WORDING
from patients.models import Consent
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
        self.fields["start_date"].initial = _first_preferred_day(
            today + timedelta(days=1), patient.preferred_weekdays
        )
        self.fields["start_date"].widget.attrs["min"] = today.isoformat()

    def clean(self):
        data = super().clean()
        center, version = data.get("center"), data.get("protocol_version")
        start = data.get("start_date")
        if version and start:
            # The list shows the versions in force today; a course starting after a newer
            # version takes effect follows that one, as its care plan will record.
            data["protocol_version"] = version = (
                ProtocolVersion.objects.effective_on(start)
                .filter(template=version.template_id)
                .select_related("template__center")
                .order_by("-version")
                .first()
                or version
            )
        if center and version and version.template.center_id not in (None, center.pk):
            self.add_error(
                "protocol_version",
                _("%(package)s is offered at %(center)s only.")
                % {"package": version.template.name, "center": version.template.center.name},
            )
        return data


def _first_preferred_day(first: date, weekdays: list[int]) -> date:
    """`first`, or the first day of the week after it that the patient prefers to start on."""
    return next(
        (
            first + timedelta(days=n)
            for n in range(7)
            if (first + timedelta(days=n)).weekday() in weekdays
        ),
        first,
    )


def _package_label(version: ProtocolVersion) -> str:
    template = version.template
    days = _("%(n)s days") % {"n": template.duration_days}
    where = f" · {template.center.name}" if template.center_id else ""
    return f"{template.name} ({days}){where}"


# The daily windows a patient can tick, as the scheduler's soft "preferred" windows.
TIMES_OF_DAY = {
    "morning": (_("Early morning (7–10)"), ["07:00", "10:00"]),
    "late_morning": (_("Late morning (10–13)"), ["10:00", "13:00"]),
    "afternoon": (_("Afternoon (13–17)"), ["13:00", "17:00"]),
    "evening": (_("Evening (17–20)"), ["17:00", "20:00"]),
}


class IntakePreferencesForm(forms.Form):
    """The intake's preferences step: when, with whom, in which language, and how to reach."""

    weekdays = forms.TypedMultipleChoiceField(
        label=_("Days you prefer to start on"),
        help_text=_("Leave all empty if any day suits you."),
        choices=Weekday.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    times = forms.MultipleChoiceField(
        label=_("Times of day you prefer"),
        help_text=_("We try to book inside them; leave all empty if any time suits you."),
        choices=[(key, label) for key, (label, _window) in TIMES_OF_DAY.items()],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    practitioner = forms.ChoiceField(
        label=_("Your practitioner"),
        choices=[
            ("any", _("Anyone qualified")),
            ("same", _("Someone of my own gender only")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose who may treat you.")},
    )
    language = forms.ChoiceField(
        label=_("Language of your messages"), choices=Language.choices, widget=forms.RadioSelect
    )
    sms = forms.BooleanField(label=CONSENT_WORDING[Consent.Kind.SMS_MESSAGES], required=False)
    phone = PhoneNumberField(
        label=_("Mobile number for SMS"),
        required=False,
        error_messages={
            "invalid": _("Please give a mobile number with its country code, e.g. +91 98470 12345.")
        },
    )
    email = forms.BooleanField(label=CONSENT_WORDING[Consent.Kind.EMAIL_MESSAGES], required=False)
    in_app = forms.BooleanField(label=_("Show me messages in this portal."), required=False)
    quiet_hours_start = forms.TimeField(
        label=_("Quiet from"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": _("Please give a time, e.g. 21:00.")},
    )
    quiet_hours_end = forms.TimeField(
        label=_("Quiet until"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": _("Please give a time, e.g. 07:00.")},
    )

    def __init__(self, *args, patient, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.fields["phone"].region = patient.center.country

    def clean(self):
        data = super().clean()
        if not any(data.get(channel) for channel in ("sms", "email", "in_app")):
            raise forms.ValidationError(
                _("Keep at least one way for your clinic to reach you."), code="no_channel"
            )
        if data.get("sms") and not (data.get("phone") or self.patient.phone):
            self.add_error("phone", _("Please give the mobile number for your SMS reminders."))
        return data

    def windows(self) -> list[list[str]]:
        return [TIMES_OF_DAY[key][1] for key in self.cleaned_data["times"]]
