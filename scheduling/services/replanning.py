"""Re-planning booked sessions: other times for one session, sick leave, a day's over-runs.

Every re-plan puts the sessions it may move into a problem with their current placements as
`previous`, so that the engine pays for each change it makes and moves as little as it can;
the result is a run that is booked only when the admin applies it.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.horizons import leave_check
from clinics.models import Center, Leave, PractitionerProfile, Room
from patients.models import CarePlan
from scheduling.engine.checker import check
from scheduling.models import SchedulingRun
from scheduling.problems import (
    ProblemRefs,
    build_problem,
    horizon_for_plans,
    plan_id,
    plans_with_steps,
    practitioner_id,
)
from scheduling.services.booking import scheduling_run_apply
from scheduling.services.runs import SchedulingError, scheduling_run_queue, scheduling_run_solve
from sessions.models import SessionStatus, TherapySession
from sessions.selectors import board_sessions, overrun_clashes

if TYPE_CHECKING:
    from clinics.models import User

# The related rows a re-plan reads from every session it may move.
REPLAN_RELATED = ("protocol_step", "care_plan", "room", "practitioner__user", "patient", "center")

# How many other times the reschedule page offers, and the engine's time for each. A chain
# of one or two steps is placed in milliseconds; the limit only bounds a search that has not
# stalled, so that the page answers within a second whatever the calendar.
ALTERNATIVES = 4
ALTERNATIVE_TIME_LIMIT = 0.1

# The engine's time for re-plans that run in the job worker.
REPLAN_TIME_LIMIT = 3.0


@dataclass(frozen=True)
class LeaveToPlan:
    """Leave that a re-plan treats as already recorded; applying the run records it."""

    practitioner: PractitionerProfile
    starts_at: datetime
    ends_at: datetime
    note: str = ""

    def as_json(self) -> dict:
        return {
            "practitioner": self.practitioner.pk,
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "kind": Leave.Kind.SICK,
            "note": self.note,
        }


def _replan_problem(
    *,
    center: Center,
    sessions: list[TherapySession],
    leave: LeaveToPlan | None = None,
    keep_previous: bool = True,
    now: datetime | None = None,
) -> tuple[dict, ProblemRefs]:
    """A problem that re-places `sessions` (scheduled, with protocol steps) and nothing else."""
    by_plan = defaultdict(set)
    for session in sessions:
        by_plan[session.care_plan_id].add(session.protocol_step_id)
    plans = plans_with_steps(CarePlan.objects.filter(pk__in=by_plan.keys()))
    steps_by_plan = {
        plan.pk: [step for step in plan.protocol_version.steps.all() if step.pk in by_plan[plan.pk]]
        for plan in plans
    }
    start, days = horizon_for_plans(plans)
    zone = ZoneInfo(center.timezone)
    # Where each session is now, by "plan/step": the engine's `previous` and the run's `before`.
    placed_now = {
        f"{plan_id(s.care_plan)}/{s.protocol_step.code}": {
            "start": s.starts_at.astimezone(zone).isoformat(),
            "room": s.room.code,
            "practitioner": practitioner_id(s.practitioner),
        }
        for s in sessions
    }
    previous = []
    if keep_previous:
        previous = [
            {"plan": key.split("/", 1)[0], "step": key.split("/", 1)[1], **where, "pinned": False}
            for key, where in placed_now.items()
        ]
    problem, refs = build_problem(
        center=center,
        plans=plans,
        start=start,
        days=days,
        exclude_sessions=[s.pk for s in sessions],
        extra_leave=[(leave.practitioner, leave.starts_at, leave.ends_at)] if leave else [],
        previous=previous,
        steps_by_plan=steps_by_plan,
        not_before=now or timezone.now(),
    )
    refs.sessions = {(plan_id(s.care_plan), s.protocol_step.code): s.pk for s in sessions}
    refs.before = placed_now
    if leave:
        refs.leave = leave.as_json()
    return problem, refs


def _replan_store(
    *,
    kind: str,
    center: Center,
    sessions: list[TherapySession],
    requested_by: User | None,
    time_limit: float,
    run: SchedulingRun | None,
    leave: LeaveToPlan | None = None,
    now: datetime | None = None,
    held: list[dict] = (),
) -> SchedulingRun:
    """Solve a re-plan of `sessions` into a run (the queued `run`, or a new one) for the admin
    to review; `held` are busy intervals the database does not know of yet."""
    problem, refs = _replan_problem(center=center, sessions=sessions, leave=leave, now=now)
    problem["busy"].extend(held)
    return scheduling_run_solve(
        center=center,
        kind=kind,
        problem=problem,
        refs=refs,
        time_limit=time_limit,
        requested_by=requested_by,
        run=run,
    )


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


def _busy(resource: str, starts_at: datetime, ends_at: datetime, zone: ZoneInfo) -> dict:
    return {
        "resource": resource,
        "start": starts_at.astimezone(zone).isoformat(),
        "end": ends_at.astimezone(zone).isoformat(),
    }


# --- other times for one session -------------------------------------------------------


@transaction.atomic
def session_alternatives_solve(
    *,
    session: TherapySession,
    requested_by: User | None = None,
    count: int = ALTERNATIVES,
    time_limit: float = ALTERNATIVE_TIME_LIMIT,
) -> list[SchedulingRun]:
    """Store ranked ways to move one session (with the steps chained to it that day) as
    runs, best first; choosing one applies it. Earlier offers for the plan are discarded.

    The session's current start, and each alternative found, is closed to the next search,
    so that every one differs. The problem is built once: only what is closed changes.
    """
    if session.status != SessionStatus.SCHEDULED or not session.protocol_step_id:
        raise SchedulingError(_("Only a scheduled session of a care plan can be rescheduled."))
    chain = _chained_sessions(session)
    center = session.center
    zone = ZoneInfo(center.timezone)
    # Each offer closes the session's whole length to the next search, so that the
    # alternatives differ by at least that much instead of by one 15-minute slot.
    span = session.ends_at - session.starts_at
    SchedulingRun.objects.filter(
        care_plan=session.care_plan,
        kind=SchedulingRun.Kind.RESCHEDULE,
        status=SchedulingRun.Status.SUCCEEDED,
    ).update(status=SchedulingRun.Status.DISCARDED)
    problem, refs = _replan_problem(center=center, sessions=chain, keep_previous=False)
    closed = [_busy(session.patient.mrn, session.starts_at, session.starts_at + span, zone)]
    alternatives = []
    for _attempt in range(count):
        attempt_problem = copy.deepcopy(problem)
        attempt_problem["busy"].extend(closed)
        run = scheduling_run_solve(
            center=center,
            kind=SchedulingRun.Kind.RESCHEDULE,
            problem=attempt_problem,
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
        starts_at = datetime.fromisoformat(mine["start"])
        closed.append(_busy(session.patient.mrn, starts_at, starts_at + span, zone))
    return sorted(alternatives, key=lambda r: (r.unscheduled_count, r.objective, r.pk))


def _chained_sessions(session: TherapySession) -> list[TherapySession]:
    """The session and the later sessions of its plan that day tied to it by `after` rules."""
    same_day = list(
        TherapySession.objects.filter(
            care_plan=session.care_plan,
            protocol_step__day_offset=session.protocol_step.day_offset,
            status=SessionStatus.SCHEDULED,
        ).select_related(*REPLAN_RELATED)
    )
    chain = [next(s for s in same_day if s.pk == session.pk)]
    linked = {session.protocol_step_id}
    for other in sorted(same_day, key=lambda s: s.protocol_step.order):
        if other.protocol_step.after_step_id in linked and other.pk != session.pk:
            chain.append(other)
            linked.add(other.protocol_step_id)
    return chain


# --- sick leave ------------------------------------------------------------------------


def _sessions_touched_by(leave: LeaveToPlan, center: Center) -> list[TherapySession]:
    """The sessions the leave takes the practitioner from, and the later sessions of the same
    care plans, which may have to move with them; or SchedulingError when there are none."""
    now = timezone.now()
    affected = list(
        TherapySession.objects.filter(
            practitioner=leave.practitioner,
            center=center,
            status=SessionStatus.SCHEDULED,
            starts_at__lt=leave.ends_at,
            ends_at__gt=max(leave.starts_at, now),
        )
    )
    plan_ids = {s.care_plan_id for s in affected if s.care_plan_id}
    first_affected = min((s.starts_at for s in affected), default=leave.starts_at)
    sessions = _movable(
        TherapySession.objects.filter(
            care_plan_id__in=plan_ids,
            status=SessionStatus.SCHEDULED,
            starts_at__gte=min(first_affected, now),
        ).select_related(*REPLAN_RELATED)
    )
    if not sessions:
        raise SchedulingError(
            _(
                "%(name)s has no scheduled care-plan sessions in that period; record the leave in the roster."
            )
            % {"name": leave.practitioner}
        )
    return sessions


def _check_leave(leave: LeaveToPlan, center: Center) -> None:
    # A typed year (2000-2099) is a slip, not a leave: it would re-plan every session ahead.
    # The same check as the admin's leave form, so that both refuse the same leave.
    try:
        leave_check(starts_at=leave.starts_at, ends_at=leave.ends_at, center=center)
    except ValidationError as error:
        raise SchedulingError(error.messages[0]) from error


@transaction.atomic
def sick_leave_replan(
    *,
    leave: LeaveToPlan,
    center: Center,
    requested_by: User | None = None,
    time_limit: float = REPLAN_TIME_LIMIT,
    run: SchedulingRun | None = None,
) -> SchedulingRun:
    """Store a re-plan of the sessions a practitioner's sick leave touches, moving as little
    as possible. The run is not applied: the admin reviews the differences first, and
    applying it records the leave.
    """
    _check_leave(leave, center)
    return _replan_store(
        kind=SchedulingRun.Kind.SICK_LEAVE,
        center=center,
        sessions=_sessions_touched_by(leave, center),
        leave=leave,
        requested_by=requested_by,
        time_limit=time_limit,
        run=run,
    )


def sick_leave_replan_queue(
    *, leave: LeaveToPlan, center: Center, requested_by: User | None
) -> SchedulingRun:
    """The sick-leave re-plan, handed to the job worker; the run page shows its progress."""
    _check_leave(leave, center)
    _sessions_touched_by(leave, center)
    return scheduling_run_queue(
        center=center,
        kind=SchedulingRun.Kind.SICK_LEAVE,
        requested_by=requested_by,
        time_limit=REPLAN_TIME_LIMIT,
        parameters={"leave": leave.as_json()},
    )


def leave_from_parameters(parameters: dict) -> LeaveToPlan:
    """The leave a queued sick-leave run was asked to plan around."""
    leave = parameters["leave"]
    return LeaveToPlan(
        practitioner=PractitionerProfile.objects.select_related("user").get(
            pk=leave["practitioner"]
        ),
        starts_at=datetime.fromisoformat(leave["starts_at"]),
        ends_at=datetime.fromisoformat(leave["ends_at"]),
        note=leave.get("note", ""),
    )


# --- the rest of a day around over-running sessions --------------------------------------


def _overruns_and_clashes(
    center: Center, now: datetime
) -> tuple[list[TherapySession], list[TherapySession]]:
    """Today's over-running sessions of `center`, and the sessions of today they run into
    that a re-plan may move, with the later sessions of the same plans that day (which may
    have to move with them); or SchedulingError when no over-run clashes with anything."""
    today = board_sessions(center=center, now=now)
    flags = overrun_clashes(today)
    overrunning = [s for s in today if s.overrun_until and s.status == SessionStatus.IN_SESSION]
    # A session whose start has passed while the over-run held it up is still to move.
    clashing = _movable(s for s in today if s.pk in flags and s not in overrunning)
    if not clashing:
        raise SchedulingError(
            _("No session still to come today clashes with an over-running session.")
        )
    first = {}
    for s in clashing:
        first[s.care_plan_id] = min(first.get(s.care_plan_id, s.starts_at), s.starts_at)
    moving = _movable(
        s for s in today if s.care_plan_id in first and s.starts_at >= first[s.care_plan_id]
    )
    return overrunning, moving


def _held_by_overrun(session: TherapySession, zone: ZoneInfo) -> list[dict]:
    """Busy intervals for an over-running session: its practitioner until it now ends, its room
    and patient for the turnover and rest after that, as the plan gave them."""
    room_free = session.overrun_until + (session.room_released_at - session.ends_at)
    patient_free = session.overrun_until + (session.patient_released_at - session.ends_at)
    held = [_busy(session.patient.mrn, session.starts_at, patient_free, zone)]
    if session.practitioner_id:
        held.append(
            _busy(
                practitioner_id(session.practitioner),
                session.starts_at,
                session.overrun_until,
                zone,
            )
        )
    if session.room_id:
        held.append(_busy(session.room.code, session.starts_at, room_free, zone))
    return held


@transaction.atomic
def overrun_clashes_replan(
    *,
    center: Center,
    now: datetime,
    requested_by: User | None = None,
    time_limit: float = REPLAN_TIME_LIMIT,
    run: SchedulingRun | None = None,
) -> SchedulingRun:
    """Store a re-plan of the rest of today's sessions at `center` that an over-running
    session now runs into, moving as little as possible.

    Each over-running session holds its practitioner until `overrun_until`, and its room and
    patient for the turnover and rest after that. The run is not applied: the admin reviews
    it on the run page first.
    """
    overrunning, moving = _overruns_and_clashes(center, now)
    zone = ZoneInfo(center.timezone)
    return _replan_store(
        kind=SchedulingRun.Kind.OVERRUN,
        center=center,
        sessions=moving,
        now=now,
        held=[busy for session in overrunning for busy in _held_by_overrun(session, zone)],
        requested_by=requested_by,
        time_limit=time_limit,
        run=run,
    )


def overrun_clashes_replan_queue(
    *, center: Center, now: datetime, requested_by: User | None
) -> SchedulingRun:
    """The over-run re-plan, handed to the job worker; the run page shows its progress."""
    _overruns_and_clashes(center, now)
    return scheduling_run_queue(
        center=center,
        kind=SchedulingRun.Kind.OVERRUN,
        requested_by=requested_by,
        time_limit=REPLAN_TIME_LIMIT,
    )


# --- one session to a chosen time (the API's reschedule) ---------------------------------


@transaction.atomic
def session_move(
    *,
    session: TherapySession,
    starts_at: datetime,
    room: Room | None = None,
    practitioner: PractitionerProfile | None = None,
    requested_by: User | None = None,
) -> TherapySession:
    """Move one scheduled session to `starts_at` (in `room` with `practitioner`, else its own).

    The placement asked for is checked by the engine's independent checker against the
    calendar as the engine would see it (opening hours, rosters, leave, skills, room types,
    the step's allowed dates, its order with the plan's other sessions that day, everything
    already booked), then stored as a reschedule run and booked through scheduling_run_apply,
    whose row locks make concurrent moves into one slot queue up: the first wins, the others
    raise ScheduleClash. A placement that does not fit raises SchedulingError naming why.
    Either way nothing changes.
    """
    if session.status != SessionStatus.SCHEDULED or not session.protocol_step_id:
        raise SchedulingError(_("Only a scheduled session of a care plan can be rescheduled."))
    room = room or session.room
    practitioner = practitioner or session.practitioner
    center = session.center
    zone = ZoneInfo(center.timezone)
    # The plan's other sessions that day stay where they are, so that the order and gap rules
    # between them and the moved one are checked.
    same_day = list(
        TherapySession.objects.filter(
            care_plan=session.care_plan,
            protocol_step__day_offset=session.protocol_step.day_offset,
            status=SessionStatus.SCHEDULED,
        ).select_related(*REPLAN_RELATED)
    )
    problem, refs = _replan_problem(center=center, sessions=same_day, keep_previous=False)
    assignments = {}
    for other in same_day:
        moved = other.pk == session.pk
        assignments[other.pk] = {
            "plan": plan_id(other.care_plan),
            "step": other.protocol_step.code,
            "start": (starts_at if moved else other.starts_at).astimezone(zone).isoformat(),
            "room": (room if moved else other.room).code,
            "practitioner": practitioner_id(practitioner if moved else other.practitioner),
        }
    report = check(problem, _solution(problem, list(assignments.values())))
    if not report.valid:
        raise SchedulingError(
            _("This time does not fit: %(why)s") % {"why": " ".join(report.violations)}
        )
    if len(same_day) > 1:
        # The run books the moved session alone: the others stay as they are (re-booked, a
        # group session among them would lose its place in the group), busy in its problem.
        problem, refs = _replan_problem(center=center, sessions=[session], keep_previous=False)
    solution = _solution(problem, [assignments[session.pk]])
    solution["objective"] = check(problem, solution).objective
    now = timezone.now()
    run = SchedulingRun.objects.create(
        center=center,
        kind=SchedulingRun.Kind.RESCHEDULE,
        care_plan=session.care_plan,
        requested_by=requested_by,
        parameters={"session": session.pk, "starts_at": starts_at.isoformat()},
        problem=problem,
        refs=refs.as_json(),
        solution=solution,
        status=SchedulingRun.Status.SUCCEEDED,
        objective=solution["objective"],
        placed_count=1,
        time_limit_seconds=0,
        started_at=now,
        finished_at=now,
    )
    scheduling_run_apply(run=run, applied_by=requested_by)
    session.refresh_from_db()
    return session


def _solution(problem: dict, assignments: list[dict]) -> dict:
    return {"format": problem["format"], "assignments": assignments, "unscheduled": []}
