"""The patient's home: their own next session and plans, for patients only."""

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timeuntil

from notifications.services import starter_playbook_load
from notifications.starter_playbook import STARTER_PLAYBOOK
from sessions.models import SessionStatus
from tests.factories import (
    PatientFactory,
    TherapySessionFactory,
    TherapyTypeFactory,
    local_today_at,
)
from tests.portal.progress_data import virechana_course

# Measured with 3 sessions; the same bound must hold with 30 (no query per session).
# The eighth is the "How was your session?" card's one query (feedback.selectors); the ninth
# and tenth are today's guidance, one query for the playbook's texts of each session it
# speaks of (one later today or tomorrow, one done today). The eleventh and twelfth say
# whether a MYMOP form is due (the latest answer; the plan under way, its sessions counted).
PORTAL_QUERIES = 12


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
    starter_playbook_load(entries=STARTER_PLAYBOOK, therapies={})
    for index in range(size):
        # Past and coming sessions of one patient, a day apart; today's is done.
        days = index - size // 2
        TherapySessionFactory(
            center=center,
            therapy=abhyanga,
            patient=patient,
            starts_at=local_today_at(center, 0, 5, days=days),
            status=SessionStatus.COMPLETED if days <= 0 else SessionStatus.SCHEDULED,
        )
    client.force_login(patient_user)

    with django_assert_max_num_queries(PORTAL_QUERIES):
        response = client.get(reverse("portal_home"))

    assert response.status_code == 200
    assert response.context["next_session"] is not None
    assert len(response.context["upcoming"]) + len(response.context["past"]) > 0
    assert response.context["guidance_before"] and response.context["guidance_after"]


@pytest.fixture
def virechana_playbook(db):
    virechana = TherapyTypeFactory(code="virechana", name="Virechana", name_hi="विरेचन")
    starter_playbook_load(entries=STARTER_PLAYBOOK, therapies={"virechana": virechana})
    return virechana


def test_home_counts_down_and_gives_tomorrows_preparation_from_the_playbook(
    client, patient_user, patient, center, practitioner, virechana_playbook
):
    tomorrow = TherapySessionFactory(
        center=center,
        therapy=virechana_playbook,
        practitioner=practitioner,
        patient=patient,
        starts_at=local_today_at(center, 12, days=1),
    )
    client.force_login(patient_user)

    page = client.get(reverse("portal_home")).content.decode()

    expected = timeuntil(tomorrow.starts_at, timezone.now())
    assert f'<p class="countdown">in {expected}</p>' in page
    assert "Today's do's and don'ts" in page
    # The Virechana reminder of the day before, filled in for this patient and session.
    assert "Preparing for Virechana tomorrow" in page
    assert "Namaste Meera, your Virechana is tomorrow" in page
    assert "at 12:00. Tonight have only a light, warm dinner" in page
    assert "After today" not in page


def test_home_gives_the_after_care_of_a_session_done_today_in_hindi(
    client, patient_user, patient, center, practitioner, virechana_playbook
):
    TherapySessionFactory(
        center=center,
        therapy=virechana_playbook,
        practitioner=practitioner,
        patient=patient,
        starts_at=local_today_at(center, 0, 5),
        status=SessionStatus.COMPLETED,
    )
    client.force_login(patient_user)

    page = client.get(reverse("portal_home"), HTTP_ACCEPT_LANGUAGE="hi").content.decode()

    assert "आज क्या करें, क्या न करें" in page
    # The generic after-care (T+1h, T+12h) and Virechana's own (T+2h), in Hindi.
    assert "विरेचन सत्र के बाद आराम" in page
    assert "विरेचन के दौरान" in page
    assert "आज रात का ध्यान" in page


def test_home_shows_each_plans_milestones(client, patient_user, patient, center, practitioner):
    days = [
        (SessionStatus.COMPLETED, None, {}, None),
        (SessionStatus.COMPLETED, None, {}, None),
        (SessionStatus.CANCELLED, None, {}, None),
        (SessionStatus.SCHEDULED, None, {}, None),
        (SessionStatus.SCHEDULED, None, {}, None),
    ]
    virechana_course(center, patient, practitioner, days, start=-2)
    client.force_login(patient_user)

    page = client.get(reverse("portal_home")).content.decode()

    assert "Your recovery milestones" in page
    # Four treatment days kept (the cancelled one dropped): two done; two sessions left.
    assert "2 of 4 treatment days done" in page
    assert "2 of 4 sessions done · 2 sessions left" in page
