"""Plans, runs and checks that the scheduling tests share."""

import datetime
import itertools
from zoneinfo import ZoneInfo

from clinics.choices import RoomType
from patients.models import CarePlan
from scheduling.engine.checker import check
from scheduling.models import SchedulingRun
from scheduling.problems import (
    build_problem,
    horizon_for_plans,
    plan_id,
    plans_with_steps,
    practitioner_id,
)
from scheduling.services.runs import scheduling_run_solve
from sessions.models import RELEASED_STATUSES, SessionStatus
from tests.factories import (
    CarePlanFactory,
    PatientFactory,
    ProtocolStepFactory,
    ProtocolVersionFactory,
    RoomFactory,
    SkillFactory,
    TherapySessionFactory,
    TherapyTypeFactory,
    practitioner_every_day,
)

KOLKATA = ZoneInfo("Asia/Kolkata")


def first_monday_after(days: int) -> datetime.date:
    day = datetime.date.today() + datetime.timedelta(days=days)
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7)


def plan_for(clinic, **patient_fields) -> CarePlan:
    """A draft plan of the clinic's protocol for a new patient, from the clinic's start day."""
    patient = PatientFactory(center=clinic["center"], **patient_fields)
    return CarePlanFactory(
        patient=patient, protocol_version=clinic["version"], start_date=clinic["start"]
    )


def active(queryset):
    return queryset.exclude(status__in=RELEASED_STATUSES)


def overlaps(sessions, key, end_field):
    """Pairs of sessions that share `key` and overlap in time (turnover/rest included)."""
    clashes = []
    by_key = {}
    for s in sessions:
        by_key.setdefault(key(s), []).append(s)
    for group in by_key.values():
        group.sort(key=lambda s: s.starts_at)
        for a, b in itertools.pairwise(group):
            if b.starts_at < getattr(a, end_field):
                clashes.append((a, b))
    return clashes


def solved_run(clinic, plans, *, care_plan=None, time_limit=0.5) -> SchedulingRun:
    """A center-wide run for `plans`, solved and stored but not booked."""
    loaded = plans_with_steps(CarePlan.objects.filter(pk__in=[plan.pk for plan in plans]))
    start, days = horizon_for_plans(loaded)
    problem, refs = build_problem(center=clinic["center"], plans=loaded, start=start, days=days)
    return scheduling_run_solve(
        center=clinic["center"],
        kind=SchedulingRun.Kind.AUTO_SCHEDULE,
        problem=problem,
        refs=refs,
        time_limit=time_limit,
        care_plan=care_plan,
    )


def steam_plans(clinic, count) -> list[CarePlan]:
    """Plans of one 30-minute Swedana each, given in the two-place steam room."""
    version = ProtocolVersionFactory(template__name="One Swedana")
    ProtocolStepFactory(version=version, order=1, code="swedana", therapy=clinic["swedana"])
    return [
        CarePlanFactory(
            patient=PatientFactory(center=clinic["center"]),
            protocol_version=version,
            start_date=clinic["start"],
        )
        for _ in range(count)
    ]


def run_booking(clinic, bookings) -> SchedulingRun:
    """A solved run whose solution books each plan at the local time and with whom `bookings`
    says, in the order `bookings` gives: a layout chosen by hand that the engine may not produce.
    """
    run = solved_run(clinic, list(bookings), time_limit=0.2)
    by_plan = {plan_id(plan): booking for plan, booking in bookings.items()}
    order = list(by_plan)
    run.solution["assignments"] = [
        {
            **assignment,
            "start": datetime.datetime.combine(
                clinic["start"], by_plan[assignment["plan"]][0], tzinfo=KOLKATA
            ).isoformat(),
            "practitioner": practitioner_id(by_plan[assignment["plan"]][1]),
        }
        for assignment in sorted(run.solution["assignments"], key=lambda a: order.index(a["plan"]))
    ]
    run.save(update_fields=["solution"])
    assert check(run.problem, run.solution).valid  # never more patients in a room than places
    return run


def overrunning_morning(clinic, now: datetime.datetime) -> dict:
    """Meera's 09:00 Abhyanga on `now`'s day is running over until 10:30; her 10:15 session
    for another patient, whose plan also has a 13:00 Swedana with Kavya, now clashes with it;
    Kavya's 11:30 session for a third patient clashes with nothing."""
    center = clinic["center"]
    # A public holiday would close the center for the day the test happens to run on.
    center.holiday_country = ""
    center.save(update_fields=["holiday_country"])
    meera, _, kavya = clinic["practitioners"]
    r1, r2 = clinic["rooms"]
    day = now.astimezone(KOLKATA).date()

    def at(hour, minute=0):
        return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=KOLKATA)

    version = ProtocolVersionFactory(template__name="A day of Abhyanga and Swedana")
    abhyanga_step = ProtocolStepFactory(
        version=version, order=1, code="d1-abhyanga", therapy=clinic["abhyanga"]
    )
    swedana_step = ProtocolStepFactory(
        version=version, order=2, code="d1-swedana", therapy=clinic["swedana"]
    )

    def booked(practitioner, room, starts_at, step=abhyanga_step, plan=None, **fields):
        plan = plan or CarePlanFactory(
            patient=PatientFactory(center=center), protocol_version=version, start_date=day
        )
        return TherapySessionFactory(
            center=center,
            patient=plan.patient,
            care_plan=plan,
            protocol_step=step,
            therapy=step.therapy,
            practitioner=practitioner,
            room=room,
            starts_at=starts_at,
            **fields,
        )

    running_over = booked(
        meera, r1, at(9), status=SessionStatus.IN_SESSION, overrun_until=at(10, 30)
    )
    next_of_meera = booked(meera, r2, at(10, 15))
    later_same_plan = booked(
        kavya, clinic["steam"], at(13), step=swedana_step, plan=next_of_meera.care_plan
    )
    unrelated = booked(kavya, r1, at(11, 30))
    return {
        "running_over": running_over,
        "next_of_meera": next_of_meera,
        "later_same_plan": later_same_plan,
        "unrelated": unrelated,
        "at": at,
    }


def under_way(plan: CarePlan, step_code: str, status: str):
    """The plan's session of `step_code`, moved on to `status` as the floor would have it."""
    session = plan.sessions.get(protocol_step__code=step_code)
    session.status = status
    session.save(update_fields=["status"])
    return session


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
    lakshmi = practitioner_every_day(
        center,
        first_name="Lakshmi",
        last_name="Teacher",
        gender="F",
        skills=[yoga_skill],
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


def fill_class(center, yoga, places=(3, 4)) -> None:
    """More patients in the booked yoga class, at the places given (3 and 4 fill it)."""
    for place in places:
        patient = PatientFactory(center=center)
        TherapySessionFactory(
            center=center,
            patient=patient,
            care_plan=CarePlanFactory(
                patient=patient, protocol_version=yoga["version"], start_date=yoga["ten"].date()
            ),
            protocol_step=yoga["version"].steps.get(),
            therapy=yoga["booked"][0].therapy,
            practitioner=yoga["lakshmi"],
            room=yoga["hall"],
            starts_at=yoga["ten"],
            room_place=place,
            occurrence=yoga["booked"][0].occurrence,
        )
