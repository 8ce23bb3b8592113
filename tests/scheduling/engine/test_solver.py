"""The solver on the shared samples and on tiny problems with a known optimum."""

from __future__ import annotations

import json
import time
from pathlib import Path
from random import Random

import pytest

from bench.generator import generate_problem
from scheduling.engine import problem_from_dict, solution_to_dict, solve
from scheduling.engine.checker import check
from scheduling.engine.evaluation import evaluate
from scheduling.engine.instance import Instance
from scheduling.engine.lns import Search, place_pinned
from scheduling.engine.repair import Repair
from scheduling.engine.solver import _date_runs, build_solution
from scheduling.engine.state import State
from tests.scheduling.engine.helpers_engine import every_day, tiny_problem

SAMPLES = Path(__file__).resolve().parents[4] / "shared" / "scheduling" / "samples"
SAMPLE_NAMES = ["small", "groups", "medium", "sickleave", "dst-london"]


def run(doc: dict, time_limit: float = 1.0) -> tuple[dict, object]:
    sol = solution_to_dict(solve(problem_from_dict(doc), time_limit=time_limit))
    report = check(doc, sol)
    assert report.valid, report.violations[:5]
    assert report.objective == sol["objective"], (report.parts, sol["objective"])
    return sol, report


def by_step(sol: dict) -> dict[tuple[str, str], dict]:
    return {(a["plan"], a["step"]): a for a in sol["assignments"]}


@pytest.mark.skipif(not SAMPLES.exists(), reason="shared samples not available")
@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_samples_solve_to_valid_solutions(name):
    doc = json.loads((SAMPLES / f"{name}.json").read_text())
    sol, _report = run(doc, time_limit=1.5)
    n_steps = sum(len(p["steps"]) for p in doc["plans"])
    assert len(sol["assignments"]) + len(sol["unscheduled"]) == n_steps
    assert all(a["explanation"] for a in sol["assignments"])
    assert all(u["reasons"] and u["reasons"][0]["message"] for u in sol["unscheduled"])
    if name == "sickleave":
        placed = by_step(sol)
        for prev in doc["previous"]:
            if prev.get("pinned"):
                a = placed[(prev["plan"], prev["step"])]
                assert (a["start"], a["room"], a["practitioner"]) == (
                    prev["start"],
                    prev["room"],
                    prev["practitioner"],
                )


def test_two_patients_one_room_one_must_slip():
    doc = tiny_problem(
        center={"hours": every_day("09:00", "10:00"), "closed": []},
        patients=[{"id": "P1", "gender": "F"}, {"id": "P2", "gender": "M"}],
        plans=[
            {
                "id": f"CP{k}",
                "patient": f"P{k}",
                "start": "2026-12-07",
                "steps": [{"id": "s1", "therapy": "abhyanga", "day": 0, "slack_days": 1}],
            }
            for k in (1, 2)
        ],
    )
    sol, report = run(doc)
    assert sol["objective"] == 50
    assert report.parts["slip"] == 50
    slipped = [a for a in sol["assignments"] if a["start"].startswith("2026-12-08")]
    assert len(slipped) == 1
    assert "slipped 1 day" in slipped[0]["explanation"]


def test_dst_london_session_keeps_local_time_across_the_change():
    # UK clocks go back on Sun 31 Oct 2027: 09:00 is +01:00 before and +00:00 after.
    doc = tiny_problem(
        timezone="Europe/London",
        horizon={"start": "2027-10-28", "days": 7},
        center={"hours": every_day("09:00", "10:00"), "closed": []},
        plans=[
            {
                "id": "CP1",
                "patient": "P1",
                "start": "2027-10-29",
                "steps": [
                    {"id": "before", "therapy": "abhyanga", "day": 0},
                    {"id": "after", "therapy": "abhyanga", "day": 3},
                ],
            }
        ],
    )
    sol, _ = run(doc)
    placed = by_step(sol)
    assert placed[("CP1", "before")]["start"] == "2027-10-29T09:00:00+01:00"
    assert placed[("CP1", "after")]["start"] == "2027-11-01T09:00:00+00:00"
    assert sol["objective"] == 0


def test_session_on_the_dst_day_itself():
    doc = tiny_problem(
        timezone="Europe/London",
        horizon={"start": "2027-10-30", "days": 3},
        center={"hours": every_day("00:00", "24:00"), "closed": []},
        practitioners=[
            {
                "id": "T1",
                "gender": "F",
                "skills": ["abhyanga"],
                "hours": every_day("00:00", "24:00"),
            }
        ],
        patients=[{"id": "P1", "gender": "F", "preferred": [["23:00", "24:00"]]}],
        plans=[
            {
                "id": "CP1",
                "patient": "P1",
                "start": "2027-10-31",
                "steps": [{"id": "s1", "therapy": "abhyanga", "day": 0}],
            }
        ],
    )
    sol, _ = run(doc)
    assert sol["assignments"][0]["start"] == "2027-10-31T23:00:00+00:00"
    assert sol["objective"] == 0


def test_closed_date_mid_plan_causes_a_slip():
    doc = tiny_problem(
        center={"hours": every_day("07:00", "19:00"), "closed": ["2026-12-08"]},
        plans=[
            {
                "id": "CP1",
                "patient": "P1",
                "start": "2026-12-07",
                "steps": [
                    {"id": "d0", "therapy": "abhyanga", "day": 0},
                    {"id": "d1", "therapy": "abhyanga", "day": 1, "slack_days": 1},
                    {"id": "d2", "therapy": "abhyanga", "day": 2, "slack_days": 1},
                ],
            }
        ],
    )
    sol, _ = run(doc)
    placed = by_step(sol)
    assert placed[("CP1", "d1")]["start"].startswith("2026-12-09")
    assert sol["objective"] == 50
    assert "closed" in placed[("CP1", "d1")]["explanation"]


def test_unmeetable_same_gender_requirement_is_explained():
    doc = tiny_problem(
        practitioners=[
            {
                "id": "T9",
                "gender": "M",
                "skills": ["abhyanga"],
                "hours": every_day("07:00", "19:00"),
            }
        ],
        patients=[{"id": "P1", "gender": "F", "same_gender_practitioner": True, "priority": 2}],
    )
    sol, report = run(doc)
    assert sol["assignments"] == []
    (u,) = sol["unscheduled"]
    assert u["reasons"][0]["code"] == "gender_constraint"
    assert "female" in u["reasons"][0]["message"]
    assert sol["objective"] == 3000 == report.parts["unscheduled"]


def plan_where_nobody_gives_basti(steps: list[dict]) -> dict:
    """One plan of these steps; its practitioner has abhyanga but not basti."""
    return tiny_problem(
        therapies={
            "abhyanga": {"duration_min": 60, "skill": "abhyanga", "room_types": ["therapy"]},
            "basti": {"duration_min": 45, "skill": "basti", "room_types": ["therapy"]},
        },
        plans=[{"id": "CP1", "patient": "P1", "start": "2026-12-07", "steps": steps}],
    )


def test_later_steps_of_a_stuck_plan_are_unscheduled_too():
    doc = plan_where_nobody_gives_basti(
        [
            {"id": "a", "therapy": "abhyanga", "day": 0},
            {"id": "b", "therapy": "basti", "day": 0},
            {"id": "c", "therapy": "abhyanga", "day": 1},
        ]
    )
    sol, _ = run(doc)
    codes = {u["step"]: u["reasons"][0]["code"] for u in sol["unscheduled"]}
    assert codes == {"b": "no_practitioner_with_skill", "c": "predecessor_unscheduled"}
    assert sol["objective"] == 2000


def test_pinned_previous_is_kept_and_other_previous_preferred():
    doc = tiny_problem(
        patients=[{"id": "P1", "gender": "F"}, {"id": "P2", "gender": "F"}],
        plans=[
            {
                "id": "CP1",
                "patient": "P1",
                "start": "2026-12-07",
                "steps": [{"id": "s1", "therapy": "abhyanga", "day": 0, "slack_days": 1}],
            },
            {
                "id": "CP2",
                "patient": "P2",
                "start": "2026-12-07",
                "steps": [{"id": "s1", "therapy": "abhyanga", "day": 0, "slack_days": 1}],
            },
        ],
        previous=[
            {
                "plan": "CP1",
                "step": "s1",
                "start": "2026-12-07T13:15:00+05:30",
                "room": "R1",
                "practitioner": "T1",
                "pinned": True,
            },
            {
                "plan": "CP2",
                "step": "s1",
                "start": "2026-12-07T16:00:00+05:30",
                "room": "R1",
                "practitioner": "T1",
            },
        ],
    )
    sol, report = run(doc)
    placed = by_step(sol)
    assert placed[("CP1", "s1")]["start"] == "2026-12-07T13:15:00+05:30"
    assert placed[("CP2", "s1")]["start"] == "2026-12-07T16:00:00+05:30"
    assert sol["objective"] == 0
    assert report.parts["previous_change"] == 0


def test_previous_on_leave_moves_with_explanation():
    doc = tiny_problem(
        practitioners=[
            {
                "id": "T1",
                "gender": "F",
                "skills": ["abhyanga"],
                "hours": every_day("07:00", "19:00"),
                "off": [{"start": "2026-12-07T00:00:00+05:30", "end": "2026-12-08T00:00:00+05:30"}],
            },
            {
                "id": "T2",
                "gender": "F",
                "skills": ["abhyanga"],
                "hours": every_day("07:00", "19:00"),
            },
        ],
        previous=[
            {
                "plan": "CP1",
                "step": "s1",
                "start": "2026-12-07T10:00:00+05:30",
                "room": "R1",
                "practitioner": "T1",
            }
        ],
    )
    sol, _ = run(doc)
    (a,) = sol["assignments"]
    assert (a["start"], a["practitioner"]) == ("2026-12-07T10:00:00+05:30", "T2")
    assert sol["objective"] == 5
    assert "T1" in a["explanation"] and "leave" in a["explanation"]


def test_group_therapy_shares_one_occurrence():
    doc = tiny_problem(
        therapies={
            "yoga": {
                "duration_min": 60,
                "skill": "yoga",
                "room_types": ["hall"],
                "group_size": 10,
            }
        },
        rooms=[{"id": "H1", "type": "hall", "capacity": 12}],
        practitioners=[
            {"id": "T1", "gender": "F", "skills": ["yoga"], "hours": every_day("09:00", "10:00")}
        ],
        patients=[{"id": f"P{k}", "gender": "F"} for k in range(3)],
        plans=[
            {
                "id": f"CP{k}",
                "patient": f"P{k}",
                "start": "2026-12-07",
                "steps": [{"id": "yoga", "therapy": "yoga", "day": 0}],
            }
            for k in range(3)
        ],
    )
    sol, _ = run(doc)
    assert len(sol["assignments"]) == 3
    assert len({(a["start"], a["room"], a["practitioner"]) for a in sol["assignments"]}) == 1
    assert sol["objective"] == 0


def test_a_step_nobody_can_give_two_steps_down_the_chain_stays_unscheduled_alone():
    # Placing "a" weighs the chain after it (b, then c); c has no placement at all.
    doc = plan_where_nobody_gives_basti(
        [
            {"id": "a", "therapy": "abhyanga", "day": 0},
            {"id": "b", "therapy": "abhyanga", "day": 0},
            {"id": "c", "therapy": "basti", "day": 0},
        ]
    )
    sol, _ = run(doc)
    assert sorted(a["step"] for a in sol["assignments"]) == ["a", "b"]
    codes = {u["step"]: u["reasons"][0]["code"] for u in sol["unscheduled"]}
    assert codes == {"c": "no_practitioner_with_skill"}
    assert sol["objective"] == 1000


def test_a_slip_forced_by_a_minimum_gap_says_how_long_the_gap_is():
    # 07:00-08:00, then at least 11 hours: 19:00, when the center has closed.
    doc = tiny_problem(
        plans=[
            {
                "id": "CP1",
                "patient": "P1",
                "start": "2026-12-07",
                "steps": [
                    {"id": "first", "therapy": "abhyanga", "day": 0},
                    {
                        "id": "second",
                        "therapy": "abhyanga",
                        "day": 0,
                        "slack_days": 1,
                        "after": {"step": "first", "min_gap_min": 660, "max_gap_min": None},
                    },
                ],
            }
        ],
    )
    sol, _ = run(doc)
    second = by_step(sol)[("CP1", "second")]
    assert second["start"].startswith("2026-12-08")
    assert (
        "on Mon 7 Dec it must start at least 660 minutes after first ends (Mon 7 Dec 08:00)"
        in second["explanation"]
    ), second["explanation"]


def test_a_slip_names_only_the_neighbour_that_rules_the_day_out():
    # first 07:00-08:00; second at least 11 hours later (next day); third 0-45 minutes
    # after second. Mon 7 Dec is too early for both; the step after plays no part in that.
    doc = tiny_problem(
        plans=[
            {
                "id": "CP1",
                "patient": "P1",
                "start": "2026-12-07",
                "steps": [
                    {"id": "first", "therapy": "abhyanga", "day": 0},
                    {
                        "id": "second",
                        "therapy": "abhyanga",
                        "day": 0,
                        "slack_days": 1,
                        "after": {"step": "first", "min_gap_min": 660, "max_gap_min": None},
                    },
                    {
                        "id": "third",
                        "therapy": "abhyanga",
                        "day": 0,
                        "slack_days": 1,
                        "after": {"step": "second", "min_gap_min": 0, "max_gap_min": 45},
                    },
                ],
            }
        ],
    )
    sol, _ = run(doc)
    steps = by_step(sol)
    second, third = steps[("CP1", "second")], steps[("CP1", "third")]
    assert second["start"].startswith("2026-12-08") and third["start"].startswith("2026-12-08")
    assert "first ends (Mon 7 Dec 08:00), and no such time works" in second["explanation"], second[
        "explanation"
    ]
    assert "third" not in second["explanation"]
    assert (
        "on Mon 7 Dec it must start 0–45 minutes after second ends (Tue 8 Dec"
        in (third["explanation"])
    ), third["explanation"]


def abhyanga_then_swedana(*, steam_reserved: tuple[str, str], slack_days: int = 0, **over):
    """Abhyanga, then Swedana within 30 minutes in the only steam room, reserved on 7 Dec
    from and to the local times given."""
    return tiny_problem(
        therapies={
            "abhyanga": {"duration_min": 60, "skill": "abhyanga", "room_types": ["therapy"]},
            "swedana": {"duration_min": 30, "skill": "abhyanga", "room_types": ["steam"]},
        },
        rooms=[
            {"id": "R1", "type": "therapy", "capacity": 1, "gender": None},
            {"id": "ST1", "type": "steam", "capacity": 1, "gender": None},
        ],
        busy=[
            {
                "resource": "ST1",
                "start": f"2026-12-07T{steam_reserved[0]}:00+05:30",
                "end": f"2026-12-07T{steam_reserved[1]}:00+05:30",
            }
        ],
        plans=[
            {
                "id": "CP1",
                "patient": "P1",
                "start": "2026-12-07",
                "steps": [
                    {"id": "abhyanga", "therapy": "abhyanga", "day": 0, "slack_days": slack_days},
                    {
                        "id": "swedana",
                        "therapy": "swedana",
                        "day": 0,
                        "slack_days": slack_days,
                        "after": {"step": "abhyanga", "min_gap_min": 0, "max_gap_min": 30},
                    },
                ],
            }
        ],
        **over,
    )


def test_a_step_held_out_of_preferred_hours_by_its_chain_partner_names_what_holds_the_partner():
    # Abhyanga fits the preferred 09:00-13:00 on its own, but Swedana must follow within
    # 30 minutes and the steam room is booked 08:00-14:00: the pair can only run 12:30-14:00.
    doc = abhyanga_then_swedana(
        steam_reserved=("08:00", "14:00"),
        patients=[{"id": "P1", "gender": "F", "preferred": [["09:00", "13:00"]]}],
    )
    sol, _ = run(doc)
    abhyanga = by_step(sol)[("CP1", "abhyanga")]
    assert abhyanga["start"] == "2026-12-07T12:30:00+05:30"
    explanation = abhyanga["explanation"]
    assert "outside the preferred 09:00–13:00: swedana (just after it) could not be then" in (
        explanation
    ), explanation
    assert "room ST1 is reserved 08:00–14:00" in explanation, explanation


def test_a_step_that_slips_because_its_chain_partner_cannot_follow_names_the_partner():
    # Abhyanga is free on Monday, but its Swedana (within 30 minutes) is not: the steam
    # room is reserved all day. Both slip to Tuesday, and Abhyanga's reason is the steam room.
    doc = abhyanga_then_swedana(steam_reserved=("07:00", "19:00"), slack_days=1)
    sol, _ = run(doc)
    abhyanga = by_step(sol)[("CP1", "abhyanga")]
    assert abhyanga["start"].startswith("2026-12-08")
    explanation = abhyanga["explanation"]
    assert "slipped 1 day from Mon 7 Dec: swedana (just after it) could not be then" in (
        explanation
    ), explanation
    assert "room ST1 is reserved 07:00–19:00" in explanation, explanation


def test_a_session_kept_from_the_previous_schedule_outside_preferred_hours_says_so():
    # Booked at 07:00 before the patient asked for 09:00-13:00: moving it costs 20, the
    # preferred hours save 5, so it stays, and that is the reason given.
    doc = tiny_problem(
        patients=[{"id": "P1", "gender": "F", "preferred": [["09:00", "13:00"]]}],
        previous=[
            {
                "plan": "CP1",
                "step": "s1",
                "start": "2026-12-07T07:00:00+05:30",
                "room": "R1",
                "practitioner": "T1",
                "pinned": False,
            }
        ],
    )
    sol, _ = run(doc)
    s1 = by_step(sol)[("CP1", "s1")]
    assert s1["start"] == "2026-12-07T07:00:00+05:30"
    assert (
        "outside the preferred 09:00–13:00: it keeps its time from the previous schedule"
        in s1["explanation"]
    ), s1["explanation"]


def test_a_session_kept_with_its_partners_practitioner_outside_preferred_hours_says_why():
    # Day 1 must be given by day 0's practitioner if it can (another costs 10, the preferred
    # hours save 5). T2 is away on day 0, so T1 gives it; on day 1 T1 is busy 09:00-13:00.
    therapist = {"gender": "F", "skills": ["abhyanga"], "hours": every_day("07:00", "19:00")}
    doc = tiny_problem(
        practitioners=[
            {**therapist, "id": "T1", "off": [], "soft_daily_min": None},
            {
                **therapist,
                "id": "T2",
                "off": [{"start": "2026-12-07T00:00:00+05:30", "end": "2026-12-08T00:00:00+05:30"}],
                "soft_daily_min": None,
            },
        ],
        patients=[{"id": "P1", "gender": "F", "preferred": [["09:00", "13:00"]]}],
        busy=[
            {
                "resource": "T1",
                "start": "2026-12-08T09:00:00+05:30",
                "end": "2026-12-08T13:00:00+05:30",
            }
        ],
        plans=[
            {
                "id": "CP1",
                "patient": "P1",
                "start": "2026-12-07",
                "steps": [
                    {"id": "day0", "therapy": "abhyanga", "day": 0},
                    {
                        "id": "day1",
                        "therapy": "abhyanga",
                        "day": 1,
                        "same_practitioner_as": "day0",
                    },
                ],
            }
        ],
    )
    sol, _ = run(doc)
    day1 = by_step(sol)[("CP1", "day1")]
    assert day1["practitioner"] == "T1"
    explanation = day1["explanation"]
    assert "outside the preferred 09:00–13:00: it keeps T1, who gave day0:" in explanation, (
        explanation
    )
    assert "T1 works 07:00–19:00 and has prior commitments 09:00–13:00" in explanation, explanation


def test_after_gap_and_same_practitioner():
    doc = tiny_problem(
        therapies={
            "abhyanga": {"duration_min": 60, "skill": "abhyanga", "room_types": ["therapy"]},
            "swedana": {
                "duration_min": 30,
                "skill": "swedana",
                "room_types": ["steam"],
                "room_turnover_min": 10,
            },
        },
        rooms=[
            {"id": "R1", "type": "therapy"},
            {"id": "ST1", "type": "steam"},
        ],
        practitioners=[
            {
                "id": "T1",
                "gender": "F",
                "skills": ["abhyanga", "swedana"],
                "hours": every_day("07:00", "19:00"),
            },
            {
                "id": "T2",
                "gender": "M",
                "skills": ["swedana"],
                "hours": every_day("07:00", "19:00"),
            },
        ],
        busy=[
            {
                "resource": "ST1",
                "start": "2026-12-07T07:00:00+05:30",
                "end": "2026-12-07T10:00:00+05:30",
            }
        ],
        plans=[
            {
                "id": "CP1",
                "patient": "P1",
                "start": "2026-12-07",
                "steps": [
                    {"id": "a", "therapy": "abhyanga", "day": 0},
                    {
                        "id": "s",
                        "therapy": "swedana",
                        "day": 0,
                        "after": {"step": "a", "min_gap_min": 0, "max_gap_min": 30},
                        "same_practitioner_as": "a",
                    },
                ],
            }
        ],
    )
    sol, _ = run(doc)
    placed = by_step(sol)
    assert placed[("CP1", "s")]["practitioner"] == placed[("CP1", "a")]["practitioner"] == "T1"
    assert sol["objective"] == 0
    assert placed[("CP1", "s")]["start"] >= "2026-12-07T10:00:00+05:30"


def test_daily_limit_and_rest():
    doc = tiny_problem(
        patients=[{"id": "P1", "gender": "F", "max_daily_sessions": 1}],
        plans=[
            {
                "id": "CP1",
                "patient": "P1",
                "start": "2026-12-07",
                "steps": [
                    {"id": "a", "therapy": "abhyanga", "day": 0},
                    {"id": "b", "therapy": "abhyanga", "day": 0, "slack_days": 2},
                ],
            }
        ],
    )
    sol, _ = run(doc)
    assert sol["objective"] == 50
    assert by_step(sol)[("CP1", "b")]["start"].startswith("2026-12-08")


def test_overtime_counted_once_per_group_occurrence():
    doc = tiny_problem(
        therapies={
            "yoga": {"duration_min": 60, "skill": "yoga", "room_types": ["hall"], "group_size": 4}
        },
        rooms=[{"id": "H1", "type": "hall", "capacity": 4}],
        practitioners=[
            {
                "id": "T1",
                "gender": "F",
                "skills": ["yoga"],
                "hours": every_day("09:00", "10:00"),
                "soft_daily_min": 30,
            }
        ],
        patients=[{"id": f"P{k}", "gender": "F"} for k in range(2)],
        plans=[
            {
                "id": f"CP{k}",
                "patient": f"P{k}",
                "start": "2026-12-07",
                "steps": [{"id": "yoga", "therapy": "yoga", "day": 0}],
            }
            for k in range(2)
        ],
    )
    sol, report = run(doc)
    assert report.parts["overtime"] == 2 == sol["objective"]


def test_determinism_same_input_same_output():
    doc = json.loads((SAMPLES / "small.json").read_text()) if SAMPLES.exists() else tiny_problem()
    a = solution_to_dict(solve(problem_from_dict(doc), time_limit=20))
    b = solution_to_dict(solve(problem_from_dict(doc), time_limit=20))
    assert a == b


def test_a_second_worker_never_makes_the_schedule_worse():
    # Small enough for both searches to end by stalling, so the first worker's result is
    # exactly the single-worker one and the best of two can only match or beat it.
    doc = generate_problem(seed=5, patients=6, practitioners=3, days=8)
    alone = solution_to_dict(solve(problem_from_dict(doc), time_limit=20))
    paired = solution_to_dict(solve(problem_from_dict(doc), time_limit=20, workers=2))
    report = check(doc, paired)
    assert report.valid, report.violations[:5]
    assert report.objective == paired["objective"] <= alone["objective"]


def test_incremental_objective_matches_full_evaluation():
    doc = json.loads((SAMPLES / "groups.json").read_text()) if SAMPLES.exists() else tiny_problem()
    inst = Instance(problem_from_dict(doc))
    state = State(inst)
    place_pinned(state)
    order = list(range(inst.n_steps))
    for i in order:
        found = state.cheapest_placements(i, 1)
        if found and (
            inst.step_predecessor[i] < 0 or state.step_start[inst.step_predecessor[i]] >= 0
        ):
            _c, s, d, p, r, static_cost = found[0]
            state.insert(i, s, d, p, r, static_cost)
    snap = [(a[0], a[1], a[2], a[3]) if a else None for a in state.snapshot()]
    assert state.objective == evaluate(inst, snap)["total"]
    for i in order[::3]:
        if state.step_start[i] >= 0:
            state.remove(i)
    snap = [(a[0], a[1], a[2], a[3]) if a else None for a in state.snapshot()]
    assert state.objective == evaluate(inst, snap)["total"]


def test_the_exact_move_only_lays_steps_out_anew_when_that_is_strictly_cheaper():
    doc = json.loads((SAMPLES / "medium.json").read_text())
    inst = Instance(problem_from_dict(doc))
    state = State(inst)
    place_pinned(state)
    state.undo_log = []
    Repair(state, Random(3)).run(range(inst.n_steps))
    search = Search(state, Random(3), lower=0)
    improved = 0
    for _ in range(40):
        state.undo_log = []
        before = state.objective
        removed, extra = search.op_exact(10)
        if not removed and not extra:
            # It placed the freed steps itself: only ever for a strictly better schedule.
            assert state.objective < before
            improved += 1
        else:
            state.undo()
        snap = [(a[0], a[1], a[2], a[3]) if a else None for a in state.snapshot()]
        assert state.objective == evaluate(inst, snap)["total"]
    assert improved > 0
    solution = solution_to_dict(build_solution(inst, state))
    assert check(doc, solution).valid


def _dst_week_with_groups():
    """gen-dst-groups of the benchmark: its construction cuts whole plans on one crowded day."""
    problem = generate_problem(
        seed=32, patients=40, practitioners=12, days=14, timezone="Europe/London", groups=True
    )
    inst = Instance(problem_from_dict(problem))
    state = State(inst)
    place_pinned(state)
    state.undo_log = []
    Repair(state, Random(0)).run(range(inst.n_steps), lookahead=False)
    state.undo_log = None
    return problem, inst, state


@pytest.mark.parametrize("seed", [0, 4, 9])  # 4 and 9 once left a gap in a plan (rule 9)
def test_mending_plan_fronts_forces_cut_plans_back_in(seed):
    problem, inst, state = _dst_week_with_groups()
    search = Search(state, Random(seed), lower=0)
    fronts, before = len(search._fronts()), state.objective
    assert fronts > 0
    search.mend_fronts(time.perf_counter() + 60)
    assert state.objective < before - 10_000  # plan tails of 10-16 steps are back
    assert len(search._fronts()) < fronts
    assert search.best_objective == state.objective
    snap = [(a[0], a[1], a[2], a[3]) if a else None for a in state.snapshot()]
    assert state.objective == evaluate(inst, snap)["total"]
    assert check(problem, solution_to_dict(build_solution(inst, state))).valid


def _search_with(moves, times: int, search, inst, state) -> int:
    """Each move in turn `times` times, as the search makes it (the freed steps repaired,
    undone when worse), the objective checked against a full evaluation after each; how many
    lowered it."""
    gained = 0
    for n in range(times):
        state.undo_log = []
        before = state.objective
        removed, extra = moves[n % len(moves)](8)
        search.repair.run({*removed, *extra})
        if state.objective > before:
            state.undo()
        gained += state.objective < before
        snap = [(a[0], a[1], a[2], a[3]) if a else None for a in state.snapshot()]
        assert state.objective == evaluate(inst, snap)["total"]
        state.undo_log = None
    return gained


def test_forced_and_ejection_moves_keep_the_objective_exact():
    problem, inst, state = _dst_week_with_groups()
    search = Search(state, Random(5), lower=0)
    _search_with([search.op_eject, search.op_forced], 30, search, inst, state)
    assert check(problem, solution_to_dict(build_solution(inst, state))).valid


def _two_practitioners_one_busy_at_the_swedana() -> tuple[Instance, State, dict]:
    """P1's abhyanga at 09:00 with T1 and its swedana at 10:00 with T2 (away from its
    partner: 10); T1 gives P2's abhyanga at 10:00, so the swedana cannot simply take T1."""
    both = ["abhyanga", "swedana"]
    doc = tiny_problem(
        therapies={
            "abhyanga": {"duration_min": 60, "skill": "abhyanga", "room_types": ["therapy"]},
            "swedana": {"duration_min": 30, "skill": "swedana", "room_types": ["steam"]},
        },
        rooms=[
            {"id": "R1", "type": "therapy", "capacity": 1, "gender": None},
            {"id": "R2", "type": "therapy", "capacity": 1, "gender": None},
            {"id": "ST1", "type": "steam", "capacity": 1, "gender": None},
        ],
        practitioners=[
            {"id": t, "gender": "F", "skills": both, "hours": every_day("07:00", "19:00")}
            for t in ("T1", "T2")
        ],
        patients=[{"id": "P1", "gender": "F"}, {"id": "P2", "gender": "F"}],
        plans=[
            {
                "id": "CP1",
                "patient": "P1",
                "start": "2026-12-07",
                "steps": [
                    {"id": "abhyanga", "therapy": "abhyanga", "day": 0},
                    {
                        "id": "swedana",
                        "therapy": "swedana",
                        "day": 0,
                        "after": {"step": "abhyanga", "min_gap_min": 0, "max_gap_min": 30},
                        "same_practitioner_as": "abhyanga",
                    },
                ],
            },
            {
                "id": "CP2",
                "patient": "P2",
                "start": "2026-12-07",
                "steps": [{"id": "abhyanga", "therapy": "abhyanga", "day": 0}],
            },
        ],
    )
    inst = Instance(problem_from_dict(doc))
    state = State(inst)
    step = {key: i for i, key in enumerate(inst.step_key)}
    who = {t: n for n, t in enumerate(inst.practitioner_ids)}
    room = {r: n for n, r in enumerate(inst.room_ids)}
    for key, at, practitioner, where in (
        (("CP1", "abhyanga"), "09:00", "T1", "R1"),
        (("CP1", "swedana"), "10:00", "T2", "ST1"),
        (("CP2", "abhyanga"), "10:00", "T1", "R2"),
    ):
        s = inst.grid.parse_instant(f"2026-12-07T{at}:00+05:30")
        i = step[key]
        assert state.feasible(i, s, 0, who[practitioner], room[where])
        state.insert(i, s, 0, who[practitioner], room[where], state.static_cost_of(i, s))
    return inst, state, doc


def test_a_kempe_chain_gives_a_swedana_its_abhyangas_practitioner():
    inst, state, doc = _two_practitioners_one_busy_at_the_swedana()
    before = evaluate(inst, [(a[0], a[1], a[2], a[3]) for a in state.snapshot()])
    assert before["same_practitioner"] == 10
    search = Search(state, Random(0), lower=0)
    state.undo_log = []
    assert search.op_kempe(4) == ([], [])
    sol = by_step(solution_to_dict(build_solution(inst, state)))
    # The two practitioners traded the 10:00 sessions; nothing moved in time or room.
    assert sol[("CP1", "swedana")]["practitioner"] == "T1"
    assert sol[("CP2", "abhyanga")]["practitioner"] == "T2"
    assert sol[("CP1", "abhyanga")]["practitioner"] == "T1"
    assert [sol[k]["start"][11:16] for k in sorted(sol)] == ["09:00", "10:00", "10:00"]
    report = check(doc, solution_to_dict(build_solution(inst, state)))
    assert report.valid
    assert report.objective == state.objective == before["total"] - 10


def test_a_kempe_chain_never_hands_a_session_to_a_colleague_without_its_skill():
    inst, state, doc = _two_practitioners_one_busy_at_the_swedana()
    doc["practitioners"][1]["skills"] = ["swedana"]  # T2 cannot give P2's abhyanga
    inst = Instance(problem_from_dict(doc))
    other = State(inst)
    other.reset_to(state.snapshot())
    search = Search(other, Random(0), lower=0)
    other.undo_log = []
    search.op_kempe(4)
    sol = solution_to_dict(build_solution(inst, other))
    assert by_step(sol)[("CP2", "abhyanga")]["practitioner"] == "T1"
    report = check(doc, sol)
    assert report.valid
    assert report.objective == other.objective


def test_kempe_and_swap_moves_keep_the_objective_exact_and_sometimes_gain():
    problem, inst, state = _dst_week_with_groups()
    search = Search(state, Random(7), lower=0)
    search.mend_fronts(time.perf_counter() + 60)
    assert _search_with([search.op_swap, search.op_kempe], 60, search, inst, state) > 0
    assert check(problem, solution_to_dict(build_solution(inst, state))).valid


def test_forcing_a_whole_day_in_gets_cut_plans_back_and_keeps_the_objective_exact():
    problem, inst, state = _dst_week_with_groups()
    search = Search(state, Random(0), lower=0)
    fronts = search._fronts()
    before = state.objective
    kept = 0
    for front in fronts:
        if state.step_start[front] >= 0:
            continue
        state.undo_log = []
        kept += search._eject(front, True, set(fronts), whole_day=True)
        state.undo_log = None
        snap = [(a[0], a[1], a[2], a[3]) if a else None for a in state.snapshot()]
        assert state.objective == evaluate(inst, snap)["total"]
    assert kept > 0
    assert state.objective < before
    assert check(problem, solution_to_dict(build_solution(inst, state))).valid


def test_shifting_a_whole_day_lowers_its_static_cost_and_keeps_the_objective_exact():
    problem, inst, state = _dst_week_with_groups()
    search = Search(state, Random(11), lower=0)
    search.mend_fronts(time.perf_counter() + 60)
    assert _search_with([search.op_shift_day], 40, search, inst, state) > 0
    assert check(problem, solution_to_dict(build_solution(inst, state))).valid


def _mended_dst_week_split_in_two():
    """gen-dst-groups mended, and its dates cut in two runs as two workers would share them."""
    problem, inst, state = _dst_week_with_groups()
    Search(state, Random(1), lower=0).mend_fronts(time.perf_counter() + 60)
    runs, owner = _date_runs(inst, state.snapshot(), parts=2, stretch=0)
    return problem, inst, state, runs, owner


def test_a_search_focused_on_some_dates_moves_only_the_steps_on_them():
    problem, inst, state, runs, owner = _mended_dst_week_split_in_two()
    assert len(runs[0]) and len(runs[1]) and runs[0].stop == runs[1].start
    before = state.snapshot()
    search = Search(state.copy(), Random(2), lower=0)
    search.focus(runs[1], owner, 1)
    # A plan crossing the cut: its step on the later dates may not go back before them, however
    # early its predecessor ends.
    crossing = [
        i
        for i in range(inst.n_steps)
        if owner[i] == 1
        and inst.step_predecessor[i] >= 0
        and owner[inst.step_predecessor[i]] == 0
        and before[i] is not None
    ]
    assert crossing
    window_start = search.state.window[0]
    assert all(search.state.start_bounds(i)[0] >= window_start for i in crossing)
    search.run(time.perf_counter() + 1.5)
    after = search.best
    moved = [i for i in range(inst.n_steps) if after[i] != before[i]]
    assert search.best_objective < state.objective and moved
    assert all(owner[i] == 1 for i in moved)
    assert all(after[i] is None or after[i][1] in runs[1] for i in moved)
    assert check(problem, solution_to_dict(build_solution(inst, search.state))).valid


def test_searches_on_separate_dates_merge_into_one_schedule_keeping_both_gains():
    problem, inst, state, runs, owner = _mended_dst_week_split_in_two()
    first, second = (Search(state.copy(), Random(seed), lower=0) for seed in (3, 4))
    for part, search in enumerate((first, second)):
        search.focus(runs[part], owner, part)
        search.run(time.perf_counter() + 1.5)
    gains = [state.objective - search.best_objective for search in (first, second)]
    assert min(gains) > 0
    first.state.reset_to(first.best)
    first.merge(second.best, owner, 1)
    merged = first.state
    snap = [(a[0], a[1], a[2], a[3]) if a else None for a in merged.snapshot()]
    assert merged.objective == evaluate(inst, snap)["total"]
    # Sessions on different dates share nobody's time, so both parts' gains add up (short
    # of what a plan crossing the cut loses where its two halves no longer meet).
    assert merged.objective < state.objective - max(gains)
    report = check(problem, solution_to_dict(build_solution(inst, merged)))
    assert report.valid, report.violations[:5]
