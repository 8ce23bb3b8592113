"""Sessions already booked in a room of several places take only their own place when a later
plan is scheduled, and a group class already booked can be joined by a later plan."""

import datetime

from clinics.choices import Role, RoomType
from scheduling.engine.checker import check
from scheduling.models import SchedulingRun
from scheduling.services.care_plans import care_plan_schedule
from tests.factories import (
    CarePlanFactory,
    MembershipFactory,
    PatientFactory,
    PractitionerProfileFactory,
    ProtocolStepFactory,
    ProtocolVersionFactory,
    RoomFactory,
    RosterShiftFactory,
    SkillFactory,
    TherapySessionFactory,
    TherapyTypeFactory,
    UserFactory,
)
from tests.scheduling.builders import KOLKATA, active, steam_plans


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


def yoga_class(center, start):
    """A yoga hall of eight places, a class of up to four given only by Lakshmi, and one
    class booked at 10:00 on `start` with two patients in it."""
    yoga_skill = SkillFactory(code="yoga", name="Yoga")
    yoga = TherapyTypeFactory(
        code="yoga",
        name="Yoga",
        duration_minutes=60,
        required_skill=yoga_skill,
        allowed_room_types=[RoomType.YOGA_HALL.value],
        group_size=4,
    )
    hall = RoomFactory(center=center, code="H1", room_type=RoomType.YOGA_HALL, capacity=8)
    user = UserFactory(first_name="Lakshmi", last_name="Teacher")
    MembershipFactory(user=user, center=center, role=Role.PRACTITIONER)
    lakshmi = PractitionerProfileFactory(user=user, gender="F", skills=[yoga_skill])
    for weekday in range(7):
        RosterShiftFactory(
            practitioner=lakshmi,
            center=center,
            weekday=weekday,
            starts=datetime.time(7),
            ends=datetime.time(15),
        )
    ten = datetime.datetime.combine(start, datetime.time(10), tzinfo=KOLKATA)
    version = ProtocolVersionFactory(template__name="Yoga class")
    step = ProtocolStepFactory(version=version, order=1, code="yoga", therapy=yoga)
    booked = []
    occurrence = None
    for _ in range(2):
        patient = PatientFactory(center=center)
        plan = CarePlanFactory(patient=patient, protocol_version=version, start_date=start)
        session = TherapySessionFactory(
            center=center,
            patient=patient,
            care_plan=plan,
            protocol_step=step,
            therapy=yoga,
            practitioner=lakshmi,
            room=hall,
            starts_at=ten,
            room_place=len(booked) + 1,
            **({"occurrence": occurrence} if occurrence else {}),
        )
        occurrence = session.occurrence
        booked.append(session)
    return {"version": version, "hall": hall, "lakshmi": lakshmi, "ten": ten, "booked": booked}


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


def test_a_full_class_is_not_joined(clinic):
    center, start = clinic["center"], clinic["start"]
    yoga = yoga_class(center, start)
    # Two more patients fill the class of four.
    for place in (3, 4):
        patient = PatientFactory(center=center)
        TherapySessionFactory(
            center=center,
            patient=patient,
            care_plan=CarePlanFactory(
                patient=patient, protocol_version=yoga["version"], start_date=start
            ),
            protocol_step=yoga["version"].steps.get(),
            therapy=yoga["booked"][0].therapy,
            practitioner=yoga["lakshmi"],
            room=yoga["hall"],
            starts_at=yoga["ten"],
            room_place=place,
            occurrence=yoga["booked"][0].occurrence,
        )
    patient = PatientFactory(center=center, available_windows=[["10:00", "11:00"]])
    plan = CarePlanFactory(patient=patient, protocol_version=yoga["version"], start_date=start)

    run = care_plan_schedule(care_plan=plan, time_limit=0.3)

    assert not active(plan.sessions).exists()
    assert run.status == SchedulingRun.Status.SUCCEEDED
    hall_busy = next(b for b in run.problem["busy"] if b["resource"] == "H1")
    assert hall_busy["places"] == 4 and "group" not in hall_busy
    reasons = " ".join(r["message"] for r in run.solution["unscheduled"][0]["reasons"])
    assert "Lakshmi" in reasons, reasons
