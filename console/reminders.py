"""Reads of the reminder-effectiveness dashboard: did patients who were reminded come?

For sessions due over chosen days and decided (attended, or missed as a no-show), the share
missed among those a reminder reached, per reminder (T-24h, T-2h) and channel, beside those no
reminder reached. One grouped SQL query, whatever the number of sessions and messages.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, FilteredRelation, Q

from clinics.models import Center
from notifications.models import OutboxMessage, OutboxStatus
from notifications.playbook import BEFORE_START
from sessions.models import SessionStatus, TherapySession
from sessions.selectors import local_day_bounds

# A reminder counts once it left us; delivery receipts come only from some channels.
REACHED = (OutboxStatus.SENT, OutboxStatus.DELIVERED)
DECIDED = (SessionStatus.COMPLETED, SessionStatus.NO_SHOW)


@dataclass
class ReminderRow:
    reminder: str  # the reminder's label, or "" for sessions no reminder reached
    channel: str
    sessions: int
    attended: int
    missed: int

    @property
    def no_show_rate(self) -> float | None:
        return round(100 * self.missed / self.sessions, 1) if self.sessions else None


def reminder_effectiveness(*, center: Center, first_day: date, last_day: date) -> list[ReminderRow]:
    """One row per reminder and channel that reached patients, then the sessions none reached.

    One grouped query: the decided sessions (by the center's index on its start times) each
    joined to the reminders that reached them, so that a session none reached is the group
    with no reminder and channel, counted once.
    """
    starts, _ = local_day_bounds(first_day, center.timezone)
    _, ends = local_day_bounds(last_day, center.timezone)
    groups = (
        TherapySession.objects.filter(
            center=center, starts_at__gte=starts, starts_at__lt=ends, status__in=DECIDED
        )
        .alias(
            reached=FilteredRelation(
                "outbox_messages",
                condition=Q(
                    outbox_messages__event__in=list(BEFORE_START),
                    outbox_messages__status__in=REACHED,
                ),
            )
        )
        .values("reached__event", "reached__channel")
        .annotate(
            sessions=Count("pk", distinct=True),
            attended=Count("pk", filter=Q(status=SessionStatus.COMPLETED), distinct=True),
            missed=Count("pk", filter=Q(status=SessionStatus.NO_SHOW), distinct=True),
        )
        .order_by("reached__event", "reached__channel")
    )
    events = dict(OutboxMessage._meta.get_field("event").choices)
    channels = dict(OutboxMessage._meta.get_field("channel").choices)
    rows, unreminded = [], ReminderRow(reminder="", channel="", sessions=0, attended=0, missed=0)
    for group in groups:
        event, channel = group["reached__event"], group["reached__channel"]
        counts = {name: group[name] for name in ("sessions", "attended", "missed")}
        if event is None:
            unreminded = ReminderRow(reminder="", channel="", **counts)
            continue
        rows.append(
            ReminderRow(
                reminder=str(events.get(event, event)),
                channel=str(channels.get(channel, channel)),
                **counts,
            )
        )
    rows.append(unreminded)
    return rows
