"""A small Kerala clinic to schedule in, and queued jobs run in the test's own process."""

import datetime

import pytest
from django_q.conf import Conf

from clinics.choices import RoomType
from scheduling.services.care_plans import care_plan_schedule
from tests.factories import (
    OpeningHoursFactory,
    ProtocolStepFactory,
    ProtocolVersionFactory,
    RoomFactory,
    SkillFactory,
    TherapyTypeFactory,
    practitioner_every_day,
)
from tests.scheduling.builders import first_monday_after, plan_for


@pytest.fixture
def jobs(monkeypatch, django_capture_on_commit_callbacks):
    """`with jobs(): ...` runs the jobs queued inside the block when it ends, as a worker
    would once the request's transaction commits (django-q2's sync mode runs them inline)."""
    monkeypatch.setattr(Conf, "SYNC", True)
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def clinic(center):
    """Two therapy rooms, a two-place steam room, three practitioners and a protocol.

    The protocol is three days of Abhyanga followed within 30 minutes by Swedana with the
    same practitioner, like the first days of a Virechana course.
    """
    for weekday in range(7):
        OpeningHoursFactory(
            center=center, weekday=weekday, opens=datetime.time(7), closes=datetime.time(19)
        )
    abhyanga_skill = SkillFactory(code="abhyanga", name="Abhyanga")
    swedana_skill = SkillFactory(code="swedana", name="Swedana")
    abhyanga = TherapyTypeFactory(
        code="abhyanga", name="Abhyanga", required_skill=abhyanga_skill, room_turnover_minutes=15
    )
    swedana = TherapyTypeFactory(
        code="swedana",
        name="Swedana",
        duration_minutes=30,
        required_skill=swedana_skill,
        allowed_room_types=[RoomType.STEAM.value],
        patient_rest_after_minutes=15,
    )
    rooms = [RoomFactory(center=center, code=code) for code in ("R1", "R2")]
    steam = RoomFactory(center=center, code="ST1", room_type=RoomType.STEAM, capacity=2)
    practitioners = [
        practitioner_every_day(
            center,
            first_name=first,
            last_name="Therapist",
            gender=gender,
            skills=[abhyanga_skill, swedana_skill],
            starts=datetime.time(7),
            ends=datetime.time(15),
        )
        for first, gender in (("Meera", "F"), ("Arun", "M"), ("Kavya", "F"))
    ]
    version = ProtocolVersionFactory(template__name="3-day Abhyanga and Swedana")
    order = 0
    for day in range(3):
        order += 1
        first = ProtocolStepFactory(
            version=version,
            order=order,
            code=f"d{day}-abhyanga",
            therapy=abhyanga,
            day_offset=day,
            slack_days=1,
        )
        order += 1
        ProtocolStepFactory(
            version=version,
            order=order,
            code=f"d{day}-swedana",
            therapy=swedana,
            day_offset=day,
            slack_days=1,
            after_step=first,
            min_gap_minutes=0,
            max_gap_minutes=30,
            same_practitioner_as=first,
        )
    return {
        "center": center,
        "version": version,
        "rooms": rooms,
        "steam": steam,
        "practitioners": practitioners,
        "abhyanga": abhyanga,
        "swedana": swedana,
        "start": first_monday_after(3),
    }


@pytest.fixture
def booked_plan(clinic):
    """A plan of the clinic's protocol, auto-scheduled: its six sessions are booked."""
    plan = plan_for(clinic)
    care_plan_schedule(care_plan=plan, time_limit=0.3)
    return plan
