"""Helpers for the tests of the practitioner's pages."""

import datetime

from django.utils import timezone


def today_at(center, hour: int, minute: int = 0, days: int = 0) -> datetime.datetime:
    """An aware instant on the center's own calendar day (today + `days`)."""
    day = timezone.now().astimezone(center.tzinfo).date() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=center.tzinfo)
