"""A center with one place a day: one room, one practitioner whose shift holds one 90-minute
session, so that a cancellation frees exactly one day and a package fits or does not."""

import datetime

import pytest
from django.utils import timezone

from patients.models import CarePlan
from scheduling.problems import closed_dates
from scheduling.services.care_plans import care_plan_schedule
from tests.factories import (
    CarePlanFactory,
    OpeningHoursFactory,
    PatientFactory,
    ProtocolStepFactory,
    ProtocolVersionFactory,
    RoomFactory,
    SkillFactory,
    TherapyTypeFactory,
    practitioner_every_day,
)
from tests.portal.intake import with_intake_done
from tests.scheduling.conftest import jobs  # noqa: F401 (queued jobs run in the test)


def _open_days(center, days: int) -> datetime.date:
    """The first day, a week or more ahead, that starts `days` days the center is open."""
    day = timezone.localdate() + datetime.timedelta(days=7)
    while closed_dates(center, day, days):
        day += datetime.timedelta(days=1)
    return day


@pytest.fixture
def one_place(center):
    for weekday in range(7):
        OpeningHoursFactory(
            center=center, weekday=weekday, opens=datetime.time(7), closes=datetime.time(19)
        )
    skill = SkillFactory(code="abhyanga", name="Abhyanga")
    therapy = TherapyTypeFactory(
        code="abhyanga",
        name="Abhyanga",
        duration_minutes=90,
        required_skill=skill,
        room_turnover_minutes=0,
    )
    room = RoomFactory(center=center, code="R1")
    practitioner = practitioner_every_day(
        center,
        first_name="Meera",
        last_name="Therapist",
        gender="F",
        skills=[skill],
        starts=datetime.time(7),
        ends=datetime.time(8, 30),
    )

    def package(name: str, days: int):
        version = ProtocolVersionFactory(template__name=name, template__duration_days=days)
        for day in range(days):
            ProtocolStepFactory(
                version=version, order=day + 1, code=f"d{day}", therapy=therapy, day_offset=day
            )
        return version

    return {
        "center": center,
        "room": room,
        "practitioner": practitioner,
        "therapy": therapy,
        "one_day": package("One-day Abhyanga", 1),
        "two_days": package("Two-day Abhyanga", 2),
        "day": _open_days(center, 3),
    }


def booked(clinic, version, start, **patient_fields) -> CarePlan:
    """A plan of `version` for a new patient from `start`, booked through the real service."""
    patient = PatientFactory(center=clinic["center"], **patient_fields)
    plan = CarePlanFactory(patient=patient, protocol_version=version, start_date=start)
    care_plan_schedule(care_plan=plan, time_limit=0.3)
    assert plan.sessions.count() == len(version.steps.all()), "the blocker must be booked"
    return plan


def waiting_patient(clinic, **fields):
    """A patient of the clinic whose intake allows booking."""
    return with_intake_done(PatientFactory(center=clinic["center"], **fields))
