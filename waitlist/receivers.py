"""Where the lower apps say that capacity was freed: look for places for waiting patients."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_noop

from patients.models import CarePlan
from sessions.models import SessionStatus, TherapySession
from sessions.signals import session_status_changed, sessions_booked
from waitlist.models import EntryStatus, WaitlistEntry
from waitlist.services import waitlist_match_queue
from waitlist.words import words


def _anyone_waits(center_id: int) -> bool:
    return WaitlistEntry.objects.filter(center_id=center_id, status=EntryStatus.WAITING).exists()


@receiver(session_status_changed, dispatch_uid="waitlist.session_cancelled")
def _session_cancelled(sender, *, session: TherapySession, change, **kwargs) -> None:
    # Only a session still to come frees something another patient could use.
    if change.to_status != SessionStatus.CANCELLED or session.starts_at <= timezone.now():
        return
    if _anyone_waits(session.center_id):
        # The day as a date, so that each reader sees it in their language's format.
        starts = timezone.localtime(session.starts_at, session.center.tzinfo)
        waitlist_match_queue(
            center_id=session.center_id,
            freed_by=words(
                gettext_noop("A session was cancelled (%(therapy)s, %(day)s at %(time)s)."),
                therapy=session.therapy.name,
                day=starts.date(),
                time=starts.strftime("%H:%M"),
            ),
        )


@receiver(sessions_booked, dispatch_uid="waitlist.sessions_moved")
def _sessions_moved(sender, *, sessions: list[TherapySession], **kwargs) -> None:
    # A re-plan (sick leave, over-runs, a moved session) books sessions at new times and
    # frees their old ones; a new booking frees nothing, but telling them apart costs more
    # than a look that finds nothing.
    for center_id in sorted({s.center_id for s in sessions}):
        if _anyone_waits(center_id):
            waitlist_match_queue(
                center_id=center_id, freed_by=words(gettext_noop("Sessions were re-planned."))
            )


@receiver(post_save, sender=CarePlan, dispatch_uid="waitlist.care_plan_ended")
def _care_plan_ended(sender, *, instance: CarePlan, created: bool, **kwargs) -> None:
    # A plan completed or cancelled before its end gives back the sessions it no longer needs.
    if created or instance.status not in (CarePlan.Status.COMPLETED, CarePlan.Status.CANCELLED):
        return
    center_id = instance.patient.center_id

    def queue() -> None:
        if _anyone_waits(center_id):
            waitlist_match_queue(
                center_id=center_id, freed_by=words(gettext_noop("A care plan ended early."))
            )

    transaction.on_commit(queue)
