"""API tokens: created with a secret shown once, stored hashed, used as Bearer, revoked."""

import pytest
from django.db import connection
from rest_framework.test import APIClient

from clinics.models import ApiToken
from clinics.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db

RUN_URL = "/api/schedule/runs/999999"


def bearer(secret):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_the_secret_is_not_stored(admin_user):
    token, secret = api_token_create(user=admin_user, name="Lab integration")
    with connection.cursor() as cursor:
        cursor.execute("SELECT key_hash, prefix FROM clinics_apitoken WHERE id = %s", [token.pk])
        key_hash, prefix = cursor.fetchone()
    assert secret not in key_hash
    assert secret.startswith(prefix) and len(prefix) < len(secret) // 3


def test_a_token_signs_the_user_in_and_marks_its_use(admin_user):
    token, secret = api_token_create(user=admin_user, name="Lab integration")
    # A run that is not there: the caller is signed in (404, not 401).
    response = bearer(secret).get(RUN_URL)
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_no_or_a_wrong_token_is_refused_with_401(admin_user):
    api_token_create(user=admin_user, name="Lab integration")
    assert APIClient().get(RUN_URL).status_code == 401
    response = bearer("pk_not-a-real-token").get(RUN_URL)
    assert response.status_code == 401
    assert "not valid" in response.json()["message"]


def test_a_revoked_token_no_longer_works(admin_user):
    token, secret = api_token_create(user=admin_user, name="Lab integration")
    api_token_revoke(user=admin_user, token_id=token.pk)
    assert bearer(secret).get(RUN_URL).status_code == 401


def test_one_cannot_revoke_another_users_token(admin_user, outsider):
    token, secret = api_token_create(user=admin_user, name="Lab integration")
    with pytest.raises(ApiToken.DoesNotExist):
        api_token_revoke(user=outsider, token_id=token.pk)
    assert bearer(secret).get(RUN_URL).status_code == 404


def test_a_token_needs_a_name(admin_user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        api_token_create(user=admin_user, name="   ")
    assert not ApiToken.objects.exists()
