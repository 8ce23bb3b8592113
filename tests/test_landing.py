"""Signing in lands every user on the page their role works from, showing only their own data."""

import pytest
from django.urls import reverse

from clinics.choices import Role
from tests.factories import (
    MembershipFactory,
    PatientFactory,
    PractitionerProfileFactory,
    RoomFactory,
    TherapySessionFactory,
    TherapyTypeFactory,
    UserFactory,
    local_today_at,
)

PASSWORD = "a-long-test-password-0f-the-clinic"

# Measured with 3 sessions; the same bound must hold with 30 (no query per session).
MY_DAY_QUERIES = 7


def sign_in(client, user) -> object:
    """Sign in through allauth's real form and follow every redirect to the landing page."""
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.wsgi_request.user == user
    return response


@pytest.fixture
def abhyanga(db):
    return TherapyTypeFactory(code="abhyanga", name="Abhyanga", duration_minutes=60)


@pytest.fixture
def shirodhara(db):
    return TherapyTypeFactory(code="shirodhara", name="Shirodhara", duration_minutes=60)


@pytest.fixture
def colleague(center):
    """Another practitioner of the same center, whose sessions are not on our practitioner's day."""
    user = UserFactory(email="kavya@kerala.example.org", first_name="Kavya", last_name="Warrier")
    MembershipFactory(user=user, center=center, role=Role.PRACTITIONER)
    return PractitionerProfileFactory(user=user, gender="F")


@pytest.fixture
def todays_sessions(center, practitioner, colleague, abhyanga, shirodhara):
    """Today at the center: one session with our practitioner, one with their colleague."""
    ours = TherapySessionFactory(
        center=center,
        therapy=abhyanga,
        practitioner=practitioner,
        patient=PatientFactory(center=center, first_name="Lakshmi", last_name="Pillai"),
        starts_at=local_today_at(center, 9),
    )
    theirs = TherapySessionFactory(
        center=center,
        therapy=shirodhara,
        practitioner=colleague,
        patient=PatientFactory(center=center, first_name="Ravi", last_name="Kumar"),
        starts_at=local_today_at(center, 11),
    )
    return ours, theirs


# --- where each user lands -----------------------------------------------------------


def test_it_lands_a_center_admin_on_the_console(client, admin_user, center, todays_sessions):
    response = sign_in(client, admin_user)

    assert response.redirect_chain[-1][0] == reverse("console")
    page = response.content.decode()
    assert "Kerala Panchakarma Center" in page
    assert "Today's sessions" in page
    for name in ("Lakshmi Pillai", "Ravi Kumar", "Abhyanga", "Shirodhara"):
        assert name in page
    assert "No sessions booked today." not in page


def test_it_lands_a_practitioner_on_their_own_day(
    client, practitioner_user, center, todays_sessions
):
    response = sign_in(client, practitioner_user)

    assert response.redirect_chain[-1][0] == reverse("my_day")
    page = response.content.decode()
    assert "My day" in page
    assert "Suresh Menon" in page
    assert "Lakshmi Pillai" in page and "Abhyanga" in page
    # The colleague's session is not on this practitioner's day.
    assert "Ravi Kumar" not in page
    assert "Shirodhara" not in page
    assert "No sessions for you today." not in page


def test_it_lands_a_patient_on_their_own_next_session(
    client, patient_user, patient, center, practitioner, colleague, abhyanga, shirodhara
):
    TherapySessionFactory(
        center=center,
        therapy=abhyanga,
        practitioner=practitioner,
        patient=patient,
        starts_at=local_today_at(center, 10, days=1),
    )
    TherapySessionFactory(
        center=center,
        therapy=shirodhara,
        practitioner=colleague,
        patient=PatientFactory(center=center, first_name="Ravi", last_name="Kumar"),
        starts_at=local_today_at(center, 10, days=1),
    )

    response = sign_in(client, patient_user)

    assert response.redirect_chain[-1][0] == reverse("portal_home")
    page = response.content.decode()
    assert "Namaste, Meera" in page
    assert "Your next session" in page
    assert "Abhyanga" in page and "Suresh Menon" in page
    assert "Shirodhara" not in page
    assert "Ravi Kumar" not in page
    assert "Kavya Warrier" not in page
    assert "You have no upcoming sessions." not in page


def test_it_forbids_a_patient_the_practitioners_day(client, patient_user):
    sign_in(client, patient_user)

    assert client.get(reverse("my_day")).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["home", "console", "my_day", "portal_home"])
def test_it_sends_anonymous_visitors_to_sign_in(client, url_name):
    response = client.get(reverse(url_name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")


def test_it_rejects_a_wrong_password(client, admin_user):
    admin_user.set_password(PASSWORD)
    admin_user.save(update_fields=["password"])

    response = client.post(
        reverse("account_login"), {"login": admin_user.email, "password": "not-it"}, follow=True
    )

    assert not response.wsgi_request.user.is_authenticated
    assert response.redirect_chain == []
    assert "Kerala Panchakarma Center" not in response.content.decode()


# --- a page costs the same number of queries whatever the data size --------------------


@pytest.fixture(params=[3, 30], ids=["3-sessions", "30-sessions"])
def size(request):
    return request.param


def test_my_day_costs_a_fixed_number_of_queries(
    client, practitioner_user, practitioner, center, abhyanga, size, django_assert_max_num_queries
):
    room = RoomFactory(center=center)
    for index in range(size):
        # One practitioner, one room: back to back across this day and the coming six.
        TherapySessionFactory(
            center=center,
            therapy=abhyanga,
            practitioner=practitioner,
            room=room,
            starts_at=local_today_at(center, 6 + (index // 7) * 2, days=index % 7),
        )
    client.force_login(practitioner_user)

    with django_assert_max_num_queries(MY_DAY_QUERIES):
        response = client.get(reverse("my_day"))

    assert response.status_code == 200
    shown = len(response.context["plan"].sessions) + len(response.context["plan"].coming)
    assert shown == size
