"""Sessions already booked in a room of several places take only their own place when a later
plan is scheduled, and a group class already booked can be joined by a later plan."""

import datetime

from django.urls import reverse

from scheduling.engine.checker import check
from scheduling.models import SchedulingRun
from scheduling.services.care_plans import care_plan_schedule
from tests.factories import (
    CarePlanFactory,
    PatientFactory,
)
from tests.scheduling.builders import KOLKATA, active, fill_class, steam_plans, yoga_class


def test_two_plans_share_the_two_place_steam_room_across_two_runs(clinic):
    # Both patients can only come 09:00-09:30, and the steam room is the only one for Swedana.
    first, second = steam_plans(clinic, 2)
    for plan in (first, second):
        plan.patient.available_windows = [["09:00", "09:30"]]
        plan.patient.save(update_fields=["available_windows"])

    care_plan_schedule(care_plan=first, time_limit=0.3)
    run = care_plan_schedule(care_plan=second, time_limit=0.3)

    booked_first = active(first.sessions).get()
    booked_second = active(second.sessions).get()
    nine = datetime.datetime.combine(clinic["start"], datetime.time(9), tzinfo=KOLKATA)
    assert booked_first.starts_at == booked_second.starts_at == nine
    assert booked_first.room == booked_second.room == clinic["steam"]
    assert {booked_first.room_place, booked_second.room_place} == {1, 2}
    assert booked_first.practitioner != booked_second.practitioner
    # The second run saw the first session as one place taken, not the whole room.
    steam_busy = [b for b in run.problem["busy"] if b["resource"] == "ST1"]
    assert steam_busy == [
        {
            "resource": "ST1",
            "start": nine.isoformat(),
            "end": booked_first.room_released_at.astimezone(KOLKATA).isoformat(),
            "places": 1,
        }
    ]
    assert check(run.problem, run.solution).valid


def test_a_third_plan_finds_the_steam_room_full_and_says_so(clinic):
    plans = steam_plans(clinic, 3)
    for plan in plans:
        plan.patient.available_windows = [["09:00", "09:30"]]
        plan.patient.save(update_fields=["available_windows"])
        plan.protocol_version.steps.update(slack_days=0)

    runs = [care_plan_schedule(care_plan=plan, time_limit=0.3) for plan in plans]

    assert [active(plan.sessions).count() for plan in plans] == [1, 1, 0]
    reasons = runs[2].solution["unscheduled"][0]["reasons"]
    assert any("ST1" in r["message"] for r in reasons), reasons


def test_a_later_plan_joins_the_yoga_class_already_booked(clinic):
    center, start = clinic["center"], clinic["start"]
    yoga = yoga_class(center, start)
    patient = PatientFactory(center=center, available_windows=[["10:00", "11:00"]])
    plan = CarePlanFactory(patient=patient, protocol_version=yoga["version"], start_date=start)

    run = care_plan_schedule(care_plan=plan, time_limit=0.3)

    joined = active(plan.sessions).get()
    class_booked = yoga["booked"][0]
    assert (joined.starts_at, joined.room, joined.practitioner) == (
        yoga["ten"],
        yoga["hall"],
        yoga["lakshmi"],
    )
    assert joined.occurrence == class_booked.occurrence
    assert joined.room_place == 3
    hall_busy = [b for b in run.problem["busy"] if b["resource"] == "H1"]
    assert hall_busy[0]["places"] == 2
    assert hall_busy[0]["group"] == {
        "therapy": "yoga",
        "practitioner": run.solution["assignments"][0]["practitioner"],
        "seats": 2,
    }
    assert check(run.problem, run.solution).valid


def test_a_full_class_is_not_joined_and_the_run_says_it_is_full(client, admin_user, clinic):
    center, start = clinic["center"], clinic["start"]
    yoga = yoga_class(center, start)
    fill_class(center, yoga)
    patient = PatientFactory(center=center, available_windows=[["10:00", "11:00"]])
    plan = CarePlanFactory(patient=patient, protocol_version=yoga["version"], start_date=start)

    run = care_plan_schedule(care_plan=plan, time_limit=0.3)

    assert not active(plan.sessions).exists()
    assert run.status == SchedulingRun.Status.SUCCEEDED
    hall_busy = next(b for b in run.problem["busy"] if b["resource"] == "H1")
    # Still the class, with no seat left: the engine holds Lakshmi, and the run can name it.
    assert hall_busy["places"] == 4 and hall_busy["group"]["seats"] == 0
    assert check(run.problem, run.solution).valid
    lakshmi = hall_busy["group"]["practitioner"]
    full = (
        f"The Yoga class on {yoga['ten']:%a} {yoga['ten'].day} {yoga['ten']:%b} at 10:00 with "
        f"{lakshmi} in room H1 is full: all 4 places are taken, so it cannot be joined."
    )
    assert run.solution["unscheduled"][0]["reasons"][0]["message"] == full
    # What the admin reads on the run's page: the full class first, then the engine's reasons.
    client.force_login(admin_user)
    page = client.get(reverse("scheduling_run", args=[run.pk])).content.decode()
    assert full in page
    assert "Lakshmi Teacher" in lakshmi
