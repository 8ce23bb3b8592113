"""Cancelling a booked session from the reschedule page."""

from django.urls import reverse

from sessions.models import SessionStatus
from tests.scheduling.builders import under_way


def test_cancelling_a_session_records_why_and_frees_it(client, admin_user, clinic, booked_plan):
    plan = booked_plan
    session = plan.sessions.get(protocol_step__code="d2-swedana")
    client.force_login(admin_user)

    response = client.post(
        reverse("session_cancel", args=[session.pk]), {"note": "Patient travelling"}
    )

    assert response["Location"] == reverse("care_plan_detail", args=[plan.pk])
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    assert session.status_changes.get(to_status="cancelled").note == "Patient travelling"


def test_a_session_that_has_started_cannot_be_cancelled(client, admin_user, clinic, booked_plan):
    session = under_way(booked_plan, "d0-abhyanga", SessionStatus.IN_SESSION)
    client.force_login(admin_user)

    response = client.post(reverse("session_cancel", args=[session.pk]), follow=True)

    assert "Only a session that has not started can be cancelled." in response.content.decode()
    session.refresh_from_db()
    assert session.status == SessionStatus.IN_SESSION


def test_another_centers_admin_cannot_cancel(client, outsider, clinic, booked_plan):
    plan = booked_plan
    session = plan.sessions.first()
    client.force_login(outsider)

    assert client.post(reverse("session_cancel", args=[session.pk])).status_code == 403
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED
