"""A scheduling run that fails in the worker says why on its page and can be retried or discarded."""

import datetime

import pytest
from django.urls import reverse

from scheduling.models import SchedulingRun
from sessions.models import TherapySession
from tests.factories import CarePlanFactory, PatientFactory


def _plan_at_the_end_of_the_calendar(clinic):
    # Written straight to the table, as data from before the horizon rule could be: the
    # service itself refuses such a first day now.
    return CarePlanFactory(
        patient=PatientFactory(center=clinic["center"]),
        protocol_version=clinic["version"],
        start_date=datetime.date(9999, 12, 31),
    )


def _fail_a_run(client, admin_user, clinic, jobs):
    plan = _plan_at_the_end_of_the_calendar(clinic)
    client.force_login(admin_user)
    # The job re-raises after recording the failure so that django-q2 keeps the traceback for
    # the team; the synchronous worker of the tests hands it on here.
    with pytest.raises(OverflowError), jobs():
        client.post(reverse("care_plan_auto_schedule", args=[plan.pk]))
    return plan, SchedulingRun.objects.get(care_plan=plan)


def test_a_failed_run_says_why_in_words_and_leaves_the_plan_as_it_was(
    client, admin_user, clinic, jobs
):
    plan, run = _fail_a_run(client, admin_user, clinic, jobs)

    page = client.get(reverse("scheduling_run", args=[run.pk])).content.decode()

    assert run.status == "failed"
    assert "outside what the calendar can hold" in page
    assert "stopped unexpectedly" not in page
    assert "Try again" in page and "Discard this run" in page
    plan.refresh_from_db()
    assert plan.status == "draft"
    assert not TherapySession.objects.filter(care_plan=plan).exists()


def test_discarding_a_failed_run_sets_it_aside(client, admin_user, clinic, jobs):
    _, run = _fail_a_run(client, admin_user, clinic, jobs)

    client.post(reverse("scheduling_run_discard", args=[run.pk]))

    run.refresh_from_db()
    assert run.status == "discarded"
    assert "Try again" not in client.get(reverse("scheduling_run", args=[run.pk])).content.decode()


def test_retrying_a_failed_run_asks_again_once_the_plan_is_corrected(
    client, admin_user, clinic, jobs
):
    plan, run = _fail_a_run(client, admin_user, clinic, jobs)
    plan.start_date = clinic["start"]
    plan.save(update_fields=["start_date"])

    with jobs():
        response = client.post(reverse("scheduling_run_retry", args=[run.pk]))

    retried = SchedulingRun.objects.exclude(pk=run.pk).get(care_plan=plan)
    assert response["Location"] == reverse("scheduling_run", args=[retried.pk])
    assert retried.status != "failed"
    assert TherapySession.objects.filter(care_plan=plan).exists()
    run.refresh_from_db()
    assert run.status == "discarded"


def test_another_centers_admin_cannot_retry_or_discard(client, outsider, admin_user, clinic, jobs):
    _, run = _fail_a_run(client, admin_user, clinic, jobs)
    client.force_login(outsider)

    assert client.post(reverse("scheduling_run_retry", args=[run.pk])).status_code == 403
    assert client.post(reverse("scheduling_run_discard", args=[run.pk])).status_code == 403
    run.refresh_from_db()
    assert run.status == "failed"
    assert SchedulingRun.objects.count() == 1
