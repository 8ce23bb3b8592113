"""The exact CP-SAT model finds hand-computed optima of tiny problems and proves them."""

import pytest

pytest.importorskip("ortools")

from bench.cpsat import solve_cpsat
from scheduling.engine.checker import check

WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def tiny(therapy: dict, patients: list[dict], prac_hours: list[list[str]], slack: int) -> dict:
    return {
        "format": "panchakarma-schedule/1",
        "timezone": "Asia/Kolkata",
        "horizon": {"start": "2026-12-07", "days": 2},
        "slot_min": 15,
        "center": {"hours": {d: [["07:00", "19:00"]] for d in WEEK}, "closed": []},
        "therapies": {"t": therapy},
        "rooms": [{"id": "R1", "type": "room", "capacity": 4}],
        "practitioners": [
            {
                "id": "T1",
                "gender": "F",
                "skills": ["t"],
                "hours": dict.fromkeys(WEEK, prac_hours),
                "soft_daily_min": 60,
            }
        ],
        "patients": patients,
        "plans": [
            {
                "id": f"CP{i}",
                "patient": p["id"],
                "start": "2026-12-07",
                "steps": [{"id": "s", "therapy": "t", "day": 0, "slack_days": slack}],
            }
            for i, p in enumerate(patients)
        ],
    }


def test_optimum_trades_preference_overtime_and_slip():
    # One practitioner, 09:00-11:00 each day: at most two 60-minute sessions a day. Three
    # patients all prefer 09:00-10:00 and may slip one day.
    #   Two today (09:00 and 10:00) + one tomorrow at 09:00:
    #     preferred 5 (the 10:00 one) + overtime today ceil((120 - 60) / 15) = 4 + slip 50 = 59
    #   One today + two tomorrow: 50 + 50 + 5 + 4 = 109; leaving anyone out costs 1000.
    patients = [{"id": f"P{i}", "gender": "M", "preferred": [["09:00", "10:00"]]} for i in range(3)]
    therapy = {"duration_min": 60, "skill": "t", "room_types": ["room"]}
    problem = tiny(therapy, patients, [["09:00", "11:00"]], slack=1)
    result = solve_cpsat(problem, time_limit=20, workers=2)
    assert result.status == "OPTIMAL"
    assert result.objective == 59
    assert result.bound == 59
    assert result.model_objective == 59
    report = check(problem, result.solution)
    assert report.valid, report.violations
    assert report.parts == {
        "unscheduled": 0,
        "slip": 50,
        "preferred": 5,
        "same_practitioner": 0,
        "overtime": 4,
        "previous_change": 0,
    }


def test_group_occurrence_holds_the_practitioner_once():
    # Yoga for up to two patients; the teacher can give one class (09:00-10:00) and there is
    # no slack. Two of the three patients share the class; the routine one (priority 0) is the
    # cheapest to leave out: 1000 * (1 + 0). Overtime: the class counts once, 60 <= 60.
    patients = [{"id": f"P{i}", "gender": "F", "priority": i} for i in range(3)]
    therapy = {"duration_min": 60, "skill": "t", "room_types": ["room"], "group_size": 2}
    problem = tiny(therapy, patients, [["09:00", "10:00"]], slack=0)
    result = solve_cpsat(problem, time_limit=20, workers=2)
    assert result.status == "OPTIMAL"
    assert result.objective == 1000
    report = check(problem, result.solution)
    assert report.valid, report.violations
    assert [u["plan"] for u in result.solution["unscheduled"]] == ["CP0"]


def test_warm_start_from_a_hint_keeps_optimum():
    patients = [{"id": f"P{i}", "gender": "M", "preferred": [["09:00", "10:00"]]} for i in range(3)]
    therapy = {"duration_min": 60, "skill": "t", "room_types": ["room"]}
    problem = tiny(therapy, patients, [["09:00", "11:00"]], slack=1)
    from bench.first_fit import first_fit

    hint = first_fit(problem)
    result = solve_cpsat(problem, time_limit=20, workers=2, hint=hint)
    assert result.objective == 59 and result.bound == 59
