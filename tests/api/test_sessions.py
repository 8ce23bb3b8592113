"""GET /api/sessions: only what the caller may see, filtered by patient and time, paged."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from clinics.services import api_token_create
from tests.factories import PatientFactory, TherapySessionFactory

pytestmark = pytest.mark.django_db


def client_of(user):
    _, secret = api_token_create(user=user, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def sessions(center, other_center, patient, practitioner):
    soon = timezone.now().replace(microsecond=0) + datetime.timedelta(days=1)
    return {
        "mine": TherapySessionFactory(
            center=center, patient=patient, practitioner=practitioner, starts_at=soon
        ),
        "colleague": TherapySessionFactory(
            center=center,
            patient=PatientFactory(center=center),
            starts_at=soon + datetime.timedelta(days=2),
        ),
        "london": TherapySessionFactory(
            center=other_center, patient=PatientFactory(center=other_center), starts_at=soon
        ),
    }


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_each_role_lists_only_what_it_may_see(
    sessions, admin_user, practitioner_user, patient_user, outsider
):
    url = "/api/sessions"
    assert ids(client_of(admin_user).get(url)) == {sessions["mine"].pk, sessions["colleague"].pk}
    assert ids(client_of(practitioner_user).get(url)) == {sessions["mine"].pk}
    assert ids(client_of(patient_user).get(url)) == {sessions["mine"].pk}
    assert ids(client_of(outsider).get(url)) == {sessions["london"].pk}
    assert APIClient().get(url).status_code == 401


def test_filters_by_patient_and_time(sessions, admin_user, patient):
    client = client_of(admin_user)
    assert ids(client.get("/api/sessions", {"patient_id": patient.pk})) == {sessions["mine"].pk}
    later = sessions["colleague"].starts_at - datetime.timedelta(hours=1)
    assert ids(client.get("/api/sessions", {"from": later.isoformat()})) == {
        sessions["colleague"].pk
    }
    assert ids(client.get("/api/sessions", {"to": later.isoformat()})) == {sessions["mine"].pk}


@pytest.mark.parametrize(
    "query",
    [
        {"patient_id": "abc"},
        {"patient_id": "99999999999999"},
        {"from": "yesterday"},
        {"from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
        {"page": "0"},
    ],
)
def test_bad_filters_answer_4xx_in_the_one_error_shape(sessions, admin_user, query):
    response = client_of(admin_user).get("/api/sessions", query)
    assert 400 <= response.status_code < 500
    assert response.json()["message"]
