"""The resource calendar: a center's rooms and practitioners by day and week, for its staff only."""

import datetime
import re

import pytest
from django.urls import reverse

from clinics.choices import Role, Weekday
from sessions.models import SessionStatus
from tests.factories import (
    ClosureFactory,
    LeaveFactory,
    MembershipFactory,
    OpeningHoursFactory,
    PatientFactory,
    PractitionerProfileFactory,
    ProtocolStepFactory,
    RoomFactory,
    TherapySessionFactory,
    TherapyTypeFactory,
    UserFactory,
)

# A week with a public holiday in Kerala (Christmas, Friday 25 December 2026).
MONDAY = datetime.date(2026, 12, 21)
TUESDAY = MONDAY + datetime.timedelta(days=1)
CHRISTMAS = datetime.date(2026, 12, 25)

# Measured with 5 sessions; the same bound must hold with 300 (no query per session).
CALENDAR_QUERIES = 12
# One of them writes the audit log's row for this read of the patient's record.
SESSION_DETAIL_QUERIES = 8


def at(center, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=center.tzinfo)


def calendar_url(**params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("console_calendar") + (f"?{query}" if query else "")


@pytest.fixture
def opening_hours(center):
    for weekday in Weekday.values:
        OpeningHoursFactory(
            center=center, weekday=weekday, opens=datetime.time(7), closes=datetime.time(19)
        )


@pytest.fixture
def room(center):
    return RoomFactory(center=center, code="PV1", name="Pizhichil room")


@pytest.fixture
def abhyanga(db):
    return TherapyTypeFactory(code="abhyanga", name="Abhyanga", duration_minutes=60)


@pytest.fixture
def tuesday_session(center, room, practitioner, patient, abhyanga):
    """Meera's Abhyanga on Tuesday 22 December, 10:00 to 11:00 in Kochi (04:30 UTC)."""
    return TherapySessionFactory(
        center=center,
        room=room,
        practitioner=practitioner,
        patient=patient,
        therapy=abhyanga,
        starts_at=at(center, TUESDAY, 10),
    )


def lane(calendar, label: str):
    return next(lane for lane in calendar.rooms + calendar.practitioners if lane.label == label)


def session_block(page: str, session) -> str:
    """The HTML of a session's block on the calendar."""
    match = re.search(
        rf'<a class="cal-session[^"]*"[^>]*data-session-id="{session.pk}"[^>]*>.*?</a>', page, re.S
    )
    assert match, f"session {session.pk} is not on the page"
    return match.group(0)


# --- day view --------------------------------------------------------------------------------


def test_the_day_view_shows_a_session_in_its_room_and_with_its_practitioner(
    client, admin_user, center, opening_hours, practitioner, tuesday_session
):
    client.force_login(admin_user)

    response = client.get(calendar_url(view="day", date=TUESDAY.isoformat()))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Tuesday 22 December 2026" in page
    assert "Rooms" in page and "Practitioners" in page
    calendar = response.context["calendar"]
    assert lane(calendar, "PV1").days[0].sessions == [tuesday_session]
    assert lane(calendar, "Suresh Menon").days[0].sessions == [tuesday_session]
    block = session_block(page, tuesday_session)
    # In Kochi's time, on a 07:00 axis of quarter hours: 10:00 is column 13, an hour is 4.
    assert "10:00–11:00" in block
    assert "at-13 span-4" in block
    assert "Abhyanga" in block and "Meera Iyer" in block
    assert page.count(f'data-session-id="{tuesday_session.pk}"') == 2  # room and practitioner


def test_the_day_view_widens_its_hours_to_fit_an_early_session(
    client, admin_user, center, opening_hours, room, abhyanga
):
    early = TherapySessionFactory(
        center=center, room=room, therapy=abhyanga, starts_at=at(center, TUESDAY, 5, 30)
    )
    client.force_login(admin_user)

    response = client.get(calendar_url(date=TUESDAY.isoformat()))

    calendar = response.context["calendar"]
    assert (calendar.first_hour, calendar.first_hour + calendar.hours) == (5, 19)
    assert "at-3 span-4" in session_block(response.content.decode(), early)


def test_the_day_view_shades_a_practitioners_leave(
    client, admin_user, center, opening_hours, practitioner
):
    LeaveFactory(
        practitioner=practitioner,
        starts_at=at(center, TUESDAY, 13),
        ends_at=at(center, TUESDAY, 19),
        kind="sick",
    )
    client.force_login(admin_user)

    response = client.get(calendar_url(date=TUESDAY.isoformat()))

    shades = lane(response.context["calendar"], "Suresh Menon").days[0].shades
    assert [(s.label, s.column, s.span) for s in shades] == [("Sick leave", 25, 24)]
    assert '<span class="cal-shade at-25 span-24">Sick leave</span>' in response.content.decode()


def test_the_day_view_says_when_the_center_is_closed(client, admin_user, center, room):
    client.force_login(admin_user)

    page = client.get(calendar_url(date=CHRISTMAS.isoformat())).content.decode()

    assert "The center is closed: Christmas." in page
    assert 'class="cal-day hours-10 closed"' in page


def test_each_session_is_coloured_by_its_status(
    client, admin_user, center, opening_hours, room, abhyanga
):
    sessions = {
        status: TherapySessionFactory(
            center=center,
            room=room,
            therapy=abhyanga,
            starts_at=at(center, TUESDAY, 7 + index),
            status=status,
        )
        for index, status in enumerate(SessionStatus.values)
    }
    client.force_login(admin_user)

    page = client.get(calendar_url(date=TUESDAY.isoformat())).content.decode()

    for status, session in sessions.items():
        block = session_block(page, session)
        assert f"cal-session status-{status} " in block
        assert str(SessionStatus(status).label) in block
    # The legend names each colour.
    for status in SessionStatus:
        assert f'<span class="badge status-{status.value}">{status.label}</span>' in page


def test_an_overrun_flags_what_it_runs_into(
    client, admin_user, center, opening_hours, room, abhyanga
):
    late = TherapySessionFactory(
        center=center,
        room=room,
        therapy=abhyanga,
        starts_at=at(center, TUESDAY, 9),
        status=SessionStatus.IN_SESSION,
        overrun_until=at(center, TUESDAY, 10, 20),
    )
    next_one = TherapySessionFactory(
        center=center, room=room, therapy=abhyanga, starts_at=at(center, TUESDAY, 10)
    )
    client.force_login(admin_user)

    page = client.get(calendar_url(date=TUESDAY.isoformat())).content.decode()

    assert "flagged" in session_block(page, late)
    assert "09:00–10:20" in session_block(page, late)
    assert "over-run clash" in session_block(page, next_one)
    detail = client.get(reverse("console_calendar_session", args=[next_one.pk])).content.decode()
    assert "is over-running until 10:20 (same room PV1)" in detail


# --- week view -------------------------------------------------------------------------------


def test_the_week_view_puts_each_session_under_its_day(
    client, admin_user, center, room, practitioner, abhyanga
):
    monday = TherapySessionFactory(
        center=center,
        room=room,
        practitioner=practitioner,
        therapy=abhyanga,
        starts_at=at(center, MONDAY, 9),
    )
    sunday = TherapySessionFactory(
        center=center,
        room=room,
        practitioner=practitioner,
        therapy=abhyanga,
        starts_at=at(center, MONDAY + datetime.timedelta(days=6), 16),
    )
    client.force_login(admin_user)

    # Any day of the week shows the week from its Monday.
    response = client.get(calendar_url(view="week", date=CHRISTMAS.isoformat()))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Week of 21 Dec – 27 Dec 2026" in page
    calendar = response.context["calendar"]
    assert [d.date for d in calendar.days] == [
        MONDAY + datetime.timedelta(days=n) for n in range(7)
    ]
    for label in ("PV1", "Suresh Menon"):
        sessions_by_day = [day.sessions for day in lane(calendar, label).days]
        assert sessions_by_day == [[monday], [], [], [], [], [], [sunday]]
    # Each day's heading opens that day.
    assert f"?center={center.pk}&amp;view=day&amp;date=2026-12-23" in page


def test_the_week_view_shades_closures_holidays_and_leave(
    client, admin_user, center, room, practitioner
):
    ClosureFactory(center=center, date=MONDAY + datetime.timedelta(days=2), reason="Staff training")
    LeaveFactory(
        practitioner=practitioner,
        starts_at=at(center, TUESDAY, 0),
        ends_at=at(center, TUESDAY + datetime.timedelta(days=1), 0),
    )
    client.force_login(admin_user)

    response = client.get(calendar_url(view="week", date=MONDAY.isoformat()))

    calendar = response.context["calendar"]
    assert {d.date: d.closed for d in calendar.days if d.closed} == {
        datetime.date(2026, 12, 23): "Staff training",
        CHRISTMAS: "Christmas",
    }
    page = response.content.decode()
    assert '<span class="cal-closed">Staff training</span>' in page
    assert '<span class="cal-closed">Christmas</span>' in page
    away = [bool(day.shades) for day in lane(calendar, "Suresh Menon").days]
    assert away == [False, True, False, False, False, False, False]
    assert '<span class="cal-away">Vacation</span>' in page


def test_it_moves_by_a_day_or_a_week(client, admin_user, center):
    client.force_login(admin_user)

    day_page = client.get(calendar_url(view="day", date=MONDAY.isoformat())).content.decode()
    week_page = client.get(calendar_url(view="week", date=MONDAY.isoformat())).content.decode()

    assert f'rel="prev" href="?center={center.pk}&amp;view=day&amp;date=2026-12-20"' in day_page
    assert f'rel="next" href="?center={center.pk}&amp;view=day&amp;date=2026-12-22"' in day_page
    assert f'rel="prev" href="?center={center.pk}&amp;view=week&amp;date=2026-12-14"' in week_page
    assert f'rel="next" href="?center={center.pk}&amp;view=week&amp;date=2026-12-28"' in week_page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date": "2026-02-30"}, "Give the date as year-month-day, e.g. 2026-12-02."),
        ({"date": "next tuesday"}, "Give the date as year-month-day, e.g. 2026-12-02."),
        ({"date": "0001-01-01"}, "Choose a date between 2000-01-01 and 2100-12-31."),
        ({"view": "month"}, "Choose the day or the week view."),
    ],
)
def test_a_bad_address_says_what_is_wrong(client, admin_user, center, params, message):
    client.force_login(admin_user)

    response = client.get(calendar_url(**params))

    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "Showing " in page and " instead." in page


# --- whose calendar ---------------------------------------------------------------------------


def test_another_centers_sessions_never_show(
    client, admin_user, center, other_center, room, abhyanga
):
    ours = TherapySessionFactory(
        center=center, room=room, therapy=abhyanga, starts_at=at(center, TUESDAY, 10)
    )
    theirs = TherapySessionFactory(
        center=other_center,
        therapy=abhyanga,
        patient=PatientFactory(center=other_center, first_name="Oliver", last_name="Twist"),
        starts_at=at(center, TUESDAY, 10),
    )
    client.force_login(admin_user)

    # Asking for the other center by its id shows one's own.
    response = client.get(calendar_url(center=other_center.pk, date=TUESDAY.isoformat()))

    page = response.content.decode()
    assert "Kerala Panchakarma Center" in page
    assert f'data-session-id="{ours.pk}"' in page
    assert f'data-session-id="{theirs.pk}"' not in page
    assert "Oliver Twist" not in page
    assert theirs.room.code not in [lane.label for lane in response.context["calendar"].rooms]
    detail = client.get(reverse("console_calendar_session", args=[theirs.pk]))
    assert detail.status_code == 404


def test_an_admin_of_several_centers_picks_one(client, center, other_center, abhyanga):
    director = UserFactory(email="director@example.org")
    MembershipFactory(user=director, center=center, role=Role.MEDICAL_DIRECTOR)
    MembershipFactory(user=director, center=other_center, role=Role.CENTER_ADMIN)
    theirs = TherapySessionFactory(
        center=other_center, therapy=abhyanga, starts_at=at(other_center, TUESDAY, 10)
    )
    client.force_login(director)

    page = client.get(
        calendar_url(center=other_center.pk, date=TUESDAY.isoformat())
    ).content.decode()

    assert f'data-session-id="{theirs.pk}"' in page
    assert "times in Europe/London" in page
    assert f'href="?center={center.pk}&amp;view=day&amp;date=2026-12-22"' in page


@pytest.mark.parametrize("who", ["practitioner_user", "patient_user"])
def test_it_forbids_practitioners_and_patients(client, request, who, tuesday_session):
    client.force_login(request.getfixturevalue(who))

    assert client.get(reverse("console_calendar")).status_code == 403
    detail = client.get(reverse("console_calendar_session", args=[tuesday_session.pk]))
    assert detail.status_code == 403


@pytest.mark.django_db
def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("console_calendar"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- opening a session ---------------------------------------------------------------------------


def test_opening_a_session_offers_reschedule_and_cancel(client, admin_user, center, room):
    step = ProtocolStepFactory(therapy=TherapyTypeFactory(code="shirodhara", name="Shirodhara"))
    session = TherapySessionFactory(
        center=center,
        room=room,
        therapy=step.therapy,
        protocol_step=step,
        patient__first_name="Lakshmi",
        patient__last_name="Pillai",
        starts_at=at(center, TUESDAY, 15, 30),
    )
    client.force_login(admin_user)

    response = client.get(
        reverse("console_calendar_session", args=[session.pk]), headers={"HX-Request": "true"}
    )

    panel = response.content.decode()
    assert "<html" not in panel  # only the panel, for the dialog
    assert "Shirodhara · Lakshmi Pillai" in panel
    assert "Tuesday 22 December 2026, 15:30–16:30" in panel
    assert "PV1 · Pizhichil room" in panel
    assert "Scheduled" in panel
    assert f'href="{reverse("session_reschedule", args=[session.pk])}"' in panel
    assert f'action="{reverse("session_cancel", args=[session.pk])}"' in panel


def test_a_session_under_way_can_no_longer_be_moved(client, admin_user, center, room):
    session = TherapySessionFactory(
        center=center, room=room, starts_at=at(center, TUESDAY, 9), status=SessionStatus.RECOVERY
    )
    client.force_login(admin_user)

    page = client.get(reverse("console_calendar_session", args=[session.pk])).content.decode()

    assert "<html" in page  # opened without htmx: a page of its own
    assert "Back to the calendar" in page
    assert "it can no longer be moved or cancelled" in page
    assert reverse("session_reschedule", args=[session.pk]) not in page
    assert reverse("session_cancel", args=[session.pk]) not in page


# --- a fixed cost whatever the week holds -----------------------------------------------------


@pytest.mark.parametrize("size", [5, 300], ids=["5-sessions", "300-sessions"])
def test_the_week_costs_a_fixed_number_of_queries(
    client, admin_user, center, opening_hours, abhyanga, size, django_assert_max_num_queries
):
    rooms = [RoomFactory(center=center) for _ in range(10)]
    practitioners = []
    for _ in range(10):
        practitioner = PractitionerProfileFactory()
        MembershipFactory(user=practitioner.user, center=center, role=Role.PRACTITIONER)
        LeaveFactory(
            practitioner=practitioner,
            starts_at=at(center, MONDAY, 12),
            ends_at=at(center, MONDAY, 14),
        )
        practitioners.append(practitioner)
    ClosureFactory(center=center, date=MONDAY + datetime.timedelta(days=3))
    for index in range(size):
        # Each room keeps its practitioner; rooms fill hour by hour, day by day.
        slot, room_index = divmod(index, len(rooms))
        day, hour = divmod(slot, 5)
        TherapySessionFactory(
            center=center,
            therapy=abhyanga,
            room=rooms[room_index],
            practitioner=practitioners[room_index],
            starts_at=at(center, MONDAY + datetime.timedelta(days=day), 8 + hour * 2),
            status=SessionStatus.values[index % len(SessionStatus.values)],
        )
    client.force_login(admin_user)

    with django_assert_max_num_queries(CALENDAR_QUERIES):
        week = client.get(calendar_url(view="week", date=MONDAY.isoformat()))
    with django_assert_max_num_queries(CALENDAR_QUERIES):
        day = client.get(calendar_url(view="day", date=MONDAY.isoformat()))

    assert week.status_code == day.status_code == 200
    assert len(week.context["calendar"].sessions) == size
    assert week.content.decode().count("cal-session status-") == 2 * size


@pytest.mark.parametrize("size", [5, 300], ids=["5-sessions", "300-sessions"])
def test_opening_a_session_costs_a_fixed_number_of_queries(
    client, admin_user, center, abhyanga, size, django_assert_max_num_queries
):
    # The panel reads the session's whole day at its center, for what an over-run runs into.
    rooms = [RoomFactory(center=center) for _ in range(20)]
    practitioners = [PractitionerProfileFactory() for _ in range(20)]
    sessions = [
        TherapySessionFactory(
            center=center,
            therapy=abhyanga,
            room=rooms[index % 20],
            practitioner=practitioners[index % 20],
            starts_at=at(center, TUESDAY, 5 + index // 20),
        )
        for index in range(size)
    ]
    client.force_login(admin_user)

    with django_assert_max_num_queries(SESSION_DETAIL_QUERIES):
        response = client.get(reverse("console_calendar_session", args=[sessions[0].pk]))

    assert response.status_code == 200


def test_a_public_holiday_is_named_in_the_readers_language(client, admin_user, center, room):
    client.force_login(admin_user)
    client.post(reverse("set_language"), {"language": "hi", "next": "/"})

    page = client.get(calendar_url(date=CHRISTMAS.isoformat())).content.decode()

    assert "क्रिसमस" in page
