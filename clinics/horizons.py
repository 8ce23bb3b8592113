"""The limits on dates people type: how far from today a period may lie and how long it may last.

A date beyond them is far more likely a slip (a year typed as 2099) than a plan, and the
scheduler's calendar cannot hold it. The services call these checks, and the admin's forms call
the same ones, so that a page, the API and the admin refuse the same dates in the same words.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy

from clinics.models import Center


def center_today(center: Center | None) -> date:
    """Today at the center (in the site's zone for what belongs to no one center)."""
    return timezone.localdate(timezone=center.tzinfo if center else None)


def planning_window(center: Center | None) -> tuple[date, date]:
    """The first and last day a typed date may name: the planning horizon either side of today."""
    today = center_today(center)
    reach = timedelta(days=settings.CARE_PLAN_START_HORIZON_DAYS)
    return today - reach, today + reach


# Each kind of period in its own sentences, so that each translates whole.
PERIOD_MESSAGES = {
    "leave": {
        "backwards": gettext_lazy("The leave must end after it starts."),
        "too_long": gettext_lazy(
            "A leave lasts at most %(days)s days; record a longer absence in parts."
        ),
        "too_far_ahead": gettext_lazy(
            "A leave can start no later than %(last)s; the calendar is planned at most "
            "%(months)s months ahead."
        ),
        "too_far_back": gettext_lazy(
            "A leave cannot end before %(first)s; that is too far in the past to record."
        ),
    },
    "closure": {
        "backwards": gettext_lazy("The closure's last day cannot be before its first."),
        "too_long": gettext_lazy(
            "A closure lasts at most %(days)s days; record a longer one in parts."
        ),
        "too_far_ahead": gettext_lazy(
            "A closure can start no later than %(last)s; the calendar is planned at most "
            "%(months)s months ahead."
        ),
        "too_far_back": gettext_lazy(
            "A closure cannot end before %(first)s; that is too far in the past to record."
        ),
    },
}


def horizon_months() -> int:
    """The planning horizon in whole months, as people say it."""
    return round(settings.CARE_PLAN_START_HORIZON_DAYS / 30.4)


def period_check(*, first_day: date, last_day: date, center: Center | None, kind: str) -> None:
    """Refuse a leave or closure (`kind`) from `first_day` to `last_day`, both days included,
    that ends before it starts, lasts longer than LEAVE_MAX_DAYS or lies outside the planning
    window, with the words of PERIOD_MESSAGES."""
    messages = PERIOD_MESSAGES[kind]
    earliest, latest = planning_window(center)
    if last_day < first_day:
        code, values = "backwards", {}
    elif (last_day - first_day).days + 1 > settings.LEAVE_MAX_DAYS:
        code, values = "too_long", {"days": settings.LEAVE_MAX_DAYS}
    elif first_day > latest:
        code, values = "too_far_ahead", {"last": latest.isoformat(), "months": horizon_months()}
    elif last_day < earliest:
        code, values = "too_far_back", {"first": earliest.isoformat()}
    else:
        return
    raise ValidationError(
        str(messages[code]) % values if values else str(messages[code]), code=code
    )


def leave_check(*, starts_at: datetime, ends_at: datetime, center: Center | None) -> None:
    """Refuse a leave that ends before it starts, is too long or lies outside the planning
    window; its days are read in the center's zone (the site's zone without one)."""
    if ends_at <= starts_at:
        raise ValidationError(str(PERIOD_MESSAGES["leave"]["backwards"]), code="backwards")
    zone = center.tzinfo if center else timezone.get_current_timezone()
    # A leave ending at midnight ends on the day before.
    last_instant = ends_at - timedelta(microseconds=1)
    period_check(
        first_day=starts_at.astimezone(zone).date(),
        last_day=last_instant.astimezone(zone).date(),
        center=center,
        kind="leave",
    )
