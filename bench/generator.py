"""Deterministic generator of realistic panchakarma-schedule/1 problems for benchmarks and tests."""

# Modelled on the shared samples: the same therapy catalogue, protocol shapes, room kinds,
# practitioner skill sets and shift patterns, scaled by the number of patients and practitioners.

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

FORMAT = "panchakarma-schedule/1"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

THERAPIES = {
    "snehapana": ("snehapana", ["consult"], 30, 30, 0),
    "abhyanga": ("abhyanga", ["therapy", "private"], 60, 0, 15),
    "swedana": ("swedana", ["steam"], 30, 15, 10),
    "virechana": ("virechana", ["private"], 120, 240, 30),
    "vamana": ("vamana", ["private"], 120, 240, 30),
    "basti": ("basti", ["private"], 45, 60, 20),
    "shirodhara": ("shirodhara", ["therapy", "private"], 60, 30, 15),
    "nasya": ("nasya", ["therapy", "consult"], 30, 15, 5),
    "consult": ("consult", ["consult"], 30, 0, 0),
}
YOGA = {"duration_min": 60, "skill": "yoga", "room_types": ["hall"], "group_size": 10}

# (gender, skills, shift) as in the samples; shifts alternate morning and afternoon teams.
PRACTITIONER_TEMPLATES = [
    ("F", ["abhyanga", "swedana", "shirodhara", "nasya"], "am"),
    ("M", ["abhyanga", "swedana", "basti", "nasya"], "pm"),
    ("F", ["snehapana", "consult", "virechana", "vamana"], "am"),
    ("M", ["abhyanga", "swedana", "nasya", "shirodhara"], "pm"),
    ("F", ["abhyanga", "swedana", "basti"], "am"),
    ("M", ["consult", "snehapana", "basti", "virechana"], "pm"),
    ("F", ["abhyanga", "swedana", "basti", "shirodhara"], "am"),
    ("M", ["consult", "snehapana", "vamana", "virechana", "abhyanga"], "pm"),
]
SHIFTS = {"am": ["07:00", "15:00"], "pm": ["11:00", "19:00"]}
PREFERRED = [[["07:00", "11:00"]], [["09:00", "13:00"]], [["14:00", "19:00"]], []]
SPLIT_HOURS = [["07:00", "10:30"], ["16:00", "19:00"]]


def _step(sid, therapy, day, slack=0, after=None, same=None):
    return {
        "id": sid,
        "therapy": therapy,
        "day": day,
        "slack_days": slack,
        "after": after,
        "same_practitioner_as": same,
    }


def _after(step, lo, hi):
    return {"step": step, "min_gap_min": lo, "max_gap_min": hi}


def _oleation_day(d, slack, extra=None):
    """Abhyanga then swedana within 30 min with the same hands, optionally a third therapy."""
    steps = [
        _step(f"d{d}-abhyanga", "abhyanga", d, slack),
        _step(
            f"d{d}-swedana",
            "swedana",
            d,
            slack,
            _after(f"d{d}-abhyanga", 0, 30),
            f"d{d}-abhyanga",
        ),
    ]
    if extra == "basti":
        steps.append(_step(f"d{d}-basti", "basti", d, slack, _after(f"d{d}-swedana", 15, 120)))
    elif extra == "nasya":
        steps.append(_step(f"d{d}-nasya", "nasya", d, slack, _after(f"d{d}-swedana", 0, 60)))
    return steps


def protocol_steps(name: str) -> list[dict]:
    if name == "virechana":
        steps = [_step(f"d{d}-snehapana", "snehapana", d) for d in range(3)]
        steps += _oleation_day(3, 1) + _oleation_day(4, 1)
        return [
            *steps,
            _step("d5-virechana", "virechana", 5, 1),
            _step("d6-consult", "consult", 6, 1),
        ]
    if name == "vamana":
        steps = [_step(f"d{d}-snehapana", "snehapana", d) for d in range(3)]
        return steps + _oleation_day(3, 0) + [_step("d4-vamana", "vamana", 4, 1)]
    if name == "basti":
        return [s for d in range(8) for s in _oleation_day(d, 0, "basti")]
    if name == "nasya":
        return [s for d in range(7) for s in _oleation_day(d, 0, "nasya")]
    if name == "shirodhara":
        return [
            _step(f"d{d}-shirodhara", "shirodhara", d, 1, None, "d0-shirodhara" if d else None)
            for d in range(7)
        ]
    if name == "wellness":
        steps = []
        for d in range(5):
            steps.append(_step(f"d{d}-yoga", "yoga", d))
            steps += _oleation_day(d, 0)
        return steps
    raise ValueError(name)


PROTOCOL_WEIGHTS = {
    "virechana": 35,
    "nasya": 20,
    "basti": 12,
    "shirodhara": 15,
    "vamana": 10,
    "wellness": 20,
}


def _horizon_start(tz: ZoneInfo) -> date:
    """The Monday of the autumn 2027 DST change when the zone has one, else a plain December."""
    day = date(2027, 9, 1)
    prev = datetime(2027, 9, 1, 12, tzinfo=tz).utcoffset()
    while day < date(2027, 12, 31):
        day += timedelta(days=1)
        off = datetime(day.year, day.month, day.day, 12, tzinfo=tz).utcoffset()
        if off != prev:
            change = day - timedelta(days=1)  # the switch happened during the night before noon
            if datetime(day.year, day.month, day.day, 0, tzinfo=tz).utcoffset() != prev:
                change = day
            return change - timedelta(days=change.weekday())
    return date(2026, 12, 7)


def _midnight(d: date, tz: ZoneInfo) -> str:
    return datetime(d.year, d.month, d.day, tzinfo=tz).isoformat()


def _local(d: date, hhmm: str, tz: ZoneInfo) -> str:
    h, m = map(int, hhmm.split(":"))
    return datetime(d.year, d.month, d.day, h, m, tzinfo=tz).isoformat()


def generate_problem(
    *,
    seed: int,
    patients: int,
    practitioners: int,
    days: int,
    timezone: str = "Asia/Kolkata",
    groups: bool = False,
    sick_leave: bool = False,
    booked: float = 0.0,
) -> dict:
    """A problem like the shared samples; the same arguments always give the same document.

    `booked` above 0 makes a busy center: that share of the plans was booked before, so their
    sessions are busy intervals the other plans must fit around."""
    # One random stream, drawn from in a fixed order (closure, staff, patients, plans, busy).
    rng = random.Random(f"panchakarma/{seed}/{patients}/{practitioners}/{days}/{timezone}/{groups}")
    tz = ZoneInfo(timezone)
    start = _horizon_start(tz)
    dates = [start + timedelta(days=i) for i in range(days)]

    center = {d: [["07:00", "19:00"]] for d in WEEKDAYS[:6]}
    center["sun"] = [["07:00", "13:00"]]
    closed = []
    weekday_dates = [d for d in dates[2:-1] if d.weekday() < 6]
    if weekday_dates:
        closed.append(rng.choice(weekday_dates).isoformat())
    therapies = _therapies(groups)
    rooms = _rooms(practitioners, groups)
    staff = [_practitioner(rng, i, groups, dates, tz) for i in range(practitioners)]
    people = [_patient(rng, i) for i in range(patients)]
    closed_days = {(date.fromisoformat(c) - start).days for c in closed}
    plans = _plans(rng, people, _protocols(therapies, staff, groups), days, closed_days, dates)
    problem = {
        "format": FORMAT,
        "timezone": timezone,
        "horizon": {"start": start.isoformat(), "days": days},
        "slot_min": 15,
        "center": {"hours": center, "closed": closed},
        "therapies": therapies,
        "rooms": rooms,
        "practitioners": staff,
        "patients": people,
        "busy": _busy(rng, people, staff, rooms, dates, tz),
        "plans": plans,
        "previous": [],
    }
    if booked > 0:
        _book_earlier_plans(problem, booked)
    if sick_leave:
        _add_sick_leave(problem, rng, tz, dates)
    return problem


def _therapies(groups: bool) -> dict:
    therapies = {}
    for name, (skill, room_types, dur, rest, turnover) in THERAPIES.items():
        therapies[name] = {
            "duration_min": dur,
            "skill": skill,
            "room_types": room_types,
            "patient_rest_after_min": rest,
            "room_turnover_min": turnover,
        }
    if groups:
        therapies["yoga"] = {**YOGA, "patient_rest_after_min": 0, "room_turnover_min": 0}
    return therapies


def _rooms(practitioners: int, groups: bool) -> list[dict]:
    """Rooms scale with the staff; a women-only steam room appears once the center is mid-sized."""
    rooms = []

    def add_rooms(prefix, kind, n, capacity=1, gender=None):
        for _ in range(n):
            rid = f"{prefix}{sum(1 for r in rooms if r['id'].startswith(prefix)) + 1}"
            rooms.append({"id": rid, "type": kind, "capacity": capacity, "gender": gender})

    add_rooms("R", "therapy", max(2, round(practitioners * 0.5)))
    add_rooms("PV", "private", max(1, round(practitioners * 0.2)))
    add_rooms("ST", "steam", 1, capacity=2)
    if practitioners >= 6:
        add_rooms("ST", "steam", 1, gender="F")
    if practitioners >= 16:
        add_rooms("ST", "steam", practitioners // 16, capacity=2)
    add_rooms("C", "consult", max(1, round(practitioners * 0.2)))
    if groups:
        add_rooms("H", "hall", 1, capacity=12)
    return rooms


def _practitioner(
    rng: random.Random, i: int, groups: bool, dates: list[date], tz: ZoneInfo
) -> dict:
    gender, skills, shift = PRACTITIONER_TEMPLATES[i % len(PRACTITIONER_TEMPLATES)]
    skills = list(skills)
    if groups and i % len(PRACTITIONER_TEMPLATES) in (0, 5):
        skills.append("yoga")
    rest_day = WEEKDAYS[(i * 3) % 7]
    hours = {
        wd: [["07:00", "13:00"]] if wd == "sun" else [list(SHIFTS[shift])]
        for wd in WEEKDAYS
        if wd != rest_day
    }
    off = []
    if rng.random() < 0.12 and len(dates) > 2:
        d = rng.choice(dates)
        off.append({"start": _midnight(d, tz), "end": _midnight(d + timedelta(days=1), tz)})
    return {
        "id": f"T{i + 1}",
        "gender": gender,
        "skills": skills,
        "hours": hours,
        "off": off,
        "soft_daily_min": rng.choice([360, 360, 360, 300]),
    }


def _patient(rng: random.Random, i: int) -> dict:
    return {
        "id": f"P{i + 1}",
        "gender": rng.choice("FM"),
        "same_gender_practitioner": rng.random() < 0.2,
        "hours": {wd: [list(w) for w in SPLIT_HOURS] for wd in WEEKDAYS}
        if rng.random() < 0.12
        else None,
        "preferred": rng.choice(PREFERRED),
        "max_daily_sessions": rng.choice([4, 4, 4, 3]),
        "priority": rng.choices([0, 1, 2, 3], weights=[50, 30, 15, 5])[0],
    }


def _protocols(therapies: dict, staff: list[dict], groups: bool) -> list[str]:
    """The protocols the staff can give (wellness only with group therapy)."""
    skills_present = {s for t in staff for s in t["skills"]}
    return [
        p
        for p in PROTOCOL_WEIGHTS
        if (groups or p != "wellness")
        and all(therapies[s["therapy"]]["skill"] in skills_present for s in protocol_steps(p))
    ] or ["shirodhara"]


def _plans(
    rng: random.Random,
    people: list[dict],
    protocols: list[str],
    days: int,
    closed_days: set[int],
    dates: list[date],
) -> list[dict]:
    weights = [PROTOCOL_WEIGHTS[p] for p in protocols]

    def fits(first: int, steps: list[dict]) -> bool:
        # Like the samples: every step's slack window ends inside the horizon and no step is
        # pinned by zero slack onto the closed day.
        for st in steps:
            window = range(first + st["day"], first + st["day"] + st["slack_days"] + 1)
            if window[-1] >= days or all(d in closed_days for d in window):
                return False
        return True

    plans = []
    for i, person in enumerate(people):
        name = rng.choices(protocols, weights=weights)[0]
        steps = protocol_steps(name)
        firsts = [d for d in range(days) if fits(d, steps)] or [0]
        plans.append(
            {
                "id": f"CP{i + 1}",
                "patient": person["id"],
                "protocol": name,
                "start": dates[rng.choice(firsts)].isoformat(),
                "steps": steps,
            }
        )
    return plans


def _busy(
    rng: random.Random,
    people: list[dict],
    staff: list[dict],
    rooms: list[dict],
    dates: list[date],
    tz: ZoneInfo,
) -> list[dict]:
    """Commitments already made: some patients' mornings, a few staff hours, a room's afternoon."""
    busy = []
    for person in people:
        if rng.random() < 0.15:
            d = rng.choice(dates)
            busy.append(
                {
                    "resource": person["id"],
                    "start": _local(d, "09:00", tz),
                    "end": _local(d, "12:00", tz),
                }
            )
    for t in rng.sample(staff, k=min(len(staff), max(1, len(staff) // 5))):
        d = rng.choice(dates)
        busy.append(
            {"resource": t["id"], "start": _local(d, "13:00", tz), "end": _local(d, "14:00", tz)}
        )
    room = rng.choice([r for r in rooms if r["type"] == "therapy"])
    d = rng.choice(dates)
    busy.append(
        {"resource": room["id"], "start": _local(d, "14:00", tz), "end": _local(d, "16:00", tz)}
    )
    return busy


def _book_earlier_plans(problem: dict, share: float) -> None:
    """The first `share` of the plans were booked before (by first fit): their sessions become
    busy intervals of their practitioners and rooms (one place of a room with several), and
    those plans and their patients leave the problem."""
    from bench.first_fit import first_fit  # late import: first fit needs no generator

    booked = round(share * len(problem["plans"]))
    earlier = {**problem, "plans": problem["plans"][:booked]}
    therapies = problem["therapies"]
    capacity = {r["id"]: r.get("capacity", 1) for r in problem["rooms"]}
    steps = {(p["id"], s["id"]): s for p in earlier["plans"] for s in p["steps"]}
    for a in first_fit(earlier)["assignments"]:
        therapy = therapies[steps[(a["plan"], a["step"])]["therapy"]]
        start = datetime.fromisoformat(a["start"])
        end = start + timedelta(minutes=therapy["duration_min"])
        room_end = end + timedelta(minutes=therapy["room_turnover_min"])
        problem["busy"].append(
            {"resource": a["practitioner"], "start": a["start"], "end": end.isoformat()}
        )
        room = {"resource": a["room"], "start": a["start"], "end": room_end.isoformat()}
        if capacity[a["room"]] > 1:
            room["places"] = 1
        problem["busy"].append(room)
    gone = {p["patient"] for p in problem["plans"][:booked]}
    problem["plans"] = problem["plans"][booked:]
    problem["patients"] = [p for p in problem["patients"] if p["id"] not in gone]
    problem["busy"] = [b for b in problem["busy"] if b["resource"] not in gone]


def _add_sick_leave(problem: dict, rng: random.Random, tz: ZoneInfo, dates: list[date]) -> None:
    """Turn the problem into a re-plan: yesterday's schedule, its past pinned, a colleague ill."""
    from bench.first_fit import first_fit  # late import: first fit needs no generator

    previous = first_fit(problem)["assignments"]
    days = len(dates)
    cutoff = max(1, days // 4)  # sessions before this date already happened or are promised
    leave_days = min(3, max(1, days - cutoff - 1))
    leave_from = dates[min(cutoff + 1, days - 1)]
    leave_to = leave_from + timedelta(days=leave_days)
    load: dict[str, int] = {}
    for a in previous:
        day = datetime.fromisoformat(a["start"]).astimezone(tz).date()
        if leave_from <= day < leave_to:
            load[a["practitioner"]] = load.get(a["practitioner"], 0) + 1
    ids = [t["id"] for t in problem["practitioners"]]
    ill = max(ids, key=lambda i: (load.get(i, 0), -ids.index(i))) if load else rng.choice(ids)
    for t in problem["practitioners"]:
        if t["id"] == ill:
            t["off"] = [
                *t["off"],
                {"start": _midnight(leave_from, tz), "end": _midnight(leave_to, tz)},
            ]
    limit = datetime(
        dates[cutoff].year, dates[cutoff].month, dates[cutoff].day, tzinfo=tz
    ).astimezone(UTC)
    for a in previous:
        if datetime.fromisoformat(a["start"]) < limit:
            a["pinned"] = True
    problem["previous"] = previous
