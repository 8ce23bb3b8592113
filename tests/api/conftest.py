"""The scheduling tests' small clinic, and sessions of a one-step plan booked in it."""

import datetime

import pytest

from scheduling.services.care_plans import care_plan_schedule
from tests.factories import (
    CarePlanFactory,
    PatientFactory,
    ProtocolStepFactory,
    ProtocolVersionFactory,
)
from tests.scheduling.conftest import booked_plan, clinic  # noqa: F401 (fixtures)


@pytest.fixture
def one_abhyanga(clinic):  # noqa: F811 (the fixture imported above)
    """A protocol of one Abhyanga, on its first day or either of the two after."""
    version = ProtocolVersionFactory(template__name="One Abhyanga")
    ProtocolStepFactory(
        version=version,
        order=1,
        code="abhyanga",
        therapy=clinic["abhyanga"],
        day_offset=0,
        slack_days=2,
    )
    return version


def one_abhyanga_plan(kerala, version):
    """A draft plan of `version` for a new patient of the clinic (`kerala`), from its start day."""
    patient = PatientFactory(center=kerala["center"])
    return CarePlanFactory(patient=patient, protocol_version=version, start_date=kerala["start"])


@pytest.fixture
def booked_abhyanga(clinic, one_abhyanga):  # noqa: F811
    """One Abhyanga booked by the auto-scheduler for a new patient."""
    plan = one_abhyanga_plan(clinic, one_abhyanga)
    care_plan_schedule(care_plan=plan, time_limit=0.2)
    return plan.sessions.get()


def local(kerala, day_offset: int, hour: int, minute: int = 0) -> datetime.datetime:
    """An instant on the clinic's (`kerala`) start day plus `day_offset`, in its zone."""
    day = kerala["start"] + datetime.timedelta(days=day_offset)
    return datetime.datetime.combine(
        day, datetime.time(hour, minute), tzinfo=kerala["center"].tzinfo
    )
