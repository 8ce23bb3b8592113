"""The patient's home: their own next session and plans, for patients only."""

import pytest
from django.urls import reverse

from tests.factories import (
    PatientFactory,
    TherapySessionFactory,
    TherapyTypeFactory,
    local_today_at,
)

# Measured with 3 sessions; the same bound must hold with 30 (no query per session).
# The eighth is the "How was your session?" card's one query (feedback.selectors).
PORTAL_QUERIES = 8


def test_it_shows_a_patient_only_their_own_next_session(
    client, patient_user, patient, center, practitioner
):
    TherapySessionFactory(
        center=center,
        therapy=TherapyTypeFactory(code="abhyanga", name="Abhyanga"),
        practitioner=practitioner,
        patient=patient,
        starts_at=local_today_at(center, 10, days=1),
    )
    TherapySessionFactory(
        center=center,
        therapy=TherapyTypeFactory(code="shirodhara", name="Shirodhara"),
        patient=PatientFactory(center=center, first_name="Ravi", last_name="Kumar"),
        starts_at=local_today_at(center, 10, days=1),
    )
    client.force_login(patient_user)

    page = client.get(reverse("portal_home")).content.decode()

    assert "Namaste, Meera" in page
    assert "Your next session" in page
    assert "Abhyanga" in page and "Suresh Menon" in page
    assert "Shirodhara" not in page
    assert "Ravi Kumar" not in page


def test_it_forbids_staff_the_patients_home(client, admin_user):
    client.force_login(admin_user)

    assert client.get(reverse("portal_home")).status_code == 403


@pytest.mark.parametrize("size", [3, 30], ids=["3-sessions", "30-sessions"])
def test_the_portal_costs_a_fixed_number_of_queries(
    client, patient_user, patient, center, size, django_assert_max_num_queries
):
    abhyanga = TherapyTypeFactory(code="abhyanga", name="Abhyanga")
    for index in range(size):
        # Past and coming sessions of one patient, a day apart.
        TherapySessionFactory(
            center=center,
            therapy=abhyanga,
            patient=patient,
            starts_at=local_today_at(center, 10, days=index - size // 2),
        )
    client.force_login(patient_user)

    with django_assert_max_num_queries(PORTAL_QUERIES):
        response = client.get(reverse("portal_home"))

    assert response.status_code == 200
    assert response.context["next_session"] is not None
    assert len(response.context["upcoming"]) + len(response.context["past"]) > 0
