"""The scheduling API, driven through its served OpenAPI schema's paths."""

import pytest
from django.urls import reverse

from clinics.services import api_token_create
from scheduling.models import SchedulingRun
from tests.scheduling.builders import plan_for


def _with_token(user) -> dict:
    # The API takes a token, not a password (tests/security/test_api_passwords.py).
    _token, secret = api_token_create(user=user, name="Scheduling tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_the_schema_is_served_and_names_the_scheduling_endpoints(client):
    response = client.get(reverse("api_schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    assert "/api/schedule/auto" in schema["paths"]
    assert "post" in schema["paths"]["/api/schedule/auto"]
    assert "/api/schedule/runs/{id}" in schema["paths"]
    assert "202" in schema["paths"]["/api/schedule/auto"]["post"]["responses"]


def test_auto_schedule_answers_at_once_with_the_run_to_follow(client, admin_user, clinic, jobs):
    plan = plan_for(clinic)

    with jobs():
        response = client.post(
            "/api/schedule/auto",
            {"care_plan": plan.pk, "time_limit": 0.5},
            content_type="application/json",
            **_with_token(admin_user),
        )

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "running" and body["assignments"] == []
    assert response["Location"] == body["url"]
    assert body["url"].endswith(f"/api/schedule/runs/{body['id']}")
    run = client.get(body["url"], **_with_token(admin_user)).json()
    assert run["status"] == "applied"
    assert run["placed_count"] == 6 and run["unscheduled"] == []
    assert {a["step"] for a in run["assignments"]} >= {"d0-abhyanga", "d2-swedana"}
    assert plan.sessions.count() == 6


def test_bad_input_gets_a_readable_400_and_books_nothing(client, admin_user, clinic):
    plan = plan_for(clinic)

    response = client.post(
        "/api/schedule/auto",
        {"care_plan": plan.pk, "time_limit": "soon"},
        content_type="application/json",
        **_with_token(admin_user),
    )

    assert response.status_code == 400
    assert response.json()["message"] == "Some of the data sent is not valid."
    assert "time_limit" in response.json()["extra"]["fields"]
    assert not SchedulingRun.objects.exists() and not plan.sessions.exists()


def test_scheduling_a_plan_twice_is_refused_with_a_reason(client, admin_user, clinic, booked_plan):
    plan = booked_plan

    response = client.post(
        "/api/schedule/auto",
        {"care_plan": plan.pk, "time_limit": 0.5},
        content_type="application/json",
        **_with_token(admin_user),
    )

    assert response.status_code == 400
    assert "already has sessions" in response.json()["message"]
    assert SchedulingRun.objects.filter(care_plan=plan).count() == 1
    assert plan.sessions.count() == 6


def test_another_centers_admin_cannot_schedule_or_read_its_runs(client, outsider, clinic):
    plan = plan_for(clinic)

    response = client.post(
        "/api/schedule/auto",
        {"care_plan": plan.pk},
        content_type="application/json",
        **_with_token(outsider),
    )

    assert response.status_code == 404
    assert response.json() == {"message": "Not found.", "extra": {}}
    assert not plan.sessions.exists()


@pytest.mark.parametrize("body", [{"care_plan": "not a number"}, {}])
def test_a_patient_is_refused_before_the_body_is_read(client, patient_user, clinic, body):
    plan = plan_for(clinic)

    response = client.post(
        "/api/schedule/auto", body, content_type="application/json", **_with_token(patient_user)
    )

    assert response.status_code == 403
    assert "center admin or medical director" in response.json()["message"]
    assert not plan.sessions.exists()


def test_signed_out_callers_are_told_to_authenticate(client, clinic):
    response = client.post("/api/schedule/auto", {"care_plan": 1}, content_type="application/json")

    assert response.status_code in (401, 403)
    assert "credentials" in response.json()["message"]
