"""My day: the practitioner's sessions of a day, next first, with what to know before touching."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions.models import SessionStatus, TherapySession
from sessions.services import session_transition
from tests.factories import (
    ClinicalFlagFactory,
    PatientFactory,
    RoomFactory,
    TherapySessionFactory,
)
from tests.sessions.floor import today_at

pytestmark = pytest.mark.django_db

MY_DAY_QUERIES = 7

S = SessionStatus


def shown_order(page: str) -> list[str]:
    """The therapies of the day's session cards, top to bottom."""
    return re.findall(r'<span class="floor-therapy">([^<]+)</span>', page)


@pytest.fixture
def day(center, practitioner, abhyanga, practitioner_user):
    """Three sessions today: one done at 07:00, one at 09:00 and one at 11:00 to come."""
    room = RoomFactory(center=center)
    done = TherapySessionFactory(
        center=center,
        practitioner=practitioner,
        room=room,
        therapy=abhyanga,
        starts_at=today_at(center, 7),
    )
    for status in (S.IN_PREPARATION, S.IN_SESSION, S.COMPLETED):
        done = session_transition(session=done, to_status=status, by=practitioner_user)
    later = TherapySessionFactory(
        center=center,
        practitioner=practitioner,
        room=room,
        therapy__name="Shirodhara",
        starts_at=today_at(center, 11),
    )
    soon = TherapySessionFactory(
        center=center,
        practitioner=practitioner,
        room=room,
        therapy__name="Swedana",
        starts_at=today_at(center, 9),
    )
    return done, soon, later


def test_it_shows_the_next_session_first_then_the_rest_then_the_done(
    client, practitioner_user, day
):
    client.force_login(practitioner_user)

    page = client.get(reverse("my_day")).content.decode()

    assert shown_order(page) == ["Swedana", "Shirodhara", "Abhyanga"]
    first_card = page[page.index('<li class="floor-session') :]
    assert first_card.startswith('<li class="floor-session status-scheduled is-next"')
    assert "Done" in page


def test_each_session_links_to_its_runner_with_its_status_chip(client, practitioner_user, day):
    _done, soon, _later = day
    client.force_login(practitioner_user)

    page = client.get(reverse("my_day")).content.decode()

    assert reverse("session_runner", args=[soon.pk]) in page
    assert '<span class="badge status-completed">Completed</span>' in page
    assert '<span class="badge status-scheduled">Scheduled</span>' in page


def test_it_shows_what_to_know_before_touching_the_patient(
    client, practitioner_user, practitioner, center, abhyanga
):
    patient = PatientFactory(
        center=center,
        allergies="Sesame oil",
        comorbidities="Hypertension",
        same_gender_practitioner=True,
    )
    ClinicalFlagFactory(patient=patient, reason="Nausea score rose from 2 to 7")
    cleared = ClinicalFlagFactory(patient=patient, reason="Old dizziness")
    cleared.cleared_at = timezone.now()
    cleared.save()
    TherapySessionFactory(
        center=center,
        practitioner=practitioner,
        patient=patient,
        therapy=abhyanga,
        starts_at=today_at(center, 10),
    )
    client.force_login(practitioner_user)

    page = client.get(reverse("my_day")).content.decode()

    assert "Sesame oil" in page
    assert "Hypertension" in page
    assert "Same-gender practitioner required" in page
    assert "Nausea score rose from 2 to 7" in page
    assert "Old dizziness" not in page


def test_it_shows_only_the_signed_in_practitioners_sessions(
    client, practitioner_user, center, abhyanga, day
):
    TherapySessionFactory(center=center, therapy__name="Nasya", starts_at=today_at(center, 13))
    client.force_login(practitioner_user)

    page = client.get(reverse("my_day")).content.decode()

    assert "Nasya" not in page


def test_it_moves_to_yesterday_and_tomorrow(client, practitioner_user, practitioner, center):
    TherapySessionFactory(
        center=center,
        practitioner=practitioner,
        therapy__name="Virechana",
        starts_at=today_at(center, 8, days=-1),
    )
    TherapySessionFactory(
        center=center,
        practitioner=practitioner,
        therapy__name="Basti",
        starts_at=today_at(center, 8, days=1),
    )
    today = timezone.now().astimezone(center.tzinfo).date()
    client.force_login(practitioner_user)

    yesterday = client.get(reverse("my_day"), {"day": str(today - timedelta(days=1))})
    tomorrow = client.get(reverse("my_day"), {"day": str(today + timedelta(days=1))})

    assert shown_order(yesterday.content.decode()) == ["Virechana"]
    assert shown_order(tomorrow.content.decode()) == ["Basti"]
    assert f"day={today}" in yesterday.content.decode()  # its "next day" link


def test_a_day_that_is_not_a_date_is_a_clear_error(client, practitioner_user, day):
    client.force_login(practitioner_user)

    response = client.get(reverse("my_day"), {"day": "2026-02-30"})

    assert response.status_code == 400
    assert "“2026-02-30” is not a date the page understands" in response.content.decode()
    assert "YYYY-MM-DD" in response.content.decode()


def test_the_day_is_the_centers_not_utc(client, practitioner_user, practitioner, center):
    # 23:30 in Kochi is 18:00 UTC: still today in the center, whatever the server's clock says.
    TherapySessionFactory(
        center=center,
        practitioner=practitioner,
        therapy__name="Late consult",
        starts_at=today_at(center, 23, 30),
    )
    client.force_login(practitioner_user)

    assert "Late consult" in shown_order(client.get(reverse("my_day")).content.decode())


def test_an_overrun_flags_the_sessions_it_runs_into(
    client, practitioner_user, practitioner, center, abhyanga
):
    room = RoomFactory(center=center, code="PV1")
    late = TherapySessionFactory(
        center=center,
        practitioner=practitioner,
        room=room,
        therapy=abhyanga,
        starts_at=today_at(center, 9),
    )
    TherapySessionFactory(
        center=center,
        practitioner=practitioner,
        room=room,
        therapy__name="Shirodhara",
        starts_at=today_at(center, 10),
    )
    TherapySession.objects.filter(pk=late.pk).update(
        status=S.IN_SESSION, overrun_until=today_at(center, 10, 15)
    )
    client.force_login(practitioner_user)

    page = client.get(reverse("my_day")).content.decode()

    assert "Abhyanga for" in page and "is over-running until 10:15" in page
    assert "Runs into Shirodhara" in page


def test_a_patient_is_refused(client, patient_user):
    client.force_login(patient_user)

    assert client.get(reverse("my_day")).status_code == 403


def test_a_center_admin_without_practice_is_refused(client, admin_user):
    client.force_login(admin_user)

    assert client.get(reverse("my_day")).status_code == 403


@pytest.fixture(params=[2, 24], ids=["quiet-day", "busy-day"])
def busy(request, center, practitioner, abhyanga):
    """A day of `param` sessions across the center (half the practitioner's), flags included."""
    for index in range(request.param):
        session = TherapySessionFactory(
            center=center,
            therapy=abhyanga,
            practitioner=practitioner if index % 2 == 0 else None,
            starts_at=today_at(center, 6 + index // 2, 0 if index % 2 == 0 else 30),
        )
        ClinicalFlagFactory(patient=session.patient)
        TherapySessionFactory(
            center=center,
            therapy=abhyanga,
            practitioner=practitioner,
            starts_at=today_at(center, 6 + index // 4, days=1 + index % 6),
        )
    return request.param


def test_my_day_costs_a_fixed_number_of_queries(
    client, practitioner_user, busy, django_assert_max_num_queries
):
    client.force_login(practitioner_user)

    with django_assert_max_num_queries(MY_DAY_QUERIES):
        response = client.get(reverse("my_day"))

    assert response.status_code == 200
    assert len(response.context["plan"].sessions) == busy // 2
    assert len(response.context["plan"].coming) == busy
