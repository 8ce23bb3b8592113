"""Booking: a solved run becomes therapy sessions, all or nothing, never double-booked."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.models import Leave, PractitionerProfile, Room
from patients.models import CarePlan, Patient
from protocols.models import ProtocolStep
from scheduling.models import SchedulingRun
from scheduling.problems import ProblemRefs
from scheduling.services.runs import SchedulingError
from sessions.live import board_refresh
from sessions.models import RELEASED_STATUSES, SessionStatus, TherapySession
from sessions.services import overlaps_checked_at_end, session_transition
from sessions.signals import sessions_booked

if TYPE_CHECKING:
    from clinics.models import User


class ScheduleClash(Exception):
    """Another booking took a slot this solution wanted after it was solved."""


@dataclass(frozen=True)
class Placement:
    plan: str
    step: str
    starts_at: datetime
    room: str
    practitioner: str


def _placements(run: SchedulingRun) -> list[Placement]:
    return [
        Placement(
            plan=a["plan"],
            step=a["step"],
            starts_at=datetime.fromisoformat(a["start"]),
            room=a["room"],
            practitioner=a["practitioner"],
        )
        for a in run.solution["assignments"]
    ]


def scheduling_run_apply(
    *, run: SchedulingRun, applied_by: User | None = None
) -> list[TherapySession]:
    """Book a solved run: new sessions for new placements, moves for re-planned ones.

    All or nothing. Rows of the rooms, practitioners and patients involved are locked, so
    that two concurrent applications queue up and the second sees the first's bookings;
    whatever slips past (a writer that bypasses this service) is caught by the database's
    exclusion constraints. Either way a clash raises ScheduleClash and changes nothing.
    """
    if run.status != SchedulingRun.Status.SUCCEEDED:
        raise SchedulingError(_("Only a finished run that has not been applied can be applied."))
    refs = ProblemRefs.from_json(run.refs)
    placements = [p for p in _placements(run) if (p.plan, p.step) not in refs.kept]
    unplaced = [(u["plan"], u["step"], u["reasons"]) for u in run.solution["unscheduled"]]
    try:
        with transaction.atomic():
            booked = _book(
                run=run, refs=refs, placements=placements, unplaced=unplaced, by=applied_by
            )
            run.status = SchedulingRun.Status.APPLIED
            run.applied_at = timezone.now()
            run.save(update_fields=["status", "applied_at"])
            # Alternatives computed beside this run are stale once it is booked.
            SchedulingRun.objects.filter(
                center=run.center,
                status=SchedulingRun.Status.SUCCEEDED,
                kind=run.kind,
                care_plan=run.care_plan,
            ).exclude(pk=run.pk).update(status=SchedulingRun.Status.DISCARDED)
    except IntegrityError as error:
        raise ScheduleClash(str(error)) from error
    return booked


def _book(
    *,
    run: SchedulingRun,
    refs: ProblemRefs,
    placements: list[Placement],
    unplaced: list[tuple[str, str, list[dict]]],
    by: User | None,
) -> list[TherapySession]:
    plan_pks = sorted(
        {refs.plans[p.plan] for p in placements} | {refs.plans[u[0]] for u in unplaced}
    )
    # Locks in a fixed order (rooms, practitioners, plans, patients; each by id) so that
    # concurrent applications wait for each other instead of deadlocking.
    rooms = Room.objects.select_for_update().in_bulk(
        sorted({refs.rooms[p.room] for p in placements})
    )
    practitioners = PractitionerProfile.objects.select_for_update().in_bulk(
        sorted({refs.practitioners[p.practitioner] for p in placements})
    )
    plans = CarePlan.objects.select_for_update().in_bulk(plan_pks)
    patients = Patient.objects.select_for_update().in_bulk(
        sorted({plan.patient_id for plan in plans.values()})
    )
    moving = TherapySession.objects.select_for_update().in_bulk(list(refs.sessions.values()))
    steps = ProtocolStep.objects.select_related("therapy").in_bulk(
        [refs.steps[(p.plan, p.step)] for p in placements]
    )
    taken = _Occupancy.load(
        placements, rooms=rooms, practitioners=practitioners, patients=patients, moving=moving
    )

    # A placement of a group therapy at a booked occurrence's therapy, room, practitioner
    # and start joins that occurrence (the engine offered it as a `group` busy interval).
    occurrences = dict(taken.occurrences)
    booked = []
    for placement in placements:
        step = steps[refs.steps[(placement.plan, placement.step)]]
        therapy = step.therapy
        plan = plans[refs.plans[placement.plan]]
        room = rooms[refs.rooms[placement.room]]
        practitioner = practitioners[refs.practitioners[placement.practitioner]]
        starts_at = placement.starts_at
        session = moving.get(refs.sessions.get((placement.plan, placement.step)))
        if session is None:
            session = TherapySession(
                center=run.center,
                patient_id=plan.patient_id,
                care_plan=plan,
                protocol_step=step,
                therapy=therapy,
            )
        session.practitioner = practitioner
        session.room = room
        session.occurrence = occurrences.setdefault(
            (therapy.pk, room.pk, practitioner.pk, starts_at), uuid.uuid4()
        )
        # The step's therapy, already loaded: a moved session's own would cost a query each.
        session.therapy = therapy
        session.starts_at = starts_at
        session.fill_derived_times(recompute=True)
        taken.claim(session)
        booked.append(session)
    # Places are handed out once every booking is known: given in booking order, a room of
    # two places could run out of them although no more than two patients are ever in it.
    taken.assign_places(rooms)
    # Sessions that move may trade places with each other: checked one save at a time, the
    # first move would clash with the second session's old place.
    with overlaps_checked_at_end():
        for plan_ref, step_ref, reasons in unplaced:
            session = moving.get(refs.sessions.get((plan_ref, step_ref)))
            if session is not None:
                # Record why, so that the front desk can call the patient.
                session_transition(
                    session=session,
                    to_status=SessionStatus.CANCELLED,
                    by=by,
                    authorised=True,
                    note=_("Could not be re-planned: %(why)s")
                    % {"why": "; ".join(r["message"] for r in reasons)},
                )
        for session in booked:
            session.save()
    transaction.on_commit(lambda: _announce_booked(run.center_id, booked, by))
    for plan in plans.values():
        if plan.status == CarePlan.Status.DRAFT and booked:
            plan.status = CarePlan.Status.SCHEDULED
            plan.save(update_fields=["status"])
    if refs.leave:
        Leave.objects.create(
            practitioner_id=refs.leave["practitioner"],
            starts_at=datetime.fromisoformat(refs.leave["starts_at"]),
            ends_at=datetime.fromisoformat(refs.leave["ends_at"]),
            kind=refs.leave["kind"],
            note=refs.leave.get("note", ""),
        )
    return booked


def _announce_booked(center_id: int, booked: list[TherapySession], by: User | None) -> None:
    board_refresh(center_id)
    sessions_booked.send(sender=TherapySession, sessions=booked, by=by)


@dataclass
class _RoomUse:
    """One session's hold on a room, turnover included; a new booking has no place yet."""

    session: TherapySession
    place: int | None
    starts_at: datetime
    released_at: datetime


def _most_at_once(uses: list[_RoomUse], starts_at: datetime, released_at: datetime) -> int:
    """How many of `uses` hold the room together at the busiest instant of [starts_at, released_at)."""
    overlapping = [u for u in uses if u.starts_at < released_at and starts_at < u.released_at]
    # The count only rises where a use begins, so those instants are the ones to look at.
    instants = [starts_at] + [u.starts_at for u in overlapping if u.starts_at > starts_at]
    return max(
        sum(1 for u in overlapping if u.starts_at <= instant < u.released_at)
        for instant in instants
    )


class _Occupancy:
    """What is booked around the placements right now, to find clashes and free room places."""

    def __init__(self):
        self.rooms = defaultdict(list)
        self.practitioners = defaultdict(list)
        self.patients = defaultdict(list)
        # Booked group occurrences by (therapy, room, practitioner, start), and their members.
        self.occurrences = {}
        self.members = defaultdict(int)

    @classmethod
    def load(cls, placements, *, rooms, practitioners, patients, moving) -> _Occupancy:
        taken = cls()
        # No session lasts a day, so anything that can overlap a placement starts within a day of it.
        window_start = min(p.starts_at for p in placements) - timedelta(days=1)
        window_end = max(p.starts_at for p in placements) + timedelta(days=1)
        booked = (
            TherapySession.objects.filter(starts_at__gte=window_start, starts_at__lt=window_end)
            .filter(
                Q(room_id__in=rooms.keys())
                | Q(practitioner_id__in=practitioners.keys())
                | Q(patient_id__in=patients.keys())
            )
            .exclude(status__in=RELEASED_STATUSES)
            .exclude(pk__in=moving.keys())
        )
        for s in booked:
            if s.room_id:
                taken.rooms[s.room_id].append(
                    _RoomUse(s, s.room_place, s.starts_at, s.room_released_at)
                )
            if s.practitioner_id:
                taken.practitioners[s.practitioner_id].append(
                    (s.occurrence, s.starts_at, s.ends_at)
                )
            taken.patients[s.patient_id].append((s.starts_at, s.patient_released_at))
            taken.occurrences[(s.therapy_id, s.room_id, s.practitioner_id, s.starts_at)] = (
                s.occurrence
            )
            taken.members[s.occurrence] += 1
        return taken

    def claim(self, session: TherapySession) -> None:
        """Take the room, practitioner and patient for one session, or raise ScheduleClash."""
        starts_at = session.starts_at
        if any(
            other != session.occurrence and start < session.ends_at and starts_at < end
            for other, start, end in self.practitioners[session.practitioner_id]
        ):
            raise ScheduleClash(
                f"{session.practitioner} is already booked at {starts_at:%Y-%m-%d %H:%M}"
            )
        if any(
            start < session.patient_released_at and starts_at < end
            for start, end in self.patients[session.patient_id]
        ):
            raise ScheduleClash(f"the patient is already booked at {starts_at:%Y-%m-%d %H:%M}")
        if self.members[session.occurrence] >= session.therapy.group_size:
            raise ScheduleClash(
                f"the {session.therapy} group at {starts_at:%Y-%m-%d %H:%M} has no seat left"
            )
        uses = self.rooms[session.room_id]
        if _most_at_once(uses, starts_at, session.room_released_at) >= session.room.capacity:
            raise ScheduleClash(f"room {session.room.code} is full at {starts_at:%Y-%m-%d %H:%M}")
        uses.append(_RoomUse(session, None, starts_at, session.room_released_at))
        self.practitioners[session.practitioner_id].append(
            (session.occurrence, starts_at, session.ends_at)
        )
        self.patients[session.patient_id].append((starts_at, session.patient_released_at))
        self.members[session.occurrence] += 1

    def assign_places(self, rooms) -> None:
        """Give every new session in `rooms` a place, or raise ScheduleClash.

        Taken in order of start, a new session always finds a place when the room never holds
        more sessions than places: the new ones placed before it that it overlaps have all
        begun and still run at its start. Booked sessions keep theirs, for all of their time;
        around them a place can be missing, and then the clash re-plans.
        """
        for room_pk, room in rooms.items():
            uses = self.rooms[room_pk]
            for use in sorted(uses, key=lambda u: u.starts_at):
                if use.place is not None:
                    continue
                held = {
                    other.place
                    for other in uses
                    if other.place is not None
                    and other.starts_at < use.released_at
                    and use.starts_at < other.released_at
                }
                use.place = next((p for p in range(1, room.capacity + 1) if p not in held), None)
                if use.place is None:
                    raise ScheduleClash(
                        f"room {room.code} has no place left at {use.starts_at:%Y-%m-%d %H:%M}"
                    )
                use.session.room_place = use.place
