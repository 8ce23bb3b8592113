"""Calendar feeds: made and revoked on the account page, read by a calendar app with the secret."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from clinics.choices import Role
from integrations.models import CalendarFeed
from integrations.services import calendar_feed_create
from sessions.models import SessionStatus
from tests.factories import (
    MembershipFactory,
    PatientFactory,
    PractitionerProfileFactory,
    RoomFactory,
    TherapySessionFactory,
    TherapyTypeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def next_clock_change(zone: ZoneInfo, after: datetime.date) -> datetime.date:
    """The first local day after `after` whose UTC offset differs from the day before's."""
    day = after
    while True:
        noon = datetime.datetime.combine(day, datetime.time(12), tzinfo=zone)
        next_noon = datetime.datetime.combine(
            day + datetime.timedelta(days=1), datetime.time(12), tzinfo=zone
        )
        if noon.utcoffset() != next_noon.utcoffset():
            return day + datetime.timedelta(days=1)
        day += datetime.timedelta(days=1)


def at_ten(day: datetime.date, zone=LONDON) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(10), tzinfo=zone)


def read_feed(client, secret: str) -> Calendar:
    response = client.get(reverse("calendar_feed", args=[secret]))
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


@pytest.fixture
def london_patient_user(other_center):
    user = UserFactory(email="amelia@example.co.uk", first_name="Amelia", last_name="Clarke")
    PatientFactory(user=user, center=other_center, first_name="Amelia", last_name="Clarke")
    return user


@pytest.fixture
def london_practitioner_user(other_center):
    user = UserFactory(email="vaidya@london.example.org", first_name="Priya", last_name="Shah")
    MembershipFactory(user=user, center=other_center, role=Role.PRACTITIONER)
    PractitionerProfileFactory(user=user)
    return user


def test_a_patient_feed_keeps_ten_oclock_local_across_the_clock_change(
    client, other_center, london_patient_user, london_practitioner_user
):
    today = timezone.now().astimezone(LONDON).date()
    change = next_clock_change(LONDON, today + datetime.timedelta(days=2))
    before, after = change - datetime.timedelta(days=1), change + datetime.timedelta(days=1)
    therapy = TherapyTypeFactory(name="Abhyanga")
    room = RoomFactory(center=other_center, code="LN1")
    for day in (before, after):
        TherapySessionFactory(
            center=other_center,
            patient=london_patient_user.patient_profile,
            practitioner=london_practitioner_user.practitioner_profile,
            therapy=therapy,
            room=room,
            starts_at=at_ten(day),
            ends_at=at_ten(day) + datetime.timedelta(hours=1),
        )
    _feed, secret = calendar_feed_create(user=london_patient_user, kind="patient")

    calendar = read_feed(client, secret)

    events = sorted(calendar.events, key=lambda e: e.start)
    assert [e.start for e in events] == [at_ten(before), at_ten(after)]
    assert all(e.start.tzinfo.key == "Europe/London" for e in events)
    # Ten o'clock on the wall both days, an hour apart in UTC: the offset changed between.
    utc_hours = [e.start.astimezone(datetime.UTC).hour for e in events]
    assert utc_hours[0] != utc_hours[1]
    assert [e.end - e.start for e in events] == [datetime.timedelta(hours=1)] * 2
    assert events[0]["SUMMARY"] == "Abhyanga at London Ayurveda Clinic"
    assert "Room LN1" in events[0]["DESCRIPTION"]
    assert "With Priya Shah" in events[0]["DESCRIPTION"]
    # The feed carries its own VTIMEZONE, and its rules give the same offsets as the zone's.
    (vtimezone,) = calendar.timezones
    assert vtimezone["TZID"] == "Europe/London"
    rules = vtimezone.to_tz()
    for event in events:
        naive = event.start.replace(tzinfo=None)
        assert naive.replace(tzinfo=rules).utcoffset() == event.start.utcoffset()
    assert re.search(rb"DTSTART;TZID=Europe/London:\d{8}T100000", calendar.to_ical())
    # Calendar apps are asked to read it again hourly; the calendar keeps one name and id.
    assert calendar["X-WR-CALNAME"] == "Therapy sessions"
    assert calendar["X-PUBLISHED-TTL"].to_ical() == b"PT1H"
    assert calendar["UID"] == f"calendar-feed-{_feed.pk}@panchakarma-portal"


def test_a_feed_holds_only_its_owners_sessions(
    client, center, patient_user, practitioner_user, london_patient_user
):
    own = TherapySessionFactory(
        center=center,
        patient=patient_user.patient_profile,
        practitioner=practitioner_user.practitioner_profile,
    )
    cancelled = TherapySessionFactory(
        center=center,
        patient=patient_user.patient_profile,
        practitioner=practitioner_user.practitioner_profile,
        starts_at=own.starts_at + datetime.timedelta(hours=3),
        ends_at=own.ends_at + datetime.timedelta(hours=3),
        status=SessionStatus.CANCELLED,
    )
    neighbour = TherapySessionFactory(center=center, patient=PatientFactory(center=center))
    _feed, secret = calendar_feed_create(user=patient_user, kind="patient")
    _other_feed, other_secret = calendar_feed_create(user=london_patient_user, kind="patient")

    uids = [str(e["UID"]) for e in read_feed(client, secret).events]

    assert uids == [f"therapy-session-{own.pk}@kerala.panchakarma-portal"]
    assert f"therapy-session-{cancelled.pk}@" not in " ".join(uids)
    assert f"therapy-session-{neighbour.pk}@" not in " ".join(uids)
    # Another user's secret opens their own calendar, which holds none of Meera's sessions.
    assert read_feed(client, other_secret).events == []


def test_a_practitioner_feed_shows_patients_by_initials_only(
    client, center, patient_user, practitioner_user
):
    TherapySessionFactory(
        center=center,
        patient=patient_user.patient_profile,
        practitioner=practitioner_user.practitioner_profile,
        therapy=TherapyTypeFactory(name="Shirodhara"),
        room=RoomFactory(center=center, code="PV1"),
    )
    colleague = TherapySessionFactory(center=center, patient=PatientFactory(center=center))
    _feed, secret = calendar_feed_create(user=practitioner_user, kind="practitioner")

    calendar = read_feed(client, secret)

    (event,) = calendar.events
    assert event["SUMMARY"] == "Shirodhara · PV1 · M.I."
    assert "Meera" not in calendar.to_ical().decode()
    assert event.start.tzinfo.key == "Asia/Kolkata"
    assert f"therapy-session-{colleague.pk}@" not in calendar.to_ical().decode()


def test_a_practitioner_who_left_the_center_gets_an_empty_feed(client, center, practitioner_user):
    TherapySessionFactory(center=center, practitioner=practitioner_user.practitioner_profile)
    _feed, secret = calendar_feed_create(user=practitioner_user, kind="practitioner")
    practitioner_user.memberships.update(is_active=False)

    assert read_feed(client, secret).events == []


def test_a_feed_is_made_on_the_account_page_and_its_address_works(client, patient_user):
    TherapySessionFactory(
        center=patient_user.patient_profile.center, patient=patient_user.patient_profile
    )
    client.force_login(patient_user)

    page = client.get(reverse("account"))
    assert "New feed: My sessions" in page.content.decode()
    assert "Sessions I run" not in page.content.decode()
    response = client.post(reverse("account"), {"kind": "patient"})

    assert response.status_code == 200
    address = re.search(r"http://testserver(/feeds/cal_[\w-]+\.ics)", response.content.decode())
    assert address, "the new feed's address is shown"
    assert "webcal://testserver/feeds/" in response.content.decode()
    client.logout()  # a calendar app sends no cookies
    feed = client.get(address.group(1))
    assert feed.status_code == 200
    assert len(Calendar.from_ical(feed.content).events) == 1
    assert CalendarFeed.objects.get(user=patient_user).last_fetched_at is not None
    # Shown once: the page does not hold the address any more.
    client.force_login(patient_user)
    assert address.group(1) not in client.get(reverse("account")).content.decode()


def test_a_feed_of_sessions_one_does_not_have_is_refused_in_words(client, admin_user):
    client.force_login(admin_user)

    response = client.post(reverse("account"), {"kind": "practitioner"})

    assert response.status_code == 400
    assert "Choose a calendar of sessions you have." in response.content.decode()
    assert not CalendarFeed.objects.exists()


def test_a_revoked_feed_is_gone(client, patient_user):
    feed, secret = calendar_feed_create(user=patient_user, kind="patient")
    client.force_login(patient_user)

    response = client.post(reverse("calendar_feed_revoke", args=[feed.pk]))

    assert response.status_code == 302
    client.logout()
    assert client.get(reverse("calendar_feed", args=[secret])).status_code == 404
    assert client.get(reverse("calendar_feed", args=["cal_" + "x" * 43])).status_code == 404


def test_nobody_revokes_another_users_feed(client, patient_user, practitioner_user):
    feed, secret = calendar_feed_create(user=patient_user, kind="patient")
    client.force_login(practitioner_user)

    assert client.post(reverse("calendar_feed_revoke", args=[feed.pk])).status_code == 404
    feed.refresh_from_db()
    assert feed.revoked_at is None
    assert client.get(reverse("calendar_feed", args=[secret])).status_code == 200


@pytest.mark.parametrize("sessions", [1, 12])
def test_a_feed_costs_the_same_queries_whatever_it_holds(
    client, center, practitioner_user, django_assert_num_queries, sessions
):
    start = timezone.now() + datetime.timedelta(days=1)
    for index in range(sessions):
        TherapySessionFactory(
            center=center,
            practitioner=practitioner_user.practitioner_profile,
            starts_at=start + datetime.timedelta(hours=2 * index),
            ends_at=start + datetime.timedelta(hours=2 * index + 1),
        )
    _feed, secret = calendar_feed_create(user=practitioner_user, kind="practitioner")

    # The feed with its user, its last-read time, and the sessions with everything they show.
    with django_assert_num_queries(3):
        calendar = read_feed(client, secret)
    assert len(calendar.events) == sessions


def test_the_feed_speaks_the_users_language(client, patient_user):
    patient_user.preferred_language = "hi"
    patient_user.save(update_fields=["preferred_language"])
    TherapySessionFactory(
        center=patient_user.patient_profile.center,
        patient=patient_user.patient_profile,
        therapy=TherapyTypeFactory(name="Abhyanga", name_hi="अभ्यंग"),
    )
    _feed, secret = calendar_feed_create(user=patient_user, kind="patient")

    (event,) = read_feed(client, secret).events

    assert event["SUMMARY"] == "Kerala Panchakarma Center में अभ्यंग"
