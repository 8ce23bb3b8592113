"""Generated benchmark problems are well-formed, deterministic and shaped like the samples."""

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bench.generator import generate_problem
from scheduling.engine.checker import REASON_CODES, check

VARIANTS = [
    {"seed": 1, "patients": 8, "practitioners": 6, "days": 14},
    {"seed": 2, "patients": 12, "practitioners": 8, "days": 14, "groups": True},
    {"seed": 3, "patients": 10, "practitioners": 8, "days": 14, "timezone": "Europe/London"},
    {"seed": 4, "patients": 12, "practitioners": 8, "days": 21, "sick_leave": True},
    {"seed": 5, "patients": 2, "practitioners": 2, "days": 3},
    {"seed": 6, "patients": 6, "practitioners": 4, "days": 10, "timezone": "America/New_York"},
]


def all_unscheduled(problem: dict) -> dict:
    return {
        "assignments": [],
        "unscheduled": [
            {"plan": p["id"], "step": s["id"], "reasons": [{"code": "search_limit"}]}
            for p in problem["plans"]
            for s in p["steps"]
        ],
    }


@pytest.mark.parametrize("kwargs", VARIANTS, ids=lambda k: "-".join(map(str, k.values())))
def test_generated_problem_is_well_formed(kwargs):
    problem = generate_problem(**kwargs)
    json.dumps(problem)  # plain JSON all the way down
    assert problem["format"] == "panchakarma-schedule/1"
    assert problem["horizon"]["days"] == kwargs["days"]
    rooms = {r["id"]: r for r in problem["rooms"]}
    pracs = {t["id"] for t in problem["practitioners"]}
    patients = {p["id"] for p in problem["patients"]}
    assert len(rooms) + len(pracs) + len(patients) == len(rooms.keys() | pracs | patients)
    for therapy in problem["therapies"].values():
        assert therapy["duration_min"] % problem["slot_min"] == 0
        assert any(r["type"] in therapy["room_types"] for r in rooms.values())
    for b in problem["busy"]:
        assert b["resource"] in rooms.keys() | pracs | patients
        assert datetime.fromisoformat(b["start"]) < datetime.fromisoformat(b["end"])
    start = date.fromisoformat(problem["horizon"]["start"])
    end = start + timedelta(days=problem["horizon"]["days"])
    for plan in problem["plans"]:
        assert plan["patient"] in patients
        seen, last_day = set(), 0
        for step in plan["steps"]:
            assert step["therapy"] in problem["therapies"]
            assert step["day"] >= last_day
            last_day = step["day"]
            if step["after"]:
                assert step["after"]["step"] in seen
            if step["same_practitioner_as"]:
                assert step["same_practitioner_as"] in seen
            seen.add(step["id"])
        assert len(seen) == len(plan["steps"])
        first = date.fromisoformat(plan["start"])
        assert start <= first < end
    # With the solution that schedules nothing, only completeness can be checked, and it holds.
    report = check(problem, all_unscheduled(problem))
    assert report.valid or kwargs.get("sick_leave"), report.violations


def test_same_arguments_same_problem_and_seeds_differ():
    kwargs = {"seed": 9, "patients": 10, "practitioners": 6, "days": 14, "groups": True}
    assert json.dumps(generate_problem(**kwargs)) == json.dumps(generate_problem(**kwargs))
    other = generate_problem(**{**kwargs, "seed": 10})
    assert json.dumps(other) != json.dumps(generate_problem(**kwargs))


def test_plans_avoid_impossible_days_like_the_samples():
    problem = generate_problem(seed=7, patients=30, practitioners=10, days=14)
    closed = set(problem["center"]["closed"])
    assert len(closed) == 1
    h0 = date.fromisoformat(problem["horizon"]["start"])
    for plan in problem["plans"]:
        first = date.fromisoformat(plan["start"])
        for step in plan["steps"]:
            window = [
                first + timedelta(days=step["day"] + k) for k in range(step["slack_days"] + 1)
            ]
            assert window[-1] < h0 + timedelta(days=14)
            assert not all(d.isoformat() in closed for d in window)


def test_dst_zone_horizon_spans_the_autumn_change():
    problem = generate_problem(
        seed=3, patients=10, practitioners=6, days=14, timezone="Europe/London"
    )
    tz = ZoneInfo("Europe/London")
    h0 = date.fromisoformat(problem["horizon"]["start"])
    offsets = {
        datetime(d.year, d.month, d.day, 12, tzinfo=tz).utcoffset()
        for d in (h0 + timedelta(days=i) for i in range(14))
    }
    assert len(offsets) == 2
    assert problem["horizon"]["start"] == "2027-10-25"


def test_groups_add_yoga_hall_and_teachers():
    problem = generate_problem(seed=2, patients=20, practitioners=8, days=14, groups=True)
    assert problem["therapies"]["yoga"]["group_size"] == 10
    assert any(r["type"] == "hall" and r["capacity"] >= 10 for r in problem["rooms"])
    assert any("yoga" in t["skills"] for t in problem["practitioners"])
    assert any(p.get("protocol") == "wellness" for p in problem["plans"])


def test_sick_leave_adds_previous_pins_and_leave():
    base = generate_problem(seed=4, patients=12, practitioners=8, days=21)
    problem = generate_problem(seed=4, patients=12, practitioners=8, days=21, sick_leave=True)
    assert problem["plans"] == base["plans"]
    previous = problem["previous"]
    pinned = [a for a in previous if a.get("pinned")]
    assert previous and pinned and len(pinned) < len(previous)
    added = [
        o
        for t, b in zip(problem["practitioners"], base["practitioners"], strict=True)
        for o in t["off"]
        if o not in b["off"]
    ]
    assert len(added) == 1
    leave_start = datetime.fromisoformat(added[0]["start"])
    assert all(datetime.fromisoformat(a["start"]) < leave_start for a in pinned)
    # Yesterday's schedule was valid before the leave: checking it against the base is clean.
    solution = {"assignments": [dict(a) for a in previous], "unscheduled": []}
    scheduled = {(a["plan"], a["step"]) for a in previous}
    solution["unscheduled"] = [
        {"plan": p["id"], "step": s["id"], "reasons": [{"code": "search_limit"}]}
        for p in base["plans"]
        for s in p["steps"]
        if (p["id"], s["id"]) not in scheduled
    ]
    assert check(base, solution).valid


def test_reason_codes_known():
    assert "search_limit" in REASON_CODES


def test_a_busy_center_books_half_the_plans_before_and_leaves_the_rest_to_schedule():
    """booked=0.5: the first half of the plans become busy intervals of practitioners and rooms
    (a room of several places loses one), their patients leave, the rest can be scheduled."""
    from bench.first_fit import first_fit

    kwargs = {"seed": 7, "patients": 12, "practitioners": 6, "days": 10}
    whole = generate_problem(**kwargs)
    busy = generate_problem(**kwargs, booked=0.5)
    assert [p["id"] for p in busy["plans"]] == [p["id"] for p in whole["plans"][6:]]
    assert {p["id"] for p in busy["patients"]} == {p["patient"] for p in busy["plans"]}
    practitioners = {t["id"] for t in busy["practitioners"]}
    booked_sessions = len(first_fit({**whole, "plans": whole["plans"][:6]})["assignments"])
    on_practitioners = [b for b in busy["busy"] if b["resource"] in practitioners]
    before = [b for b in whole["busy"] if b["resource"] in practitioners]
    assert len(on_practitioners) == len(before) + booked_sessions
    shared = {r["id"] for r in busy["rooms"] if r["capacity"] > 1}
    assert all(b["places"] == 1 for b in busy["busy"] if b["resource"] in shared)
    report = check(busy, first_fit(busy))
    assert report.valid, report.violations[:3]
    assert len(first_fit(busy)["assignments"]) > 0
