"""Integer view of a panchakarma-schedule/1 or /2 problem shared by the benchmark's baseline and
CP-SAT."""

# Times are whole minutes since the horizon's first local midnight (an instant), so that every
# comparison is in real elapsed time whatever the zone's DST does; local dates and minutes of
# day are derived from instants only when a rule is about wall-clock time.

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def hm(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def weekly(raw) -> dict[str, list[tuple[int, int]]] | None:
    if raw is None:
        return None
    return {d: [(hm(a), hm(b)) for a, b in (raw.get(d) or [])] for d in WEEKDAYS}


def inside(weekly_windows, day: date, m0: int, m1: int) -> bool:
    windows = weekly_windows.get(WEEKDAYS[day.weekday()]) or []
    return any(a <= m0 and m1 <= b for a, b in windows)


@dataclass
class Therapy:
    id: str
    duration: int
    skill: str
    room_types: list[str]
    rest: int
    turnover: int
    group_size: int


@dataclass
class Step:
    index: int  # global index in Instance.steps
    plan: str
    id: str
    pos: int  # position inside its plan
    therapy: Therapy
    patient: str
    day: int
    slack: int
    after: tuple[int, int, int | None] | None  # (global index, min gap, max gap)
    same_as: int | None  # global index of the same_practitioner_as step
    nominal: date = field(default=date.min)


@dataclass
class Candidate:
    t: int  # start, minutes since origin
    day: int  # local date index in the horizon
    m0: int  # local minute of day of the start
    m1: int  # local minute of day of the end (1440 at midnight)


class Instance:
    """Parsed problem with FORMAT.md defaults applied and times as integers."""

    def __init__(self, doc: dict):
        self.doc = doc
        self.tzname = doc["timezone"]
        self.tz = ZoneInfo(self.tzname)
        self.slot = int(doc.get("slot_min", 15))
        self.h_start = date.fromisoformat(doc["horizon"]["start"])
        self.days = int(doc["horizon"]["days"])
        self.dates = [self.h_start + timedelta(days=i) for i in range(self.days)]
        self.origin = datetime.combine(self.h_start, datetime.min.time(), self.tz).astimezone(UTC)
        center = doc.get("center") or {}
        self.center_hours = weekly(center.get("hours") or {})
        self.closed = {date.fromisoformat(d) for d in center.get("closed") or []}
        self.therapies = {
            tid: Therapy(
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
        self.rooms = [
            {
                "id": r["id"],
                "type": r.get("type"),
                "capacity": int(r.get("capacity") or 1),
                "gender": r.get("gender"),
            }
            for r in doc.get("rooms") or []
        ]
        self.room_index = {r["id"]: i for i, r in enumerate(self.rooms)}
        self.pracs = []
        for p in doc.get("practitioners") or []:
            self.pracs.append(
                {
                    "id": p["id"],
                    "gender": p.get("gender"),
                    "skills": set(p.get("skills") or []),
                    "hours": weekly(p.get("hours") or {}),
                    "off": [
                        (self.instant(o["start"]), self.instant(o["end"]))
                        for o in p.get("off") or []
                    ],
                    "soft": p.get("soft_daily_min"),
                }
            )
        self.prac_index = {p["id"]: i for i, p in enumerate(self.pracs)}
        self.patients = {}
        for q in doc.get("patients") or []:
            mds = q.get("max_daily_sessions")
            self.patients[q["id"]] = {
                "gender": q.get("gender"),
                "same_gender": bool(q.get("same_gender_practitioner") or False),
                "hours": weekly(q.get("hours")),
                "preferred": [(hm(a), hm(b)) for a, b in (q.get("preferred") or [])],
                "max_daily": None if mds is None else int(mds),
                "priority": int(q.get("priority") or 0),
            }
        self._read_busy(doc)
        self.plans: list[dict] = []
        self.steps: list[Step] = []
        self.step_index: dict[tuple[str, str], int] = {}
        for plan in doc.get("plans") or []:
            start = date.fromisoformat(plan["start"])
            ids = []
            local_ids: dict[str, int] = {}
            for pos, s in enumerate(plan.get("steps") or []):
                after = s.get("after")
                gi = len(self.steps)
                step = Step(
                    index=gi,
                    plan=plan["id"],
                    id=s["id"],
                    pos=pos,
                    therapy=self.therapies[s["therapy"]],
                    patient=plan["patient"],
                    day=int(s.get("day") or 0),
                    slack=int(s.get("slack_days") or 0),
                    after=None
                    if not after
                    else (
                        local_ids[after["step"]],
                        int(after.get("min_gap_min") or 0),
                        None if after.get("max_gap_min") is None else int(after["max_gap_min"]),
                    ),
                    same_as=local_ids.get(s.get("same_practitioner_as") or ""),
                    nominal=start + timedelta(days=int(s.get("day") or 0)),
                )
                local_ids[step.id] = gi
                self.steps.append(step)
                self.step_index[(plan["id"], step.id)] = gi
                ids.append(gi)
            self.plans.append({"id": plan["id"], "patient": plan["patient"], "steps": ids})
        self.previous: dict[int, dict] = {}
        for a in doc.get("previous") or []:
            gi = self.step_index.get((a["plan"], a["step"]))
            if gi is None:
                continue
            self.previous[gi] = {
                "t": self.instant(a["start"]),
                "room": self.room_index.get(a["room"]),
                "prac": self.prac_index.get(a["practitioner"]),
                "pinned": bool(a.get("pinned")),
            }

    def _read_busy(self, doc: dict) -> None:
        """`busy` taking a resource whole; room intervals taking only `places` of its places
        (room_places); booked group occurrences with seats left (booked_groups, by the
        first fit's occurrence key (therapy, room, practitioner, start) -> seats)."""
        self.busy: dict[str, list[tuple[int, int]]] = {}
        self.room_places: dict[str, list[tuple[int, int, int]]] = {}
        self.booked_groups: dict[tuple[str, int, int, int], int] = {}
        for b in doc.get("busy") or []:
            res = b["resource"]
            a, z = self.instant(b["start"]), self.instant(b["end"])
            r = self.room_index.get(res)
            places = b.get("places")
            shared = r is not None and places is not None and places < self.rooms[r]["capacity"]
            if shared:
                self.room_places.setdefault(res, []).append((a, z, int(places)))
            else:
                self.busy.setdefault(res, []).append((a, z))
            group = b.get("group")
            therapy = self.therapies.get(group["therapy"]) if r is not None and group else None
            if therapy is None:
                continue
            seats = min(int(group.get("seats") or 0), therapy.group_size - 1)
            k = self.prac_index.get(group["practitioner"])
            if shared and seats > 0 and k is not None:
                self.booked_groups[(therapy.id, r, k, a)] = seats
            else:  # nobody can join: its practitioner is simply busy
                self.busy.setdefault(group["practitioner"], []).append((a, a + therapy.duration))

    # -- time ---------------------------------------------------------------------------------

    def instant(self, text: str) -> int:
        dt = datetime.fromisoformat(text)
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=self.tz)
        return int((dt - self.origin).total_seconds() // 60)

    def iso(self, t: int) -> str:
        return (self.origin + timedelta(minutes=t)).astimezone(self.tz).isoformat()

    @cache  # noqa: B019 - one Instance per problem, lives as long as its caches
    def local(self, t: int) -> tuple[int, int]:
        """(local date index relative to the horizon start, local minute of day) of instant t."""
        lt = (self.origin + timedelta(minutes=t)).astimezone(self.tz)
        return (lt.date() - self.h_start).days, lt.hour * 60 + lt.minute

    @cache  # noqa: B019
    def starts_of_day(self, day: int) -> list[tuple[int, int]]:
        """(instant, local minute) of every grid start on a local date, both folds at DST."""
        d = self.dates[day] if 0 <= day < self.days else self.h_start + timedelta(days=day)
        out = []
        for m in range(0, 1440, self.slot):
            seen = set()
            for fold in (0, 1):
                lt = datetime(d.year, d.month, d.day, m // 60, m % 60, tzinfo=self.tz, fold=fold)
                t = int((lt.astimezone(UTC) - self.origin).total_seconds() // 60)
                # Skip wall times that do not exist (spring forward): they do not round-trip.
                if self.local(t) != (day, m) or t in seen:
                    continue
                seen.add(t)
                out.append((t, m))
        out.sort()
        return out

    def end_minute(self, day: int, t_end: int) -> int | None:
        """Local minute of day of an end instant if it is on local date `day` (1440 at midnight)."""
        d_end, m_end = self.local(t_end)
        if d_end == day:
            return m_end
        if d_end == day + 1 and m_end == 0:
            return 1440
        return None

    # -- static feasibility --------------------------------------------------------------------

    def candidates(self, step: Step) -> list[Candidate]:
        """Starts that satisfy the step's own time rules (3 for center/patient, 7), by instant."""
        patient = self.patients.get(step.patient) or {}
        busy = self.busy.get(step.patient, [])
        dur = step.therapy.duration
        out = []
        for k in range(step.slack + 1):
            d = step.nominal + timedelta(days=k)
            day = (d - self.h_start).days
            if not 0 <= day < self.days or d in self.closed:
                continue
            for t, m0 in self.starts_of_day(day):
                m1 = self.end_minute(day, t + dur)
                if m1 is None:  # crosses local midnight
                    continue
                if not inside(self.center_hours, d, m0, m1):
                    continue
                if patient.get("hours") is not None and not inside(patient["hours"], d, m0, m1):
                    continue
                if any(t < b and a < t + dur for a, b in busy):
                    continue
                out.append(Candidate(t, day, m0, m1))
        out.sort(key=lambda c: c.t)
        return out

    def pracs_for(self, step: Step) -> list[int]:
        patient = self.patients.get(step.patient) or {}
        out = []
        for k, p in enumerate(self.pracs):
            if step.therapy.skill not in p["skills"]:
                continue
            if patient.get("same_gender") and p["gender"] != patient.get("gender"):
                continue
            out.append(k)
        return out

    def rooms_for(self, step: Step) -> list[int]:
        patient = self.patients.get(step.patient) or {}
        return [
            r
            for r, room in enumerate(self.rooms)
            if room["type"] in step.therapy.room_types
            and (room["gender"] is None or room["gender"] == patient.get("gender"))
        ]

    def prac_available(self, k: int, step: Step, c: Candidate) -> bool:
        return c.t in self.prac_free_starts(k, step.therapy.duration)

    @cache  # noqa: B019 - many steps ask about the same (practitioner, duration)
    def prac_free_starts(self, k: int, dur: int) -> frozenset[int]:
        """Every grid start in the horizon at which practitioner k could work `dur` minutes."""
        p = self.pracs[k]
        blocked = p["off"] + self.busy.get(p["id"], [])
        free = set()
        for day, d in enumerate(self.dates):
            windows = p["hours"].get(WEEKDAYS[d.weekday()]) or []
            if not windows:
                continue
            for t, m0 in self.starts_of_day(day):
                if not any(a <= m0 < b for a, b in windows):
                    continue
                m1 = self.end_minute(day, t + dur)
                if m1 is None or not any(a <= m0 and m1 <= b for a, b in windows):
                    continue
                if any(t < b and a < t + dur for a, b in blocked):
                    continue
                free.add(t)
        return frozenset(free)

    def preferred_ok(self, step: Step, c: Candidate) -> bool:
        pref = (self.patients.get(step.patient) or {}).get("preferred") or []
        return not pref or any(a <= c.m0 and c.m1 <= b for a, b in pref)

    def priority(self, step: Step) -> int:
        return (self.patients.get(step.patient) or {}).get("priority", 0)
