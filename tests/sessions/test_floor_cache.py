"""My day and the board keep their drawing until what they show changes (sessions/floor_cache)."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sessions.models import SessionStatus
from sessions.services import session_overruns_extend, session_transition
from tests.factories import ClinicalFlagFactory, PatientFactory, TherapySessionFactory
from tests.sessions.floor import today_at

pytestmark = pytest.mark.django_db

MY_DAY = reverse("my_day")
BOARD = reverse("center_board")
SESSIONS_TABLE = '"therapy_sessions_therapysession"'


def get_counting_session_reads(client, url) -> tuple[str, int]:
    """The page, and how many of its queries read the sessions table."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    reads = [q["sql"] for q in queries.captured_queries if SESSIONS_TABLE in q["sql"]]
    return response.content.decode(), len(reads)


def test_my_day_is_drawn_once_until_something_changes(client, practitioner_user, todays_session):
    client.force_login(practitioner_user)
    first, first_reads = get_counting_session_reads(client, MY_DAY)
    again, again_reads = get_counting_session_reads(client, MY_DAY)

    assert first_reads >= 1
    assert again_reads == 0
    # The same day, drawn once (the page around it carries a fresh CSRF token each time).
    assert again.split('class="stats"')[1] == first.split('class="stats"')[1]
    assert todays_session.therapy.name in again


def test_a_status_change_shows_on_my_day_at_once(client, practitioner_user, todays_session):
    client.force_login(practitioner_user)
    assert "In preparation" not in client.get(MY_DAY).content.decode()

    session_transition(
        session=todays_session, to_status=SessionStatus.IN_PREPARATION, by=practitioner_user
    )

    page, reads = get_counting_session_reads(client, MY_DAY)
    assert reads >= 1
    assert 'class="badge status-in_preparation">In preparation<' in page


def test_a_clinical_flag_raised_shows_on_my_day_at_once(client, practitioner_user, todays_session):
    client.force_login(practitioner_user)
    client.get(MY_DAY)

    ClinicalFlagFactory(patient=todays_session.patient, reason="Dizzy after the last session")

    assert "Dizzy after the last session" in client.get(MY_DAY).content.decode()


def test_each_practitioner_gets_their_own_day(
    client, practitioner_user, colleague_user, todays_session, abhyanga
):
    TherapySessionFactory(
        center=todays_session.center,
        practitioner=colleague_user.practitioner_profile,
        therapy=abhyanga,
        patient=PatientFactory(center=todays_session.center, first_name="Meera", last_name="Iyer"),
        starts_at=today_at(todays_session.center, 14),
    )
    client.force_login(practitioner_user)
    assert "Meera Iyer" not in client.get(MY_DAY).content.decode()

    other = Client()
    other.force_login(colleague_user)
    page = other.get(MY_DAY).content.decode()
    assert "Meera Iyer" in page
    assert todays_session.patient.full_name not in page


def test_a_session_booked_for_today_shows_on_the_board_at_once(client, admin_user, center):
    client.force_login(admin_user)
    _, first_reads = get_counting_session_reads(client, BOARD)
    _, again_reads = get_counting_session_reads(client, BOARD)
    # Kept: only the check for over-runs (whose section is drawn afresh) reads sessions.
    assert (first_reads, again_reads) == (2, 1)

    booked = TherapySessionFactory(
        center=center,
        patient=PatientFactory(center=center, first_name="Ravi", last_name="Kumar"),
        starts_at=today_at(center, 15),
    )

    page = client.get(BOARD).content.decode()
    assert f'data-session-id="{booked.pk}"' in page
    assert "Ravi Kumar" in page


def test_an_over_run_moving_with_the_clock_shows_on_the_board(
    client, admin_user, center, practitioner, practitioner_user
):
    late = TherapySessionFactory(
        center=center, practitioner=practitioner, starts_at=today_at(center, 9)
    )
    for status in (SessionStatus.IN_PREPARATION, SessionStatus.IN_SESSION):
        session_transition(session=late, to_status=status, by=practitioner_user)
    client.force_login(admin_user)
    assert "Over-running now" not in client.get(BOARD).content.decode()
    TherapySessionFactory(
        center=center, practitioner=practitioner, starts_at=late.ends_at + timedelta(minutes=5)
    )
    client.get(BOARD)

    # The over-run's end moves by a bulk update, which sends no post_save.
    session_overruns_extend(now=late.ends_at + timedelta(minutes=7))

    page = client.get(BOARD).content.decode()
    assert "Over-running now" in page
    assert "Runs into" in page


def test_the_kept_board_carries_a_re_plan_form_that_still_works_after_signing_in_again(
    admin_user, center, practitioner, practitioner_user
):
    late = TherapySessionFactory(
        center=center, practitioner=practitioner, starts_at=today_at(center, 9)
    )
    for status in (SessionStatus.IN_PREPARATION, SessionStatus.IN_SESSION):
        session_transition(session=late, to_status=status, by=practitioner_user)
    TherapySessionFactory(
        center=center, practitioner=practitioner, starts_at=late.ends_at + timedelta(minutes=5)
    )
    session_overruns_extend(now=late.ends_at + timedelta(minutes=7))
    browser = Client(enforce_csrf_checks=True)

    for _ in range(2):
        # Signing in gives the browser a new CSRF secret; a board drawn for the old one is not
        # served with it.
        browser.force_login(admin_user)
        page = browser.get(BOARD).content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        replan = browser.post(
            reverse("center_replan_today", args=[center.pk]), {"csrfmiddlewaretoken": token}
        )
        assert replan.status_code != 403
        browser.logout()


def test_without_a_shared_cache_every_request_draws_afresh(
    client, settings, practitioner_user, todays_session
):
    settings.FLOOR_PAGE_CACHE_SECONDS = 0
    client.force_login(practitioner_user)
    get_counting_session_reads(client, MY_DAY)
    _, again_reads = get_counting_session_reads(client, MY_DAY)
    assert again_reads >= 1
