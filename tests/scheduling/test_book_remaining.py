"""Booking the remaining steps of a scheduled care plan: from its page and through the API,
only what was left out is booked, what was booked stays where it is, all or nothing."""

import datetime

import pytest
from django.urls import reverse

from clinics.models import Leave
from clinics.services import api_token_create
from scheduling.engine.checker import check
from scheduling.models import SchedulingRun
from scheduling.services import care_plans as care_plan_services
from scheduling.services.care_plans import care_plan_book_remaining, care_plan_schedule
from scheduling.services.runs import SchedulingError
from tests.factories import CenterFactory, LeaveFactory, PatientFactory, TherapySessionFactory
from tests.scheduling.builders import KOLKATA, active, plan_for


def _with_token(user) -> dict:
    # The API takes a token, not a password (tests/security/test_api_passwords.py).
    _token, secret = api_token_create(user=user, name="Scheduling tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def placed(plan) -> dict:
    """Where each booked step of the plan is: session id, start, room and practitioner."""
    return {
        s.protocol_step.code: (s.pk, s.starts_at, s.room_id, s.practitioner_id)
        for s in active(plan.sessions.select_related("protocol_step"))
    }


@pytest.fixture
def plan_with_day_three_left_out(clinic):
    """The clinic's plan, auto-scheduled while every practitioner was away on its third day
    and the day after (its slack), so its two day-3 steps were left out; the leave is over."""
    away_from = datetime.datetime.combine(
        clinic["start"] + datetime.timedelta(days=2), datetime.time(), KOLKATA
    )
    for practitioner in clinic["practitioners"]:
        LeaveFactory(
            practitioner=practitioner,
            starts_at=away_from,
            ends_at=away_from + datetime.timedelta(days=2),
        )
    plan = plan_for(clinic)
    care_plan_schedule(care_plan=plan, time_limit=0.3)
    assert set(placed(plan)) == {"d0-abhyanga", "d0-swedana", "d1-abhyanga", "d1-swedana"}
    Leave.objects.all().delete()
    plan.refresh_from_db()
    return plan


def test_the_page_offers_to_book_the_rest_and_books_only_what_was_missing(
    client, admin_user, plan_with_day_three_left_out, jobs, django_assert_max_num_queries
):
    plan = plan_with_day_three_left_out
    before = placed(plan)
    client.force_login(admin_user)

    page = client.get(reverse("care_plan_detail", args=[plan.pk])).content.decode()
    assert "Book the remaining steps" in page
    assert "2 steps have no session yet" in page

    with jobs():
        response = client.post(reverse("care_plan_book_remaining", args=[plan.pk]))
    run = SchedulingRun.objects.filter(care_plan=plan).latest("started_at")
    assert response["Location"] == reverse("scheduling_run", args=[run.pk])
    run.refresh_from_db()
    assert run.status == SchedulingRun.Status.APPLIED
    assert run.placed_count == 2 and run.unscheduled_count == 0

    after = placed(plan)
    assert set(after) == set(before) | {"d2-abhyanga", "d2-swedana"}
    assert {step: after[step] for step in before} == before  # the booked ones did not move
    third_day = clinic_day(plan, 2)
    assert after["d2-abhyanga"][1].astimezone(KOLKATA).date() in third_day
    assert after["d2-abhyanga"][1] >= max(start for _pk, start, _r, _p in before.values())
    report = check(run.problem, run.solution)
    assert report.valid, report.violations
    with django_assert_max_num_queries(20):
        run_page = client.get(response["Location"]).content.decode()
    # Each new placement is explained on the run page; the button is gone from the plan.
    assert "Applied" in run_page and "with" in run_page
    # Named for what the admin asked for, and started at the center's time, not UTC's.
    assert f"<h1>Book the remaining steps · run {run.pk}</h1>" in run_page
    started = run.started_at.astimezone(KOLKATA)
    assert f"started {started.day} {started:%b %Y %H:%M}" in run_page
    # The new sessions are listed as placements, the kept ones apart, folded.
    assert "4 sessions booked before, kept where they were" in run_page
    assert run_page.index("Placements") < run_page.index("sessions booked before")
    assert (
        "Book the remaining steps"
        not in client.get(reverse("care_plan_detail", args=[plan.pk])).content.decode()
    )


def clinic_day(plan, day: int) -> set[datetime.date]:
    """The step's allowed local dates: its day and its one day of slack."""
    first = plan.start_date + datetime.timedelta(days=day)
    return {first, first + datetime.timedelta(days=1)}


def test_a_step_that_still_does_not_fit_is_said_in_words(
    client, admin_user, plan_with_day_three_left_out, clinic, jobs
):
    plan = plan_with_day_three_left_out
    before = placed(plan)
    # Kavya and Meera are away again; Arun alone may not treat this patient (same gender).
    plan.patient.sex, plan.patient.same_gender_practitioner = "F", True
    plan.patient.save(update_fields=["sex", "same_gender_practitioner"])
    away_from = datetime.datetime.combine(
        plan.start_date + datetime.timedelta(days=2), datetime.time(), KOLKATA
    )
    for practitioner in (clinic["practitioners"][0], clinic["practitioners"][2]):
        LeaveFactory(
            practitioner=practitioner,
            starts_at=away_from,
            ends_at=away_from + datetime.timedelta(days=2),
        )
    client.force_login(admin_user)

    with jobs():
        response = client.post(reverse("care_plan_book_remaining", args=[plan.pk]))
    page = client.get(response["Location"]).content.decode()

    assert placed(plan) == before
    assert "Not placed, and why" in page
    run = SchedulingRun.objects.filter(care_plan=plan).latest("started_at")
    assert run.placed_count == 0 and run.status == SchedulingRun.Status.SUCCEEDED
    reasons = run.solution["unscheduled"][0]["reasons"]
    assert any("Meera" in r["message"] or "Kavya" in r["message"] for r in reasons), reasons


def test_nothing_changes_when_every_attempt_meets_a_clash(
    plan_with_day_three_left_out, clinic, monkeypatch
):
    plan = plan_with_day_three_left_out
    before = placed(plan)
    real_apply = care_plan_services.scheduling_run_apply

    def someone_books_first(*, run, applied_by=None):
        # Between solving and booking, the front desk books the new slot's practitioner
        # and room for another patient.
        new = next(a for a in run.solution["assignments"] if a["step"].startswith("d2"))
        practitioner = next(
            p for p in clinic["practitioners"] if f"(T{p.pk})" in new["practitioner"]
        )
        TherapySessionFactory(
            center=clinic["center"],
            patient=PatientFactory(center=clinic["center"]),
            therapy=clinic["abhyanga"],
            practitioner=practitioner,
            room=next(r for r in clinic["rooms"] if r.code == new["room"]),
            starts_at=datetime.datetime.fromisoformat(new["start"]),
        )
        return real_apply(run=run, applied_by=applied_by)

    monkeypatch.setattr(care_plan_services, "scheduling_run_apply", someone_books_first)

    with pytest.raises(SchedulingError, match="kept changing"):
        care_plan_book_remaining(care_plan=plan, time_limit=0.3)

    assert placed(plan) == before
    assert set(SchedulingRun.objects.filter(care_plan=plan).values_list("status", flat=True)) == {
        SchedulingRun.Status.APPLIED,
        SchedulingRun.Status.DISCARDED,
    }


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("draft", "No step of this care plan is booked yet"),
        ("all_booked", "Every step of this care plan is booked already"),
    ],
)
def test_a_plan_with_nothing_to_add_is_told_why(client, admin_user, clinic, setup, message, jobs):
    plan = plan_for(clinic)
    if setup == "all_booked":
        care_plan_schedule(care_plan=plan, time_limit=0.3)
    plan.refresh_from_db()
    plan.status = plan.Status.SCHEDULED
    plan.save(update_fields=["status"])
    client.force_login(admin_user)

    page = client.get(reverse("care_plan_detail", args=[plan.pk])).content.decode()
    assert "Book the remaining steps" not in page
    response = client.post(reverse("care_plan_book_remaining", args=[plan.pk]), follow=True)

    assert message in response.content.decode()
    assert not SchedulingRun.objects.filter(care_plan=plan, parameters__remaining=True).exists()


def test_the_api_books_the_rest_and_documents_its_answers(
    client, admin_user, plan_with_day_three_left_out, jobs
):
    plan = plan_with_day_three_left_out
    before = placed(plan)
    url = f"/api/care-plans/{plan.pk}/book-remaining"

    with jobs():
        response = client.post(
            url, {"time_limit": 0.5}, content_type="application/json", **_with_token(admin_user)
        )

    assert response.status_code == 202, response.content
    body = response.json()
    assert response["Location"] == body["url"]
    run = client.get(body["url"], **_with_token(admin_user)).json()
    assert run["status"] == "applied" and run["placed_count"] == 2
    new = [a for a in run["assignments"] if a["step"].startswith("d2")]
    assert len(new) == 2 and all(a["explanation"] for a in new)
    assert len(placed(plan)) == 6 and all(placed(plan)[k] == v for k, v in before.items())

    again = client.post(url, {}, content_type="application/json", **_with_token(admin_user))
    assert again.status_code == 400
    assert again.json()["message"] == "Every step of this care plan is booked already."
    bad = client.post(
        url, {"time_limit": "soon"}, content_type="application/json", **_with_token(admin_user)
    )
    assert bad.status_code == 400 and "time_limit" in bad.content.decode()
    elsewhere = plan_for({**clinic_of(plan), "center": CenterFactory()})
    assert (
        client.post(
            f"/api/care-plans/{elsewhere.pk}/book-remaining", {}, **_with_token(admin_user)
        ).status_code
        == 404
    )
    assert client.post(url, {}).status_code in (401, 403)

    schema = client.get(reverse("api_schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    operation = schema.json()["paths"]["/api/care-plans/{id}/book-remaining"]["post"]
    assert set(operation["responses"]) == {"202", "400", "401", "403", "404"}


def clinic_of(plan) -> dict:
    return {"version": plan.protocol_version, "start": plan.start_date}


def test_the_offer_and_its_refusal_read_in_hindi(
    client, admin_user, clinic, plan_with_day_three_left_out
):
    plan = plan_with_day_three_left_out
    client.force_login(admin_user)
    client.post(reverse("set_language"), {"language": "hi", "next": "/"})

    page = client.get(reverse("care_plan_detail", args=[plan.pk])).content.decode()
    assert "बाकी चरण बुक करें" in page
    assert "2 चरणों का अभी कोई सत्र नहीं है" in page

    draft = plan_for(clinic)
    draft.status = draft.Status.SCHEDULED
    draft.save(update_fields=["status"])
    refused = client.post(reverse("care_plan_book_remaining", args=[draft.pk]), follow=True)
    assert "इस देखभाल योजना का कोई चरण अभी बुक नहीं है" in refused.content.decode()


def test_steps_past_their_last_day_are_not_offered(client, admin_user, clinic):
    plan = plan_for(clinic)
    plan.start_date = datetime.date.today() - datetime.timedelta(days=10)
    plan.status = plan.Status.ACTIVE
    plan.save(update_fields=["start_date", "status"])
    first = plan.protocol_version.steps.order_by("order").first()
    TherapySessionFactory(
        center=clinic["center"],
        patient=plan.patient,
        care_plan=plan,
        protocol_step=first,
        therapy=first.therapy,
        practitioner=clinic["practitioners"][0],
        room=clinic["rooms"][0],
        starts_at=datetime.datetime.combine(plan.start_date, datetime.time(9), tzinfo=KOLKATA),
    )
    client.force_login(admin_user)

    page = client.get(reverse("care_plan_detail", args=[plan.pk])).content.decode()
    assert "Book the remaining steps" not in page
    with pytest.raises(SchedulingError, match="past their last possible day"):
        care_plan_book_remaining(care_plan=plan, time_limit=0.3)
