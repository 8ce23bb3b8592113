"""The patient's preference form: channels, quiet hours, time zone and language."""

import zoneinfo

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from clinics.choices import Language
from notifications.models import NotificationPreference


def _zone_choices() -> list[tuple[str, str]]:
    return [("", _("The clinic's time zone"))] + [
        (name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())
    ]


class PreferenceForm(forms.ModelForm):
    language = forms.ChoiceField(
        label=_("Language of messages"), choices=Language.choices, widget=forms.Select
    )

    class Meta:
        model = NotificationPreference
        fields = [
            "sms",
            "email",
            "in_app",
            "push",
            "quiet_hours_start",
            "quiet_hours_end",
            "timezone",
        ]
        labels = {
            "sms": _("SMS to my phone"),
            "email": _("Email"),
            "in_app": _("Messages in this portal"),
            "push": _("Notifications on my phones"),
            "quiet_hours_start": _("Quiet from"),
            "quiet_hours_end": _("Quiet until"),
            "timezone": _("My time zone"),
        }
        help_texts = {
            "timezone": _("Reminders give times in this zone and respect your quiet hours in it."),
        }
        widgets = {
            "quiet_hours_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_hours_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "timezone": forms.Select(),
        }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["timezone"].widget.choices = _zone_choices()
        self.fields["language"].initial = self.instance.patient.language
        if not settings.WEB_PUSH_ENABLED:
            # Without VAPID keys there is nothing to choose; the saved choice stays as it is.
            del self.fields["push"]

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(channel) for channel in ("sms", "email", "in_app")):
            raise forms.ValidationError(
                _("Keep at least one way for your clinic to reach you."), code="no_channel"
            )
        return cleaned
