"""Forms of the console: what the resource calendar's address may ask for."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Far enough either way for any real booking, and away from date.min/max so that the
# previous and next links can always be computed.
EARLIEST = datetime.date(2000, 1, 1)
LATEST = datetime.date(2100, 12, 31)


class CalendarQuery(forms.Form):
    view = forms.ChoiceField(
        choices=[("day", _("Day")), ("week", _("Week"))],
        required=False,
        error_messages={"invalid_choice": _("Choose the day or the week view.")},
    )
    date = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("Give the date as year-month-day, e.g. 2026-12-02.")},
    )

    def clean_date(self) -> datetime.date | None:
        day = self.cleaned_data["date"]
        if day is not None and not EARLIEST <= day <= LATEST:
            raise ValidationError(
                _("Choose a date between %(first)s and %(last)s."),
                params={"first": EARLIEST.isoformat(), "last": LATEST.isoformat()},
            )
        return day


class AnalyticsQuery(forms.Form):
    start = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("Give the date as year-month-day, e.g. 2026-12-02.")},
    )
    end = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("Give the date as year-month-day, e.g. 2026-12-02.")},
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        for day in (start, end):
            if day is not None and not EARLIEST <= day <= LATEST:
                raise ValidationError(
                    _("Choose dates between %(first)s and %(last)s."),
                    params={"first": EARLIEST.isoformat(), "last": LATEST.isoformat()},
                )
        if start and end and start > end:
            raise ValidationError(_("The first day must come before the last day."))
        return cleaned
