"""Tests of the independent solution checker: one broken hard rule at a time, exact penalties."""

import copy

import pytest

from scheduling.engine.checker import check

IST = "+05:30"
EVERY_DAY = {d: [["07:00", "19:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def at(day: int, hhmm: str) -> str:
    """An instant on 2026-12-(07 + day), a Monday in Asia/Kolkata."""
    return f"2026-12-{7 + day:02d}T{hhmm}:00{IST}"


def base_problem() -> dict:
    return {
        "format": "panchakarma-schedule/1",
        "timezone": "Asia/Kolkata",
        "horizon": {"start": "2026-12-07", "days": 4},
        "slot_min": 15,
        "center": {"hours": EVERY_DAY, "closed": ["2026-12-09"]},
        "therapies": {
            "abhyanga": {
                "duration_min": 60,
                "skill": "abhyanga",
                "room_types": ["therapy"],
                "room_turnover_min": 15,
            },
            "swedana": {
                "duration_min": 30,
                "skill": "swedana",
                "room_types": ["steam"],
                "patient_rest_after_min": 15,
                "room_turnover_min": 10,
            },
            "yoga": {
                "duration_min": 60,
                "skill": "yoga",
                "room_types": ["hall"],
                "group_size": 2,
            },
        },
        "rooms": [
            {"id": "R1", "type": "therapy", "capacity": 1},
            {"id": "R2", "type": "therapy", "capacity": 1, "gender": "F"},
            {"id": "ST1", "type": "steam"},
            {"id": "H1", "type": "hall", "capacity": 3},
        ],
        "practitioners": [
            {
                "id": "T1",
                "gender": "F",
                "skills": ["abhyanga", "swedana", "yoga"],
                "hours": EVERY_DAY,
                "soft_daily_min": 480,
            },
            {
                "id": "T2",
                "gender": "M",
                "skills": ["abhyanga"],
                "hours": {"mon": [["07:00", "13:00"]], "tue": [["07:00", "13:00"]]},
            },
            {
                "id": "T3",
                "gender": "F",
                "skills": ["abhyanga", "swedana"],
                "hours": EVERY_DAY,
            },
        ],
        "patients": [
            {"id": "P1", "gender": "M", "max_daily_sessions": 3},
            {
                "id": "P2",
                "gender": "F",
                "same_gender_practitioner": True,
                "hours": {d: [["07:00", "13:00"]] for d in EVERY_DAY},
                "priority": 2,
            },
        ],
        "busy": [],
        "plans": [
            {
                "id": "CP1",
                "patient": "P1",
                "start": "2026-12-07",
                "steps": [
                    {"id": "a", "therapy": "abhyanga", "day": 0},
                    {
                        "id": "b",
                        "therapy": "swedana",
                        "day": 0,
                        "after": {"step": "a", "min_gap_min": 0, "max_gap_min": 30},
                        "same_practitioner_as": "a",
                    },
                    {"id": "c", "therapy": "abhyanga", "day": 0},
                ],
            },
            {
                "id": "CP2",
                "patient": "P2",
                "start": "2026-12-07",
                "steps": [{"id": "a", "therapy": "abhyanga", "day": 0, "slack_days": 2}],
            },
        ],
        "previous": [],
    }


def base_solution() -> dict:
    return {
        "format": "panchakarma-schedule/1",
        "assignments": [
            {
                "plan": "CP1",
                "step": "a",
                "start": at(0, "09:00"),
                "room": "R1",
                "practitioner": "T1",
            },
            {
                "plan": "CP1",
                "step": "b",
                "start": at(0, "10:00"),
                "room": "ST1",
                "practitioner": "T1",
            },
            {
                "plan": "CP1",
                "step": "c",
                "start": at(0, "12:00"),
                "room": "R1",
                "practitioner": "T2",
            },
            {
                "plan": "CP2",
                "step": "a",
                "start": at(0, "11:00"),
                "room": "R2",
                "practitioner": "T1",
            },
        ],
        "unscheduled": [],
        "objective": 0,
    }


def assignment(solution: dict, plan: str, step: str) -> dict:
    return next(a for a in solution["assignments"] if a["plan"] == plan and a["step"] == step)


def assert_breaks(problem: dict, solution: dict, rule: str) -> list[str]:
    report = check(problem, solution)
    assert not report.valid
    assert report.violations
    # "Exactly that rule": every message names the broken rule and no other.
    assert all(v.startswith(rule + ":") for v in report.violations), report.violations
    return report.violations


def test_base_case_is_valid_and_costs_nothing():
    report = check(base_problem(), base_solution())
    assert report.valid, report.violations
    assert report.objective == 0
    assert report.claimed_objective_matches


# -- hard rules -------------------------------------------------------------------------------


def test_rule1_practitioner_lacks_skill():
    sol = base_solution()
    assignment(sol, "CP1", "b")["practitioner"] = "T2"  # T2 has no swedana
    (msg,) = assert_breaks(base_problem(), sol, "Rule 1")
    assert "T2" in msg and "swedana" in msg and "10:00" in msg


def test_rule1_same_gender_practitioner():
    sol = base_solution()
    assignment(sol, "CP2", "a")["practitioner"] = "T2"  # male for a patient wanting a woman
    (msg,) = assert_breaks(base_problem(), sol, "Rule 1")
    assert "same-gender" in msg and "P2" in msg


def test_rule2_room_type():
    sol = base_solution()
    assignment(sol, "CP2", "a")["room"] = "ST1"  # steam room for abhyanga
    (msg,) = assert_breaks(base_problem(), sol, "Rule 2")
    assert "ST1" in msg and "CP2/a" in msg


def test_rule2_room_gender():
    sol = base_solution()
    assignment(sol, "CP1", "a")["room"] = "R2"  # women-only room for P1 (M)
    (msg,) = assert_breaks(base_problem(), sol, "Rule 2")
    assert "R2" in msg and "P1" in msg


def test_rule3_outside_center_hours():
    problem = base_problem()
    problem["center"]["hours"] = {d: [["08:00", "19:00"]] for d in EVERY_DAY}
    sol = base_solution()
    assignment(sol, "CP2", "a")["start"] = at(0, "07:15")
    (msg,) = assert_breaks(problem, sol, "Rule 3")
    assert "center's hours" in msg and "07:15" in msg


def test_rule3_closed_date():
    sol = base_solution()
    assignment(sol, "CP2", "a")["start"] = at(2, "11:00")  # 2026-12-09 is closed
    (msg,) = assert_breaks(base_problem(), sol, "Rule 3")
    assert "closed" in msg and "2026-12-09" in msg


def test_rule3_outside_practitioner_shift():
    sol = base_solution()
    assignment(sol, "CP1", "c")["start"] = at(0, "12:30")  # T2 works until 13:00
    (msg,) = assert_breaks(base_problem(), sol, "Rule 3")
    assert "T2" in msg and "shifts" in msg


def test_rule3_outside_patient_hours():
    sol = base_solution()
    assignment(sol, "CP2", "a")["start"] = at(0, "12:30")  # P2 available until 13:00
    (msg,) = assert_breaks(base_problem(), sol, "Rule 3")
    assert "P2" in msg and "available hours" in msg


def test_rule3_practitioner_leave():
    problem = base_problem()
    problem["practitioners"][1]["off"] = [{"start": at(0, "11:30"), "end": at(1, "00:00")}]
    (msg,) = assert_breaks(problem, base_solution(), "Rule 3")
    assert "leave" in msg and "T2" in msg


@pytest.mark.parametrize("resource", ["P2", "T1", "R2"])
def test_rule3_busy_interval(resource):
    problem = base_problem()
    problem["busy"] = [{"resource": resource, "start": at(0, "11:45"), "end": at(0, "12:00")}]
    messages = assert_breaks(problem, base_solution(), "Rule 3") if resource != "R2" else None
    if resource == "R2":
        # A busy room is also full for rule 5, so both rules speak up.
        report = check(problem, base_solution())
        messages = report.violations
        assert any(m.startswith("Rule 3:") for m in messages)
    assert any("busy" in m and resource in m for m in messages)


def test_rule4_practitioner_double_booked():
    sol = base_solution()
    a = assignment(sol, "CP2", "a")
    a["start"], a["room"] = at(0, "09:30"), "R2"  # T1 is on CP1/a 09:00-10:00 and CP1/b 10:00
    messages = assert_breaks(base_problem(), sol, "Rule 4")
    assert len(messages) == 2
    assert all("T1" in m and "two sessions" in m for m in messages)


def group_problem(room_capacity: int = 3) -> tuple[dict, dict]:
    problem = base_problem()
    problem["rooms"][3]["capacity"] = room_capacity
    for i in (3, 4, 5):
        problem["patients"].append({"id": f"P{i}", "gender": "M"})
        problem["plans"].append(
            {
                "id": f"Y{i}",
                "patient": f"P{i}",
                "start": "2026-12-07",
                "steps": [{"id": "yoga", "therapy": "yoga", "day": 0}],
            }
        )
    sol = base_solution()
    for i in (3, 4):
        sol["assignments"].append(
            {
                "plan": f"Y{i}",
                "step": "yoga",
                "start": at(0, "14:00"),
                "room": "H1",
                "practitioner": "T1",
            }
        )
    sol["assignments"].append(
        {"plan": "Y5", "step": "yoga", "start": at(0, "16:00"), "room": "H1", "practitioner": "T1"}
    )
    return problem, sol


def test_group_occurrence_counts_practitioner_once():
    problem, sol = group_problem()
    report = check(problem, sol)
    assert report.valid, report.violations


def test_rule4_group_above_group_size():
    problem, sol = group_problem()
    assignment(sol, "Y5", "yoga")["start"] = at(0, "14:00")
    (msg,) = assert_breaks(problem, sol, "Rule 4")
    assert "group_size 2" in msg and "3 patients" in msg


def test_rule4_group_sessions_must_share_room_to_be_one_occurrence():
    problem, sol = group_problem()
    problem["rooms"].append({"id": "H2", "type": "hall", "capacity": 3})
    assignment(sol, "Y4", "yoga")["room"] = "H2"  # same start and practitioner, other room
    (msg,) = assert_breaks(problem, sol, "Rule 4")
    assert "T1" in msg


def test_rule5_room_turnover():
    sol = base_solution()
    a = assignment(sol, "CP2", "a")
    # R1 is taken by CP1/a 09:00-10:00 plus 15 min cleaning.
    a["start"], a["room"], a["practitioner"] = at(0, "10:00"), "R1", "T3"
    (msg,) = assert_breaks(base_problem(), sol, "Rule 5")
    assert "R1" in msg and "CP1/a" in msg and "CP2/a" in msg


def test_rule5_room_turnover_runs_into_busy_interval():
    problem = base_problem()
    problem["busy"] = [{"resource": "R1", "start": at(0, "10:00"), "end": at(0, "11:00")}]
    (msg,) = assert_breaks(problem, base_solution(), "Rule 5")
    assert "R1" in msg and "busy" in msg


def test_rule5_overlapping_busy_intervals_alone_are_not_the_solutions_fault():
    problem = base_problem()
    problem["busy"] = [
        {"resource": "H1", "start": at(0, "08:00"), "end": at(0, "10:00")},
        {"resource": "H1", "start": at(0, "09:00"), "end": at(0, "11:00")},
    ]
    assert check(problem, base_solution()).valid


def test_rule5_group_counts_patients_against_capacity():
    problem, sol = group_problem(room_capacity=1)
    (msg,) = assert_breaks(problem, sol, "Rule 5")
    assert "H1" in msg and "holds 2" in msg


def test_rule6_patient_rest():
    sol = base_solution()
    # CP1/b (swedana) ends 10:30 and needs 15 min rest; 10:30 respects rule 8 but not the rest.
    assignment(sol, "CP1", "c")["start"] = at(0, "10:30")
    (msg,) = assert_breaks(base_problem(), sol, "Rule 6")
    assert "P1" in msg and "rest" in msg


def test_rule6_patient_in_two_plans_at_once():
    problem = base_problem()
    problem["plans"][1]["patient"] = "P1"
    problem["patients"][0]["max_daily_sessions"] = 4
    sol = base_solution()
    a = assignment(sol, "CP2", "a")
    a["start"], a["room"], a["practitioner"] = at(0, "11:30"), "R2", "T3"
    problem["rooms"][1]["gender"] = None
    messages = assert_breaks(problem, sol, "Rule 6")
    assert any("CP1/c" in m and "CP2/a" in m for m in messages)


def test_rule6_max_daily_sessions():
    problem = base_problem()
    problem["patients"][0]["max_daily_sessions"] = 2
    (msg,) = assert_breaks(problem, base_solution(), "Rule 6")
    assert "3 sessions" in msg and "2026-12-07" in msg


def test_rule7_beyond_slack():
    sol = base_solution()
    assignment(sol, "CP2", "a")["start"] = at(3, "11:00")  # nominal day 0, slack 2
    (msg,) = assert_breaks(base_problem(), sol, "Rule 7")
    assert "0..2" in msg


def test_rule7_before_nominal_day():
    problem = base_problem()
    problem["plans"][1]["start"] = "2026-12-08"
    (msg,) = assert_breaks(problem, base_solution(), "Rule 7")
    assert "CP2/a" in msg and "-1 day" in msg


def test_rule7_outside_horizon():
    problem = base_problem()
    problem["plans"][1]["start"] = "2026-12-10"
    problem["plans"][1]["steps"][0]["day"] = 1  # nominal 12-11: the horizon ends 12-10
    sol = base_solution()
    assignment(sol, "CP2", "a")["start"] = at(4, "11:00")
    (msg,) = assert_breaks(problem, sol, "Rule 7")
    assert "horizon" in msg


def test_rule8_list_order():
    sol = base_solution()
    a = assignment(sol, "CP1", "c")
    a["start"] = at(0, "07:00")  # before the steps listed above it
    (msg,) = assert_breaks(base_problem(), sol, "Rule 8")
    assert "CP1/c" in msg and "previous step" in msg


def test_rule8_max_gap():
    sol = base_solution()
    b = assignment(sol, "CP1", "b")
    b["start"], b["practitioner"] = at(0, "10:45"), "T3"  # 45 min after a ends, max 30
    report = check(base_problem(), sol)
    (msg,) = report.violations
    assert msg.startswith("Rule 8:") and "max_gap_min 30" in msg and "45" in msg


def test_rule8_min_gap():
    problem = base_problem()
    problem["plans"][0]["steps"][1]["after"]["min_gap_min"] = 15
    (msg,) = assert_breaks(problem, base_solution(), "Rule 8")
    assert "min_gap_min 15" in msg


def test_rule9_prefix():
    sol = base_solution()
    sol["assignments"] = [a for a in sol["assignments"] if (a["plan"], a["step"]) != ("CP1", "b")]
    sol["unscheduled"] = [
        {"plan": "CP1", "step": "b", "reasons": [{"code": "room_unavailable", "message": "x"}]}
    ]
    (msg,) = assert_breaks(base_problem(), sol, "Rule 9")
    assert "CP1" in msg and " c " in msg and " b " in msg


def test_rule10_pinned_changed():
    problem = base_problem()
    problem["previous"] = [
        {
            "plan": "CP1",
            "step": "a",
            "start": at(0, "09:00"),
            "room": "R1",
            "practitioner": "T3",
            "pinned": True,
        }
    ]
    (msg,) = assert_breaks(problem, base_solution(), "Rule 10")
    assert "practitioner T1 instead of T3" in msg


def test_rule10_pinned_dropped():
    problem = base_problem()
    problem["previous"] = [
        {
            "plan": "CP2",
            "step": "a",
            "start": at(0, "11:00"),
            "room": "R2",
            "practitioner": "T1",
            "pinned": True,
        }
    ]
    sol = base_solution()
    sol["assignments"] = [a for a in sol["assignments"] if a["plan"] != "CP2"]
    sol["unscheduled"] = [
        {"plan": "CP2", "step": "a", "reasons": [{"code": "search_limit", "message": "x"}]}
    ]
    (msg,) = assert_breaks(problem, sol, "Rule 10")
    assert "CP2/a" in msg


def test_rule10_pinned_same_instant_other_offset_is_kept():
    problem = base_problem()
    problem["previous"] = [
        {
            "plan": "CP1",
            "step": "a",
            "start": "2026-12-07T03:30:00+00:00",  # = 09:00 in Kolkata
            "room": "R1",
            "practitioner": "T1",
            "pinned": True,
        }
    ]
    assert check(problem, base_solution()).valid


# -- completeness, format, grid, time ------------------------------------------------------------


def test_missing_step():
    sol = base_solution()
    sol["assignments"].pop()
    (msg,) = assert_breaks(base_problem(), sol, "Completeness")
    assert "CP2/a" in msg


def test_duplicate_step():
    sol = base_solution()
    sol["unscheduled"] = [
        {"plan": "CP2", "step": "a", "reasons": [{"code": "search_limit", "message": "x"}]}
    ]
    (msg,) = assert_breaks(base_problem(), sol, "Completeness")
    assert "more than once" in msg


@pytest.mark.parametrize(
    ("key", "value", "word"),
    [("plan", "CP9", "plan"), ("room", "R9", "room"), ("practitioner", "T9", "practitioner")],
)
def test_unknown_ids(key, value, word):
    sol = base_solution()
    assignment(sol, "CP2", "a")[key] = value
    report = check(base_problem(), sol)
    assert not report.valid
    assert any(f"unknown {word}" in v and value in v for v in report.violations)


def test_unscheduled_needs_known_reason():
    sol = base_solution()
    sol["assignments"].pop()
    sol["unscheduled"] = [{"plan": "CP2", "step": "a", "reasons": [{"code": "bad_luck"}]}]
    (msg,) = assert_breaks(base_problem(), sol, "Reasons")
    assert "bad_luck" in msg
    sol["unscheduled"] = [{"plan": "CP2", "step": "a", "reasons": []}]
    (msg,) = assert_breaks(base_problem(), sol, "Reasons")
    assert "no reason" in msg


def test_off_grid_start():
    sol = base_solution()
    assignment(sol, "CP2", "a")["start"] = at(0, "11:05")
    (msg,) = assert_breaks(base_problem(), sol, "Grid")
    assert "11:05" in msg


def test_start_without_offset_is_rejected():
    sol = base_solution()
    assignment(sol, "CP2", "a")["start"] = "2026-12-07T11:00:00"
    (msg,) = assert_breaks(base_problem(), sol, "Format")
    assert "offset" in msg


def test_instants_are_compared_not_strings():
    sol = base_solution()
    assignment(sol, "CP2", "a")["start"] = "2026-12-07T05:30:00Z"  # 11:00 in Kolkata
    assert check(base_problem(), sol).valid


def test_claimed_end_must_match_real_duration():
    sol = base_solution()
    assignment(sol, "CP2", "a")["end"] = at(0, "11:30")
    (msg,) = assert_breaks(base_problem(), sol, "Duration")
    assert "60 min" in msg


def london_problem(hours: list[list[str]], day: str) -> dict:
    problem = base_problem()
    problem["timezone"] = "Europe/London"
    problem["horizon"] = {"start": day, "days": 1}
    problem["center"] = {"hours": dict.fromkeys(EVERY_DAY, hours), "closed": []}
    for t in problem["practitioners"]:
        t["hours"] = {d: [["00:00", "24:00"]] for d in EVERY_DAY}
    problem["patients"][1]["hours"] = None
    problem["plans"] = [
        {
            "id": "CP1",
            "patient": "P1",
            "start": day,
            "steps": [{"id": "a", "therapy": "abhyanga", "day": 0}],
        }
    ]
    return problem


def london_solution(start: str) -> dict:
    return {
        "assignments": [
            {"plan": "CP1", "step": "a", "start": start, "room": "R1", "practitioner": "T1"}
        ],
        "unscheduled": [],
    }


def test_dst_spring_forward_uses_real_elapsed_time():
    # 2027-03-28: London clocks jump 01:00 GMT -> 02:00 BST. 00:30 + 60 real minutes ends at
    # 02:30 local, which is past a window ending 02:00 (wall-clock arithmetic would say 01:30).
    problem = london_problem([["00:00", "02:00"]], "2027-03-28")
    (msg,) = assert_breaks(problem, london_solution("2027-03-28T00:30:00+00:00"), "Rule 3")
    assert "00:30-02:30" in msg


def test_dst_fall_back_offsets():
    # 2027-10-31: London clocks fall back 02:00 BST -> 01:00 GMT; 09:00 local is +00:00.
    problem = london_problem([["07:00", "19:00"]], "2027-10-31")
    assert check(problem, london_solution("2027-10-31T09:00:00+00:00")).valid
    # The same wall time written with the summer offset is 08:00 GMT: still valid, local 08:00.
    report = check(problem, london_solution("2027-10-31T09:00:00+01:00"))
    assert report.valid
    # 07:00 BST is 06:00 GMT: before the center opens.
    (msg,) = assert_breaks(problem, london_solution("2027-10-31T07:00:00+01:00"), "Rule 3")
    assert "06:00" in msg


def test_session_may_not_cross_local_midnight():
    problem = london_problem([["00:00", "24:00"]], "2027-06-01")
    messages = assert_breaks(problem, london_solution("2027-06-01T23:30:00+01:00"), "Rule 3")
    assert any("midnight" in m for m in messages)
    problem["therapies"]["abhyanga"]["duration_min"] = 30
    assert check(problem, london_solution("2027-06-01T23:30:00+01:00")).valid


# -- objective: each term's exact penalty ---------------------------------------------------------


def only_part(report, part: str, value: int) -> None:
    assert report.parts[part] == value, report.parts
    assert report.objective == value
    assert sum(report.parts.values()) == value


def test_penalty_unscheduled():
    sol = base_solution()
    sol["assignments"] = [a for a in sol["assignments"] if a["plan"] != "CP2"]
    sol["unscheduled"] = [
        {"plan": "CP2", "step": "a", "reasons": [{"code": "search_limit", "message": "x"}]}
    ]
    report = check(base_problem(), sol)
    assert report.valid, report.violations
    only_part(report, "unscheduled", 1000 * (1 + 2))  # P2 has priority 2


def test_penalty_slip():
    sol = base_solution()
    assignment(sol, "CP2", "a")["start"] = at(1, "11:00")
    report = check(base_problem(), sol)
    assert report.valid, report.violations
    only_part(report, "slip", 50 * 1)


def test_penalty_preferred():
    problem = base_problem()
    problem["patients"][0]["preferred"] = [["07:00", "10:00"]]
    report = check(problem, base_solution())
    # CP1/a 09:00-10:00 is inside; CP1/b 10:00-10:30 and CP1/c 12:00-13:00 are not.
    only_part(report, "preferred", 5 * 2)


def test_penalty_same_practitioner():
    sol = base_solution()
    assignment(sol, "CP1", "b")["practitioner"] = "T3"  # a is with T1
    report = check(base_problem(), sol)
    assert report.valid, report.violations
    only_part(report, "same_practitioner", 10)


def test_penalty_overtime():
    problem = base_problem()
    problem["practitioners"][0]["soft_daily_min"] = 60
    report = check(problem, base_solution())
    # T1 works 60 + 30 + 60 = 150 min on 12-07: 90 over, 6 started quarter hours.
    only_part(report, "overtime", 6)
    problem["practitioners"][0]["soft_daily_min"] = 140
    only_part(check(problem, base_solution()), "overtime", 1)  # 10 min over is one block


def test_penalty_overtime_counts_group_once():
    problem, sol = group_problem()
    problem["practitioners"][0]["soft_daily_min"] = 200
    report = check(problem, sol)
    assert report.valid, report.violations
    # T1: 150 min of one-to-one sessions + yoga at 14:00 (once, 2 patients) + yoga at 16:00.
    # 270 - 200 = 70 min over: five started quarter hours.
    only_part(report, "overtime", 5)


def test_penalty_previous_change():
    problem = base_problem()

    def prev(step, start, room, practitioner, plan="CP1"):
        return {
            "plan": plan,
            "step": step,
            "start": start,
            "room": room,
            "practitioner": practitioner,
        }

    problem["previous"] = [
        prev("a", at(0, "09:00"), "R2", "T1"),  # same start, other room: 5
        prev("b", at(0, "10:15"), "ST1", "T1"),  # moved: 20 (not also 5)
        prev("c", at(0, "12:00"), "R1", "T2"),  # unscheduled now: only the 1000 below
        prev("a", at(0, "11:00"), "R2", "T1", plan="CP2"),  # unchanged: 0
    ]
    sol = base_solution()
    sol["assignments"] = [a for a in sol["assignments"] if (a["plan"], a["step"]) != ("CP1", "c")]
    sol["unscheduled"] = [
        {"plan": "CP1", "step": "c", "reasons": [{"code": "daily_limit", "message": "x"}]}
    ]
    report = check(problem, sol)
    assert report.valid, report.violations
    assert report.parts["previous_change"] == 5 + 20
    assert report.parts["unscheduled"] == 1000 * (1 + 0)
    assert report.objective == 1025


def test_pinned_previous_costs_nothing():
    problem = base_problem()
    problem["previous"] = [
        {
            "plan": "CP1",
            "step": "a",
            "start": at(0, "09:00"),
            "room": "R1",
            "practitioner": "T1",
            "pinned": True,
        }
    ]
    report = check(problem, base_solution())
    assert report.valid and report.objective == 0


def test_claimed_objective_mismatch_is_a_note_not_a_violation():
    sol = base_solution()
    sol["objective"] = 7
    report = check(base_problem(), sol)
    assert report.valid
    assert not report.claimed_objective_matches
    assert report.claimed_objective == 7
    sol["objective"] = 0
    assert check(base_problem(), sol).claimed_objective_matches


def test_inputs_are_not_mutated():
    problem, sol = base_problem(), base_solution()
    p0, s0 = copy.deepcopy(problem), copy.deepcopy(sol)
    check(problem, sol)
    assert problem == p0 and sol == s0
