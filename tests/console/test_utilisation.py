"""The utilisation dashboard: rooms' places and therapists' rostered time booked, by weekday and
hour and per resource, equal to figures counted by hand, at a fixed number of queries."""

import csv
import datetime
import io
import json
import re

import pytest
from django.urls import reverse

from clinics.choices import Role
from sessions.models import SessionStatus
from tests.factories import (
    ClosureFactory,
    MembershipFactory,
    OpeningHoursFactory,
    PractitionerProfileFactory,
    RoomFactory,
    RosterShiftFactory,
    TherapySessionFactory,
    TherapyTypeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
MONDAY = datetime.date(2026, 6, 8)
WEEK = {"start": "2026-06-08", "end": "2026-06-14"}
UTILISATION_QUERIES = 12


def _at(center, day_offset, hour, minute=0):
    day = MONDAY + datetime.timedelta(days=day_offset)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=center.tzinfo)


@pytest.fixture
def week(center, practitioner):
    """Open Monday 09-13 and Tuesday 09-11; rooms R1 (1 place) and R2 (2 places); Suresh
    rostered Monday 09-13, Kavya Tuesday 09-11. Held: Monday 09:30-11:00 in R1 with Suresh,
    Monday 10:00-11:00 in R2 with nobody (a no-show), Tuesday 09:00-10:00 in R1 with Kavya;
    cancelled, so not counted: Monday 11:00-12:00 in R1 with Suresh."""
    center.holiday_country = ""
    center.save(update_fields=["holiday_country"])
    OpeningHoursFactory(center=center, weekday=0, opens="09:00", closes="13:00")
    OpeningHoursFactory(center=center, weekday=1, opens="09:00", closes="11:00")
    therapy = TherapyTypeFactory()
    r1 = RoomFactory(center=center, code="R1", name="Abhyanga", capacity=1, room_type="therapy")
    r2 = RoomFactory(center=center, code="R2", name="Twin", capacity=2, room_type="therapy")
    kavya_user = UserFactory(email="kavya@kerala.example.org", first_name="Kavya", last_name="Das")
    MembershipFactory(user=kavya_user, center=center, role=Role.PRACTITIONER)
    kavya = PractitionerProfileFactory(user=kavya_user)
    RosterShiftFactory(
        practitioner=practitioner, center=center, weekday=0, starts="09:00", ends="13:00"
    )
    RosterShiftFactory(practitioner=kavya, center=center, weekday=1, starts="09:00", ends="11:00")

    def held(day, start, end, room, who, status=SessionStatus.COMPLETED):
        TherapySessionFactory(
            center=center,
            therapy=therapy,
            room=room,
            practitioner=who,
            starts_at=_at(center, day, *start),
            ends_at=_at(center, day, *end),
            status=status,
        )

    held(0, (9, 30), (11, 0), r1, practitioner)
    held(0, (10, 0), (11, 0), r2, None, SessionStatus.NO_SHOW)
    held(1, (9, 0), (10, 0), r1, kavya, SessionStatus.SCHEDULED)
    held(0, (11, 0), (12, 0), r1, practitioner, SessionStatus.CANCELLED)


def _text(response) -> str:
    return " ".join(response.content.decode().split())


def _chart(page: str) -> dict:
    return json.loads(re.search(r'id="utilisation-data"[^>]*>(.*?)</script>', page).group(1))


def test_the_heatmaps_show_the_share_booked_by_weekday_and_hour(client, admin_user, week):
    client.force_login(admin_user)

    response = client.get(reverse("console_utilisation"), WEEK)

    assert response.status_code == 200
    chart = _chart(response.content.decode())
    assert chart["hours"] == ["09:00", "10:00", "11:00", "12:00"]
    assert chart["weekdays"][:2] == ["Mon", "Tue"]
    # Rooms: 3 places x 60 min an hour. Monday 9h: 30 of 180; 10h: 60 + 60 of 180.
    assert chart["rooms"][0] == [16.7, 66.7, 0.0, 0.0]
    # Tuesday, open 9-11: 60 of 180 at 9h; closed (nothing to book) from 11h.
    assert chart["rooms"][1] == [33.3, 0.0, None, None]
    assert chart["rooms"][2] == [None, None, None, None]
    # Therapists: Suresh's 60 rostered minutes an hour on Monday, Kavya's on Tuesday; the
    # no-show in R2 had no therapist.
    assert chart["therapists"][0] == [50.0, 100.0, 0.0, 0.0]
    assert chart["therapists"][1] == [100.0, 0.0, None, None]


def test_each_room_and_therapist_has_its_hours_and_share(client, admin_user, week):
    client.force_login(admin_user)

    page = _text(client.get(reverse("console_utilisation"), WEEK))

    # R1: 90 + 60 min of 6 open hours for 1 place; R2: 60 min of 2 places x 6 hours.
    assert (
        '<td data-label="Room">R1 · Abhyanga</td> <td data-label="Booked hours">2.5</td> '
        '<td data-label="Available hours">6.0</td> <td data-label="Booked">41.7 %</td>'
    ) in page
    assert (
        '<td data-label="Room">R2 · Twin</td> <td data-label="Booked hours">1.0</td> '
        '<td data-label="Available hours">12.0</td> <td data-label="Booked">8.3 %</td>'
    ) in page
    # Kavya: 60 of 120 rostered minutes; Suresh: 90 of 240 (his cancelled hour not counted).
    assert (
        '<td data-label="Therapist">Kavya Das</td> <td data-label="Booked hours">1.0</td> '
        '<td data-label="Available hours">2.0</td> <td data-label="Booked">50.0 %</td>'
    ) in page
    assert (
        '<td data-label="Therapist">Suresh Menon</td> <td data-label="Booked hours">1.5</td> '
        '<td data-label="Available hours">4.0</td> <td data-label="Booked">37.5 %</td>'
    ) in page
    assert "7 open days" in page


def test_a_closed_day_offers_no_time(client, admin_user, center, week):
    ClosureFactory(center=center, date=MONDAY, reason="Onam")
    client.force_login(admin_user)

    chart = _chart(client.get(reverse("console_utilisation"), WEEK).content.decode())

    # Monday's bookings keep their hours on the axis, against no open time; Monday's opening
    # hours after 11 are gone with the day.
    assert chart["hours"] == ["09:00", "10:00"]
    assert chart["rooms"][0] == [None, None]
    assert chart["rooms"][1] == [33.3, 0.0]


def test_another_centers_staff_and_patients_see_none_of_it(
    client, outsider, patient_user, practitioner_user, week
):
    client.force_login(outsider)
    page = _text(client.get(reverse("console_utilisation"), WEEK))
    assert "R1 · Abhyanga" not in page and "Suresh" not in page
    for user in (patient_user, practitioner_user):
        client.force_login(user)
        assert client.get(reverse("console_utilisation")).status_code == 403


def test_bad_dates_are_refused_in_words(client, admin_user, week):
    client.force_login(admin_user)

    response = client.get(
        reverse("console_utilisation"), {"start": "2026-06-14", "end": "2026-06-08"}
    )

    assert response.status_code == 400
    assert "The first day must come before the last day." in response.content.decode()


@pytest.mark.parametrize("weeks", [1, 5])
def test_the_page_costs_the_same_queries_whatever_the_data(
    client, admin_user, center, week, django_assert_max_num_queries, weeks
):
    therapy = TherapyTypeFactory()
    room = RoomFactory(center=center, code="R9", room_type="therapy")
    for index in range(weeks * 4):
        day = 14 + index // 4
        TherapySessionFactory(
            center=center,
            therapy=therapy,
            room=room,
            starts_at=_at(center, day, 9 + index % 4),
            ends_at=_at(center, day, 10 + index % 4),
        )
    client.force_login(admin_user)

    with django_assert_max_num_queries(UTILISATION_QUERIES):
        response = client.get(
            reverse("console_utilisation"), {"start": "2026-06-08", "end": "2026-07-31"}
        )
    assert response.status_code == 200


def test_the_figures_download_as_csv(client, admin_user, week):
    client.force_login(admin_user)

    response = client.get(reverse("console_utilisation"), {**WEEK, "format": "csv"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["Kind", "Name", "Booked hours", "Available hours", "Booked %"],
        ["Room", "R1 · Abhyanga", "2.5", "6.0", "41.7"],
        ["Room", "R2 · Twin", "1.0", "12.0", "8.3"],
        ["Therapist", "Kavya Das", "1.0", "2.0", "50.0"],
        ["Therapist", "Suresh Menon", "1.5", "4.0", "37.5"],
    ]
    bad = client.get(reverse("console_utilisation"), {"start": "2026-13-01", "format": "csv"})
    assert bad.status_code == 400
    assert "Give the date as year-month-day" in bad.content.decode()


def test_the_embedded_databases_grouping_matches_postgresqls(center, week):
    """`make run` serves the demo from SQLite, which has no time zones in SQL: the grouping done
    there (starts put into the center's zone in Python) gives PostgreSQL's groups."""
    from console.utilisation import _booked_groups, _booked_groups_portable
    from sessions.selectors import local_day_bounds

    starts, _ = local_day_bounds(MONDAY, center.timezone)
    _, ends = local_day_bounds(MONDAY + datetime.timedelta(days=6), center.timezone)

    portable = sorted(_booked_groups_portable(center, starts, ends))

    assert portable == sorted(_booked_groups(center, MONDAY, MONDAY + datetime.timedelta(days=6)))
    assert portable == [
        (1, 9, 30, datetime.timedelta(minutes=90), 1, 1),
        (1, 10, 0, datetime.timedelta(hours=1), 1, 0),
        (2, 9, 0, datetime.timedelta(hours=1), 1, 1),
    ]
