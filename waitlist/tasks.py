"""Background jobs (django-q2) of the waitlist: matching freed capacity, expiring offers."""

from datetime import datetime

from clinics.models import Center
from waitlist.services import waitlist_match, waitlist_offers_expire

# The recurring job that closes offers past their expiry, minutes between runs.
EXPIRY_JOB = ("Expire waitlist offers", "waitlist.tasks.waitlist_offers_expire_task", "I", 5)


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
    return waitlist_offers_expire()


def offers_expiry_schedule_ensure(*, using="default", **kwargs) -> None:
    """Write the expiry job into django-q2's schedule after every migrate and flush, as
    clinics.schedules does for the portal's other recurring jobs."""
    from django.db import connections
    from django_q.models import Schedule

    if Schedule._meta.db_table not in connections[using].introspection.table_names():
        return
    name, task, schedule_type, minutes = EXPIRY_JOB
    Schedule.objects.using(using).update_or_create(
        func=task,
        defaults={"name": name, "schedule_type": schedule_type, "minutes": minutes, "repeats": -1},
    )
