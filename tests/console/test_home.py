"""The console's home: a center's day for its admins, never another center's, never for others."""

import pytest
from django.urls import reverse

from clinics.choices import Role
from patients.models import CarePlan
from tests.factories import (
    CarePlanFactory,
    MembershipFactory,
    TherapySessionFactory,
    TherapyTypeFactory,
    UserFactory,
    WaitlistOfferFactory,
    local_today_at,
)

# Measured with 3 sessions; the same bound must hold with 30 (no query per session).
CONSOLE_QUERIES = 13


@pytest.fixture
def todays_sessions(center):
    """Today at the center: two sessions of different patients and therapies."""
    return [
        TherapySessionFactory(
            center=center,
            therapy=TherapyTypeFactory(code="abhyanga", name="Abhyanga"),
            patient__first_name="Lakshmi",
            patient__last_name="Pillai",
            starts_at=local_today_at(center, 9),
        ),
        TherapySessionFactory(
            center=center,
            therapy=TherapyTypeFactory(code="shirodhara", name="Shirodhara"),
            patient__first_name="Ravi",
            patient__last_name="Kumar",
            starts_at=local_today_at(center, 11),
        ),
    ]


def test_it_shows_an_admin_todays_sessions(client, admin_user, center, todays_sessions):
    client.force_login(admin_user)

    page = client.get(reverse("console")).content.decode()

    assert "Kerala Panchakarma Center" in page
    for name in ("Lakshmi Pillai", "Ravi Kumar", "Abhyanga", "Shirodhara"):
        assert name in page
    assert "No sessions booked today." not in page


def test_it_shows_an_outsider_only_their_own_center(
    client, outsider, other_center, center, todays_sessions
):
    client.force_login(outsider)

    page = client.get(reverse("console")).content.decode()

    assert "London Ayurveda Clinic" in page
    assert "No sessions booked today." in page
    for name in ("Kerala Panchakarma Center", "Lakshmi Pillai", "Ravi Kumar"):
        assert name not in page


def test_it_ignores_another_centers_id_in_the_console_query(
    client, outsider, center, todays_sessions
):
    client.force_login(outsider)

    page = client.get(reverse("console"), {"center": center.pk}).content.decode()

    assert "London Ayurveda Clinic" in page
    assert "Kerala Panchakarma Center" not in page
    assert "Lakshmi Pillai" not in page


def test_it_forbids_a_patient_the_console(client, patient_user):
    client.force_login(patient_user)

    assert client.get(reverse("console")).status_code == 403


def test_it_forbids_a_practitioner_the_console(client, practitioner_user):
    client.force_login(practitioner_user)

    assert client.get(reverse("console")).status_code == 403


@pytest.mark.parametrize("size", [3, 30], ids=["3-sessions", "30-sessions"])
def test_the_console_costs_a_fixed_number_of_queries(
    client, admin_user, center, size, django_assert_max_num_queries
):
    abhyanga = TherapyTypeFactory(code="abhyanga", name="Abhyanga")
    for index in range(size):
        # Own patient, room and practitioner each, as on a busy day of parallel rooms.
        TherapySessionFactory(
            center=center, therapy=abhyanga, starts_at=local_today_at(center, 6 + index % 12)
        )
    client.force_login(admin_user)

    with django_assert_max_num_queries(CONSOLE_QUERIES):
        response = client.get(reverse("console"))

    assert response.status_code == 200
    assert response.context["sessions"].count() == size


def test_only_a_center_admin_is_offered_setting_up_from_csv(client, admin_user, center):
    director = UserFactory(email="director@kerala.example.org")
    MembershipFactory(user=director, center=center, role=Role.MEDICAL_DIRECTOR)
    import_url = reverse("console_import")

    client.force_login(admin_user)
    assert import_url in client.get(reverse("console")).content.decode()
    client.force_login(director)
    page = client.get(reverse("console")).content.decode()
    assert "Kerala Panchakarma Center" in page
    assert import_url not in page
    assert client.get(import_url).status_code == 403


def test_plans_to_schedule_leaves_out_drafts_held_for_waitlist_offers(client, admin_user, center):
    waiting = WaitlistOfferFactory(
        entry__patient__center=center, entry__patient__first_name="Rohan"
    )
    CarePlanFactory(patient__center=center, patient__first_name="Gita")
    client.force_login(admin_user)

    page = client.get(reverse("console")).content.decode()

    assert waiting.entry.care_plan.status == CarePlan.Status.DRAFT
    section = page.split("Care plans to schedule")[1]
    assert "Gita" in section
    assert "Rohan" not in section
