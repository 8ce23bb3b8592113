"""The names of the public holidays a center's resource calendar shows closed, in the reader's
language when the `holidays` package has it."""

from datetime import date, timedelta

import holidays
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from clinics.models import Center


def _holiday_language(supported: tuple[str, ...]) -> str | None:
    """The package's name for the active language (hi, or en_IN for English), or None for its
    default."""
    active = (get_language() or "").replace("-", "_")
    for candidate in (active, active.split("_")[0]):
        if candidate in supported:
            return candidate
    return next((code for code in supported if code.split("_")[0] == active[:2]), None)


def public_holiday_names(*, center: Center, first_day: date, days: int) -> dict[date, str]:
    """Each public holiday of the center's country and region in the days, by its name."""
    if not center.holiday_country:
        return {}
    last_day = first_day + timedelta(days=days - 1)
    supported = holidays.country_holidays(center.holiday_country).supported_languages
    calendar = holidays.country_holidays(
        center.holiday_country,
        subdiv=center.holiday_subdivision or None,
        years=range(first_day.year, last_day.year + 1),
        language=_holiday_language(supported),
    )
    return {day: name for day, name in calendar.items() if first_day <= day <= last_day}


def calendar_days_name_holidays(*, center: Center, days) -> None:
    """Put the holiday's own name ("Christmas") on closed days that the calendar only calls a
    public holiday; a closure's own reason stays as the center wrote it."""
    if not days:
        return
    names = public_holiday_names(center=center, first_day=days[0].date, days=len(days))
    unnamed = _("Public holiday")
    for day in days:
        if day.closed == unnamed and day.date in names:
            day.closed = names[day.date]
