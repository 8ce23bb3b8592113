"""Background jobs (django-q2) of the waitlist: matching freed capacity, expiring offers."""

from datetime import datetime

from clinics.models import Center
from waitlist.services import waitlist_match, waitlist_offers_expire


def waitlist_match_task(
    center_id: int, freed_by: dict | None = None, queued_at: str | None = None
) -> int:
    """Offer what was freed at a center to its waiting patients; returns the offers made."""
    center = Center.objects.filter(pk=center_id).first()
    if center is None:
        return 0
    since = datetime.fromisoformat(queued_at) if queued_at else None
    return len(waitlist_match(center=center, freed_by=freed_by, since=since))


def waitlist_offers_expire_task() -> int:
    """Every 5 minutes (clinics.schedules): close the offers past their expiry."""
    return waitlist_offers_expire()
