"""Open sign-up makes a patient at the chosen center and lands on the intake; never staff."""

import pytest
from django.core.exceptions import ValidationError

from clinics.models import Membership, User
from patients.models import Patient
from patients.services import patient_register
from tests.factories import CenterFactory, UserFactory

pytestmark = pytest.mark.django_db


def _sign_up(client, chosen, **overrides):
    data = {
        "email": "asha@example.org",
        "password1": "a-long-Passphrase-91",
        "password2": "a-long-Passphrase-91",
        "first_name": "Asha",
        "last_name": "Rao",
        "sex": "F",
        "center": chosen.pk,
        **overrides,
    }
    return client.post("/accounts/signup/", data)


def test_the_login_page_links_to_sign_up(client):
    page = client.get("/accounts/login/").content.decode()

    assert 'href="/accounts/signup/' in page


def test_the_sign_up_page_asks_which_center(client, center, other_center):
    page = client.get("/accounts/signup/").content.decode()

    assert "Your center" in page
    assert "Kerala Panchakarma Center, Kochi" in page
    assert "London Ayurveda Clinic, London" in page


def test_signing_up_makes_a_patient_at_the_chosen_center_and_lands_on_the_intake(
    client, center, other_center
):
    response = _sign_up(client, other_center)

    assert response.status_code == 302
    assert response["Location"] == "/portal/intake/"
    user = User.objects.get(email="asha@example.org")
    patient = Patient.objects.get(user=user)
    assert (patient.center, patient.first_name, patient.last_name) == (other_center, "Asha", "Rao")
    assert patient.email == "asha@example.org"
    assert not user.is_staff and not Membership.objects.filter(user=user).exists()
    page = client.get("/portal/intake/").content.decode()
    assert "0 of" in page


def test_sign_up_without_a_center_asks_for_one_and_makes_nobody(client, center):
    response = _sign_up(client, center, center="")

    assert response.status_code == 200
    assert "Please choose the center you will visit." in response.content.decode()
    assert not User.objects.filter(email="asha@example.org").exists()


def test_an_inactive_center_cannot_be_chosen(client, center):
    closed = CenterFactory(name="Closed clinic", slug="closed", is_active=False)

    response = _sign_up(client, closed)

    assert response.status_code == 200
    assert not User.objects.filter(email="asha@example.org").exists()


def test_sign_up_with_a_staff_members_email_makes_no_second_account(client, center, admin_user):
    _sign_up(client, center, email=admin_user.email)

    assert User.objects.filter(email__iexact=admin_user.email).count() == 1
    assert not Patient.objects.filter(email=admin_user.email).exists()
    assert not Patient.objects.filter(user=admin_user).exists()


def test_a_staff_account_is_never_made_a_patient(center, admin_user):
    with pytest.raises(ValidationError):
        patient_register(user=admin_user, center=center, first_name="Anjali", last_name="", sex="F")

    assert not Patient.objects.filter(user=admin_user).exists()


def test_a_second_patient_record_is_refused(center, patient_user):
    with pytest.raises(ValidationError):
        patient_register(user=patient_user, center=center, first_name="M", last_name="", sex="F")


def test_a_blank_first_name_is_refused(center):
    user = UserFactory(email="blank@example.org")

    with pytest.raises(ValidationError):
        patient_register(user=user, center=center, first_name="  ", last_name="", sex="F")

    assert not Patient.objects.filter(user=user).exists()
