"""Auto-scheduling a plan from its page: queued, booked by the job, explained on the run page."""

import datetime

from django.urls import reverse

from scheduling.engine.checker import check
from scheduling.models import SchedulingRun
from tests.factories import LeaveFactory
from tests.scheduling.builders import KOLKATA, active, plan_for


def test_it_books_every_step_and_the_run_explains_it(client, admin_user, clinic, jobs):
    plan = plan_for(clinic, preferred_windows=[["09:00", "12:00"]])
    client.force_login(admin_user)

    with jobs():
        response = client.post(reverse("care_plan_auto_schedule", args=[plan.pk]))
    run = SchedulingRun.objects.get(care_plan=plan)
    assert response["Location"] == reverse("scheduling_run", args=[run.pk])
    page = client.get(response["Location"]).content.decode()

    run.refresh_from_db()
    assert run.status == SchedulingRun.Status.APPLIED
    assert "Applied" in page and "Abhyanga" in page
    sessions = list(active(plan.sessions.select_related("therapy", "room", "practitioner")))
    assert len(sessions) == 6
    by_step = {s.protocol_step.code: s for s in sessions}
    for day in range(3):
        abhyanga, swedana = by_step[f"d{day}-abhyanga"], by_step[f"d{day}-swedana"]
        assert abhyanga.room.room_type == "therapy"
        assert swedana.room == clinic["steam"]
        assert (
            abhyanga.ends_at
            <= swedana.starts_at
            <= abhyanga.ends_at + datetime.timedelta(minutes=30)
        )
        local = abhyanga.starts_at.astimezone(KOLKATA)
        assert datetime.time(7) <= local.time() and local.date() >= clinic["start"]
    # The stored problem and solution replay: the independent checker accepts them.
    report = check(run.problem, run.solution)
    assert report.valid, report.violations
    assert report.objective == run.objective


def test_the_run_page_shows_progress_until_the_job_has_run(client, admin_user, clinic):
    plan = plan_for(clinic)
    client.force_login(admin_user)

    response = client.post(reverse("care_plan_auto_schedule", args=[plan.pk]), follow=True)

    assert "This page updates by itself" in response.content.decode()
    assert SchedulingRun.objects.get(care_plan=plan).status == SchedulingRun.Status.RUNNING
    assert not plan.sessions.exists()


def test_a_plan_nobody_can_treat_is_explained_not_booked(client, admin_user, clinic, jobs):
    # Same-gender care for a male patient, and the only male practitioner is away all week.
    start = datetime.datetime.combine(
        clinic["start"] - datetime.timedelta(days=1), datetime.time(), KOLKATA
    )
    LeaveFactory(
        practitioner=clinic["practitioners"][1],
        starts_at=start,
        ends_at=start + datetime.timedelta(days=10),
        kind="vacation",
    )
    plan = plan_for(clinic, sex="M", same_gender_practitioner=True)
    client.force_login(admin_user)

    with jobs():
        response = client.post(reverse("care_plan_auto_schedule", args=[plan.pk]))
    page = client.get(response["Location"]).content.decode()

    assert not active(plan.sessions).exists()
    assert "Not placed, and why" in page
    run = SchedulingRun.objects.get(care_plan=plan)
    first = next(u for u in run.solution["unscheduled"] if u["step"] == "d0-abhyanga")
    assert {r["code"] for r in first["reasons"]} & {"gender_constraint", "practitioner_unavailable"}
    assert "Arun" in " ".join(r["message"] for r in first["reasons"])


def test_a_plan_with_sessions_is_not_scheduled_again(client, admin_user, clinic, booked_plan):
    plan = booked_plan
    client.force_login(admin_user)

    response = client.post(reverse("care_plan_auto_schedule", args=[plan.pk]), follow=True)

    assert "already has sessions" in response.content.decode()
    assert SchedulingRun.objects.filter(care_plan=plan).count() == 1
    assert active(plan.sessions).count() == 6


def test_another_centers_admin_cannot_schedule_a_plan(client, outsider, clinic):
    plan = plan_for(clinic)
    client.force_login(outsider)

    response = client.post(reverse("care_plan_auto_schedule", args=[plan.pk]))

    assert response.status_code == 403
    assert not SchedulingRun.objects.exists()
