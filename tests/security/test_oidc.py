"""Sign-in with the clinic's identity provider: a real OpenID Connect provider on the loopback.

Each sign-in goes the whole way a browser would: the sign-in page's "Sign in with ..." button,
the provider's /authorize (tests.security.oidc_provider, over HTTP on 127.0.0.1), and back to the
portal, which fetches the token, the provider's keys and the user's details from it.
"""

import html
import re
import time
from urllib.parse import urlsplit

import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.core.cache import cache
from django.urls import reverse

from clinics.choices import Role
from clinics.models import User
from tests.factories import MembershipFactory, UserFactory
from tests.security.oidc_provider import LoopbackOidcProvider, new_signing_key, settings_from_env

CLIENT_ID = "panchakarma-portal"
CLIENT_SECRET = "loopback-client-secret-for-tests"
PROVIDER_NAME = "Kerala Clinic ID"
PASSWORD = "a-long-clinic-password-2026"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
BUTTON = re.compile(r'<form method="post" action="([^"]+)" class="identity-provider">')


@pytest.fixture
def idp(settings, monkeypatch):
    """The provider, running, and the portal configured for it exactly as from the environment."""
    with LoopbackOidcProvider(CLIENT_ID, CLIENT_SECRET) as provider:
        configured = settings_from_env(
            monkeypatch,
            OIDC_PROVIDER_ID="kerala-idp",
            OIDC_PROVIDER_NAME=PROVIDER_NAME,
            OIDC_SERVER_URL=provider.issuer,
            OIDC_CLIENT_ID=CLIENT_ID,
            OIDC_CLIENT_SECRET=CLIENT_SECRET,
        )
        settings.SOCIALACCOUNT_PROVIDERS = configured["SOCIALACCOUNT_PROVIDERS"]
        settings.MFA_REQUIRED_FOR_STAFF = True
        # allauth keeps used TOTP codes in the (Redis) cache, which outlives a test.
        cache.clear()
        yield provider


def sign_in_with_idp(client, idp, identity: dict):
    """Press the sign-in page's button, sign in at the provider as `identity`, come back.

    Returns the portal's answer to the provider's redirect back to it.
    """
    idp.identity = {"sub": f"idp-{identity['email']}", "email_verified": True, **identity}
    page = client.get(reverse("account_login")).content.decode()
    assert f"Sign in with {PROVIDER_NAME}" in page
    start = client.post(html.unescape(BUTTON.search(page).group(1)))
    assert start.status_code == 302
    assert start["Location"].startswith(f"{idp.issuer}/authorize?")

    at_provider = requests.get(start["Location"], allow_redirects=False, timeout=5)

    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["Location"])
    assert back.netloc == "testserver"
    return client.get(f"{back.path}?{back.query}")


def signed_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


def refusal_page(client, response) -> str:
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    return client.get(response["Location"]).content.decode()


def test_a_patient_with_the_same_verified_email_signs_in(client, idp, patient_user):
    users_before = User.objects.count()

    response = sign_in_with_idp(client, idp, {"email": patient_user.email, "name": "Meera"})

    assert signed_in_user_id(client) == str(patient_user.pk)
    home = client.get(response["Location"], follow=True)
    assert home.redirect_chain[-1][0] == reverse("portal_home")
    assert home.context["user"] == patient_user
    assert User.objects.count() == users_before
    # The portal sent a PKCE verifier the provider checked against the challenge it was given.
    assert idp.token_requests[0]["form"]["code_verifier"]
    # allauth's guard for self-made accounts: one found by an email address the portal never
    # saw verified loses its password, in case someone else signed up with that address first.
    patient_user.refresh_from_db()
    assert not patient_user.has_usable_password()


def test_the_email_matches_whatever_its_case(client, idp, patient_user):
    sign_in_with_idp(client, idp, {"email": patient_user.email.upper()})

    assert signed_in_user_id(client) == str(patient_user.pk)


def test_an_unknown_email_is_refused_and_no_account_is_made(client, idp, patient_user):
    users_before = User.objects.count()

    response = sign_in_with_idp(client, idp, {"email": "stranger@example.org"})

    page = refusal_page(client, response)
    assert (
        f"No portal account uses stranger@example.org, and signing in with {PROVIDER_NAME} "
        "never makes one." in page
    )
    assert signed_in_user_id(client) is None
    assert User.objects.count() == users_before
    assert not User.objects.filter(email="stranger@example.org").exists()
    assert not SocialAccount.objects.exists()


def test_an_email_the_provider_has_not_verified_is_refused(client, idp, patient_user):
    response = sign_in_with_idp(client, idp, {"email": patient_user.email, "email_verified": False})

    page = refusal_page(client, response)
    assert f"{PROVIDER_NAME} did not confirm an email address for you" in page
    assert signed_in_user_id(client) is None


def test_a_switched_off_account_is_refused(client, idp, patient_user):
    patient_user.is_active = False
    patient_user.save()

    response = sign_in_with_idp(client, idp, {"email": patient_user.email})

    page = refusal_page(client, response)
    assert f"The portal account for {patient_user.email} is switched off." in page
    assert signed_in_user_id(client) is None


def test_staff_with_an_authenticator_are_asked_for_its_code(client, idp, admin_user):
    admin_user.set_password(PASSWORD)
    admin_user.save()
    TOTP.activate(admin_user, TOTP_SECRET)

    response = sign_in_with_idp(client, idp, {"email": admin_user.email})

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert signed_in_user_id(client) is None
    assert client.post(reverse("mfa_authenticate"), {"code": "000000"}).status_code == 200
    assert signed_in_user_id(client) is None

    code = format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))
    client.post(reverse("mfa_authenticate"), {"code": code})

    assert signed_in_user_id(client) == str(admin_user.pk)
    console = client.get(reverse("console"))
    assert console.status_code == 200
    assert "Kerala Panchakarma Center" in console.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.check_password(PASSWORD)


def test_staff_without_an_authenticator_are_sent_to_set_one_up(client, idp, practitioner_user):
    practitioner_user.set_password(PASSWORD)
    practitioner_user.save()

    sign_in_with_idp(client, idp, {"email": practitioner_user.email})
    my_day = client.get(reverse("my_day"))

    assert my_day.status_code == 302
    assert my_day["Location"] == reverse("mfa_activate_totp")
    # Adding an authenticator asks for the password again: staff keep theirs (the provider
    # has verified their clinic-made address) and can confirm themselves with it.
    practitioner_user.refresh_from_db()
    assert practitioner_user.check_password(PASSWORD)
    assert EmailAddress.objects.get(user=practitioner_user).verified
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    setup = client.get(reverse("mfa_activate_totp"))
    assert setup.status_code == 200
    assert "Set up your authenticator to continue." in setup.content.decode()


def test_an_id_token_signed_with_another_key_is_refused(client, idp, patient_user):
    idp.signing_key = new_signing_key()

    response = sign_in_with_idp(client, idp, {"email": patient_user.email})

    page = refusal_page(client, response)
    assert (
        f"Signing in with {PROVIDER_NAME} did not work: it did not answer, or its answer could "
        "not be checked." in page
    )
    assert signed_in_user_id(client) is None


def test_the_button_reads_in_hindi_and_costs_no_query(
    client, idp, patient_user, django_assert_num_queries
):
    client.cookies["django_language"] = "hi"

    with django_assert_num_queries(0):
        page = client.get(reverse("account_login")).content.decode()

    assert f"{PROVIDER_NAME} से साइन इन करें" in page


def test_the_sign_in_page_offers_no_provider_when_none_is_configured(client, db):
    page = client.get(reverse("account_login")).content.decode()

    assert "Sign in with" not in page
    start = client.post(reverse("openid_connect_login", kwargs={"provider_id": "clinic"}))
    assert start.status_code == 404


def test_settings_configure_no_provider_when_the_environment_names_none(monkeypatch):
    configured = settings_from_env(monkeypatch)

    assert configured["SOCIALACCOUNT_PROVIDERS"] == {"openid_connect": {"APPS": []}}
    assert configured["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["form-action"] == ["'self'"]
    assert "allauth.socialaccount.providers.openid_connect" in configured["INSTALLED_APPS"]


def test_settings_configure_the_provider_from_the_environment(monkeypatch):
    configured = settings_from_env(
        monkeypatch,
        OIDC_PROVIDER_ID="kerala-idp",
        OIDC_PROVIDER_NAME=PROVIDER_NAME,
        OIDC_SERVER_URL="https://id.kerala.example.org",
        OIDC_CLIENT_ID=CLIENT_ID,
        OIDC_CLIENT_SECRET=CLIENT_SECRET,
    )

    [app] = configured["SOCIALACCOUNT_PROVIDERS"]["openid_connect"]["APPS"]
    assert app["provider_id"] == "kerala-idp"
    assert app["name"] == PROVIDER_NAME
    assert (app["client_id"], app["secret"]) == (CLIENT_ID, CLIENT_SECRET)
    assert app["settings"]["server_url"] == "https://id.kerala.example.org"
    assert app["settings"]["oauth_pkce_enabled"] is True
    # The button's POST is redirected to the provider, which the browser checks by form-action.
    assert configured["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["form-action"] == [
        "'self'",
        "https://id.kerala.example.org",
    ]


def test_settings_refuse_a_provider_without_its_client_credentials(monkeypatch):
    with pytest.raises(SystemExit) as refusal:
        settings_from_env(monkeypatch, OIDC_SERVER_URL="https://id.kerala.example.org")

    assert "OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set" in str(refusal.value)


def test_a_provider_added_as_a_database_row_is_not_offered(client, idp, db):
    # Only the environment configures the provider; a row added in the admin opens nothing.
    SocialApp.objects.create(
        provider="openid_connect",
        provider_id="rogue",
        name="Rogue ID",
        client_id="rogue",
        secret="rogue",
        settings={"server_url": idp.issuer},
    )

    page = client.get(reverse("account_login")).content.decode()

    assert "Sign in with Rogue ID" not in page
    assert f"Sign in with {PROVIDER_NAME}" in page
    start = client.post(reverse("openid_connect_login", kwargs={"provider_id": "rogue"}))
    assert start.status_code == 404


def connect_at_idp(client, idp, identity: dict):
    """From the signed-in user's connections page, link the provider identity `identity`."""
    idp.identity = {"sub": "kerala-7", "email_verified": True, **identity}
    start = client.post(
        reverse("openid_connect_login", kwargs={"provider_id": "kerala-idp"}),
        {"process": "connect"},
    )
    assert start["Location"].startswith(f"{idp.issuer}/authorize?"), start["Location"]
    back = urlsplit(
        requests.get(start["Location"], allow_redirects=False, timeout=5).headers["Location"]
    )
    return client.get(f"{back.path}?{back.query}")


def test_a_signed_in_user_links_only_an_identity_with_their_own_email(client, idp, patient_user):
    patient_user.set_password(PASSWORD)
    patient_user.save()
    client.post(reverse("account_login"), {"login": patient_user.email, "password": PASSWORD})

    refused = connect_at_idp(client, idp, {"email": "someone-else@example.org"})

    assert refused["Location"] == reverse("socialaccount_connections")
    page = client.get(refused["Location"]).content.decode()
    assert (
        f"{PROVIDER_NAME} confirmed someone-else@example.org, which is not the email address of "
        "your portal account, so it was not linked." in page
    )
    assert not SocialAccount.objects.exists()

    connect_at_idp(client, idp, {"email": patient_user.email})

    link = SocialAccount.objects.get()
    assert (link.user, link.provider, link.uid) == (patient_user, "kerala-idp", "kerala-7")


def test_a_linked_identity_still_needs_the_account_email(client, idp, patient_user):
    # Linked earlier; since then the portal account's email has changed.
    SocialAccount.objects.create(user=patient_user, provider="kerala-idp", uid="kerala-7")
    patient_user.email = "meera.new@example.org"
    patient_user.save()

    response = sign_in_with_idp(client, idp, {"sub": "kerala-7", "email": "patient@example.org"})

    page = refusal_page(client, response)
    assert "No portal account uses patient@example.org" in page
    assert signed_in_user_id(client) is None


def test_an_account_saved_with_capitals_is_found_by_its_lower_case_email(client, idp, center):
    staff = UserFactory(email="Vaidya.Rao@Kerala.example.org")
    MembershipFactory(user=staff, center=center, role=Role.PRACTITIONER)

    sign_in_with_idp(client, idp, {"email": "vaidya.rao@kerala.example.org"})

    assert signed_in_user_id(client) == str(staff.pk)


def test_a_provider_that_does_not_answer_is_said_so(client, idp, patient_user):
    idp.__exit__(None, None, None)  # the provider goes down

    start = client.post(reverse("openid_connect_login", kwargs={"provider_id": "kerala-idp"}))

    page = refusal_page(client, start)
    assert f"Signing in with {PROVIDER_NAME} did not work" in page
    assert signed_in_user_id(client) is None
