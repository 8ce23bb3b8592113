"""A year in the life of one busy center, bulk-inserted: sessions and, if asked, their outcomes.

Shared by `manage.py load_demo --large` and the benchmarks (bench/pages.py, bench/analytics.py),
so that the demo shows and the benchmarks measure the same kind of year. Every room is full all
day: eight 90-minute slots from 07:30, in which the longest therapy used (75 min) and its
turnover (15 min) fit, so a room, its practitioner and its patient never overlap.

Outcomes are what the dashboards read: each finished session's reminders (T-24h and T-2h, sent
or failed, by the patient's channel), the patient's feedback on most completed sessions (relief
growing over each course of visits, side effects now and then), and no-shows more frequent where no
reminder got through. A seeded random draw, so that a run gives the same year every time.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from datetime import time as clock

SLOTS = 8
FIRST_SLOT = clock(7, 30)
SLOT_MINUTES = 90
PATIENTS_PER_PLACE = 5  # patients per room and slot: each comes back about every fifth day
BATCH = 2000  # sessions per bulk insert

CANCELLED_SHARE = 0.05
NO_SHOW_IF_REMINDED = 0.03
NO_SHOW_IF_NOT_REMINDED = 0.12
REMINDER_FAILS = 0.08
FEEDBACK_SHARE = 0.7
COURSE = 14  # sessions in a patient's course: relief grows over one, then a new one begins
SIDE_EFFECT_SHARE = 0.15
# The channel each patient is reminded on, by their position in the list: most by SMS.
CHANNEL_WEIGHTS = (("sms", 6), ("email", 3), ("in_app", 1))

Progress = Callable[[int, int, int], None]  # (days done, days in all, sessions so far)


def book_history(
    center,
    therapies,
    rooms,
    practitioners,
    patients,
    days: int,
    ahead: int,
    *,
    outcomes: bool = False,
    progress: Progress | None = None,
) -> int:
    """Sessions of `days` past, today and `ahead` days, slot by slot; returns how many.

    With `outcomes`, the past sessions' reminders and feedback too. Statuses are those a
    real year would have left: completed or missed in the past, cancelled now and then,
    scheduled ahead, in session right now.
    """
    from django.utils import timezone

    from sessions.models import TherapySession

    draw = random.Random(f"busy-year-{center.slug}")
    now = timezone.now()
    zone = center.tzinfo
    today = now.astimezone(zone).date()
    channels = [c for c, weight in CHANNEL_WEIGHTS for _ in range(weight)]
    channel_of = {p.pk: channels[i % len(channels)] for i, p in enumerate(patients)}
    visits: dict[int, int] = {}  # patient pk -> sessions so far, for relief over a course
    batch, reminded, total = [], {}, 0
    span = days + ahead + 1
    for done, offset in enumerate(range(-days, ahead + 1), start=1):
        day = today + timedelta(days=offset)
        first = datetime.combine(day, FIRST_SLOT, tzinfo=zone)
        for slot in range(SLOTS):
            starts = first + timedelta(minutes=SLOT_MINUTES * slot)
            for index, room in enumerate(rooms):
                session = TherapySession(
                    center=center,
                    patient=patients[total % len(patients)],
                    therapy=therapies[(offset + slot + index) % len(therapies)],
                    practitioner=practitioners[(index + offset) % len(practitioners)],
                    room=room,
                    starts_at=starts,
                    status_changed_at=min(starts, now),
                )
                session.fill_derived_times()
                reached = _reminders_reach(draw) if outcomes else (True, True)
                session.status = _status(session, now, draw, reached)
                reminded[id(session)] = reached
                batch.append(session)
                total += 1
        if len(batch) >= BATCH or done == span:
            TherapySession.objects.bulk_create(batch)
            if outcomes:
                _outcomes(batch, reminded, channel_of, visits, now, draw)
            batch, reminded = [], {}
            if progress:
                progress(done, span, total)
    _analyze(outcomes)
    return total


def _analyze(outcomes: bool) -> None:
    """Statistics for the tables just filled, as autovacuum would gather them some time later:
    until then the planner takes them for nearly empty, and the reminders dashboard's two
    queries took 16 s instead of 60 ms over the busy year's last 30 days."""
    from django.db import connection

    from feedback.models import SessionFeedback, SymptomScore
    from notifications.models import OutboxMessage
    from sessions.models import TherapySession

    filled = (TherapySession, OutboxMessage, SessionFeedback, SymptomScore)
    with connection.cursor() as cursor:
        for model in filled if outcomes else filled[:1]:
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')


def _reminders_reach(draw: random.Random) -> list[bool]:
    """Whether the T-24h and the T-2h reminder got through."""
    return [draw.random() >= REMINDER_FAILS, draw.random() >= REMINDER_FAILS]


def _status(session, now, draw: random.Random, reached) -> str:
    from sessions.models import SessionStatus

    if draw.random() < CANCELLED_SHARE:
        return SessionStatus.CANCELLED
    if session.starts_at > now:
        return SessionStatus.SCHEDULED
    if session.ends_at > now:
        return SessionStatus.IN_SESSION
    no_show = NO_SHOW_IF_REMINDED if any(reached) else NO_SHOW_IF_NOT_REMINDED
    return SessionStatus.NO_SHOW if draw.random() < no_show else SessionStatus.COMPLETED


def _outcomes(sessions, reminded, channel_of, visits, now, draw: random.Random) -> None:
    """The reminders of the batch's past sessions, and feedback on the completed ones."""
    from feedback.choices import SIDE_EFFECTS_ASKED
    from feedback.models import ExperienceAnswer, SessionFeedback, SymptomScore
    from notifications.models import OutboxMessage, OutboxStatus
    from notifications.playbook import BEFORE_START
    from sessions.models import SessionStatus

    messages, answers, side_effects = [], [], []
    experiences = [ExperienceAnswer.YES_DEFINITELY] * 7 + [ExperienceAnswer.YES_TO_SOME_EXTENT] * 2
    experiences.append(ExperienceAnswer.NO)
    for session in sessions:
        if session.starts_at > now or session.status == SessionStatus.CANCELLED:
            continue
        patient = session.patient
        channel = channel_of[patient.pk]
        recipient = {
            "sms": str(patient.phone) if patient.phone else "",
            "email": patient.email,
        }.get(channel) or str(patient.pk)
        for (event, before), got_through in zip(
            BEFORE_START.items(), reminded[id(session)], strict=True
        ):
            due = session.starts_at - before
            messages.append(
                OutboxMessage(
                    patient=patient,
                    session=session,
                    event=event,
                    channel=channel,
                    recipient=recipient,
                    body=f"Reminder: {session.therapy.name} at {session.starts_at:%H:%M}.",
                    due_at=due,
                    status=OutboxStatus.SENT if got_through else OutboxStatus.FAILED,
                    idempotency_key=f"busy-year:{session.pk}:{event}:{channel}",
                    attempts=1 if got_through else 3,
                    sent_at=due if got_through else None,
                    last_error="" if got_through else "Provider did not accept the message",
                )
            )
        visits[patient.pk] = visit = visits.get(patient.pk, 0) + 1
        if session.status != SessionStatus.COMPLETED or draw.random() >= FEEDBACK_SHARE:
            continue
        feedback = SessionFeedback(
            session=session,
            patient=patient,
            submitted_at=session.ends_at + timedelta(hours=1 + draw.random() * 3),
            symptom_relief=min(10, 2 + visit % COURSE // 2 + draw.randint(0, 2)),
            experience=draw.choice(experiences),
        )
        answers.append(feedback)
        if draw.random() < SIDE_EFFECT_SHARE:
            side_effects.append(
                SymptomScore(
                    feedback=feedback,
                    symptom=draw.choice(SIDE_EFFECTS_ASKED),
                    score=draw.choice((1, 2, 2, 3, 3, 4, 5, 6, 8)),
                )
            )
    OutboxMessage.objects.bulk_create(messages, batch_size=BATCH)
    SessionFeedback.objects.bulk_create(answers, batch_size=BATCH)
    SymptomScore.objects.bulk_create(side_effects, batch_size=BATCH)


def progress_bar(stream=None, width: int = 30) -> Progress:
    """A one-line bar redrawn in place on `stream` (stderr): days booked and sessions so far."""
    stream = stream or sys.stderr

    def draw(done: int, total: int, sessions: int) -> None:
        filled = width * done // total
        stream.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {100 * done // total:3d}% "
            f"{done}/{total} days, {sessions:,} sessions"
        )
        if done == total:
            stream.write("\n")
        stream.flush()

    return draw
