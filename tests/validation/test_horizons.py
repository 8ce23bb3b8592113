"""Horizons on typed dates: a care plan's first day and a sick leave's span are refused in words."""

import datetime

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from scheduling.models import SchedulingRun
from scheduling.services.care_plans import care_plan_schedule
from sessions.models import TherapySession
from tests.factories import PatientFactory
from tests.scheduling.builders import plan_for


def _post_plan(client, clinic, patient, start_date):
    return client.post(
        reverse("care_plans"),
        {
            "patient": patient.pk,
            "protocol_version": clinic["version"].pk,
            "start_date": start_date,
        },
    )


def test_a_care_plan_starting_in_the_year_9999_is_refused_in_words(client, admin_user, clinic):
    patient = PatientFactory(center=clinic["center"])
    client.force_login(admin_user)

    response = _post_plan(client, clinic, patient, "9999-12-31")

    assert response.status_code == 200
    assert "plans are made at most 18 months ahead" in response.content.decode()
    assert not patient.care_plans.exists()


def test_a_care_plan_starting_yesterday_is_refused(client, admin_user, clinic):
    patient = PatientFactory(center=clinic["center"])
    yesterday = timezone.localdate(timezone=clinic["center"].tzinfo) - datetime.timedelta(days=1)
    client.force_login(admin_user)

    response = _post_plan(client, clinic, patient, yesterday)

    assert "The first day cannot be in the past" in response.content.decode()
    assert not patient.care_plans.exists()


@override_settings(CARE_PLAN_START_HORIZON_DAYS=30)
def test_the_horizon_comes_from_the_settings(client, admin_user, clinic):
    patient = PatientFactory(center=clinic["center"])
    today = timezone.localdate(timezone=clinic["center"].tzinfo)
    client.force_login(admin_user)

    refused = _post_plan(client, clinic, patient, today + datetime.timedelta(days=31))
    assert "no later than" in refused.content.decode()
    assert not patient.care_plans.exists()


def test_a_sick_leave_from_2000_to_2099_is_refused_and_nothing_is_replanned(
    client, admin_user, clinic, jobs
):
    plan = plan_for(clinic)
    care_plan_schedule(care_plan=plan, time_limit=0.5)
    meera = clinic["practitioners"][0]
    before = list(TherapySession.objects.values_list("pk", "starts_at", "practitioner_id"))
    runs_before = SchedulingRun.objects.count()
    client.force_login(admin_user)

    with jobs():
        response = client.post(
            reverse("sick_leave"),
            {
                "practitioner": meera.pk,
                "first_day": "2000-01-01",
                "last_day": "2099-12-31",
                "center": clinic["center"].pk,
            },
        )

    assert response.status_code == 200
    assert "A leave lasts at most 365 days" in response.content.decode()
    assert SchedulingRun.objects.count() == runs_before
    assert list(TherapySession.objects.values_list("pk", "starts_at", "practitioner_id")) == before
