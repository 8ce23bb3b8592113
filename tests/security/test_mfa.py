"""Staff sign in with a TOTP code as well as the password; patients are never asked."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.core.cache import cache
from django.urls import reverse

PASSWORD = "a-long-clinic-password-2026"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def _mfa_required(settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    # allauth remembers used codes and sign-in counts in the (Redis) cache, which outlives a test.
    cache.clear()


def _current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def _sign_in(client, user):
    user.set_password(PASSWORD)
    user.save()
    return client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})


def test_staff_without_totp_is_sent_to_set_it_up(client, admin_user):
    _sign_in(client, admin_user)

    response = client.get(reverse("console"))

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    # allauth asks for the password again before a second factor can be added.
    assert client.get(response["Location"])["Location"].startswith(
        reverse("account_reauthenticate")
    )
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    setup = client.get(response["Location"])
    assert setup.status_code == 200
    page = setup.content.decode()
    assert "Set up your authenticator to continue." in page
    # The secret to type into the app, for a phone that cannot scan the QR code.
    assert setup.context["form"].secret in page


@pytest.mark.parametrize("page", ["my_day", "care_plans", "clinician_tasks"])
def test_a_practitioner_without_totp_reaches_no_staff_page(client, practitioner_user, page):
    client.force_login(practitioner_user)

    response = client.get(reverse(page))

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_fragment_requests_are_sent_to_the_setup_page_whole(client, admin_user):
    client.force_login(admin_user)

    response = client.get(reverse("console"), headers={"HX-Request": "true"})

    assert response["HX-Redirect"] == reverse("mfa_activate_totp")


def test_staff_with_totp_is_asked_for_the_code_and_then_gets_in(client, admin_user):
    TOTP.activate(admin_user, SECRET)

    response = _sign_in(client, admin_user)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session

    client.post(reverse("mfa_authenticate"), {"code": _current_code(SECRET)})
    assert client.session.get("_auth_user_id") == str(admin_user.pk)

    console = client.get(reverse("console"))
    assert console.status_code == 200
    assert "Kerala Panchakarma Center" in console.content.decode()


def test_setting_up_totp_on_the_page_unlocks_staff_pages(client, admin_user):
    _sign_in(client, admin_user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    setup = client.get(reverse("mfa_activate_totp"))
    secret = setup.context["form"].secret

    response = client.post(reverse("mfa_activate_totp"), {"code": _current_code(secret)})

    assert response.status_code == 302
    assert Authenticator.objects.filter(user=admin_user, type=Authenticator.Type.TOTP).exists()
    # allauth makes recovery codes alongside, for the day the phone is lost.
    assert Authenticator.objects.filter(
        user=admin_user, type=Authenticator.Type.RECOVERY_CODES
    ).exists()
    assert client.get(reverse("console")).status_code == 200


def test_a_recovery_code_signs_staff_in_when_the_phone_is_lost(client, admin_user):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    TOTP.activate(admin_user, SECRET)
    recovery_code = RecoveryCodes.activate(admin_user).get_unused_codes()[0]

    _sign_in(client, admin_user)
    client.post(reverse("mfa_authenticate"), {"code": recovery_code})

    assert client.session.get("_auth_user_id") == str(admin_user.pk)
    assert client.get(reverse("console")).status_code == 200


def test_patients_are_never_asked_for_a_second_factor(client, patient_user):
    response = _sign_in(client, patient_user)

    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(patient_user.pk)
    assert client.get(reverse("portal_home")).status_code == 200


def test_the_requirement_can_be_turned_off(client, settings, admin_user):
    settings.MFA_REQUIRED_FOR_STAFF = False
    client.force_login(admin_user)

    assert client.get(reverse("console")).status_code == 200


def test_an_emailed_sign_in_code_does_not_replace_the_authenticator(client, admin_user):
    from django.core import mail

    from tests.clinics.test_login_by_code import _code_from

    TOTP.activate(admin_user, SECRET)
    client.post(reverse("account_request_login_code"), {"email": admin_user.email})

    response = client.post(
        reverse("account_confirm_login_code"), {"code": _code_from(mail.outbox[-1])}
    )

    # The email code is one factor; the authenticator's code is still asked for.
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    client.post(reverse("mfa_authenticate"), {"code": _current_code(SECRET)})
    assert client.get(reverse("console")).status_code == 200
