"""Scheduling writes: solve a problem, store the run, and book its solution as therapy sessions."""

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.models import Center, Leave, PractitionerProfile, Room
from patients.models import CarePlan, Patient
from protocols.models import ProtocolStep
from scheduling.engine import problem_from_dict, solution_to_dict, solve
from scheduling.models import SchedulingRun
from scheduling.problems import (
    ProblemRefs,
    build_problem,
    horizon_for_plans,
    plan_id,
    plans_with_steps,
    practitioner_id,
)
from sessions.live import board_refresh
from sessions.models import RELEASED_STATUSES, SessionStatus, TherapySession
from sessions.services import overlaps_checked_at_end, session_transition
from sessions.signals import sessions_booked

logger = logging.getLogger(__name__)

# How often a plan is re-planned when another booking took its slots between solving and
# committing; each retry sees the newer bookings as busy.
APPLY_ATTEMPTS = 3


class SchedulingError(Exception):
    """A scheduling request that cannot be carried out, with a message for the user."""


class ScheduleClash(Exception):
    """Another booking took a slot this solution wanted after it was solved."""


@dataclass(frozen=True)
class Placement:
    plan: str
    step: str
    starts_at: datetime
    room: str
    practitioner: str


def scheduling_run_solve(
    *,
    center: Center,
    kind: str,
    problem: dict,
    refs: ProblemRefs,
    time_limit: float,
    requested_by=None,
    care_plan: CarePlan | None = None,
    run: SchedulingRun | None = None,
) -> SchedulingRun:
    """Solve `problem` with the engine and store the run, problem and solution together.

    `run` is a row created earlier (so that a page could show it as running); otherwise
    a new one is made.
    """
    if run is None:
        run = SchedulingRun(
            center=center, kind=kind, care_plan=care_plan, requested_by=requested_by
        )
    run.problem = problem
    run.refs = refs.as_json()
    run.status = SchedulingRun.Status.RUNNING
    run.time_limit_seconds = time_limit
    run.started_at = timezone.now()
    run.save()
    try:
        solution = solution_to_dict(solve(problem_from_dict(problem), time_limit=time_limit))
    except Exception as error:
        logger.exception("Scheduling run %s failed", run.pk)
        run.status = SchedulingRun.Status.FAILED
        run.error = str(error)
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        raise SchedulingError(
            _("The scheduler could not finish: %(error)s") % {"error": error}
        ) from error
    run.solution = solution
    run.objective = solution["objective"]
    run.placed_count = len(solution["assignments"])
    run.unscheduled_count = len(solution["unscheduled"])
    run.status = SchedulingRun.Status.SUCCEEDED
    run.finished_at = timezone.now()
    run.save(
        update_fields=[
            "solution",
            "objective",
            "placed_count",
            "unscheduled_count",
            "status",
            "finished_at",
        ]
    )
    return run


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


def scheduling_run_apply(*, run: SchedulingRun, applied_by=None) -> list[TherapySession]:
    """Book a solved run: new sessions for new placements, moves for re-planned ones.

    All or nothing. Rows of the rooms, practitioners and patients involved are locked, so
    that two concurrent applications queue up and the second sees the first's bookings;
    whatever slips past (a writer that bypasses this service) is caught by the database's
    exclusion constraints. Either way a clash raises ScheduleClash and changes nothing.
    """
    if run.status != SchedulingRun.Status.SUCCEEDED:
        raise SchedulingError(_("Only a finished run that has not been applied can be applied."))
    refs = ProblemRefs.from_json(run.refs)
    placements = _placements(run)
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


def _book(*, run, refs, placements, unplaced, by) -> list[TherapySession]:
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

    occurrences = {}
    booked = []
    for placement in placements:
        step = steps[refs.steps[(placement.plan, placement.step)]]
        therapy = step.therapy
        plan = plans[refs.plans[placement.plan]]
        room = rooms[refs.rooms[placement.room]]
        practitioner = practitioners[refs.practitioners[placement.practitioner]]
        starts_at = placement.starts_at
        ends_at = starts_at + timedelta(minutes=therapy.duration_minutes)
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
        session.starts_at = starts_at
        session.ends_at = ends_at
        session.room_released_at = ends_at + timedelta(minutes=therapy.room_turnover_minutes)
        session.patient_released_at = ends_at + timedelta(
            minutes=therapy.patient_rest_after_minutes
        )
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


def _announce_booked(center_id: int, booked: list[TherapySession], by) -> None:
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

    @classmethod
    def load(cls, placements, *, rooms, practitioners, patients, moving) -> "_Occupancy":
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
        uses = self.rooms[session.room_id]
        if _most_at_once(uses, starts_at, session.room_released_at) >= session.room.capacity:
            raise ScheduleClash(f"room {session.room.code} is full at {starts_at:%Y-%m-%d %H:%M}")
        uses.append(_RoomUse(session, None, starts_at, session.room_released_at))
        self.practitioners[session.practitioner_id].append(
            (session.occurrence, starts_at, session.ends_at)
        )
        self.patients[session.patient_id].append((starts_at, session.patient_released_at))

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


def care_plan_schedule(
    *,
    care_plan: CarePlan,
    requested_by=None,
    time_limit: float = 3.0,
    run: SchedulingRun | None = None,
) -> SchedulingRun:
    """Place every step of a care plan that has no session yet, and book the result.

    A clash at commit (someone booked the same slots meanwhile) re-plans against the newer
    bookings instead of failing, up to APPLY_ATTEMPTS times.
    """
    if care_plan.sessions.exclude(status__in=RELEASED_STATUSES).exists():
        raise SchedulingError(
            _("This care plan already has sessions; reschedule them one by one instead.")
        )
    center = care_plan.patient.center
    for attempt in range(1, APPLY_ATTEMPTS + 1):
        plans = plans_with_steps(CarePlan.objects.filter(pk=care_plan.pk))
        start, days = horizon_for_plans(plans)
        problem, refs = build_problem(
            center=center, plans=plans, start=start, days=days, not_before=timezone.now()
        )
        run = scheduling_run_solve(
            center=center,
            kind=SchedulingRun.Kind.AUTO_SCHEDULE,
            problem=problem,
            refs=refs,
            time_limit=time_limit,
            requested_by=requested_by,
            care_plan=care_plan,
            run=run if attempt == 1 else None,
        )
        if not run.solution["assignments"]:
            return run
        try:
            scheduling_run_apply(run=run, applied_by=requested_by)
            return run
        except ScheduleClash as clash:
            logger.info("Run %s clashed on attempt %s (%s); re-planning", run.pk, attempt, clash)
            run.status = SchedulingRun.Status.DISCARDED
            run.error = _("Another booking took these slots first: %(clash)s") % {"clash": clash}
            run.save(update_fields=["status", "error"])
    raise SchedulingError(_("The center's calendar kept changing; please try again."))


def care_plan_earliest_fit(
    *, care_plan: CarePlan, search_days: int = 28, time_limit: float = 0.3
) -> date | None:
    """The earliest start date, from the plan's own, at which every step can be placed."""
    center = care_plan.patient.center
    plan = plans_with_steps(CarePlan.objects.filter(pk=care_plan.pk))[0]
    original = plan.start_date
    now = timezone.now()
    for shift in range(1, search_days + 1):
        plan.start_date = original + timedelta(days=shift)
        start, days = horizon_for_plans([plan])
        problem, _refs = build_problem(
            center=center, plans=[plan], start=start, days=days, not_before=now
        )
        if not solve(problem_from_dict(problem), time_limit=time_limit).unscheduled:
            return plan.start_date
    return None


def _replan_problem(*, center, sessions, leave=None, forbid=(), keep_previous=True):
    """A problem that re-places `sessions` (scheduled, with protocol steps) and nothing else."""
    by_plan = defaultdict(list)
    for session in sessions:
        by_plan[session.care_plan_id].append(session)
    plans = plans_with_steps(CarePlan.objects.filter(pk__in=by_plan.keys()))
    steps_by_plan = {}
    for plan in plans:
        moving_steps = {s.protocol_step_id for s in by_plan[plan.pk]}
        steps_by_plan[plan.pk] = [
            st for st in plan.protocol_version.steps.all() if st.pk in moving_steps
        ]
    start, days = horizon_for_plans(plans)
    now = timezone.now()
    extra_leave = (
        [(leave["practitioner_obj"], leave["starts_at"], leave["ends_at"])] if leave else []
    )
    previous = []
    if keep_previous:
        previous = [
            {
                "plan": plan_id(s.care_plan),
                "step": s.protocol_step.code,
                "start": s.starts_at.astimezone(ZoneInfo(center.timezone)).isoformat(),
                "room": s.room.code,
                "practitioner": practitioner_id(s.practitioner),
                "pinned": False,
            }
            for s in sessions
        ]
    problem, refs = build_problem(
        center=center,
        plans=plans,
        start=start,
        days=days,
        exclude_sessions=[s.pk for s in sessions],
        extra_leave=extra_leave,
        previous=previous,
        steps_by_plan=steps_by_plan,
        not_before=now,
    )
    problem["busy"].extend(forbid)
    refs.sessions = {(plan_id(s.care_plan), s.protocol_step.code): s.pk for s in sessions}
    zone = ZoneInfo(center.timezone)
    refs.before = {
        f"{plan_id(s.care_plan)}/{s.protocol_step.code}": {
            "start": s.starts_at.astimezone(zone).isoformat(),
            "room": s.room.code,
            "practitioner": practitioner_id(s.practitioner),
        }
        for s in sessions
    }
    return problem, refs


def _movable(sessions) -> list[TherapySession]:
    return [
        s
        for s in sessions
        if s.status == SessionStatus.SCHEDULED
        and s.protocol_step_id
        and s.care_plan_id
        and s.room_id
        and s.practitioner_id
    ]


def session_alternatives(
    *, session: TherapySession, requested_by=None, count: int = 4, time_limit: float = 0.5
) -> list[SchedulingRun]:
    """Ranked ways to move one session (with the steps chained to it that day), best first.

    Each alternative is a stored run; choosing one applies it. The session's current start,
    and each alternative found, is closed to the next search, so that every one differs.
    """
    if session.status != SessionStatus.SCHEDULED or not session.protocol_step_id:
        raise SchedulingError(_("Only a scheduled session of a care plan can be rescheduled."))
    chain = _chained_sessions(session)
    center = session.center
    # Each offer closes the session's whole length to the next search, so that the
    # alternatives differ by at least that much instead of by one 15-minute slot.
    span = session.ends_at - session.starts_at
    forbid = [_patient_block(session, session.starts_at, span)]
    SchedulingRun.objects.filter(
        care_plan=session.care_plan,
        kind=SchedulingRun.Kind.RESCHEDULE,
        status=SchedulingRun.Status.SUCCEEDED,
    ).update(status=SchedulingRun.Status.DISCARDED)
    alternatives = []
    for _attempt in range(count):
        problem, refs = _replan_problem(
            center=center, sessions=chain, forbid=forbid, keep_previous=False
        )
        run = scheduling_run_solve(
            center=center,
            kind=SchedulingRun.Kind.RESCHEDULE,
            problem=problem,
            refs=refs,
            time_limit=time_limit,
            requested_by=requested_by,
            care_plan=session.care_plan,
        )
        mine = next(
            (a for a in run.solution["assignments"] if a["step"] == session.protocol_step.code),
            None,
        )
        if mine is None:
            run.status = SchedulingRun.Status.DISCARDED
            run.save(update_fields=["status"])
            break
        alternatives.append(run)
        forbid.append(_patient_block(session, datetime.fromisoformat(mine["start"]), span))
    return sorted(alternatives, key=lambda r: (r.unscheduled_count, r.objective, r.pk))


def _patient_block(session, starts_at, span) -> dict:
    zone = ZoneInfo(session.center.timezone)
    return {
        "resource": session.patient.mrn,
        "start": starts_at.astimezone(zone).isoformat(),
        "end": (starts_at + span).astimezone(zone).isoformat(),
    }


def _chained_sessions(session) -> list[TherapySession]:
    """The session and the later sessions of its plan that day tied to it by `after` rules."""
    same_day = list(
        TherapySession.objects.filter(
            care_plan=session.care_plan,
            protocol_step__day_offset=session.protocol_step.day_offset,
            status=SessionStatus.SCHEDULED,
        ).select_related(
            "protocol_step", "care_plan", "room", "practitioner__user", "patient", "center"
        )
    )
    chain = [next(s for s in same_day if s.pk == session.pk)]
    linked = {session.protocol_step_id}
    for other in sorted(same_day, key=lambda s: s.protocol_step.order):
        if other.protocol_step.after_step_id in linked and other.pk != session.pk:
            chain.append(other)
            linked.add(other.protocol_step_id)
    return chain


def sick_leave_replan(
    *,
    practitioner: PractitionerProfile,
    center: Center,
    starts_at: datetime,
    ends_at: datetime,
    requested_by=None,
    note: str = "",
    time_limit: float = 3.0,
) -> SchedulingRun:
    """Re-plan the sessions a practitioner's sick leave touches, moving as little as possible.

    The run is not applied: the admin reviews the differences first. The affected sessions,
    and the later sessions of the same care plans, go into the problem with their current
    placements as `previous`, so that the engine pays for every change it makes.
    """
    if ends_at <= starts_at:
        raise SchedulingError(_("The leave must end after it starts."))
    now = timezone.now()
    affected = list(
        TherapySession.objects.filter(
            practitioner=practitioner,
            center=center,
            status=SessionStatus.SCHEDULED,
            starts_at__lt=ends_at,
            ends_at__gt=max(starts_at, now),
        )
    )
    plan_ids = {s.care_plan_id for s in affected if s.care_plan_id}
    first_affected = min((s.starts_at for s in affected), default=starts_at)
    sessions = _movable(
        TherapySession.objects.filter(
            care_plan_id__in=plan_ids,
            status=SessionStatus.SCHEDULED,
            starts_at__gte=min(first_affected, now),
        ).select_related(
            "protocol_step", "care_plan", "room", "practitioner__user", "patient", "center"
        )
    )
    if not sessions:
        raise SchedulingError(
            _(
                "%(name)s has no scheduled care-plan sessions in that period; record the leave in the roster."
            )
            % {"name": practitioner}
        )
    leave = {"practitioner_obj": practitioner, "starts_at": starts_at, "ends_at": ends_at}
    problem, refs = _replan_problem(center=center, sessions=sessions, leave=leave)
    refs.leave = {
        "practitioner": practitioner.pk,
        "starts_at": starts_at.isoformat(),
        "ends_at": ends_at.isoformat(),
        "kind": Leave.Kind.SICK,
        "note": note,
    }
    return scheduling_run_solve(
        center=center,
        kind=SchedulingRun.Kind.SICK_LEAVE,
        problem=problem,
        refs=refs,
        time_limit=time_limit,
        requested_by=requested_by,
    )
