"""Sign-in with the clinic's identity provider in real Chromium, at a phone's width.

The provider is tests.security.oidc_provider on the loopback; the portal is configured for it
from the environment as an operator would. What only a browser shows: the Content-Security-
Policy lets the button's POST be redirected to the provider (form-action), and the whole round
trip lands the patient on their own page.
"""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, horizontal_overflow, screenshot
from tests.security.oidc_provider import LoopbackOidcProvider, settings_from_env

pytestmark = pytest.mark.e2e
PROVIDER_NAME = "Kerala Clinic ID"


@pytest.fixture
def idp(settings, monkeypatch):
    with LoopbackOidcProvider("panchakarma-portal", "loopback-secret") as provider:
        configured = settings_from_env(
            monkeypatch,
            OIDC_PROVIDER_NAME=PROVIDER_NAME,
            OIDC_SERVER_URL=provider.issuer,
            OIDC_CLIENT_ID="panchakarma-portal",
            OIDC_CLIENT_SECRET="loopback-secret",
        )
        settings.SOCIALACCOUNT_PROVIDERS = configured["SOCIALACCOUNT_PROVIDERS"]
        settings.CONTENT_SECURITY_POLICY = configured["CONTENT_SECURITY_POLICY"]
        yield provider


def test_a_patient_signs_in_with_the_clinic_provider_on_a_phone(
    new_page, live_server, idp, patient_user
):
    idp.identity = {"sub": "kerala-42", "email": patient_user.email, "email_verified": True}
    page = new_page(PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    button = page.get_by_role("button", name=f"Sign in with {PROVIDER_NAME}")
    expect(button).to_be_visible()
    assert horizontal_overflow(page) == 0
    screenshot(page, "oidc-sign-in-phone")

    button.click()

    expect(page).to_have_url(f"{live_server.url}/portal/")
    expect(page.locator("h1")).to_have_text("Namaste, Meera")
