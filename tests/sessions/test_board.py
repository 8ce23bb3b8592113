"""The center board page: today's rooms against time, for the center's staff only."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions.models import SessionStatus
from sessions.services import session_overruns_extend, session_transition
from tests.factories import PatientFactory, RoomFactory, TherapySessionFactory

pytestmark = pytest.mark.django_db

URL = reverse("center_board")


def today_at(center, minutes_after_noon: int):
    """A time on today's board whatever the hour: minutes after noon, in the center's zone."""
    zone = ZoneInfo(center.timezone)
    today = timezone.now().astimezone(zone).date()
    return datetime.combine(today, time(12), tzinfo=zone) + timedelta(minutes=minutes_after_noon)


@pytest.fixture
def session_today(center, practitioner):
    return TherapySessionFactory(
        center=center, practitioner=practitioner, starts_at=today_at(center, 0)
    )


def test_an_admin_sees_todays_sessions_in_their_rooms(client, admin_user, session_today):
    client.force_login(admin_user)
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert session_today.room.code in page
    assert session_today.patient.full_name in page
    assert f'data-session-id="{session_today.pk}"' in page
    assert f"/ws/center/{session_today.center_id}/board/" in page


def test_a_practitioner_of_the_center_sees_the_board_too(client, practitioner_user, session_today):
    client.force_login(practitioner_user)
    assert session_today.patient.full_name in client.get(URL).content.decode()


def test_a_patient_may_not_see_the_board(client, patient_user):
    client.force_login(patient_user)
    assert client.get(URL).status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_another_centers_admin_sees_only_their_own_center(client, outsider, session_today):
    client.force_login(outsider)
    page = client.get(URL, {"center": session_today.center_id}).content.decode()
    assert session_today.patient.full_name not in page
    assert f'data-session-id="{session_today.pk}"' not in page


def test_an_htmx_request_gets_only_the_grid(client, admin_user, session_today):
    client.force_login(admin_user)
    page = client.get(URL, headers={"HX-Request": "true"}).content.decode()
    assert page.lstrip().startswith('<div id="board-grid"')
    assert "<html" not in page


def test_a_multi_place_room_shows_each_place_in_use(client, admin_user, center, practitioner):
    steam = RoomFactory(center=center, code="ST9", capacity=3, room_type="steam")
    TherapySessionFactory(center=center, room=steam, room_place=2, starts_at=today_at(center, 0))
    client.force_login(admin_user)
    page = client.get(URL).content.decode()
    # Place 1 always, place 2 because it is used today; the idle place 3 draws no row.
    assert page.count(f'class="board-row extra-place" data-room="{steam.pk}"') == 1
    assert page.count(f'class="board-row" data-room="{steam.pk}"') == 1
    assert f'data-occupancy-of="{steam.pk}" data-capacity="3"' in page


def test_an_overrun_names_what_it_runs_into(
    client, admin_user, center, practitioner, practitioner_user
):
    late = TherapySessionFactory(
        center=center, practitioner=practitioner, starts_at=today_at(center, -70)
    )
    late_end = late.ends_at
    next_one = TherapySessionFactory(
        center=center,
        practitioner=practitioner,
        patient=PatientFactory(center=center, first_name="Ravi", last_name="Kumar"),
        starts_at=late_end + timedelta(minutes=5),
    )
    for status in (SessionStatus.IN_PREPARATION, SessionStatus.IN_SESSION):
        session_transition(session=late, to_status=status, by=practitioner_user)
    session_overruns_extend(now=late_end + timedelta(minutes=7))

    client.force_login(admin_user)
    page = client.get(URL).content.decode()
    assert "Over-running now" in page
    assert "Runs into" in page and "Ravi Kumar" in page
    expected_until = (late_end + timedelta(minutes=10)).astimezone(ZoneInfo(center.timezone))
    assert f"is over-running until {expected_until:%H:%M}" in page
    assert f'data-session-id="{next_one.pk}"' in page
    assert f'action="/scheduling/centers/{center.pk}/replan-today/"' in page
    assert "Re-plan the rest of today" in page


@pytest.mark.parametrize("extra_sessions", [1, 40])
def test_the_board_costs_the_same_queries_however_busy_the_day(
    client, admin_user, center, django_assert_max_num_queries, extra_sessions
):
    for n in range(extra_sessions):
        TherapySessionFactory(center=center, starts_at=today_at(center, 5 * n))
    client.force_login(admin_user)
    with django_assert_max_num_queries(12):
        response = client.get(URL)
    assert response.content.decode().count("data-session-id=") == extra_sessions
