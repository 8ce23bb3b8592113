"""Background jobs (django-q2) of the waitlist: matching freed capacity, expiring offers."""

import time
from datetime import datetime

from django.db import OperationalError, connection

from clinics.models import Center
from waitlist.services import waitlist_match, waitlist_offers_expire

# On SQLite (the demo's embedded default) two writers that both began by reading cannot both
# go on: one is refused at once with "database is locked" (waiting would not help). A look at
# the waitlist is then tried again a moment later rather than left to the worker's retry,
# which comes minutes later: the patient the place was freed for would wait that long.
LOCKED_TRIES = 5
LOCKED_PAUSE = 1.0


def waitlist_match_task(
    center_id: int, freed_by: dict | None = None, queued_at: str | None = None
) -> int:
    """Offer what was freed at a center to its waiting patients; returns the offers made."""
    center = Center.objects.filter(pk=center_id).first()
    if center is None:
        return 0
    since = datetime.fromisoformat(queued_at) if queued_at else None
    for attempt in range(1, LOCKED_TRIES + 1):
        try:
            return len(waitlist_match(center=center, freed_by=freed_by, since=since))
        except OperationalError as error:
            locked = connection.vendor == "sqlite" and "locked" in str(error)
            if not locked or attempt == LOCKED_TRIES:
                raise
            time.sleep(LOCKED_PAUSE * attempt)
    return 0  # not reached: the last try returns or raises


def waitlist_offers_expire_task() -> int:
    """Every 5 minutes (clinics.schedules): close the offers past their expiry."""
    return waitlist_offers_expire()
