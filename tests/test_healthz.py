"""The health check: 200 when PostgreSQL and Redis answer, 503 naming the one that doesn't."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_it_answers_ok_when_database_and_redis_answer(client, settings):
    assert settings.REDIS_URL, "the suite runs against real Redis (set REDIS_URL)"

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_it_names_redis_when_redis_does_not_answer(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] != "ok"
    assert "redis" in body["down"]
    assert "database" not in body["down"]


@pytest.mark.django_db
def test_it_is_never_cached(client):
    response = client.get(reverse("healthz"))

    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_it_rejects_post(client):
    assert client.post(reverse("healthz")).status_code == 405
