"""Shared multi-place rooms (FORMAT.md, busy `places` and `group`): a session booked before
takes only its own place, a booked group occurrence can be joined, and the old form of a busy
interval still takes the whole room. The engine, the checker and both reference solvers agree."""

import copy
import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.cpsat import solve_cpsat
from bench.first_fit import first_fit
from bench.generator import generate_problem
from scheduling.engine import problem_from_dict, solution_to_dict, solve
from scheduling.engine.checker import check
from scheduling.engine.jsonio import FormatError, problem_to_dict
from tests.scheduling.engine.helpers_engine import every_day, tiny_problem
from tests.scheduling.engine.test_properties import FAST

NINE, TEN = "2026-12-07T09:00:00+05:30", "2026-12-07T10:00:00+05:30"


def steam_room_problem(busy_entry: dict, fmt: str = "panchakarma-schedule/2") -> dict:
    """One two-place steam room, one day, a patient who can only come 09:00-10:00."""
    doc = tiny_problem(
        format=fmt,
        horizon={"start": "2026-12-07", "days": 1},
        therapies={"swedana": {"duration_min": 60, "skill": "swedana", "room_types": ["steam"]}},
        rooms=[{"id": "ST1", "type": "steam", "capacity": 2, "gender": None}],
        practitioners=[
            {"id": "T1", "gender": "F", "skills": ["swedana"], "hours": every_day("07:00", "19:00")}
        ],
        patients=[{"id": "P1", "gender": "F", "hours": every_day("09:00", "10:00")}],
        busy=[busy_entry],
    )
    doc["plans"][0]["steps"] = [{"id": "s1", "therapy": "swedana", "day": 0}]
    return doc


def group_problem(seats: int, patients: int = 2) -> dict:
    """A yoga class booked 09:00 in the hall with T1 (3 patients in it, `seats` left); T2 is
    away all day, and each patient of the new plans can only come 09:00-10:00."""
    return tiny_problem(
        horizon={"start": "2026-12-07", "days": 1},
        therapies={
            "yoga": {"duration_min": 60, "skill": "yoga", "room_types": ["hall"], "group_size": 4}
        },
        rooms=[{"id": "H1", "type": "hall", "capacity": 6, "gender": None}],
        practitioners=[
            {"id": f"T{n}", "gender": "F", "skills": ["yoga"], "hours": every_day("07:00", "19:00")}
            for n in (1, 2)
        ],
        patients=[
            {"id": f"P{n}", "gender": "F", "hours": every_day("09:00", "10:00")}
            for n in range(1, patients + 1)
        ],
        busy=[
            {
                "resource": "H1",
                "start": NINE,
                "end": TEN,
                "places": 3,
                "group": {"therapy": "yoga", "practitioner": "T1", "seats": seats},
            },
            {
                "resource": "T2",
                "start": "2026-12-07T07:00:00+05:30",
                "end": TEN.replace("10:", "19:"),
            },
        ],
        plans=[
            {
                "id": f"CP{n}",
                "patient": f"P{n}",
                "start": "2026-12-07",
                "steps": [{"id": "s1", "therapy": "yoga", "day": 0}],
            }
            for n in range(1, patients + 1)
        ],
    )


def engine(problem: dict) -> dict:
    return solution_to_dict(solve(problem_from_dict(problem), time_limit=0.3))


def cpsat(problem: dict) -> dict:
    result = solve_cpsat(problem, time_limit=10)
    # The model's own objective is the checker's: busy places and joined groups are modelled.
    assert result.model_objective == result.objective
    return result.solution


SOLVERS = {"engine": engine, "first fit": first_fit, "cp-sat": cpsat}


@pytest.mark.parametrize("solver", SOLVERS.values(), ids=SOLVERS.keys())
def test_a_session_booked_in_one_place_leaves_the_other_place_of_the_steam_room(solver):
    problem = steam_room_problem({"resource": "ST1", "start": NINE, "end": TEN, "places": 1})
    solution = solver(problem)
    assert [(a["start"], a["room"]) for a in solution["assignments"]] == [(NINE, "ST1")]
    assert check(problem, solution).valid


@pytest.mark.parametrize("solver", SOLVERS.values(), ids=SOLVERS.keys())
def test_the_old_form_of_a_busy_interval_still_takes_the_whole_room(solver):
    problem = steam_room_problem(
        {"resource": "ST1", "start": NINE, "end": TEN}, fmt="panchakarma-schedule/1"
    )
    solution = solver(problem)
    assert solution["assignments"] == []
    assert [u["step"] for u in solution["unscheduled"]] == ["s1"]
    # ... and a session put there anyway is refused by the checker.
    forced = {
        **solution,
        "assignments": [
            {"plan": "CP1", "step": "s1", "start": NINE, "room": "ST1", "practitioner": "T1"}
        ],
        "unscheduled": [],
    }
    assert any("busy interval of room ST1" in v for v in check(problem, forced).violations)


@pytest.mark.parametrize("solver", SOLVERS.values(), ids=SOLVERS.keys())
def test_a_later_plan_joins_a_booked_group_while_it_has_seats(solver):
    problem = group_problem(seats=1)
    solution = solver(problem)
    # One seat: one of the two new patients joins T1's class, the other cannot come at all.
    assert [(a["start"], a["room"], a["practitioner"]) for a in solution["assignments"]] == [
        (NINE, "H1", "T1")
    ]
    assert len(solution["unscheduled"]) == 1
    assert check(problem, solution).valid
    # No overtime or practitioner time is charged for the class booked before.
    assert check(problem, solution).parts["overtime"] == 0


def test_the_checker_counts_joiners_against_the_seats_and_places_against_the_room():
    problem = group_problem(seats=1)
    both_join = {
        "format": "panchakarma-schedule/2",
        "assignments": [
            {"plan": f"CP{n}", "step": "s1", "start": NINE, "room": "H1", "practitioner": "T1"}
            for n in (1, 2)
        ],
        "unscheduled": [],
    }
    violations = check(problem, both_join).violations
    assert any(
        "join the booked group occurrence" in v and "1 seat(s) left" in v for v in violations
    )

    crowded = copy.deepcopy(problem)
    crowded["busy"][0]["places"] = 5  # the hall of 6 has one place left, the class two seats
    crowded["busy"][0]["group"]["seats"] = 2
    violations = check(crowded, both_join).violations
    assert any("room H1 (capacity 6) holds 7 at once" in v for v in violations)


def test_the_checker_refuses_a_booked_groups_practitioner_for_another_session():
    problem = group_problem(seats=1, patients=1)
    problem["rooms"].append({"id": "H2", "type": "hall", "capacity": 6, "gender": None})
    elsewhere = {
        "assignments": [
            {"plan": "CP1", "step": "s1", "start": NINE, "room": "H2", "practitioner": "T1"}
        ],
        "unscheduled": [],
    }
    violations = check(problem, elsewhere).violations
    assert any("booked group yoga in H1" in v and "without joining it" in v for v in violations)


def test_places_and_group_survive_a_round_trip_and_an_unknown_format_is_refused():
    problem = group_problem(seats=1)
    again = problem_to_dict(problem_from_dict(problem))
    assert again["busy"][0]["places"] == 3
    assert again["busy"][0]["group"] == {"therapy": "yoga", "practitioner": "T1", "seats": 1}
    assert "places" not in again["busy"][1]
    with pytest.raises(FormatError, match="unknown format"):
        problem_from_dict({**problem, "format": "panchakarma-schedule/9"})
    with pytest.raises(FormatError, match="places must be a whole number"):
        problem_from_dict({**problem, "busy": [{**problem["busy"][0], "places": 0}]})


def with_shared_places(problem: dict, seed: int) -> dict:
    """The generated problem with sessions already booked in its multi-place rooms: one or
    more places taken here and there, and (with group therapy) classes open to joiners."""
    rng = random.Random(seed)
    doc = copy.deepcopy(problem)
    doc["format"] = "panchakarma-schedule/2"
    first = date.fromisoformat(doc["horizon"]["start"])
    zone = ZoneInfo(doc["timezone"])
    shared_rooms = [r for r in doc["rooms"] if r["capacity"] > 1]
    yoga_staff = [t["id"] for t in doc["practitioners"] if "yoga" in t["skills"]]
    for day in range(doc["horizon"]["days"]):
        local = first + timedelta(days=day)
        for room in shared_rooms:
            hour = rng.choice(range(7, 17))
            begin = datetime(local.year, local.month, local.day, hour, tzinfo=zone)
            entry = {
                "resource": room["id"],
                "start": begin.isoformat(),
                "end": (begin + timedelta(minutes=rng.choice([60, 90, 120]))).isoformat(),
                "places": rng.randint(1, room["capacity"] - 1),
            }
            if room["type"] == "hall" and yoga_staff and "yoga" in doc["therapies"]:
                entry["end"] = (begin + timedelta(minutes=60)).isoformat()
                entry["group"] = {
                    "therapy": "yoga",
                    "practitioner": rng.choice(yoga_staff),
                    "seats": rng.randint(0, 4),
                }
            doc["busy"].append(entry)
    return doc


shared_problems = st.builds(
    with_shared_places,
    st.builds(
        generate_problem,
        seed=st.integers(0, 10_000),
        patients=st.integers(1, 6),
        practitioners=st.integers(2, 6),
        days=st.integers(3, 8),
        timezone=st.sampled_from(["Asia/Kolkata", "Europe/London"]),
        groups=st.booleans(),
    ),
    seed=st.integers(0, 1000),
)


@FAST
@given(shared_problems)
def test_with_shared_places_the_engine_is_valid_and_never_worse_than_first_fit(problem):
    solution = engine(problem)
    report = check(problem, solution)
    assert report.valid, report.violations[:5]
    assert report.claimed_objective_matches, (solution.get("objective"), report.objective)
    baseline = check(problem, first_fit(problem))
    assert baseline.valid, baseline.violations[:5]
    assert report.objective <= baseline.objective


@settings(max_examples=20, deadline=None, derandomize=True, phases=FAST.phases)
@given(shared_problems)
def test_with_shared_places_first_fit_is_valid(problem):
    report = check(problem, first_fit(problem))
    assert report.valid, report.violations[:5]
