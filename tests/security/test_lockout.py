"""Repeated wrong passwords lock the sign-in (django-axes), with a message saying why."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

PASSWORD = "a-long-clinic-password-2026"


@pytest.fixture(autouse=True)
def _no_rate_counts_from_earlier_runs():
    # allauth keeps its per-IP sign-in counts in the (Redis) cache, which outlives a test.
    cache.clear()


def _sign_in(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_the_right_password_signs_in(client, patient_user):
    patient_user.set_password(PASSWORD)
    patient_user.save()

    response = _sign_in(client, patient_user.email, PASSWORD)

    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(patient_user.pk)


def test_after_too_many_failures_even_the_right_password_is_refused(client, patient_user):
    patient_user.set_password(PASSWORD)
    patient_user.save()

    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, patient_user.email, "not-the-password")
    response = _sign_in(client, patient_user.email, PASSWORD)

    assert response.status_code == 429
    assert "too many login attempts" in response.content.decode().lower()
    assert "_auth_user_id" not in client.session


def test_a_few_failures_do_not_lock_the_account(client, patient_user):
    patient_user.set_password(PASSWORD)
    patient_user.save()

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _sign_in(client, patient_user.email, "not-the-password")
        assert response.status_code == 200
    response = _sign_in(client, patient_user.email, PASSWORD)

    assert response.status_code == 302
