"""The API refuses the dates and times the pages and the admin refuse, through the same services,
in its one error shape, and a refused request changes nothing."""

import datetime

import pytest
from django.utils import timezone

from patients.models import CarePlan
from scheduling.services.care_plans import care_plan_schedule
from sessions.models import TherapySession
from tests.factories import PatientFactory
from tests.scheduling.builders import plan_for

pytestmark = pytest.mark.django_db


def test_a_care_plan_starting_in_the_year_9999_is_refused_by_the_api(client, admin_user, clinic):
    patient = PatientFactory(center=clinic["center"])
    client.force_login(admin_user)

    response = client.post(
        "/api/care-plans",
        {
            "patient": patient.pk,
            "protocol": clinic["version"].template_id,
            "start_date": "9999-12-31",
        },
        content_type="application/json",
    )

    assert response.status_code == 400
    body = response.json()
    # The version in force is looked up first; either way the answer names the first day.
    assert "start_date" in body["extra"]["fields"]
    assert not CarePlan.objects.filter(patient=patient).exists()


def test_a_care_plan_beyond_the_horizon_gets_the_services_words(client, admin_user, clinic):
    patient = PatientFactory(center=clinic["center"])
    too_far = timezone.localdate(timezone=clinic["center"].tzinfo) + datetime.timedelta(days=600)
    client.force_login(admin_user)

    response = client.post(
        "/api/care-plans",
        {
            "patient": patient.pk,
            "protocol": clinic["version"].template_id,
            "start_date": too_far.isoformat(),
        },
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "plans are made at most 18 months ahead" in response.json()["message"]
    assert not CarePlan.objects.filter(patient=patient).exists()


@pytest.fixture
def booked(clinic):
    plan = plan_for(clinic)
    care_plan_schedule(care_plan=plan, time_limit=0.5)
    return plan.sessions.order_by("starts_at").first()


def _placement():
    return list(TherapySession.objects.values_list("pk", "starts_at", "room", "practitioner"))


@pytest.mark.parametrize(
    "when",
    [
        # Before the center opens at 07:00 on the session's own day.
        lambda day: datetime.datetime.combine(day, datetime.time(3, 0)),
        # The last day a calendar can hold.
        lambda day: datetime.datetime(9999, 12, 31, 10, 0),
    ],
    ids=["before-opening", "year-9999"],
)
def test_a_session_moved_outside_the_calendar_is_refused_in_words(
    client, admin_user, clinic, booked, when
):
    zone = clinic["center"].tzinfo
    starts_at = when(booked.starts_at.astimezone(zone).date()).replace(tzinfo=zone)
    before = _placement()
    client.force_login(admin_user)

    response = client.patch(
        f"/api/sessions/{booked.pk}",
        {"starts_at": starts_at.isoformat()},
        content_type="application/json",
    )

    assert 400 <= response.status_code < 500, response.status_code
    assert response.json()["message"]
    assert _placement() == before
