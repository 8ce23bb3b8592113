"""The independent solution checker: each check of FORMAT.md on its own, one broken rule at a
time, and each objective term's exact penalty."""

import copy

import pytest

from scheduling.engine.checker import (
    CHECKS,
    OBJECTIVE_PARTS,
    CheckedProblem,
    CheckedSchedule,
    check,
    patient_holds_one_session_at_a_time,
    pinned_assignments_are_kept,
    plan_steps_keep_their_order,
    plans_are_scheduled_as_a_prefix,
    practitioner_holds_one_session_at_a_time,
    practitioner_is_qualified,
    previous_change_part,
    read_problem,
    read_solution,
    room_stays_within_capacity,
    room_suits_the_session,
    session_lies_in_open_and_free_time,
    sessions_last_their_real_duration,
    starts_on_the_slot_grid,
    step_falls_on_an_allowed_date,
)

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


def read(problem: dict, solution: dict) -> tuple[CheckedProblem, CheckedSchedule]:
    checked = read_problem(problem)
    return checked, read_solution(checked, solution)


def assert_breaks(problem: dict, solution: dict, rule) -> list[str]:
    """The solution is refused, and every reason comes from `rule`, which says it alone."""
    report = check(problem, solution)
    assert not report.valid
    messages = rule(*read(problem, solution))
    assert messages, report.violations
    assert report.violations == messages
    return messages


def assert_refused_on_reading(problem: dict, solution: dict, label: str) -> list[str]:
    """The solution is refused for faults found while reading it, all of kind `label`."""
    report = check(problem, solution)
    assert not report.valid
    messages = read(problem, solution)[1].violations
    assert messages and report.violations == messages
    assert all(m.startswith(label + ":") for m in messages), messages
    return messages


def test_the_base_case_is_valid_and_costs_nothing():
    report = check(base_problem(), base_solution())
    assert report.valid, report.violations
    assert report.objective == 0
    assert report.claimed_objective_matches


def test_each_check_names_its_rule_of_the_format():
    rules = [f.__doc__.split(":")[0] for f in CHECKS]
    assert rules == ["Time", "Time"] + [f"Rule {n}" for n in range(1, 11)]


# -- rule 1: practitioner_is_qualified ----------------------------------------------------------


def test_a_practitioner_without_the_therapys_skill_is_refused():
    sol = base_solution()
    assignment(sol, "CP1", "b")["practitioner"] = "T2"  # T2 has no swedana
    (msg,) = assert_breaks(base_problem(), sol, practitioner_is_qualified)
    assert msg.startswith("Rule 1:") and "T2" in msg and "swedana" in msg and "10:00" in msg


def test_a_practitioner_of_the_other_gender_is_refused_when_the_patient_asks_for_the_same():
    sol = base_solution()
    assignment(sol, "CP2", "a")["practitioner"] = "T2"  # male for a patient wanting a woman
    (msg,) = assert_breaks(base_problem(), sol, practitioner_is_qualified)
    assert "same-gender" in msg and "P2" in msg


# -- rule 2: room_suits_the_session --------------------------------------------------------------


def test_a_room_of_another_type_is_refused():
    sol = base_solution()
    assignment(sol, "CP2", "a")["room"] = "ST1"  # steam room for abhyanga
    (msg,) = assert_breaks(base_problem(), sol, room_suits_the_session)
    assert msg.startswith("Rule 2:") and "ST1" in msg and "CP2/a" in msg


def test_a_womens_room_is_refused_to_a_man():
    sol = base_solution()
    assignment(sol, "CP1", "a")["room"] = "R2"  # women-only room for P1 (M)
    (msg,) = assert_breaks(base_problem(), sol, room_suits_the_session)
    assert "R2" in msg and "P1" in msg


# -- rule 3: session_lies_in_open_and_free_time -----------------------------------------------------


def test_a_session_outside_the_centers_hours_is_refused():
    problem = base_problem()
    problem["center"]["hours"] = {d: [["08:00", "19:00"]] for d in EVERY_DAY}
    sol = base_solution()
    assignment(sol, "CP2", "a")["start"] = at(0, "07:15")
    (msg,) = assert_breaks(problem, sol, session_lies_in_open_and_free_time)
    assert msg.startswith("Rule 3:") and "center's hours" in msg and "07:15" in msg


def test_a_session_on_a_closed_date_is_refused():
    sol = base_solution()
    assignment(sol, "CP2", "a")["start"] = at(2, "11:00")  # 2026-12-09 is closed
    (msg,) = assert_breaks(base_problem(), sol, session_lies_in_open_and_free_time)
    assert "closed" in msg and "2026-12-09" in msg


def test_a_session_past_the_end_of_the_practitioners_shift_is_refused():
    sol = base_solution()
    assignment(sol, "CP1", "c")["start"] = at(0, "12:30")  # T2 works until 13:00
    (msg,) = assert_breaks(base_problem(), sol, session_lies_in_open_and_free_time)
    assert "T2" in msg and "shifts" in msg


def test_a_session_outside_the_patients_available_hours_is_refused():
    sol = base_solution()
    assignment(sol, "CP2", "a")["start"] = at(0, "12:30")  # P2 available until 13:00
    (msg,) = assert_breaks(base_problem(), sol, session_lies_in_open_and_free_time)
    assert "P2" in msg and "available hours" in msg


def test_a_session_during_the_practitioners_leave_is_refused():
    problem = base_problem()
    problem["practitioners"][1]["off"] = [{"start": at(0, "11:30"), "end": at(1, "00:00")}]
    (msg,) = assert_breaks(problem, base_solution(), session_lies_in_open_and_free_time)
    assert "leave" in msg and "T2" in msg


@pytest.mark.parametrize("resource", ["P2", "T1"])
def test_a_session_in_a_busy_interval_of_its_patient_or_practitioner_is_refused(resource):
    problem = base_problem()
    problem["busy"] = [{"resource": resource, "start": at(0, "11:45"), "end": at(0, "12:00")}]
    (msg,) = assert_breaks(problem, base_solution(), session_lies_in_open_and_free_time)
    assert "busy" in msg and resource in msg


def test_a_session_in_a_rooms_busy_interval_is_refused():
    problem = base_problem()
    problem["busy"] = [{"resource": "R2", "start": at(0, "11:45"), "end": at(0, "12:00")}]
    checked = read(problem, base_solution())
    (msg,) = session_lies_in_open_and_free_time(*checked)
    assert "busy" in msg and "R2" in msg
    # A busy room is also full, so rule 5 speaks up too.
    (full,) = room_stays_within_capacity(*checked)
    assert check(problem, base_solution()).violations == [msg, full]


def test_a_session_is_measured_in_real_elapsed_time_across_a_dst_change():
    # 2027-03-28: London clocks jump 01:00 GMT -> 02:00 BST. 00:30 + 60 real minutes ends at
    # 02:30 local, which is past a window ending 02:00 (wall-clock arithmetic would say 01:30).
    problem = london_problem([["00:00", "02:00"]], "2027-03-28")
    sol = london_solution("2027-03-28T00:30:00+00:00")
    (msg,) = assert_breaks(problem, sol, session_lies_in_open_and_free_time)
    assert "00:30-02:30" in msg


def test_starts_written_with_either_offset_on_a_fall_back_day_are_read_as_instants():
    # 2027-10-31: London clocks fall back 02:00 BST -> 01:00 GMT; 09:00 local is +00:00.
    problem = london_problem([["07:00", "19:00"]], "2027-10-31")
    assert check(problem, london_solution("2027-10-31T09:00:00+00:00")).valid
    # The same wall time written with the summer offset is 08:00 GMT: still valid, local 08:00.
    assert check(problem, london_solution("2027-10-31T09:00:00+01:00")).valid
    # 07:00 BST is 06:00 GMT: before the center opens.
    sol = london_solution("2027-10-31T07:00:00+01:00")
    (msg,) = assert_breaks(problem, sol, session_lies_in_open_and_free_time)
    assert "06:00" in msg


def test_a_session_may_not_cross_local_midnight():
    problem = london_problem([["00:00", "24:00"]], "2027-06-01")
    sol = london_solution("2027-06-01T23:30:00+01:00")
    messages = assert_breaks(problem, sol, session_lies_in_open_and_free_time)
    assert any("midnight" in m for m in messages)
    problem["therapies"]["abhyanga"]["duration_min"] = 30  # ends at midnight exactly: fine
    assert check(problem, london_solution("2027-06-01T23:30:00+01:00")).valid


# -- rule 4: practitioner_holds_one_session_at_a_time ---------------------------------------------


def test_a_practitioner_with_two_sessions_at_once_is_refused():
    sol = base_solution()
    a = assignment(sol, "CP2", "a")
    a["start"], a["room"] = at(0, "09:30"), "R2"  # T1 is on CP1/a 09:00-10:00 and CP1/b 10:00
    messages = assert_breaks(base_problem(), sol, practitioner_holds_one_session_at_a_time)
    assert len(messages) == 2
    assert all(m.startswith("Rule 4:") and "T1" in m and "two sessions" in m for m in messages)


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


def test_a_group_occurrence_takes_its_practitioner_once():
    problem, sol = group_problem()
    assert practitioner_holds_one_session_at_a_time(*read(problem, sol)) == []
    report = check(problem, sol)
    assert report.valid, report.violations


def test_a_group_occurrence_above_its_group_size_is_refused():
    problem, sol = group_problem()
    assignment(sol, "Y5", "yoga")["start"] = at(0, "14:00")
    (msg,) = assert_breaks(problem, sol, practitioner_holds_one_session_at_a_time)
    assert "group_size 2" in msg and "3 patients" in msg


def test_group_sessions_in_different_rooms_are_two_occurrences_for_the_practitioner():
    problem, sol = group_problem()
    problem["rooms"].append({"id": "H2", "type": "hall", "capacity": 3})
    assignment(sol, "Y4", "yoga")["room"] = "H2"  # same start and practitioner, other room
    (msg,) = assert_breaks(problem, sol, practitioner_holds_one_session_at_a_time)
    assert "T1" in msg


# -- rule 5: room_stays_within_capacity -----------------------------------------------------------


def test_a_session_in_a_room_still_being_cleaned_is_refused():
    sol = base_solution()
    a = assignment(sol, "CP2", "a")
    # R1 is taken by CP1/a 09:00-10:00 plus 15 min cleaning.
    a["start"], a["room"], a["practitioner"] = at(0, "10:00"), "R1", "T3"
    (msg,) = assert_breaks(base_problem(), sol, room_stays_within_capacity)
    assert msg.startswith("Rule 5:") and "R1" in msg and "CP1/a" in msg and "CP2/a" in msg


def test_cleaning_that_runs_into_a_rooms_busy_interval_is_refused():
    problem = base_problem()
    problem["busy"] = [{"resource": "R1", "start": at(0, "10:00"), "end": at(0, "11:00")}]
    (msg,) = assert_breaks(problem, base_solution(), room_stays_within_capacity)
    assert "R1" in msg and "busy" in msg


def test_busy_intervals_overlapping_each_other_are_not_the_solutions_fault():
    problem = base_problem()
    problem["busy"] = [
        {"resource": "H1", "start": at(0, "08:00"), "end": at(0, "10:00")},
        {"resource": "H1", "start": at(0, "09:00"), "end": at(0, "11:00")},
    ]
    assert room_stays_within_capacity(*read(problem, base_solution())) == []
    assert check(problem, base_solution()).valid


def test_each_patient_of_a_group_counts_against_the_rooms_capacity():
    problem, sol = group_problem(room_capacity=1)
    (msg,) = assert_breaks(problem, sol, room_stays_within_capacity)
    assert "H1" in msg and "holds 2" in msg


# -- rule 6: patient_holds_one_session_at_a_time --------------------------------------------------


def test_a_session_during_the_patients_rest_after_another_is_refused():
    sol = base_solution()
    # CP1/b (swedana) ends 10:30 and needs 15 min rest; 10:30 respects rule 8 but not the rest.
    assignment(sol, "CP1", "c")["start"] = at(0, "10:30")
    (msg,) = assert_breaks(base_problem(), sol, patient_holds_one_session_at_a_time)
    assert msg.startswith("Rule 6:") and "P1" in msg and "rest" in msg


def test_a_patient_in_two_plans_at_once_is_refused():
    problem = base_problem()
    problem["plans"][1]["patient"] = "P1"
    problem["patients"][0]["max_daily_sessions"] = 4
    problem["rooms"][1]["gender"] = None
    sol = base_solution()
    a = assignment(sol, "CP2", "a")
    a["start"], a["room"], a["practitioner"] = at(0, "11:30"), "R2", "T3"
    messages = assert_breaks(problem, sol, patient_holds_one_session_at_a_time)
    assert any("CP1/c" in m and "CP2/a" in m for m in messages)


def test_more_sessions_a_day_than_the_patient_allows_are_refused():
    problem = base_problem()
    problem["patients"][0]["max_daily_sessions"] = 2
    (msg,) = assert_breaks(problem, base_solution(), patient_holds_one_session_at_a_time)
    assert "3 sessions" in msg and "2026-12-07" in msg


# -- rule 7: step_falls_on_an_allowed_date ---------------------------------------------------------


def test_a_step_later_than_its_slack_allows_is_refused():
    sol = base_solution()
    assignment(sol, "CP2", "a")["start"] = at(3, "11:00")  # nominal day 0, slack 2
    (msg,) = assert_breaks(base_problem(), sol, step_falls_on_an_allowed_date)
    assert msg.startswith("Rule 7:") and "0..2" in msg


def test_a_step_before_its_planned_day_is_refused():
    problem = base_problem()
    problem["plans"][1]["start"] = "2026-12-08"
    (msg,) = assert_breaks(problem, base_solution(), step_falls_on_an_allowed_date)
    assert "CP2/a" in msg and "-1 day" in msg


def test_a_step_after_the_horizon_is_refused():
    problem = base_problem()
    problem["plans"][1]["start"] = "2026-12-10"
    problem["plans"][1]["steps"][0]["day"] = 1  # nominal 12-11: the horizon ends 12-10
    sol = base_solution()
    assignment(sol, "CP2", "a")["start"] = at(4, "11:00")
    (msg,) = assert_breaks(problem, sol, step_falls_on_an_allowed_date)
    assert "horizon" in msg


# -- rule 8: plan_steps_keep_their_order -----------------------------------------------------------


def test_a_step_starting_before_the_previous_step_ends_is_refused():
    sol = base_solution()
    assignment(sol, "CP1", "c")["start"] = at(0, "07:00")  # before the steps listed above it
    (msg,) = assert_breaks(base_problem(), sol, plan_steps_keep_their_order)
    assert msg.startswith("Rule 8:") and "CP1/c" in msg and "previous step" in msg


def test_a_step_further_from_its_after_step_than_the_max_gap_is_refused():
    sol = base_solution()
    b = assignment(sol, "CP1", "b")
    b["start"], b["practitioner"] = at(0, "10:45"), "T3"  # 45 min after a ends, max 30
    (msg,) = assert_breaks(base_problem(), sol, plan_steps_keep_their_order)
    assert "max_gap_min 30" in msg and "45" in msg


def test_a_step_closer_to_its_after_step_than_the_min_gap_is_refused():
    problem = base_problem()
    problem["plans"][0]["steps"][1]["after"]["min_gap_min"] = 15
    (msg,) = assert_breaks(problem, base_solution(), plan_steps_keep_their_order)
    assert "min_gap_min 15" in msg


def test_an_after_naming_a_later_step_is_noted():
    problem = base_problem()
    problem["plans"][0]["steps"][1]["after"]["step"] = "c"
    assert any("after='c'" in n for n in check(problem, base_solution()).notes)


# -- rule 9: plans_are_scheduled_as_a_prefix -------------------------------------------------------


def test_a_step_scheduled_after_an_unscheduled_step_of_its_plan_is_refused():
    sol = base_solution()
    sol["assignments"] = [a for a in sol["assignments"] if (a["plan"], a["step"]) != ("CP1", "b")]
    sol["unscheduled"] = [
        {"plan": "CP1", "step": "b", "reasons": [{"code": "room_unavailable", "message": "x"}]}
    ]
    (msg,) = assert_breaks(base_problem(), sol, plans_are_scheduled_as_a_prefix)
    assert msg.startswith("Rule 9:") and "CP1" in msg and " c " in msg and " b " in msg


# -- rule 10: pinned_assignments_are_kept ----------------------------------------------------------


def pinned(plan: str, step: str, start: str, room: str, practitioner: str) -> dict:
    return {
        "plan": plan,
        "step": step,
        "start": start,
        "room": room,
        "practitioner": practitioner,
        "pinned": True,
    }


def test_a_pinned_assignment_given_another_practitioner_is_refused():
    problem = base_problem()
    problem["previous"] = [pinned("CP1", "a", at(0, "09:00"), "R1", "T3")]
    (msg,) = assert_breaks(problem, base_solution(), pinned_assignments_are_kept)
    assert msg.startswith("Rule 10:") and "practitioner T1 instead of T3" in msg


def test_a_pinned_assignment_left_unscheduled_is_refused():
    problem = base_problem()
    problem["previous"] = [pinned("CP2", "a", at(0, "11:00"), "R2", "T1")]
    sol = base_solution()
    sol["assignments"] = [a for a in sol["assignments"] if a["plan"] != "CP2"]
    sol["unscheduled"] = [
        {"plan": "CP2", "step": "a", "reasons": [{"code": "search_limit", "message": "x"}]}
    ]
    (msg,) = assert_breaks(problem, sol, pinned_assignments_are_kept)
    assert "CP2/a" in msg


def test_a_pinned_start_written_with_another_offset_is_kept():
    problem = base_problem()
    # 03:30 UTC is 09:00 in Kolkata.
    problem["previous"] = [pinned("CP1", "a", "2026-12-07T03:30:00+00:00", "R1", "T1")]
    assert pinned_assignments_are_kept(*read(problem, base_solution())) == []
    assert check(problem, base_solution()).valid


# -- time: starts_on_the_slot_grid, sessions_last_their_real_duration ------------------------------


def test_a_start_off_the_slot_grid_is_refused():
    sol = base_solution()
    assignment(sol, "CP2", "a")["start"] = at(0, "11:05")
    (msg,) = assert_breaks(base_problem(), sol, starts_on_the_slot_grid)
    assert msg.startswith("Grid:") and "11:05" in msg


def test_a_claimed_end_must_match_the_real_duration():
    sol = base_solution()
    assignment(sol, "CP2", "a")["end"] = at(0, "11:30")
    (msg,) = assert_breaks(base_problem(), sol, sessions_last_their_real_duration)
    assert msg.startswith("Duration:") and "60 min" in msg
    assignment(sol, "CP2", "a")["end"] = at(0, "12:00")
    assert check(base_problem(), sol).valid


# -- reading: format, completeness, reasons --------------------------------------------------------


def test_a_step_in_neither_list_is_refused():
    sol = base_solution()
    sol["assignments"].pop()
    (msg,) = assert_refused_on_reading(base_problem(), sol, "Completeness")
    assert "CP2/a" in msg


def test_a_step_listed_twice_is_refused():
    sol = base_solution()
    sol["unscheduled"] = [
        {"plan": "CP2", "step": "a", "reasons": [{"code": "search_limit", "message": "x"}]}
    ]
    (msg,) = assert_refused_on_reading(base_problem(), sol, "Completeness")
    assert "more than once" in msg


@pytest.mark.parametrize(
    ("key", "value", "word"),
    [("plan", "CP9", "plan"), ("room", "R9", "room"), ("practitioner", "T9", "practitioner")],
)
def test_an_assignment_naming_an_unknown_plan_room_or_practitioner_is_refused(key, value, word):
    sol = base_solution()
    assignment(sol, "CP2", "a")[key] = value
    report = check(base_problem(), sol)
    assert not report.valid
    assert any(f"unknown {word}" in v and value in v for v in report.violations)


def test_an_unscheduled_step_needs_a_known_reason():
    sol = base_solution()
    sol["assignments"].pop()
    sol["unscheduled"] = [{"plan": "CP2", "step": "a", "reasons": [{"code": "bad_luck"}]}]
    (msg,) = assert_refused_on_reading(base_problem(), sol, "Reasons")
    assert "bad_luck" in msg
    sol["unscheduled"] = [{"plan": "CP2", "step": "a", "reasons": []}]
    (msg,) = assert_refused_on_reading(base_problem(), sol, "Reasons")
    assert "no reason" in msg


def test_a_start_without_utc_offset_is_refused():
    sol = base_solution()
    assignment(sol, "CP2", "a")["start"] = "2026-12-07T11:00:00"
    (msg,) = assert_refused_on_reading(base_problem(), sol, "Format")
    assert "offset" in msg


def test_starts_are_compared_as_instants_not_strings():
    sol = base_solution()
    assignment(sol, "CP2", "a")["start"] = "2026-12-07T05:30:00Z"  # 11:00 in Kolkata
    assert check(base_problem(), sol).valid


def test_an_unreadable_problem_is_reported_not_raised():
    problem = base_problem()
    del problem["timezone"]
    report = check(problem, base_solution())
    assert not report.valid
    (msg,) = report.violations
    assert msg.startswith("Problem:") and "timezone" in msg


# -- objective: one function per term, each term's exact penalty ----------------------------------


def only_part(problem: dict, solution: dict, part: str, value: int) -> None:
    report = check(problem, solution)
    assert report.valid, report.violations
    assert report.parts[part] == value, report.parts
    assert report.objective == value
    assert sum(report.parts.values()) == value
    assert OBJECTIVE_PARTS[part](*read(problem, solution)) == value


def test_an_unscheduled_step_costs_1000_times_one_plus_its_priority():
    sol = base_solution()
    sol["assignments"] = [a for a in sol["assignments"] if a["plan"] != "CP2"]
    sol["unscheduled"] = [
        {"plan": "CP2", "step": "a", "reasons": [{"code": "search_limit", "message": "x"}]}
    ]
    only_part(base_problem(), sol, "unscheduled", 1000 * (1 + 2))  # P2 has priority 2


def test_each_day_of_slip_costs_50():
    sol = base_solution()
    assignment(sol, "CP2", "a")["start"] = at(1, "11:00")
    only_part(base_problem(), sol, "slip", 50 * 1)


def test_each_session_outside_the_preferred_windows_costs_5():
    problem = base_problem()
    problem["patients"][0]["preferred"] = [["07:00", "10:00"]]
    # CP1/a 09:00-10:00 is inside; CP1/b 10:00-10:30 and CP1/c 12:00-13:00 are not.
    only_part(problem, base_solution(), "preferred", 5 * 2)


def test_another_practitioner_than_the_partner_steps_costs_10():
    sol = base_solution()
    assignment(sol, "CP1", "b")["practitioner"] = "T3"  # a is with T1
    only_part(base_problem(), sol, "same_practitioner", 10)


def test_overtime_costs_one_per_started_quarter_hour():
    problem = base_problem()
    problem["practitioners"][0]["soft_daily_min"] = 60
    # T1 works 60 + 30 + 60 = 150 min on 12-07: 90 over, 6 started quarter hours.
    only_part(problem, base_solution(), "overtime", 6)
    problem["practitioners"][0]["soft_daily_min"] = 140
    only_part(problem, base_solution(), "overtime", 1)  # 10 min over is one block


def test_overtime_counts_a_group_occurrence_once():
    problem, sol = group_problem()
    problem["practitioners"][0]["soft_daily_min"] = 200
    # T1: 150 min of one-to-one sessions + yoga at 14:00 (once, 2 patients) + yoga at 16:00.
    # 270 - 200 = 70 min over: five started quarter hours.
    only_part(problem, sol, "overtime", 5)


def test_a_moved_previous_assignment_costs_20_and_one_with_another_room_5():
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
    assert previous_change_part(*read(problem, sol)) == 5 + 20
    assert report.parts["unscheduled"] == 1000 * (1 + 0)
    assert report.objective == 1025


def test_a_kept_pinned_assignment_costs_nothing():
    problem = base_problem()
    problem["previous"] = [pinned("CP1", "a", at(0, "09:00"), "R1", "T1")]
    report = check(problem, base_solution())
    assert report.valid and report.objective == 0


def test_a_wrong_claimed_objective_is_a_note_not_a_violation():
    sol = base_solution()
    sol["objective"] = 7
    report = check(base_problem(), sol)
    assert report.valid
    assert not report.claimed_objective_matches
    assert report.claimed_objective == 7
    sol["objective"] = 0
    assert check(base_problem(), sol).claimed_objective_matches


def test_checking_does_not_change_its_inputs():
    problem, sol = base_problem(), base_solution()
    p0, s0 = copy.deepcopy(problem), copy.deepcopy(sol)
    check(problem, sol)
    assert problem == p0 and sol == s0
