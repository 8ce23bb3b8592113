"""A year in the life of one busy center, bulk-inserted: sessions and, if asked, their outcomes.

Shared by `manage.py load_demo --large` and the benchmarks (bench/pages.py, bench/analytics.py),
so that the demo shows and the benchmarks measure the same kind of year. Every room is full all
day: eight 90-minute slots from 07:30, in which the longest therapy used (75 min) and its
turnover (15 min) fit, so a room, its practitioner and its patient never overlap.

Outcomes are what the dashboards read: each finished session's reminders (T-24h and T-2h, sent
or failed, by the patient's channel), the patient's feedback on most completed sessions (relief
growing over each course of visits, side effects now and then), and no-shows more frequent where no
reminder got through. Each patient's visits come in courses of COURSE, each a care plan of one of
the center's course protocols (the steps the slots' rotation of therapies gives it), booked by a
scheduling run some days before it began (its placements' explanations now and then naming a room
or practitioner that was taken), with MYMOP forms along it and a minor incident now and then. A
seeded random draw, so that a run gives the same year every time.
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
COURSE = 14  # sessions in a patient's course (a care plan): relief grows over one, then the next
SIDE_EFFECT_SHARE = 0.15
INCIDENT_SHARE = 0.01
# Days from a course's booking to its first session, drawn from these.
BOOKED_DAYS_BEFORE = (0, 1, 2, 3, 5, 7, 10, 14, 21, 35)
# Placements whose explanation says what stood in the way (a room or practitioner taken).
MOVED_SHARE = 0.2
MYMOP_AT = (0, COURSE // 3, 2 * COURSE // 3, COURSE - 1)  # course visits a MYMOP form follows
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
    # A patient comes back every `interval` days, to the same room and slot.
    interval = max(1, len(patients) // (len(rooms) * SLOTS))
    courses = (
        _Courses(center, therapies, rooms, practitioners, interval, today, draw)
        if outcomes
        else None
    )
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
                if courses:
                    courses.place(session, index, (offset + slot + index) % len(therapies))
                batch.append(session)
                total += 1
        if len(batch) >= BATCH or done == span:
            if courses:
                courses.save_plans()
            TherapySession.objects.bulk_create(batch)
            if outcomes:
                _outcomes(batch, reminded, channel_of, courses, now, draw)
            batch, reminded = [], {}
            if progress:
                progress(done, span, total)
    _analyze(outcomes)
    return total


class _Courses:
    """Each patient's visits in courses of COURSE: a care plan per course, of the center's course
    protocol whose steps are the therapies the rotation gives a patient starting in its phase;
    each plan booked by a scheduling run, and its MYMOP forms."""

    def __init__(self, center, therapies, rooms, practitioners, interval, today, draw):
        from protocols.models import ProtocolStep, ProtocolTemplate, ProtocolVersion

        self.center, self.today, self.draw, self.interval = center, today, draw, interval
        self.rooms = {room.code: room for room in rooms}
        self.practitioners = practitioners
        self.steps: list[list] = []
        for phase in range(len(therapies)):
            sequence = [therapies[(phase + interval * k) % len(therapies)] for k in range(COURSE)]
            template, _ = ProtocolTemplate.objects.get_or_create(
                code=f"{center.slug}-course-{phase + 1}"[:50],
                defaults={
                    "name": f"{COURSE}-visit course from {sequence[0].name}",
                    "description": "One visit every few days, the therapies in turn.",
                    "duration_days": interval * (COURSE - 1) + 1,
                    "center": center,
                },
            )
            version, created = ProtocolVersion.objects.get_or_create(
                template=template,
                version=1,
                defaults={
                    "effective_from": today - timedelta(days=800),
                    "status": ProtocolVersion.Status.ACTIVE,
                },
            )
            if created:
                ProtocolStep.objects.bulk_create(
                    ProtocolStep(
                        version=version,
                        order=k + 1,
                        code=f"v{k + 1:02d}-{therapy.code}"[:50],
                        therapy=therapy,
                        day_offset=interval * k,
                        slack_days=1,
                    )
                    for k, therapy in enumerate(sequence)
                )
            self.steps.append(list(version.steps.order_by("order")))
        self.position = {p.pk: i for i, p in enumerate(practitioners)}
        self.visits: dict[int, int] = {}  # patient pk -> sessions so far
        self.plan_of: dict[int, tuple] = {}  # patient pk -> their course's care plan and phase
        self.step_of: dict[int, int] = {}  # id(session) -> its course visit, 0 first
        self.new_plans: list = []  # (plan, booked at, its sessions' rooms and practitioners)

    def place(self, session, room_index: int, phase: int) -> None:
        """The session's plan and step: a new course every COURSE visits of its patient."""
        from patients.models import CarePlan

        patient = session.patient
        visit = self.visits.get(patient.pk, 0)
        self.visits[patient.pk] = visit + 1
        step = visit % COURSE
        if step == 0:
            start_date = session.starts_at.astimezone(self.center.tzinfo).date()
            last_day = start_date + timedelta(days=self.interval * (COURSE - 1))
            plan = CarePlan(
                patient=patient,
                protocol_version_id=self.steps[phase][0].version_id,
                start_date=start_date,
                priority=patient.priority,  # as CarePlan.save() would (bulk_create skips it)
                status=(
                    CarePlan.Status.COMPLETED if last_day < self.today else CarePlan.Status.ACTIVE
                ),
            )
            booked = session.starts_at - timedelta(
                days=self.draw.choice(BOOKED_DAYS_BEFORE), hours=self.draw.randint(1, 9)
            )
            self.plan_of[patient.pk] = (plan, phase)
            self.new_plans.append((plan, booked, phase, session, room_index))
        plan, phase = self.plan_of[patient.pk]
        session.care_plan = plan
        session.protocol_step = self.steps[phase][step]
        self.step_of[id(session)] = step

    def save_plans(self) -> None:
        """The courses begun since the last batch, each booked by a scheduling run."""
        from patients.models import CarePlan

        if not self.new_plans:
            return
        plans = [plan for plan, *_rest in self.new_plans]
        CarePlan.objects.bulk_create(plans, batch_size=BATCH)
        # created_at is set on insert: put back when each course was booked.
        for plan, booked, *_rest in self.new_plans:
            plan.created_at = booked
        CarePlan.objects.bulk_update(plans, ["created_at"], batch_size=BATCH)
        self._runs()
        self.new_plans = []

    def _runs(self) -> None:
        """One applied auto-schedule run per course, at its booking: every visit placed, in the
        patient's room and slot, and now and then moved off a first choice that was taken."""
        from scheduling.models import SchedulingRun

        names = {
            p.pk: f"{p.user.get_full_name() or p.user.email} (T{p.pk})" for p in self.practitioners
        }
        refs_common = {
            "rooms": {code: room.pk for code, room in self.rooms.items()},
            "practitioners": {name: pk for pk, name in names.items()},
        }
        codes = list(self.rooms)
        runs = []
        for plan, booked, phase, first, room_index in self.new_plans:
            plan_id = f"CP{plan.pk}"
            assignments, steps = [], {}
            for k, step in enumerate(self.steps[phase]):
                starts = (first.starts_at + timedelta(days=self.interval * k)).astimezone(
                    self.center.tzinfo
                )
                ends = starts + timedelta(minutes=step.therapy.duration_minutes)
                room = codes[room_index % len(codes)]
                who = self.practitioners[
                    (self.position[first.practitioner.pk] + k * self.interval)
                    % len(self.practitioners)
                ]
                who = names[who.pk]
                words = f"{starts:%a %-d %b %H:%M}–{ends:%H:%M} with {who} in {room}"
                if self.draw.random() < MOVED_SHARE:
                    if self.draw.random() < 0.5:
                        taken = codes[self.draw.randrange(len(codes))]
                        words += (
                            f"; moved from {starts:%H:%M} on {starts:%a %-d %b}: room {taken} "
                            f"is booked {starts:%H:%M}–{ends:%H:%M} (incl. cleaning)"
                        )
                    else:
                        taken = list(names.values())[self.draw.randrange(len(names))]
                        words += f"; moved from its first choice: {taken} is busy then"
                assignments.append(
                    {
                        "plan": plan_id,
                        "step": step.code,
                        "start": starts.isoformat(),
                        "room": room,
                        "practitioner": who,
                        "explanation": words + ".",
                    }
                )
                steps[f"{plan_id}/{step.code}"] = step.pk
            runs.append(
                SchedulingRun(
                    center=self.center,
                    kind=SchedulingRun.Kind.AUTO_SCHEDULE,
                    care_plan=plan,
                    problem={"format": "panchakarma-schedule/1", "plans": [{"id": plan_id}]},
                    solution={
                        "format": "panchakarma-schedule/1",
                        "assignments": assignments,
                        "unscheduled": [],
                        "objective": 0,
                    },
                    refs={**refs_common, "plans": {plan_id: plan.pk}, "steps": steps},
                    status=SchedulingRun.Status.APPLIED,
                    placed_count=len(assignments),
                    time_limit_seconds=2.0,
                    started_at=booked,
                    finished_at=booked + timedelta(seconds=2),
                    applied_at=booked + timedelta(seconds=30),
                )
            )
        SchedulingRun.objects.bulk_create(runs, batch_size=500)


def _analyze(outcomes: bool) -> None:
    """Statistics for the tables just filled, as autovacuum would gather them some time later:
    until then the planner takes them for nearly empty, and the reminders dashboard's two
    queries took 16 s instead of 60 ms over the busy year's last 30 days."""
    from django.db import connection

    from feedback.models import MymopAnswer, SessionFeedback, SymptomScore
    from notifications.models import OutboxMessage
    from patients.models import CarePlan
    from scheduling.models import SchedulingRun
    from sessions.models import Incident, TherapySession

    filled = (
        TherapySession,
        OutboxMessage,
        SessionFeedback,
        SymptomScore,
        CarePlan,
        MymopAnswer,
        SchedulingRun,
        Incident,
    )
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


def _outcomes(sessions, reminded, channel_of, courses, now, draw: random.Random) -> None:
    """The reminders of the batch's past sessions; feedback, MYMOP forms and now and then an
    incident on the completed ones."""
    from feedback.choices import SIDE_EFFECTS_ASKED
    from feedback.models import ExperienceAnswer, MymopAnswer, SessionFeedback, SymptomScore
    from notifications.models import OutboxMessage, OutboxStatus
    from notifications.playbook import BEFORE_START
    from sessions.models import Incident, SessionStatus

    messages, answers, side_effects, forms, incidents = [], [], [], [], []
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
        if session.status != SessionStatus.COMPLETED:
            continue
        step = courses.step_of[id(session)]
        if step in MYMOP_AT:
            forms.append(_mymop_form(session, step, draw))
        if draw.random() < INCIDENT_SHARE:
            reported = session.ends_at + timedelta(minutes=20)
            incidents.append(
                Incident(
                    session=session,
                    severity=Incident.Severity.MINOR,
                    description="Felt dizzy on getting up after the therapy.",
                    action_taken="Rested lying down with warm water; recovered before leaving.",
                    reported_at=reported,
                    status=Incident.Status.RESOLVED,
                    review_started_at=reported + timedelta(hours=2),
                    resolved_at=reported + timedelta(days=1),
                    resolution="Reviewed: slower getting up after oil therapies.",
                )
            )
        if draw.random() >= FEEDBACK_SHARE:
            continue
        feedback = SessionFeedback(
            session=session,
            patient=patient,
            submitted_at=session.ends_at + timedelta(hours=1 + draw.random() * 3),
            symptom_relief=min(10, 2 + step // 2 + draw.randint(0, 2)),
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
    MymopAnswer.objects.bulk_create(forms, batch_size=BATCH)
    Incident.objects.bulk_create(incidents, batch_size=BATCH)


def _mymop_form(session, step: int, draw: random.Random):
    """The MYMOP form answered after a course's visit: a little better as the course goes on."""
    from feedback.models import MymopAnswer
    from feedback.mymop import MymopAnswers, mymop_profile_score

    worse = 5 - round(4 * step / (COURSE - 1))
    scores = {
        "symptom_1": min(6, max(0, worse + draw.randint(-1, 1))),
        "symptom_2": min(6, max(0, worse - 1 + draw.randint(-1, 1))),
        "activity": min(6, max(0, worse - 1 + draw.randint(-1, 1))),
        "wellbeing": min(6, max(0, worse - 2 + draw.randint(0, 2))),
    }
    return MymopAnswer(
        patient=session.patient,
        care_plan=session.care_plan,
        kind=MymopAnswer.Kind.DISCHARGE if step == COURSE - 1 else MymopAnswer.Kind.WEEKLY,
        symptom_1_name="Stiff lower back",
        symptom_2_name="Poor sleep",
        activity_name="Walking",
        profile=mymop_profile_score(MymopAnswers(**scores)),
        answered_at=session.ends_at + timedelta(hours=1, minutes=draw.randint(0, 180)),
        **scores,
    )


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
