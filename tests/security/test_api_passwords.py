"""The API takes a personal token or the browser's session, never a password.

A password sent as HTTP Basic would skip the second factor our policy asks of staff (the TOTP
code is asked for on the sign-in page, which an API call never passes through): the token is
the integrations' credential, made in the portal by someone already signed in with it.
"""

import base64

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from rest_framework.test import APIClient

from clinics.services import api_token_create

PASSWORD = "a-long-clinic-password-2026"


@pytest.fixture
def staff_with_totp(settings, admin_user):
    settings.MFA_REQUIRED_FOR_STAFF = True
    admin_user.set_password(PASSWORD)
    admin_user.save()
    TOTP.activate(admin_user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    return admin_user


def with_password(user) -> APIClient:
    client = APIClient()
    credentials = base64.b64encode(f"{user.email}:{PASSWORD}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {credentials}")
    return client


def test_a_staff_password_alone_opens_no_api(staff_with_totp):
    response = with_password(staff_with_totp).get("/api/centers")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_the_same_staff_member_gets_in_with_their_token(staff_with_totp):
    _token, secret = api_token_create(user=staff_with_totp, name="Front desk")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

    response = client.get("/api/centers")

    assert response.status_code == 200
    assert [center["name"] for center in response.json()["results"]] == [
        "Kerala Panchakarma Center"
    ]


def test_the_schema_offers_tokens_and_sessions_only(client):
    schemes = client.get("/api/schema/?format=json").json()["components"]["securitySchemes"]

    assert schemes["apiToken"] == {"type": "http", "scheme": "bearer"}
    assert "basicAuth" not in schemes
