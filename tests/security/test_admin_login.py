"""The Django admin signs in through the portal's sign-in page, second factor included.

Its own login form takes a password alone: a Django-admin user with an authenticator would get
a whole session, portal pages included, without the TOTP code the sign-in page asks for.
"""

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse

PASSWORD = "a-long-clinic-password-2026"


@pytest.fixture
def operator(settings, superuser):
    settings.MFA_REQUIRED_FOR_STAFF = True
    superuser.set_password(PASSWORD)
    superuser.save()
    TOTP.activate(superuser, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    return superuser


def test_the_admin_login_form_gives_no_session_for_a_password(client, operator):
    client.post(
        reverse("admin:login"),
        {"username": operator.email, "password": PASSWORD, "next": "/admin/"},
    )

    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("admin:login"))


def test_the_admin_sends_a_signed_out_visitor_to_the_portal_sign_in(client, operator):
    response = client.get(reverse("admin:login"), {"next": "/admin/"})

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=%2Fadmin%2F"
    # There, the password is followed by the authenticator's code.
    signed = client.post(reverse("account_login"), {"login": operator.email, "password": PASSWORD})
    assert signed["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session


def test_a_signed_in_patient_is_refused_the_admin(client, patient_user):
    client.force_login(patient_user)

    assert client.get(reverse("admin:login")).status_code == 403
