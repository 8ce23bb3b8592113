"""Sick leave: re-planned by the job worker, reviewed by the admin; applying records the leave."""

import datetime

import pytest
from django.urls import reverse

from clinics.models import Leave
from scheduling.engine.checker import check
from scheduling.models import SchedulingRun
from scheduling.services.care_plans import care_plan_schedule
from sessions.models import TherapySession
from tests.factories import SchedulingRunFactory
from tests.scheduling.builders import KOLKATA, active, plan_for

# The page with the form and the recent re-plans: the same for one re-plan and for five.
SICK_LEAVE_PAGE_QUERIES = 12


def _placements():
    return {s.pk: (s.starts_at, s.practitioner_id) for s in active(TherapySession.objects.all())}


def test_the_replan_moves_only_what_it_must_and_applying_records_the_leave(
    client, admin_user, clinic, jobs
):
    plans = [plan_for(clinic) for _ in range(3)]
    for plan in plans:
        care_plan_schedule(care_plan=plan, time_limit=0.5)
    meera = clinic["practitioners"][0]
    sick_day = clinic["start"] + datetime.timedelta(days=1)
    day_start = datetime.datetime.combine(sick_day, datetime.time(), KOLKATA)
    on_sick_day = {
        "starts_at__gte": day_start,
        "starts_at__lt": day_start + datetime.timedelta(days=1),
    }
    assert active(TherapySession.objects.filter(practitioner=meera, **on_sick_day)).exists()
    before = _placements()
    client.force_login(admin_user)

    with jobs():
        response = client.post(
            reverse("sick_leave"),
            {
                "practitioner": meera.pk,
                "first_day": sick_day,
                "last_day": sick_day,
                "note": "Fever",
                "center": clinic["center"].pk,
            },
        )
    run = SchedulingRun.objects.get(kind="sick_leave")
    assert response["Location"] == reverse("scheduling_run", args=[run.pk])
    page = client.get(response["Location"]).content.decode()

    assert "What changes" in page
    assert not Leave.objects.filter(practitioner=meera, kind="sick").exists()  # only after review
    assert _placements() == before

    client.post(reverse("scheduling_run_apply", args=[run.pk]))

    assert Leave.objects.filter(practitioner=meera, kind="sick", note="Fever").exists()
    assert not active(TherapySession.objects.filter(practitioner=meera, **on_sick_day)).exists()
    after = _placements()
    moved = [pk for pk in before if before[pk] != after.get(pk)]
    # Sessions on other days with other practitioners stay where they were.
    assert len(moved) < len(before) / 2
    assert check(run.problem, run.solution).valid


def test_the_run_page_shows_progress_until_the_job_has_run(client, admin_user, clinic, booked_plan):
    meera = clinic["practitioners"][0]
    client.force_login(admin_user)

    response = client.post(
        reverse("sick_leave"),
        {
            "practitioner": meera.pk,
            "first_day": clinic["start"],
            "last_day": clinic["start"] + datetime.timedelta(days=2),
            "center": clinic["center"].pk,
        },
        follow=True,
    )

    assert "This page updates by itself" in response.content.decode()
    assert SchedulingRun.objects.get(kind="sick_leave").status == "running"


def test_leave_with_nothing_to_move_says_so_and_queues_nothing(client, admin_user, clinic):
    client.force_login(admin_user)

    response = client.post(
        reverse("sick_leave"),
        {
            "practitioner": clinic["practitioners"][0].pk,
            "first_day": clinic["start"],
            "last_day": clinic["start"],
            "center": clinic["center"].pk,
        },
    )

    assert "has no scheduled care-plan sessions in that period" in response.content.decode()
    assert not SchedulingRun.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"first_day": "2026-12-10", "last_day": "2026-12-08"}, "cannot be before the first"),
        ({"first_day": "10 December", "last_day": "2026-12-08"}, "Enter a valid date"),
        ({"practitioner": 0}, "Select a valid choice"),
    ],
    ids=["last-before-first", "not-a-date", "unknown-practitioner"],
)
def test_bad_input_says_what_is_wrong_and_changes_nothing(
    client, admin_user, clinic, booked_plan, fields, message
):
    before = _placements()
    client.force_login(admin_user)

    response = client.post(
        reverse("sick_leave"),
        {
            "practitioner": clinic["practitioners"][0].pk,
            "first_day": "2026-12-08",
            "last_day": "2026-12-08",
            "center": clinic["center"].pk,
            **fields,
        },
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SchedulingRun.objects.filter(kind="sick_leave").exists()
    assert not Leave.objects.filter(kind="sick").exists()
    assert _placements() == before


@pytest.mark.parametrize("replans", [1, 5])
def test_the_page_costs_a_fixed_number_of_queries(
    client, admin_user, clinic, replans, django_assert_max_num_queries
):
    for _ in range(replans):
        SchedulingRunFactory(center=clinic["center"], kind="sick_leave", requested_by=admin_user)
    client.force_login(admin_user)

    with django_assert_max_num_queries(SICK_LEAVE_PAGE_QUERIES):
        response = client.get(reverse("sick_leave"))

    assert response.content.decode().count("Sick leave 20") == replans
