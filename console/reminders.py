"""Reads of the reminder-effectiveness dashboard: did patients who were reminded come?

For sessions due over chosen days and decided (attended, or missed as a no-show), the share
missed among those a reminder reached, per reminder (T-24h, T-2h) and channel, beside those no
reminder reached. Two grouped SQL queries, whatever the number of sessions and messages.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q

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


def _decided_sessions(center: Center, first_day: date, last_day: date):
    starts, _ = local_day_bounds(first_day, center.timezone)
    _, ends = local_day_bounds(last_day, center.timezone)
    return TherapySession.objects.filter(
        center=center, starts_at__gte=starts, starts_at__lt=ends, status__in=DECIDED
    )


def reminder_effectiveness(*, center: Center, first_day: date, last_day: date) -> list[ReminderRow]:
    """One row per reminder and channel that reached patients, then the sessions none reached."""
    decided = _decided_sessions(center, first_day, last_day)
    reached = OutboxMessage.objects.filter(
        session__in=decided, event__in=list(BEFORE_START), status__in=REACHED
    )
    events = dict(OutboxMessage._meta.get_field("event").choices)
    channels = dict(OutboxMessage._meta.get_field("channel").choices)
    rows = [
        ReminderRow(
            reminder=str(events.get(row["event"], row["event"])),
            channel=str(channels.get(row["channel"], row["channel"])),
            sessions=row["sessions"],
            attended=row["attended"],
            missed=row["missed"],
        )
        for row in reached.values("event", "channel")
        .annotate(
            sessions=Count("session", distinct=True),
            attended=Count(
                "session", filter=Q(session__status=SessionStatus.COMPLETED), distinct=True
            ),
            missed=Count("session", filter=Q(session__status=SessionStatus.NO_SHOW), distinct=True),
        )
        .order_by("event", "channel")
    ]
    unreminded = (
        decided.annotate(
            reminded=Exists(
                OutboxMessage.objects.filter(
                    session=OuterRef("pk"), event__in=list(BEFORE_START), status__in=REACHED
                )
            )
        )
        .filter(reminded=False)
        .aggregate(
            sessions=Count("pk"),
            attended=Count("pk", filter=Q(status=SessionStatus.COMPLETED)),
            missed=Count("pk", filter=Q(status=SessionStatus.NO_SHOW)),
        )
    )
    rows.append(ReminderRow(reminder="", channel="", **unreminded))
    return rows
