"""Independent checker of panchakarma-schedule/1 solutions: hard rules and recomputed objective."""

# Deliberately self-contained (stdlib only, no other scheduling.engine import): it re-reads the
# JSON documents and re-applies FORMAT.md's defaults itself so that a bug in the solver's model
# cannot hide behind the same bug here.

from __future__ import annotations

import json
import math
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

FORMAT = "panchakarma-schedule/1"

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


def _windows(raw) -> list[tuple[int, int]]:
    return [(_minutes(a), _minutes(b)) for a, b in (raw or [])]


def _weekly(raw) -> dict[str, list[tuple[int, int]]] | None:
    if raw is None:
        return None
    return {day: _windows(raw.get(day)) for day in WEEKDAYS}


def _parse_instant(text, tz: ZoneInfo) -> datetime:
    dt = datetime.fromisoformat(str(text))
    if dt.tzinfo is None:
        # FORMAT.md requires an offset; a naive instant in the problem is read as local wall time
        # (solutions get no such leniency, see _check_assignment).
        dt = dt.replace(tzinfo=tz)
    return dt


def _ts(dt: datetime) -> int:
    """Seconds since the epoch: comparisons between instants never depend on offsets."""
    return int(dt.timestamp())


def _hm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


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
class _Session:
    plan: str
    step: str
    index: int
    therapy: _Therapy
    patient: str
    room: str
    practitioner: str
    start: int
    end: int
    local_date: date
    start_min: int
    end_min: int  # may be 1440 when the session ends exactly at local midnight
    raw_start: datetime

    @property
    def label(self) -> str:
        return (
            f"{self.plan}/{self.step} ({self.patient}, {self.therapy.id}) on "
            f"{self.local_date.isoformat()} {WEEKDAYS[self.local_date.weekday()].title()} "
            f"{_hm(self.start_min)}-{_hm(self.end_min)}"
        )


class _Checker:
    def __init__(self, problem: dict, solution: dict):
        self.problem = problem
        self.solution = solution
        self.violations: list[str] = []
        self.notes: list[str] = []
        self.parts = dict.fromkeys(PART_NAMES, 0)

    # -- problem --------------------------------------------------------------------------------

    def load_problem(self) -> None:
        p = self.problem
        if p.get("format", FORMAT) != FORMAT:
            self.notes.append(f"problem format is {p.get('format')!r}, expected {FORMAT!r}")
        self.tzname = p["timezone"]
        self.tz = ZoneInfo(self.tzname)
        self.slot = int(p.get("slot_min", 15))
        self.h_start = date.fromisoformat(p["horizon"]["start"])
        self.h_days = int(p["horizon"]["days"])
        self.h_end = self.h_start + timedelta(days=self.h_days)  # exclusive
        center = p.get("center") or {}
        self.center_hours = _weekly(center.get("hours") or {})
        self.closed = {date.fromisoformat(d) for d in center.get("closed") or []}

        self.therapies: dict[str, _Therapy] = {}
        for tid, t in (p.get("therapies") or {}).items():
            self.therapies[tid] = _Therapy(
                id=tid,
                duration=int(t["duration_min"]),
                skill=t.get("skill", tid),
                room_types=list(t.get("room_types") or []),
                rest=int(t.get("patient_rest_after_min") or 0),
                turnover=int(t.get("room_turnover_min") or 0),
                group_size=int(t.get("group_size") or 1),
            )
        self.rooms = {}
        for r in p.get("rooms") or []:
            self.rooms[r["id"]] = {
                "type": r.get("type"),
                "capacity": int(r.get("capacity") or 1),
                "gender": r.get("gender"),
            }
        self.practitioners = {}
        for t in p.get("practitioners") or []:
            self.practitioners[t["id"]] = {
                "gender": t.get("gender"),
                "skills": set(t.get("skills") or []),
                "hours": _weekly(t.get("hours") or {}),
                "off": [
                    (
                        _ts(_parse_instant(o["start"], self.tz)),
                        _ts(_parse_instant(o["end"], self.tz)),
                    )
                    for o in t.get("off") or []
                ],
                "soft": t.get("soft_daily_min"),
            }
        self.patients = {}
        for q in p.get("patients") or []:
            mds = q.get("max_daily_sessions")
            self.patients[q["id"]] = {
                "gender": q.get("gender"),
                "same_gender": bool(q.get("same_gender_practitioner") or False),
                "hours": _weekly(q.get("hours")),
                "preferred": _windows(q.get("preferred")),
                "max_daily": None if mds is None else int(mds),
                "priority": int(q.get("priority") or 0),
            }
        self.busy: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for b in p.get("busy") or []:
            self.busy[b["resource"]].append(
                (_ts(_parse_instant(b["start"], self.tz)), _ts(_parse_instant(b["end"], self.tz)))
            )
            if not (
                b["resource"] in self.rooms
                or b["resource"] in self.practitioners
                or b["resource"] in self.patients
            ):
                self.notes.append(f"busy interval names unknown resource {b['resource']!r}")

        self.plans: dict[str, dict] = {}
        self.steps: dict[tuple[str, str], _Step] = {}
        for plan in p.get("plans") or []:
            pid = plan["id"]
            steps = []
            for i, s in enumerate(plan.get("steps") or []):
                st = _Step(
                    plan=pid,
                    id=s["id"],
                    index=i,
                    therapy=s["therapy"],
                    day=int(s.get("day") or 0),
                    slack=int(s.get("slack_days") or 0),
                    after=s.get("after"),
                    same_practitioner_as=s.get("same_practitioner_as"),
                )
                steps.append(st)
                self.steps[(pid, st.id)] = st
            self.plans[pid] = {
                "patient": plan["patient"],
                "start": date.fromisoformat(plan["start"]),
                "steps": steps,
            }
            if plan["patient"] not in self.patients:
                self.notes.append(f"plan {pid} names unknown patient {plan['patient']!r}")
        self.previous = list(p.get("previous") or [])

    def priority_of(self, plan_id: str) -> int:
        patient = self.patients.get(self.plans[plan_id]["patient"])
        return patient["priority"] if patient else 0

    # -- solution -------------------------------------------------------------------------------

    def _check_assignment(self, a: dict, n: int) -> _Session | None:
        where = f"assignment #{n}"
        try:
            plan_id, step_id = a["plan"], a["step"]
            where = f"assignment {plan_id}/{step_id}"
            room_id, prac_id, start_text = a["room"], a["practitioner"], a["start"]
        except (KeyError, TypeError):
            self.violations.append(
                f"Format: {where} lacks one of plan, step, start, room, practitioner."
            )
            return None
        step = self.steps.get((plan_id, step_id))
        if plan_id not in self.plans:
            self.violations.append(f"Completeness: {where} names unknown plan {plan_id!r}.")
            return None
        if step is None:
            self.violations.append(f"Completeness: {where} names unknown step {step_id!r}.")
            return None
        ok = True
        if room_id not in self.rooms:
            self.violations.append(f"Completeness: {where} names unknown room {room_id!r}.")
            ok = False
        if prac_id not in self.practitioners:
            self.violations.append(f"Completeness: {where} names unknown practitioner {prac_id!r}.")
            ok = False
        therapy = self.therapies.get(step.therapy)
        if therapy is None:
            self.notes.append(f"step {plan_id}/{step_id} names unknown therapy {step.therapy!r}")
            ok = False
        try:
            start = datetime.fromisoformat(str(start_text))
        except ValueError:
            self.violations.append(f"Format: {where} has unparseable start {start_text!r}.")
            return None
        if start.tzinfo is None:
            self.violations.append(
                f"Format: {where} start {start_text!r} has no UTC offset (FORMAT.md requires one)."
            )
            return None
        if not ok:
            return None
        local = start.astimezone(self.tz)
        # Real elapsed time: add the duration to the instant, then look at the wall clock.
        end = start + timedelta(minutes=therapy.duration)
        local_end = end.astimezone(self.tz)
        start_min = local.hour * 60 + local.minute
        if local_end.date() == local.date():
            end_min = local_end.hour * 60 + local_end.minute
        elif local_end.date() == local.date() + timedelta(days=1) and (
            local_end.hour,
            local_end.minute,
            local_end.second,
        ) == (0, 0, 0):
            end_min = 1440
        else:
            end_min = -1
        session = _Session(
            plan=plan_id,
            step=step_id,
            index=step.index,
            therapy=therapy,
            patient=self.plans[plan_id]["patient"],
            room=room_id,
            practitioner=prac_id,
            start=_ts(start),
            end=_ts(end),
            local_date=local.date(),
            start_min=start_min,
            end_min=end_min,
            raw_start=start,
        )
        if local.second or local.microsecond or start_min % self.slot:
            self.violations.append(
                f"Grid: {session.label} starts at local {local.time().isoformat()}, "
                f"not on the {self.slot}-minute slot grid."
            )
        if end_min < 0:
            self.violations.append(
                f"Rule 3: {session.label.split(' on ')[0]} starting {local.isoformat()} ends "
                f"{local_end.isoformat()}, crossing local midnight."
            )
            session.end_min = 1440 + local_end.hour * 60 + local_end.minute
        if "end" in a:
            try:
                claimed_end = _ts(datetime.fromisoformat(str(a["end"])))
            except ValueError:
                claimed_end = None
            if claimed_end != session.end:
                self.violations.append(
                    f"Duration: {session.label} claims end {a['end']!r}, but "
                    f"{therapy.duration} min of real time after its start ends at "
                    f"{local_end.isoformat()}."
                )
        return session

    def load_solution(self) -> None:
        s = self.solution
        if s.get("format", FORMAT) != FORMAT:
            self.violations.append(
                f"Format: solution format is {s.get('format')!r}, expected {FORMAT!r}."
            )
        self.sessions: dict[tuple[str, str], _Session] = {}
        self.scheduled: set[tuple[str, str]] = set()
        self.unscheduled: set[tuple[str, str]] = set()
        seen: dict[tuple[str, str], str] = {}
        for n, a in enumerate(s.get("assignments") or []):
            session = self._check_assignment(a, n)
            key = (a.get("plan"), a.get("step")) if isinstance(a, dict) else None
            if key is not None and key in self.steps:
                if key in seen:
                    self.violations.append(
                        f"Completeness: step {key[0]}/{key[1]} appears more than once "
                        f"(again as an assignment)."
                    )
                    continue
                seen[key] = "assignment"
                self.scheduled.add(key)
            if session is not None:
                self.sessions[(session.plan, session.step)] = session
        for n, u in enumerate(s.get("unscheduled") or []):
            if not isinstance(u, dict) or "plan" not in u or "step" not in u:
                self.violations.append(f"Format: unscheduled entry #{n} lacks plan or step.")
                continue
            key = (u["plan"], u["step"])
            label = f"{key[0]}/{key[1]}"
            if key[0] not in self.plans:
                self.violations.append(
                    f"Completeness: unscheduled entry names unknown plan {key[0]!r}."
                )
                continue
            if key not in self.steps:
                self.violations.append(
                    f"Completeness: unscheduled entry names unknown step {label!r}."
                )
                continue
            if key in seen:
                self.violations.append(
                    f"Completeness: step {label} appears more than once "
                    f"(as {seen[key]} and as unscheduled)."
                )
                continue
            seen[key] = "unscheduled"
            self.unscheduled.add(key)
            reasons = u.get("reasons")
            if not reasons:
                self.violations.append(f"Reasons: unscheduled step {label} carries no reason.")
            for r in reasons or []:
                code = r.get("code") if isinstance(r, dict) else None
                if code not in REASON_CODES:
                    self.violations.append(
                        f"Reasons: unscheduled step {label} has unknown reason code {code!r}."
                    )
        for key in self.steps:
            if key not in seen:
                self.violations.append(
                    f"Completeness: step {key[0]}/{key[1]} appears neither in assignments "
                    f"nor in unscheduled."
                )

    # -- hard rules -----------------------------------------------------------------------------

    def _inside(self, weekly, s: _Session) -> bool:
        if s.end_min > 1440:
            return False
        windows = weekly.get(WEEKDAYS[s.local_date.weekday()]) or []
        return any(a <= s.start_min and s.end_min <= b for a, b in windows)

    def check_session_rules(self) -> None:
        for s in self.sessions.values():
            t = s.therapy
            prac = self.practitioners[s.practitioner]
            room = self.rooms[s.room]
            patient = self.patients.get(s.patient)
            # Rule 1
            if t.skill not in prac["skills"]:
                self.violations.append(
                    f"Rule 1: practitioner {s.practitioner} lacks skill {t.skill!r} for {s.label}."
                )
            if patient and patient["same_gender"] and prac["gender"] != patient["gender"]:
                self.violations.append(
                    f"Rule 1: patient {s.patient} requires a same-gender practitioner but "
                    f"{s.practitioner} ({prac['gender']}) holds {s.label}."
                )
            # Rule 2
            if room["type"] not in t.room_types:
                self.violations.append(
                    f"Rule 2: room {s.room} of type {room['type']!r} is not among "
                    f"{t.room_types} for {s.label}."
                )
            if room["gender"] is not None and patient and room["gender"] != patient["gender"]:
                self.violations.append(
                    f"Rule 2: room {s.room} admits only {room['gender']} patients, but "
                    f"{s.patient} ({patient['gender']}) has {s.label}."
                )
            # Rule 3
            if s.local_date in self.closed:
                self.violations.append(f"Rule 3: the center is closed on the date of {s.label}.")
            if not self._inside(self.center_hours, s):
                self.violations.append(f"Rule 3: {s.label} is outside the center's hours.")
            if not self._inside(prac["hours"], s):
                self.violations.append(
                    f"Rule 3: {s.label} is outside practitioner {s.practitioner}'s shifts."
                )
            if patient and patient["hours"] is not None and not self._inside(patient["hours"], s):
                self.violations.append(
                    f"Rule 3: {s.label} is outside patient {s.patient}'s available hours."
                )
            for a, b in prac["off"]:
                if s.start < b and a < s.end:
                    self.violations.append(
                        f"Rule 3: {s.label} overlaps leave of practitioner {s.practitioner} "
                        f"({self._span(a, b)})."
                    )
            for res, kind in (
                (s.practitioner, "practitioner"),
                (s.room, "room"),
                (s.patient, "patient"),
            ):
                for a, b in self.busy.get(res, ()):
                    if s.start < b and a < s.end:
                        self.violations.append(
                            f"Rule 3: {s.label} overlaps a busy interval of {kind} {res} "
                            f"({self._span(a, b)})."
                        )
            # Rule 7
            plan = self.plans[s.plan]
            step = self.steps[(s.plan, s.step)]
            earliest = plan["start"] + timedelta(days=step.day)
            k = (s.local_date - earliest).days
            if k < 0 or k > step.slack:
                self.violations.append(
                    f"Rule 7: {s.label} falls {k} day(s) after its nominal date "
                    f"{earliest.isoformat()}, allowed 0..{step.slack}."
                )
            if not self.h_start <= s.local_date < self.h_end:
                self.violations.append(
                    f"Rule 7: {s.label} is outside the horizon {self.h_start.isoformat()} + "
                    f"{self.h_days} days."
                )

    def _span(self, a: int, b: int) -> str:
        la = datetime.fromtimestamp(a, self.tz)
        lb = datetime.fromtimestamp(b, self.tz)
        return f"{la.strftime('%Y-%m-%d %H:%M')}-{lb.strftime('%Y-%m-%d %H:%M')} {self.tzname}"

    def _occurrences(self) -> dict[tuple, list[_Session]]:
        occ: dict[tuple, list[_Session]] = defaultdict(list)
        for s in self.sessions.values():
            if s.therapy.group_size > 1:
                key = (s.therapy.id, s.room, s.practitioner, s.start)
            else:
                key = ("single", s.plan, s.step)
            occ[key].append(s)
        return occ

    def check_practitioners(self) -> None:
        occ = self._occurrences()
        per_prac: dict[str, list[list[_Session]]] = defaultdict(list)
        for members in occ.values():
            first = members[0]
            if len(members) > first.therapy.group_size:
                self.violations.append(
                    f"Rule 4: group occurrence of {first.therapy.id} in {first.room} with "
                    f"{first.practitioner} at {first.local_date} {_hm(first.start_min)} has "
                    f"{len(members)} patients, above group_size {first.therapy.group_size}."
                )
            per_prac[first.practitioner].append(members)
        for prac, items in per_prac.items():
            items.sort(key=lambda m: (m[0].start, m[0].end))
            active: list[list[_Session]] = []
            for m in items:
                s = m[0]
                active = [x for x in active if x[0].end > s.start]
                for x in active:
                    self.violations.append(
                        f"Rule 4: practitioner {prac} holds two sessions at once: "
                        f"{x[0].label} and {s.label}."
                    )
                active.append(m)

    def check_rooms(self) -> None:
        per_room: dict[str, list[tuple[int, int, int, str, bool]]] = defaultdict(list)
        for s in self.sessions.values():
            per_room[s.room].append((s.start, s.end + s.therapy.turnover * 60, 1, s.label, True))
        for room_id, room in self.rooms.items():
            for a, b in self.busy.get(room_id, ()):
                per_room[room_id].append(
                    (a, b, room["capacity"], f"busy {self._span(a, b)}", False)
                )
        for room_id, items in per_room.items():
            if room_id not in self.rooms:
                continue
            cap = self.rooms[room_id]["capacity"]
            events = []
            for i, (a, b, *_rest) in enumerate(items):
                if b > a:
                    events.append((a, 1, i))
                    events.append((b, 0, i))  # ends sort before starts at the same instant
            events.sort()
            active: set[int] = set()
            load = 0
            reported = False
            for _, kind, i in events:
                if kind == 0:
                    active.discard(i)
                    load -= items[i][2]
                    if load <= cap:
                        reported = False
                    continue
                active.add(i)
                load += items[i][2]
                # Busy intervals overlapping each other are the problem's business, not the
                # solution's: only an over-full room with a session in it is a violation.
                if load > cap and not reported and any(items[j][4] for j in active):
                    reported = True
                    who = "; ".join(items[j][3] for j in sorted(active))
                    self.violations.append(
                        f"Rule 5: room {room_id} (capacity {cap}) holds {load} at once, "
                        f"counting turnover: {who}."
                    )

    def check_patients(self) -> None:
        per_patient: dict[str, list[_Session]] = defaultdict(list)
        for s in self.sessions.values():
            per_patient[s.patient].append(s)
        for pid, items in per_patient.items():
            items.sort(key=lambda s: (s.start, s.end))
            active: list[_Session] = []
            for s in items:
                active = [x for x in active if x.end + x.therapy.rest * 60 > s.start]
                for x in active:
                    self.violations.append(
                        f"Rule 6: patient {pid} has {s.label} before the end of {x.label} "
                        f"plus {x.therapy.rest} min rest."
                    )
                active.append(s)
            limit = (self.patients.get(pid) or {}).get("max_daily")
            if limit is not None:
                per_day: dict[date, int] = defaultdict(int)
                for s in items:
                    per_day[s.local_date] += 1
                for d, n in sorted(per_day.items()):
                    if n > limit:
                        self.violations.append(
                            f"Rule 6: patient {pid} has {n} sessions on {d.isoformat()}, above "
                            f"max_daily_sessions {limit}."
                        )

    def check_plans(self) -> None:
        for pid, plan in self.plans.items():
            steps = plan["steps"]
            first_gap = None
            for st in steps:
                key = (pid, st.id)
                if key in self.unscheduled and first_gap is None:
                    first_gap = st
                elif key in self.scheduled and first_gap is not None:
                    self.violations.append(
                        f"Rule 9: plan {pid} step {st.id} is scheduled although the earlier "
                        f"step {first_gap.id} is unscheduled."
                    )
            for i, st in enumerate(steps):
                s = self.sessions.get((pid, st.id))
                if s is None:
                    continue
                if i > 0:
                    prev = self.sessions.get((pid, steps[i - 1].id))
                    if prev is not None and s.start < prev.end:
                        self.violations.append(
                            f"Rule 8: {s.label} starts before the end of the previous step "
                            f"{prev.label}."
                        )
                if st.after:
                    ref = st.after.get("step")
                    if (pid, ref) not in self.steps or self.steps[(pid, ref)].index >= st.index:
                        self.notes.append(
                            f"step {pid}/{st.id} has after={ref!r}, not an earlier step of the plan"
                        )
                    before = self.sessions.get((pid, ref))
                    if before is None:
                        continue
                    lo = int(st.after.get("min_gap_min") or 0)
                    hi = st.after.get("max_gap_min")
                    gap = (s.start - before.end) / 60
                    if gap < lo:
                        self.violations.append(
                            f"Rule 8: {s.label} starts {gap:g} min after the end of "
                            f"{before.label}, less than min_gap_min {lo}."
                        )
                    if hi is not None and gap > int(hi):
                        self.violations.append(
                            f"Rule 8: {s.label} starts {gap:g} min after the end of "
                            f"{before.label}, more than max_gap_min {hi}."
                        )

    def check_pinned(self) -> None:
        for prev in self.previous:
            if not prev.get("pinned"):
                continue
            key = (prev.get("plan"), prev.get("step"))
            label = f"{key[0]}/{key[1]}"
            if key not in self.steps:
                self.notes.append(f"pinned previous assignment {label} names no step of a plan")
                continue
            s = self.sessions.get(key)
            if s is None:
                self.violations.append(
                    f"Rule 10: pinned previous assignment {label} at {prev.get('start')} is not "
                    f"kept (step is missing or unscheduled)."
                )
                continue
            want = _ts(_parse_instant(prev["start"], self.tz))
            diffs = []
            if want != s.start:
                diffs.append(f"start {s.raw_start.isoformat()} instead of {prev['start']}")
            if prev.get("room") != s.room:
                diffs.append(f"room {s.room} instead of {prev.get('room')}")
            if prev.get("practitioner") != s.practitioner:
                diffs.append(f"practitioner {s.practitioner} instead of {prev.get('practitioner')}")
            if diffs:
                self.violations.append(
                    f"Rule 10: pinned previous assignment {label} changed: {'; '.join(diffs)}."
                )

    # -- objective ------------------------------------------------------------------------------

    def objective(self) -> None:
        parts = self.parts
        for key in self.steps:
            if key not in self.scheduled:
                # Missing steps are scored as unscheduled too, so that an incomplete solution
                # never looks cheaper than an honest one.
                parts["unscheduled"] += UNSCHEDULED_WEIGHT * (1 + self.priority_of(key[0]))
        for key, s in self.sessions.items():
            st = self.steps[key]
            nominal = self.plans[s.plan]["start"] + timedelta(days=st.day)
            k = (s.local_date - nominal).days
            if k > 0:
                parts["slip"] += SLIP_WEIGHT * k
            patient = self.patients.get(s.patient)
            if patient and patient["preferred"]:
                inside = s.end_min <= 1440 and any(
                    a <= s.start_min and s.end_min <= b for a, b in patient["preferred"]
                )
                if not inside:
                    parts["preferred"] += PREFERRED_WEIGHT
            if st.same_practitioner_as:
                other = self.sessions.get((s.plan, st.same_practitioner_as))
                if other is not None and other.practitioner != s.practitioner:
                    parts["same_practitioner"] += SAME_PRACTITIONER_WEIGHT
        minutes: dict[tuple[str, date], int] = defaultdict(int)
        for members in self._occurrences().values():
            s = members[0]
            minutes[(s.practitioner, s.local_date)] += s.therapy.duration
        for (prac, _), total in minutes.items():
            soft = self.practitioners[prac]["soft"]
            if soft is not None:
                parts["overtime"] += math.ceil(max(0, total - int(soft)) / OVERTIME_BLOCK_MIN)
        for prev in self.previous:
            if prev.get("pinned"):
                continue
            s = self.sessions.get((prev.get("plan"), prev.get("step")))
            if s is None:
                continue  # unscheduled: already charged as unscheduled, not both
            if _ts(_parse_instant(prev["start"], self.tz)) != s.start:
                parts["previous_change"] += MOVED_WEIGHT
            elif prev.get("room") != s.room or prev.get("practitioner") != s.practitioner:
                parts["previous_change"] += REASSIGNED_WEIGHT

    def run(self) -> CheckReport:
        try:
            self.load_problem()
        except (KeyError, TypeError, ValueError) as exc:
            return CheckReport(
                valid=False,
                violations=[f"Problem: cannot read the problem document: {exc!r}."],
                objective=0,
                parts=dict.fromkeys(PART_NAMES, 0),
                claimed_objective_matches=False,
            )
        self.load_solution()
        self.check_session_rules()
        self.check_practitioners()
        self.check_rooms()
        self.check_patients()
        self.check_plans()
        self.check_pinned()
        self.objective()
        total = sum(self.parts.values())
        claimed = self.solution.get("objective")
        matches = claimed is None or (isinstance(claimed, (int, float)) and claimed == total)
        if not matches:
            self.notes.append(f"solution claims objective {claimed!r}, recomputed {total}")
        return CheckReport(
            valid=not self.violations,
            violations=self.violations,
            objective=total,
            parts=dict(self.parts),
            claimed_objective=claimed if isinstance(claimed, int) else None,
            claimed_objective_matches=matches,
            notes=self.notes,
        )


def check(problem_doc: dict, solution_doc: dict) -> CheckReport:
    """Check a solution against its problem: every hard rule of FORMAT.md and the objective."""
    return _Checker(problem_doc, solution_doc).run()


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
