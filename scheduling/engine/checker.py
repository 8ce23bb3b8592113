"""Independent checker of panchakarma-schedule/1 and /2 solutions: hard rules and recomputed
objective."""

# Deliberately self-contained (stdlib only, no other scheduling.engine import): it re-reads the
# JSON documents and re-applies FORMAT.md's defaults itself so that a bug in the solver's model
# cannot hide behind the same bug here.
#
# Shape: read_problem() and read_solution() turn the documents into a CheckedProblem and a
# CheckedSchedule (reading reports format and completeness faults); then one function per
# check of FORMAT.md (the slot grid, real durations, hard rules 1-10) returns its violations,
# each message starting with the check's label; then one function per objective term.

from __future__ import annotations

import json
import math
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

FORMAT = "panchakarma-schedule/2"
READABLE_FORMATS = ("panchakarma-schedule/1", FORMAT)  # /2 only adds optional busy keys

REASON_CODES = frozenset(
    {
        "no_practitioner_with_skill",
        "no_room_of_type",
        "practitioner_unavailable",
        "room_unavailable",
        "patient_unavailable",
        "center_closed",
        "sequence_gap",
        "daily_limit",
        "gender_constraint",
        "horizon_exceeded",
        "predecessor_unscheduled",
        "search_limit",
    }
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PART_NAMES = (
    "unscheduled",
    "slip",
    "preferred",
    "same_practitioner",
    "overtime",
    "previous_change",
)

UNSCHEDULED_WEIGHT = 1000
SLIP_WEIGHT = 50
PREFERRED_WEIGHT = 5
SAME_PRACTITIONER_WEIGHT = 10
OVERTIME_BLOCK_MIN = 15
MOVED_WEIGHT = 20
REASSIGNED_WEIGHT = 5

# Windows are (start, end) wall minutes of a day; a weekly schedule maps "mon".."sun" to them.
Windows = list[tuple[int, int]]
Weekly = dict[str, Windows]
StepKey = tuple[str, str]  # (plan id, step id)


@dataclass
class CheckReport:
    """Verdict on one solution: hard-rule violations and the objective recomputed from scratch."""

    valid: bool
    violations: list[str]
    objective: int
    parts: dict[str, int]
    claimed_objective: int | None = None
    claimed_objective_matches: bool = True
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        head = "VALID" if self.valid else f"INVALID ({len(self.violations)} violations)"
        parts = ", ".join(f"{k}={v}" for k, v in self.parts.items())
        claim = "" if self.claimed_objective_matches else f" (claimed {self.claimed_objective})"
        return f"{head}; objective {self.objective}{claim} [{parts}]"


class _ProblemError(ValueError):
    pass


def _minutes(hhmm: str) -> int:
    h, m = str(hhmm).split(":")
    value = int(h) * 60 + int(m)
    if not 0 <= value <= 1440:
        raise _ProblemError(f"time {hhmm!r} out of range")
    return value


def _windows(raw) -> Windows:
    return [(_minutes(a), _minutes(b)) for a, b in (raw or [])]


def _weekly(raw) -> Weekly | None:
    if raw is None:
        return None
    return {day: _windows(raw.get(day)) for day in WEEKDAYS}


def _parse_instant(text, tz: ZoneInfo) -> datetime:
    dt = datetime.fromisoformat(str(text))
    if dt.tzinfo is None:
        # FORMAT.md requires an offset; a naive instant in the problem is read as local wall time
        # (solutions get no such leniency, see _read_session).
        dt = dt.replace(tzinfo=tz)
    return dt


def _ts(dt: datetime) -> int:
    """Seconds since the epoch: comparisons between instants never depend on offsets."""
    return int(dt.timestamp())


def _hm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


# -- the problem, as the checker reads it ---------------------------------------------------------


@dataclass
class _Therapy:
    id: str
    duration: int
    skill: str
    room_types: list[str]
    rest: int
    turnover: int
    group_size: int


@dataclass
class _Room:
    type: str | None
    capacity: int
    gender: str | None


@dataclass
class _Practitioner:
    gender: str | None
    skills: set[str]
    hours: Weekly
    off: list[tuple[int, int]]  # epoch seconds
    soft_daily_min: int | None


@dataclass
class _Patient:
    gender: str | None
    same_gender: bool
    hours: Weekly | None
    preferred: Windows
    max_daily: int | None
    priority: int


@dataclass
class _Step:
    plan: str
    id: str
    index: int
    therapy: str
    day: int
    slack: int
    after: dict | None
    same_practitioner_as: str | None


@dataclass
class _Plan:
    patient: str
    start: date
    steps: list[_Step]


@dataclass
class _BookedGroup:
    """A group occurrence booked before the problem, open to `seats` more patients."""

    room: str
    practitioner: str
    therapy: str
    start: int  # epoch seconds
    end: int  # its practitioner's end: start + the therapy's duration
    seats: int


# A booked group occurrence is joined by sessions of its therapy, room, practitioner and start.
GroupKey = tuple[str, str, str, int]


@dataclass
class CheckedProblem:
    """The problem document with FORMAT.md's defaults applied; instants in epoch seconds."""

    tzname: str
    tz: ZoneInfo
    slot: int
    horizon_start: date
    horizon_days: int
    horizon_end: date  # exclusive
    center_hours: Weekly
    closed: set[date]
    therapies: dict[str, _Therapy]
    rooms: dict[str, _Room]
    practitioners: dict[str, _Practitioner]
    patients: dict[str, _Patient]
    busy: dict[str, list[tuple[int, int]]]  # resource id -> intervals taking it whole
    room_places: dict[str, list[tuple[int, int, int]]]  # room -> (from, to, places taken)
    booked_groups: dict[GroupKey, _BookedGroup]  # the joinable ones
    plans: dict[str, _Plan]
    steps: dict[StepKey, _Step]
    previous: list[dict]
    notes: list[str]

    def priority_of(self, plan_id: str) -> int:
        patient = self.patients.get(self.plans[plan_id].patient)
        return patient.priority if patient else 0

    def span(self, a: int, b: int) -> str:
        """An interval of epoch seconds as local wall times."""
        la = datetime.fromtimestamp(a, self.tz)
        lb = datetime.fromtimestamp(b, self.tz)
        return f"{la.strftime('%Y-%m-%d %H:%M')}-{lb.strftime('%Y-%m-%d %H:%M')} {self.tzname}"


def read_problem(doc: dict) -> CheckedProblem:
    """Raises KeyError, TypeError or ValueError when the document cannot be read."""
    notes: list[str] = []
    if doc.get("format", FORMAT) not in READABLE_FORMATS:
        notes.append(f"problem format is {doc.get('format')!r}, expected one of {READABLE_FORMATS}")
    tz = ZoneInfo(doc["timezone"])
    slot = int(doc.get("slot_min", 15))
    start = date.fromisoformat(doc["horizon"]["start"])
    days = int(doc["horizon"]["days"])
    center = doc.get("center") or {}
    center_hours = _weekly(center.get("hours") or {})
    closed = {date.fromisoformat(d) for d in center.get("closed") or []}
    therapies = _read_therapies(doc)
    rooms = _read_rooms(doc)
    practitioners = _read_practitioners(doc, tz)
    patients = _read_patients(doc)
    busy, room_places, booked_groups = _read_busy(
        doc, tz, rooms, therapies, set(rooms) | set(practitioners) | set(patients), notes
    )
    plans, steps = _read_plans(doc, patients, notes)
    previous = list(doc.get("previous") or [])
    _note_pinned_without_step(previous, steps, notes)
    return CheckedProblem(
        tzname=doc["timezone"],
        tz=tz,
        slot=slot,
        horizon_start=start,
        horizon_days=days,
        horizon_end=start + timedelta(days=days),
        center_hours=center_hours,
        closed=closed,
        therapies=therapies,
        rooms=rooms,
        practitioners=practitioners,
        patients=patients,
        busy=busy,
        room_places=room_places,
        booked_groups=booked_groups,
        plans=plans,
        steps=steps,
        previous=previous,
        notes=notes,
    )


def _read_therapies(doc: dict) -> dict[str, _Therapy]:
    return {
        tid: _Therapy(
            id=tid,
            duration=int(t["duration_min"]),
            skill=t.get("skill", tid),
            room_types=list(t.get("room_types") or []),
            rest=int(t.get("patient_rest_after_min") or 0),
            turnover=int(t.get("room_turnover_min") or 0),
            group_size=int(t.get("group_size") or 1),
        )
        for tid, t in (doc.get("therapies") or {}).items()
    }


def _read_rooms(doc: dict) -> dict[str, _Room]:
    return {
        r["id"]: _Room(
            type=r.get("type"), capacity=int(r.get("capacity") or 1), gender=r.get("gender")
        )
        for r in doc.get("rooms") or []
    }


def _read_practitioners(doc: dict, tz: ZoneInfo) -> dict[str, _Practitioner]:
    return {
        t["id"]: _Practitioner(
            gender=t.get("gender"),
            skills=set(t.get("skills") or []),
            hours=_weekly(t.get("hours") or {}),
            off=[
                (_ts(_parse_instant(o["start"], tz)), _ts(_parse_instant(o["end"], tz)))
                for o in t.get("off") or []
            ],
            soft_daily_min=t.get("soft_daily_min"),
        )
        for t in doc.get("practitioners") or []
    }


def _read_patients(doc: dict) -> dict[str, _Patient]:
    return {
        q["id"]: _Patient(
            gender=q.get("gender"),
            same_gender=bool(q.get("same_gender_practitioner") or False),
            hours=_weekly(q.get("hours")),
            preferred=_windows(q.get("preferred")),
            max_daily=None if q.get("max_daily_sessions") is None else int(q["max_daily_sessions"]),
            priority=int(q.get("priority") or 0),
        )
        for q in doc.get("patients") or []
    }


def _read_busy(
    doc: dict,
    tz: ZoneInfo,
    rooms: dict[str, _Room],
    therapies: dict[str, _Therapy],
    known: set[str],
    notes: list[str],
) -> tuple[
    dict[str, list[tuple[int, int]]],
    dict[str, list[tuple[int, int, int]]],
    dict[GroupKey, _BookedGroup],
]:
    """Busy intervals taking their resource whole; those taking some places of a room; and
    the booked group occurrences a session may join (FORMAT.md, `places` and `group`)."""
    busy: dict[str, list[tuple[int, int]]] = defaultdict(list)
    room_places: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    groups: dict[GroupKey, _BookedGroup] = {}
    for b in doc.get("busy") or []:
        resource = b["resource"]
        a, z = _ts(_parse_instant(b["start"], tz)), _ts(_parse_instant(b["end"], tz))
        room = rooms.get(resource)
        places = b.get("places")
        shared = room is not None and places is not None and int(places) < room.capacity
        if shared:
            room_places[resource].append((a, z, int(places)))
        else:
            busy[resource].append((a, z))
        if resource not in known:
            notes.append(f"busy interval names unknown resource {resource!r}")
        group = b.get("group")
        therapy = therapies.get(group["therapy"]) if room is not None and group else None
        if therapy is None:
            continue
        booked = _BookedGroup(
            room=resource,
            practitioner=group["practitioner"],
            therapy=therapy.id,
            start=a,
            end=a + therapy.duration * 60,
            seats=min(int(group.get("seats") or 0), therapy.group_size - 1),
        )
        if shared and booked.seats > 0:
            groups[(booked.therapy, booked.room, booked.practitioner, booked.start)] = booked
        else:  # nobody can join: its practitioner is simply busy
            busy[booked.practitioner].append((booked.start, booked.end))
    return busy, room_places, groups


def _read_plans(
    doc: dict, patients: dict[str, _Patient], notes: list[str]
) -> tuple[dict[str, _Plan], dict[StepKey, _Step]]:
    plans: dict[str, _Plan] = {}
    steps: dict[StepKey, _Step] = {}
    for plan in doc.get("plans") or []:
        pid = plan["id"]
        plan_steps = []
        for i, s in enumerate(plan.get("steps") or []):
            step = _Step(
                plan=pid,
                id=s["id"],
                index=i,
                therapy=s["therapy"],
                day=int(s.get("day") or 0),
                slack=int(s.get("slack_days") or 0),
                after=s.get("after"),
                same_practitioner_as=s.get("same_practitioner_as"),
            )
            plan_steps.append(step)
            steps[(pid, step.id)] = step
        plans[pid] = _Plan(
            patient=plan["patient"], start=date.fromisoformat(plan["start"]), steps=plan_steps
        )
        if plan["patient"] not in patients:
            notes.append(f"plan {pid} names unknown patient {plan['patient']!r}")
    for step in steps.values():
        if step.after:
            ref = step.after.get("step")
            if (step.plan, ref) not in steps or steps[(step.plan, ref)].index >= step.index:
                notes.append(
                    f"step {step.plan}/{step.id} has after={ref!r}, not an earlier step of the plan"
                )
    return plans, steps


def _note_pinned_without_step(previous: list[dict], steps: dict, notes: list[str]) -> None:
    for prev in previous:
        key = (prev.get("plan"), prev.get("step"))
        if prev.get("pinned") and key not in steps:
            notes.append(f"pinned previous assignment {key[0]}/{key[1]} names no step of a plan")


# -- the solution, as the checker reads it --------------------------------------------------------


NO_END = object()  # an assignment without an "end"


@dataclass
class _Session:
    plan: str
    step: str
    index: int
    therapy: _Therapy
    patient: str
    room: str
    practitioner: str
    start: int  # epoch seconds
    end: int
    local_date: date
    start_min: int
    end_min: int  # 1440 when the session ends exactly at local midnight; above when it crosses
    crosses_midnight: bool
    raw_start: datetime
    local_start: datetime
    local_end: datetime
    claimed_end: object = NO_END  # the assignment's "end", when it gives one

    @property
    def label(self) -> str:
        return (
            f"{self.plan}/{self.step} ({self.patient}, {self.therapy.id}) on "
            f"{self.local_date.isoformat()} {WEEKDAYS[self.local_date.weekday()].title()} "
            f"{_hm(self.start_min)}-{_hm(self.end_min)}"
        )


@dataclass
class CheckedSchedule:
    """The solution document: its sessions, which steps it schedules and which it does not,
    and the format and completeness faults found while reading it."""

    sessions: dict[StepKey, _Session]  # the first assignment of each known step
    read: list[_Session]  # every assignment that could be read, repeats included
    scheduled: set[StepKey]
    unscheduled: set[StepKey]
    violations: list[str]
    notes: list[str]


def read_solution(problem: CheckedProblem, doc: dict) -> CheckedSchedule:
    schedule = CheckedSchedule({}, [], set(), set(), [], [])
    if doc.get("format", FORMAT) not in READABLE_FORMATS:
        schedule.violations.append(
            f"Format: solution format is {doc.get('format')!r}, expected one of {READABLE_FORMATS}."
        )
    seen: dict[StepKey, str] = {}
    for n, a in enumerate(doc.get("assignments") or []):
        _read_assignment(problem, schedule, seen, n, a)
    for n, u in enumerate(doc.get("unscheduled") or []):
        _read_unscheduled(problem, schedule, seen, n, u)
    for key in problem.steps:
        if key not in seen:
            schedule.violations.append(
                f"Completeness: step {key[0]}/{key[1]} appears neither in assignments "
                f"nor in unscheduled."
            )
    return schedule


def _read_assignment(
    problem: CheckedProblem, schedule: CheckedSchedule, seen: dict, n: int, a
) -> None:
    session = _read_session(problem, schedule, a, n)
    if session is not None:
        schedule.read.append(session)
    key = (a.get("plan"), a.get("step")) if isinstance(a, dict) else None
    if key is not None and key in problem.steps:
        if key in seen:
            schedule.violations.append(
                f"Completeness: step {key[0]}/{key[1]} appears more than once "
                f"(again as an assignment)."
            )
            return
        seen[key] = "assignment"
        schedule.scheduled.add(key)
    if session is not None:
        schedule.sessions[(session.plan, session.step)] = session


def _read_session(problem: CheckedProblem, schedule: CheckedSchedule, a, n: int) -> _Session | None:
    """The session an assignment describes, or None (with the fault recorded) when it names
    what does not exist or has no readable start."""
    where = f"assignment #{n}"
    try:
        plan_id, step_id = a["plan"], a["step"]
        where = f"assignment {plan_id}/{step_id}"
        room_id, prac_id, start_text = a["room"], a["practitioner"], a["start"]
    except (KeyError, TypeError):
        schedule.violations.append(
            f"Format: {where} lacks one of plan, step, start, room, practitioner."
        )
        return None
    if plan_id not in problem.plans:
        schedule.violations.append(f"Completeness: {where} names unknown plan {plan_id!r}.")
        return None
    step = problem.steps.get((plan_id, step_id))
    if step is None:
        schedule.violations.append(f"Completeness: {where} names unknown step {step_id!r}.")
        return None
    known = _names_known_resources(problem, schedule, where, room_id, prac_id)
    therapy = problem.therapies.get(step.therapy)
    if therapy is None:
        schedule.notes.append(f"step {plan_id}/{step_id} names unknown therapy {step.therapy!r}")
    start = _read_start(schedule, where, start_text)
    if start is None or not known or therapy is None:
        return None
    session = _session_at(problem, step, therapy, start, room_id, prac_id)
    if "end" in a:
        session.claimed_end = a["end"]
    return session


def _names_known_resources(
    problem: CheckedProblem, schedule: CheckedSchedule, where: str, room_id, prac_id
) -> bool:
    known = True
    if room_id not in problem.rooms:
        schedule.violations.append(f"Completeness: {where} names unknown room {room_id!r}.")
        known = False
    if prac_id not in problem.practitioners:
        schedule.violations.append(f"Completeness: {where} names unknown practitioner {prac_id!r}.")
        known = False
    return known


def _read_start(schedule: CheckedSchedule, where: str, start_text) -> datetime | None:
    try:
        start = datetime.fromisoformat(str(start_text))
    except ValueError:
        schedule.violations.append(f"Format: {where} has unparseable start {start_text!r}.")
        return None
    if start.tzinfo is None:
        schedule.violations.append(
            f"Format: {where} start {start_text!r} has no UTC offset (FORMAT.md requires one)."
        )
        return None
    return start


def _session_at(
    problem: CheckedProblem,
    step: _Step,
    therapy: _Therapy,
    start: datetime,
    room_id: str,
    prac_id: str,
) -> _Session:
    local = start.astimezone(problem.tz)
    # Real elapsed time: add the duration to the instant, then look at the wall clock.
    end = start + timedelta(minutes=therapy.duration)
    local_end = end.astimezone(problem.tz)
    start_min = local.hour * 60 + local.minute
    end_min = local_end.hour * 60 + local_end.minute
    crosses = False
    if local_end.date() != local.date():
        midnight = (local_end.hour, local_end.minute, local_end.second) == (0, 0, 0)
        next_day = local_end.date() == local.date() + timedelta(days=1)
        # Ending exactly at midnight ends the day; anything later crosses it (rule 3).
        crosses = not (next_day and midnight)
        end_min = 1440 + end_min if crosses else 1440
    return _Session(
        plan=step.plan,
        step=step.id,
        index=step.index,
        therapy=therapy,
        patient=problem.plans[step.plan].patient,
        room=room_id,
        practitioner=prac_id,
        start=_ts(start),
        end=_ts(end),
        local_date=local.date(),
        start_min=start_min,
        end_min=end_min,
        crosses_midnight=crosses,
        raw_start=start,
        local_start=local,
        local_end=local_end,
    )


def _read_unscheduled(
    problem: CheckedProblem, schedule: CheckedSchedule, seen: dict, n: int, u
) -> None:
    if not isinstance(u, dict) or "plan" not in u or "step" not in u:
        schedule.violations.append(f"Format: unscheduled entry #{n} lacks plan or step.")
        return
    key = (u["plan"], u["step"])
    label = f"{key[0]}/{key[1]}"
    if key[0] not in problem.plans:
        schedule.violations.append(
            f"Completeness: unscheduled entry names unknown plan {key[0]!r}."
        )
        return
    if key not in problem.steps:
        schedule.violations.append(f"Completeness: unscheduled entry names unknown step {label!r}.")
        return
    if key in seen:
        schedule.violations.append(
            f"Completeness: step {label} appears more than once "
            f"(as {seen[key]} and as unscheduled)."
        )
        return
    seen[key] = "unscheduled"
    schedule.unscheduled.add(key)
    reasons = u.get("reasons")
    if not reasons:
        schedule.violations.append(f"Reasons: unscheduled step {label} carries no reason.")
    for r in reasons or []:
        code = r.get("code") if isinstance(r, dict) else None
        if code not in REASON_CODES:
            schedule.violations.append(
                f"Reasons: unscheduled step {label} has unknown reason code {code!r}."
            )


# -- checks: one function per requirement of FORMAT.md --------------------------------------------


def starts_on_the_slot_grid(problem: CheckedProblem, schedule: CheckedSchedule) -> list[str]:
    """Time: every session starts on the slot grid (local minute-of-day a multiple of slot_min)."""
    return [
        f"Grid: {s.label} starts at local {s.local_start.time().isoformat()}, "
        f"not on the {problem.slot}-minute slot grid."
        for s in schedule.read
        if s.local_start.second or s.local_start.microsecond or s.start_min % problem.slot
    ]


def sessions_last_their_real_duration(
    problem: CheckedProblem, schedule: CheckedSchedule
) -> list[str]:
    """Time: a session lasts exactly its therapy's duration of elapsed time (a claimed end
    must agree)."""
    out = []
    for s in schedule.read:
        if s.claimed_end is NO_END:
            continue
        try:
            claimed = _ts(datetime.fromisoformat(str(s.claimed_end)))
        except ValueError:
            claimed = None
        if claimed != s.end:
            out.append(
                f"Duration: {s.label} claims end {s.claimed_end!r}, but "
                f"{s.therapy.duration} min of real time after its start ends at "
                f"{s.local_end.isoformat()}."
            )
    return out


def practitioner_is_qualified(problem: CheckedProblem, schedule: CheckedSchedule) -> list[str]:
    """Rule 1: the practitioner has the therapy's skill, and the patient's gender when the
    patient asks for a same-gender practitioner."""
    out = []
    for s in schedule.sessions.values():
        prac = problem.practitioners[s.practitioner]
        patient = problem.patients.get(s.patient)
        if s.therapy.skill not in prac.skills:
            out.append(
                f"Rule 1: practitioner {s.practitioner} lacks skill {s.therapy.skill!r} "
                f"for {s.label}."
            )
        if patient and patient.same_gender and prac.gender != patient.gender:
            out.append(
                f"Rule 1: patient {s.patient} requires a same-gender practitioner but "
                f"{s.practitioner} ({prac.gender}) holds {s.label}."
            )
    return out


def room_suits_the_session(problem: CheckedProblem, schedule: CheckedSchedule) -> list[str]:
    """Rule 2: the room's type is one of the therapy's room types; a room with a gender
    admits only patients of that gender."""
    out = []
    for s in schedule.sessions.values():
        room = problem.rooms[s.room]
        patient = problem.patients.get(s.patient)
        if room.type not in s.therapy.room_types:
            out.append(
                f"Rule 2: room {s.room} of type {room.type!r} is not among "
                f"{s.therapy.room_types} for {s.label}."
            )
        if room.gender is not None and patient and room.gender != patient.gender:
            out.append(
                f"Rule 2: room {s.room} admits only {room.gender} patients, but "
                f"{s.patient} ({patient.gender}) has {s.label}."
            )
    return out


def session_lies_in_open_and_free_time(
    problem: CheckedProblem, schedule: CheckedSchedule
) -> list[str]:
    """Rule 3: the session does not cross local midnight; it lies inside a center window on
    a date that is not closed, inside one of the practitioner's windows and of the patient's
    hours when given; it touches no leave or busy interval of its practitioner, room or
    patient."""
    out = [
        f"Rule 3: {s.label.split(' on ')[0]} starting {s.local_start.isoformat()} ends "
        f"{s.local_end.isoformat()}, crossing local midnight."
        for s in schedule.read
        if s.crosses_midnight
    ]
    for s in schedule.sessions.values():
        out.extend(_outside_open_hours(problem, s))
        out.extend(_touching_unavailable_time(problem, s))
    return out


def _inside(weekly: Weekly, s: _Session) -> bool:
    if s.end_min > 1440:
        return False
    windows = weekly.get(WEEKDAYS[s.local_date.weekday()]) or []
    return any(a <= s.start_min and s.end_min <= b for a, b in windows)


def _outside_open_hours(problem: CheckedProblem, s: _Session) -> list[str]:
    out = []
    patient = problem.patients.get(s.patient)
    if s.local_date in problem.closed:
        out.append(f"Rule 3: the center is closed on the date of {s.label}.")
    if not _inside(problem.center_hours, s):
        out.append(f"Rule 3: {s.label} is outside the center's hours.")
    if not _inside(problem.practitioners[s.practitioner].hours, s):
        out.append(f"Rule 3: {s.label} is outside practitioner {s.practitioner}'s shifts.")
    if patient and patient.hours is not None and not _inside(patient.hours, s):
        out.append(f"Rule 3: {s.label} is outside patient {s.patient}'s available hours.")
    return out


def _touching_unavailable_time(problem: CheckedProblem, s: _Session) -> list[str]:
    out = [
        f"Rule 3: {s.label} overlaps leave of practitioner {s.practitioner} ({problem.span(a, b)})."
        for a, b in problem.practitioners[s.practitioner].off
        if s.start < b and a < s.end
    ]
    for resource, kind in (
        (s.practitioner, "practitioner"),
        (s.room, "room"),
        (s.patient, "patient"),
    ):
        out.extend(
            f"Rule 3: {s.label} overlaps a busy interval of {kind} {resource} "
            f"({problem.span(a, b)})."
            for a, b in problem.busy.get(resource, ())
            if s.start < b and a < s.end
        )
    joined = _joined_group(problem, s)
    out.extend(
        f"Rule 3: {s.label} overlaps practitioner {s.practitioner}'s booked group "
        f"{g.therapy} in {g.room} ({problem.span(g.start, g.end)}) without joining it."
        for g in problem.booked_groups.values()
        if g.practitioner == s.practitioner
        and g is not joined
        and s.start < g.end
        and g.start < s.end
    )
    return out


def _joined_group(problem: CheckedProblem, s: _Session) -> _BookedGroup | None:
    """The booked group occurrence session s joins: same therapy, room, practitioner, start."""
    return problem.booked_groups.get((s.therapy.id, s.room, s.practitioner, s.start))


def _occurrences(schedule: CheckedSchedule) -> dict[tuple, list[_Session]]:
    """Sessions by occurrence: a group therapy's patients sharing therapy, room,
    practitioner and start are one (the key of a booked group they join); any other
    session is its own."""
    occurrences: dict[tuple, list[_Session]] = defaultdict(list)
    for s in schedule.sessions.values():
        if s.therapy.group_size > 1:
            key = (s.therapy.id, s.room, s.practitioner, s.start)
        else:
            key = ("single", s.plan, s.step)
        occurrences[key].append(s)
    return occurrences


def practitioner_holds_one_session_at_a_time(
    problem: CheckedProblem, schedule: CheckedSchedule
) -> list[str]:
    """Rule 4: a practitioner holds one occurrence at a time over [start, end); an
    occurrence has at most group_size patients."""
    out = []
    per_practitioner: dict[str, list[list[_Session]]] = defaultdict(list)
    for key, members in _occurrences(schedule).items():
        first = members[0]
        booked = problem.booked_groups.get(key)
        if booked is not None and len(members) > booked.seats:
            out.append(
                f"Rule 4: {len(members)} patients join the booked group occurrence of "
                f"{first.therapy.id} in {first.room} with {first.practitioner} at "
                f"{first.local_date} {_hm(first.start_min)}, which has {booked.seats} seat(s) left."
            )
        if len(members) > first.therapy.group_size:
            out.append(
                f"Rule 4: group occurrence of {first.therapy.id} in {first.room} with "
                f"{first.practitioner} at {first.local_date} {_hm(first.start_min)} has "
                f"{len(members)} patients, above group_size {first.therapy.group_size}."
            )
        per_practitioner[first.practitioner].append(members)
    for prac, occurrences in per_practitioner.items():
        occurrences.sort(key=lambda m: (m[0].start, m[0].end))
        running: list[list[_Session]] = []
        for members in occurrences:
            s = members[0]
            running = [x for x in running if x[0].end > s.start]
            out.extend(
                f"Rule 4: practitioner {prac} holds two sessions at once: "
                f"{x[0].label} and {s.label}."
                for x in running
            )
            running.append(members)
    return out


def room_stays_within_capacity(problem: CheckedProblem, schedule: CheckedSchedule) -> list[str]:
    """Rule 5: a room holds at most `capacity` patients at any instant, each over
    [start, end + room_turnover_min); a busy interval takes its `places`, or all of them."""
    # Per room: (from, to, places taken, label, is a session)
    per_room: dict[str, list[tuple[int, int, int, str, bool]]] = defaultdict(list)
    for s in schedule.sessions.values():
        per_room[s.room].append((s.start, s.end + s.therapy.turnover * 60, 1, s.label, True))
    for room_id, room in problem.rooms.items():
        for a, b in problem.busy.get(room_id, ()):
            per_room[room_id].append((a, b, room.capacity, f"busy {problem.span(a, b)}", False))
        for a, b, places in problem.room_places.get(room_id, ()):
            label = f"{places} place(s) busy {problem.span(a, b)}"
            per_room[room_id].append((a, b, places, label, False))
    out = []
    for room_id, items in per_room.items():
        if room_id in problem.rooms:
            out.extend(_over_capacity(room_id, problem.rooms[room_id].capacity, items))
    return out


def _over_capacity(
    room_id: str, capacity: int, items: list[tuple[int, int, int, str, bool]]
) -> list[str]:
    """A sweep over the room's intervals, reporting each stretch over capacity once."""
    events = []
    for i, (a, b, *_rest) in enumerate(items):
        if b > a:
            events.append((a, 1, i))
            events.append((b, 0, i))  # ends sort before starts at the same instant
    events.sort()
    out = []
    present: set[int] = set()
    load = 0
    reported = False
    for _, kind, i in events:
        if kind == 0:
            present.discard(i)
            load -= items[i][2]
            reported = reported and load > capacity
            continue
        present.add(i)
        load += items[i][2]
        # Busy intervals overlapping each other are the problem's business, not the
        # solution's: only an over-full room with a session in it is a violation.
        if load > capacity and not reported and any(items[j][4] for j in present):
            reported = True
            who = "; ".join(items[j][3] for j in sorted(present))
            out.append(
                f"Rule 5: room {room_id} (capacity {capacity}) holds {load} at once, "
                f"counting turnover: {who}."
            )
    return out


def patient_holds_one_session_at_a_time(
    problem: CheckedProblem, schedule: CheckedSchedule
) -> list[str]:
    """Rule 6: a patient holds one session at a time over [start, end + patient rest), and
    at most max_daily_sessions sessions per local date."""
    per_patient: dict[str, list[_Session]] = defaultdict(list)
    for s in schedule.sessions.values():
        per_patient[s.patient].append(s)
    out = []
    for pid, sessions in per_patient.items():
        sessions.sort(key=lambda s: (s.start, s.end))
        resting: list[_Session] = []
        for s in sessions:
            resting = [x for x in resting if x.end + x.therapy.rest * 60 > s.start]
            out.extend(
                f"Rule 6: patient {pid} has {s.label} before the end of {x.label} "
                f"plus {x.therapy.rest} min rest."
                for x in resting
            )
            resting.append(s)
        patient = problem.patients.get(pid)
        if patient is not None and patient.max_daily is not None:
            out.extend(_over_daily_limit(pid, patient.max_daily, sessions))
    return out


def _over_daily_limit(pid: str, limit: int, sessions: list[_Session]) -> list[str]:
    per_day: dict[date, int] = defaultdict(int)
    for s in sessions:
        per_day[s.local_date] += 1
    return [
        f"Rule 6: patient {pid} has {n} sessions on {d.isoformat()}, above "
        f"max_daily_sessions {limit}."
        for d, n in sorted(per_day.items())
        if n > limit
    ]


def step_falls_on_an_allowed_date(problem: CheckedProblem, schedule: CheckedSchedule) -> list[str]:
    """Rule 7: a step falls on local date plan.start + day + k, 0 <= k <= slack_days, inside
    the horizon."""
    out = []
    for s in schedule.sessions.values():
        step = problem.steps[(s.plan, s.step)]
        earliest = problem.plans[s.plan].start + timedelta(days=step.day)
        k = (s.local_date - earliest).days
        if k < 0 or k > step.slack:
            out.append(
                f"Rule 7: {s.label} falls {k} day(s) after its nominal date "
                f"{earliest.isoformat()}, allowed 0..{step.slack}."
            )
        if not problem.horizon_start <= s.local_date < problem.horizon_end:
            out.append(
                f"Rule 7: {s.label} is outside the horizon {problem.horizon_start.isoformat()} + "
                f"{problem.horizon_days} days."
            )
    return out


def plan_steps_keep_their_order(problem: CheckedProblem, schedule: CheckedSchedule) -> list[str]:
    """Rule 8: each step starts at or after the end of the one before it in its plan's list,
    and within its `after` step's min and max gap."""
    out = []
    for pid, plan in problem.plans.items():
        for i, step in enumerate(plan.steps):
            s = schedule.sessions.get((pid, step.id))
            if s is None:
                continue
            before = schedule.sessions.get((pid, plan.steps[i - 1].id)) if i > 0 else None
            if before is not None and s.start < before.end:
                out.append(
                    f"Rule 8: {s.label} starts before the end of the previous step {before.label}."
                )
            if step.after:
                out.extend(
                    _outside_gap(
                        s, step.after, schedule.sessions.get((pid, step.after.get("step")))
                    )
                )
    return out


def _outside_gap(s: _Session, after: dict, before: _Session | None) -> list[str]:
    if before is None:
        return []
    lo = int(after.get("min_gap_min") or 0)
    hi = after.get("max_gap_min")
    gap = (s.start - before.end) / 60
    out = []
    if gap < lo:
        out.append(
            f"Rule 8: {s.label} starts {gap:g} min after the end of "
            f"{before.label}, less than min_gap_min {lo}."
        )
    if hi is not None and gap > int(hi):
        out.append(
            f"Rule 8: {s.label} starts {gap:g} min after the end of "
            f"{before.label}, more than max_gap_min {hi}."
        )
    return out


def plans_are_scheduled_as_a_prefix(
    problem: CheckedProblem, schedule: CheckedSchedule
) -> list[str]:
    """Rule 9: once a step of a plan is unscheduled, every later step is unscheduled too."""
    out = []
    for pid, plan in problem.plans.items():
        first_gap = None
        for step in plan.steps:
            key = (pid, step.id)
            if key in schedule.unscheduled and first_gap is None:
                first_gap = step
            elif key in schedule.scheduled and first_gap is not None:
                out.append(
                    f"Rule 9: plan {pid} step {step.id} is scheduled although the earlier "
                    f"step {first_gap.id} is unscheduled."
                )
    return out


def pinned_assignments_are_kept(problem: CheckedProblem, schedule: CheckedSchedule) -> list[str]:
    """Rule 10: a pinned previous assignment appears unchanged."""
    out = []
    for prev in problem.previous:
        key = (prev.get("plan"), prev.get("step"))
        if not prev.get("pinned") or key not in problem.steps:
            continue
        label = f"{key[0]}/{key[1]}"
        s = schedule.sessions.get(key)
        if s is None:
            out.append(
                f"Rule 10: pinned previous assignment {label} at {prev.get('start')} is not "
                f"kept (step is missing or unscheduled)."
            )
            continue
        diffs = []
        if _ts(_parse_instant(prev["start"], problem.tz)) != s.start:
            diffs.append(f"start {s.raw_start.isoformat()} instead of {prev['start']}")
        if prev.get("room") != s.room:
            diffs.append(f"room {s.room} instead of {prev.get('room')}")
        if prev.get("practitioner") != s.practitioner:
            diffs.append(f"practitioner {s.practitioner} instead of {prev.get('practitioner')}")
        if diffs:
            out.append(f"Rule 10: pinned previous assignment {label} changed: {'; '.join(diffs)}.")
    return out


# Every check, in the order its violations are listed.
CHECKS: tuple[Callable[[CheckedProblem, CheckedSchedule], list[str]], ...] = (
    starts_on_the_slot_grid,
    sessions_last_their_real_duration,
    practitioner_is_qualified,
    room_suits_the_session,
    session_lies_in_open_and_free_time,
    practitioner_holds_one_session_at_a_time,
    room_stays_within_capacity,
    patient_holds_one_session_at_a_time,
    step_falls_on_an_allowed_date,
    plan_steps_keep_their_order,
    plans_are_scheduled_as_a_prefix,
    pinned_assignments_are_kept,
)


# -- objective: one function per term ------------------------------------------------------------


def unscheduled_part(problem: CheckedProblem, schedule: CheckedSchedule) -> int:
    """1000 * (1 + priority) per step not scheduled; a missing step counts as unscheduled, so
    that an incomplete solution never looks cheaper than an honest one."""
    return sum(
        UNSCHEDULED_WEIGHT * (1 + problem.priority_of(key[0]))
        for key in problem.steps
        if key not in schedule.scheduled
    )


def slip_part(problem: CheckedProblem, schedule: CheckedSchedule) -> int:
    """50 per day each scheduled step slipped past its plan's start + day."""
    total = 0
    for key, s in schedule.sessions.items():
        nominal = problem.plans[s.plan].start + timedelta(days=problem.steps[key].day)
        total += SLIP_WEIGHT * max(0, (s.local_date - nominal).days)
    return total


def preferred_part(problem: CheckedProblem, schedule: CheckedSchedule) -> int:
    """5 per session not wholly inside one of its patient's preferred windows (if any)."""
    total = 0
    for s in schedule.sessions.values():
        patient = problem.patients.get(s.patient)
        if patient and patient.preferred:
            inside = s.end_min <= 1440 and any(
                a <= s.start_min and s.end_min <= b for a, b in patient.preferred
            )
            total += 0 if inside else PREFERRED_WEIGHT
    return total


def same_practitioner_part(problem: CheckedProblem, schedule: CheckedSchedule) -> int:
    """10 per step whose practitioner differs from its same_practitioner_as step's."""
    total = 0
    for key, s in schedule.sessions.items():
        other_id = problem.steps[key].same_practitioner_as
        other = schedule.sessions.get((s.plan, other_id)) if other_id else None
        if other is not None and other.practitioner != s.practitioner:
            total += SAME_PRACTITIONER_WEIGHT
    return total


def overtime_part(problem: CheckedProblem, schedule: CheckedSchedule) -> int:
    """Per practitioner and local date, a started quarter hour per 15 minutes of sessions
    (a group occurrence once, a booked one joined not at all) above soft_daily_min."""
    minutes: dict[tuple[str, date], int] = defaultdict(int)
    for key, members in _occurrences(schedule).items():
        if key in problem.booked_groups:  # booked before: its time is not this schedule's
            continue
        s = members[0]
        minutes[(s.practitioner, s.local_date)] += s.therapy.duration
    total = 0
    for (prac, _), worked in minutes.items():
        soft = problem.practitioners[prac].soft_daily_min
        if soft is not None:
            total += math.ceil(max(0, worked - int(soft)) / OVERTIME_BLOCK_MIN)
    return total


def previous_change_part(problem: CheckedProblem, schedule: CheckedSchedule) -> int:
    """Per non-pinned previous assignment still scheduled: 20 if its start moved, else 5 if
    its room or practitioner changed (an unscheduled one is charged as unscheduled only)."""
    total = 0
    for prev in problem.previous:
        s = (
            None
            if prev.get("pinned")
            else schedule.sessions.get((prev.get("plan"), prev.get("step")))
        )
        if s is None:
            continue
        if _ts(_parse_instant(prev["start"], problem.tz)) != s.start:
            total += MOVED_WEIGHT
        elif prev.get("room") != s.room or prev.get("practitioner") != s.practitioner:
            total += REASSIGNED_WEIGHT
    return total


OBJECTIVE_PARTS: dict[str, Callable[[CheckedProblem, CheckedSchedule], int]] = {
    "unscheduled": unscheduled_part,
    "slip": slip_part,
    "preferred": preferred_part,
    "same_practitioner": same_practitioner_part,
    "overtime": overtime_part,
    "previous_change": previous_change_part,
}


def check(problem_doc: dict, solution_doc: dict) -> CheckReport:
    """Check a solution against its problem: every hard rule of FORMAT.md and the objective."""
    try:
        problem = read_problem(problem_doc)
    except (KeyError, TypeError, ValueError) as exc:
        return CheckReport(
            valid=False,
            violations=[f"Problem: cannot read the problem document: {exc!r}."],
            objective=0,
            parts=dict.fromkeys(PART_NAMES, 0),
            claimed_objective_matches=False,
        )
    schedule = read_solution(problem, solution_doc)
    violations = list(schedule.violations)
    for rule in CHECKS:
        violations.extend(rule(problem, schedule))
    parts = {name: part(problem, schedule) for name, part in OBJECTIVE_PARTS.items()}
    total = sum(parts.values())
    notes = problem.notes + schedule.notes
    claimed = solution_doc.get("objective")
    matches = claimed is None or (isinstance(claimed, (int, float)) and claimed == total)
    if not matches:
        notes.append(f"solution claims objective {claimed!r}, recomputed {total}")
    return CheckReport(
        valid=not violations,
        violations=violations,
        objective=total,
        parts=parts,
        claimed_objective=claimed if isinstance(claimed, int) else None,
        claimed_objective_matches=matches,
        notes=notes,
    )


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m scheduling.engine.checker PROBLEM.json SOLUTION.json")
        return 2
    with open(args[0], encoding="utf-8") as f:
        problem = json.load(f)
    with open(args[1], encoding="utf-8") as f:
        solution = json.load(f)
    report = check(problem, solution)
    for v in report.violations:
        print(v)
    for n in report.notes:
        print(f"note: {n}")
    print(report.summary())
    return 0 if report.valid else 1


if __name__ == "__main__":
    sys.exit(main())
