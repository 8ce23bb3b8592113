"""Dashboards keep their figures until something they count at the center changes
(console/dashboard_cache.py): a kept page costs no counting, and after a change each
dashboard shows figures equal to a fresh hand count."""

import csv
import datetime
import io
import re
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clinics.choices import Role
from notifications.models import Channel, OutboxStatus
from sessions.models import SessionStatus
from tests.factories import (
    CarePlanFactory,
    ClosureFactory,
    MembershipFactory,
    OpeningHoursFactory,
    OutboxMessageFactory,
    PatientFactory,
    ProtocolVersionFactory,
    RoomFactory,
    SessionFeedbackFactory,
    TherapySessionFactory,
    TherapyTypeFactory,
    UserFactory,
    local_today_at,
)

pytestmark = pytest.mark.django_db
S = SessionStatus
SESSIONS_TABLE = '"therapy_sessions_therapysession"'


def _session(center, hour, status, days=-3, **fields):
    if "patient" not in fields:
        fields["patient"] = PatientFactory(center=center)
    return TherapySessionFactory(
        center=center,
        starts_at=local_today_at(center, hour, days=days),
        status=status,
        **fields,
    )


def _csv(client, url, params=None):
    """The dashboard's CSV download, and whether answering it read any session."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {**(params or {}), "format": "csv"})
    assert response.status_code == 200
    counted = any(SESSIONS_TABLE in query["sql"] for query in queries.captured_queries)
    return list(csv.reader(io.StringIO(response.content.decode())))[1:], counted


def test_attendance_is_kept_then_counted_afresh_after_a_status_change(
    client, admin_user, center, other_center
):
    first = _session(center, 8, S.COMPLETED)
    _session(center, 9, S.COMPLETED, practitioner=first.practitioner)
    client.force_login(admin_user)
    url = reverse("console_analytics_csv")

    def attendance():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        rows = list(csv.reader(io.StringIO(response.content.decode())))[1:]
        return rows, any(SESSIONS_TABLE in q["sql"] for q in queries.captured_queries)

    name = str(first.practitioner)
    assert attendance() == ([[name, "2", "2", "0", "0", "0.0"]], True)
    assert attendance() == ([[name, "2", "2", "0", "0", "0.0"]], False)
    # Another center's change leaves these figures kept.
    _session(other_center, 9, S.NO_SHOW)
    assert attendance() == ([[name, "2", "2", "0", "0", "0.0"]], False)

    first.status = S.NO_SHOW
    first.save()

    # 1 of 2 decided sessions missed.
    assert attendance() == ([[name, "2", "1", "1", "0", "50.0"]], True)


def test_reminders_are_counted_afresh_when_a_reminder_turns_out_to_have_failed(
    client, admin_user, center
):
    session = _session(center, 8, S.COMPLETED)
    reminder = OutboxMessageFactory(
        patient=session.patient,
        session=session,
        event="pre_24h",
        channel=Channel.SMS,
        status=OutboxStatus.SENT,
    )
    client.force_login(admin_user)
    url = reverse("console_reminders")
    reached = ["24 hours before (T-24h)", "SMS", "1", "1", "0", "0.0"]
    none_reached = ["No reminder reached them", "", "0", "0", "0", ""]
    assert _csv(client, url) == ([reached, none_reached], True)
    assert _csv(client, url) == ([reached, none_reached], False)

    reminder.status = OutboxStatus.FAILED
    reminder.save()

    assert _csv(client, url) == (
        [["No reminder reached them", "", "1", "1", "0", "0.0"]],
        True,
    )


def test_centers_are_counted_afresh_when_feedback_arrives(client, center, other_center):
    director = UserFactory(email="director@kerala.example.org", first_name="Lakshmi")
    for place in (center, other_center):
        MembershipFactory(user=director, center=place, role=Role.MEDICAL_DIRECTOR)
    kerala = _session(center, 8, S.COMPLETED)
    _session(other_center, 9, S.COMPLETED)
    client.force_login(director)
    url = reverse("console_centers")
    before = [
        ["Kerala Panchakarma Center", "1", "1", "0", "0", "0.0", "1", "", "0"],
        ["London Ayurveda Clinic", "1", "1", "0", "0", "0.0", "1", "", "0"],
    ]
    assert _csv(client, url) == (before, True)
    assert _csv(client, url) == (before, False)

    SessionFeedbackFactory(session=kerala, symptom_relief=7)

    rows, counted = _csv(client, url)
    assert counted
    assert rows[0] == ["Kerala Panchakarma Center", "1", "1", "0", "0", "0.0", "1", "7.0", "1"]
    assert rows[1] == before[1]


def test_utilisation_is_counted_afresh_when_the_center_closes_a_day(client, admin_user, center):
    """Open Mondays 09-13 with one single-place room; booked Monday 9 June 2026 09:30-11:00."""
    center.holiday_country = ""
    center.save(update_fields=["holiday_country"])
    OpeningHoursFactory(center=center, weekday=0, opens="09:00", closes="13:00")
    room = RoomFactory(center=center, code="R1", name="Abhyanga", capacity=1, room_type="therapy")
    monday = datetime.date(2026, 6, 8)
    TherapySessionFactory(
        center=center,
        patient=PatientFactory(center=center),
        therapy=TherapyTypeFactory(),
        room=room,
        starts_at=datetime.datetime.combine(monday, datetime.time(9, 30), tzinfo=center.tzinfo),
        ends_at=datetime.datetime.combine(monday, datetime.time(11), tzinfo=center.tzinfo),
        status=S.COMPLETED,
    )
    client.force_login(admin_user)
    url, week = reverse("console_utilisation"), {"start": "2026-06-08", "end": "2026-06-14"}
    rooms = lambda rows: [row for row in rows if row[0] == "Room"]  # noqa: E731
    # 1.5 h of 4 open hours.
    rows, counted = _csv(client, url, week)
    assert (rooms(rows), counted) == ([["Room", "R1 · Abhyanga", "1.5", "4.0", "37.5"]], True)
    rows, counted = _csv(client, url, week)
    assert (rooms(rows), counted) == ([["Room", "R1 · Abhyanga", "1.5", "4.0", "37.5"]], False)

    open_days = lambda: re.search(  # noqa: E731
        r"against what was open: (\d+) open day", client.get(url, week).content.decode()
    ).group(1)
    # The page keeps its drawing of the figures as well.
    assert open_days() == open_days() == "7"

    ClosureFactory(center=center, date=monday, reason="Onam")

    # Closed that Monday: nothing was open, the booking still counts.
    rows, counted = _csv(client, url, week)
    assert (rooms(rows), counted) == ([["Room", "R1 · Abhyanga", "1.5", "0.0", ""]], True)
    assert open_days() == "6"


def test_adherence_counts_a_session_due_once_its_start_has_passed(client, admin_user, center):
    """Kept figures hold only until the next care-plan session of the days starts, although
    nothing is saved when it does."""
    plan = CarePlanFactory(
        patient=PatientFactory(center=center),
        protocol_version=ProtocolVersionFactory(template__name="Basti 8-day"),
    )
    _session(center, 8, S.COMPLETED, care_plan=plan, patient=plan.patient)
    soon = timezone.now() + datetime.timedelta(seconds=2)
    TherapySessionFactory(
        center=center, patient=plan.patient, care_plan=plan, starts_at=soon, status=S.SCHEDULED
    )
    today = timezone.now().astimezone(center.tzinfo).date()
    days = {"start": str(today - datetime.timedelta(days=7)), "end": str(today)}
    if soon.astimezone(center.tzinfo).date() != today:
        days["end"] = str(today + datetime.timedelta(days=1))
    client.force_login(admin_user)
    url = reverse("console_adherence")
    # Protocol, care plans, due, attended, no-shows, cancelled, adherence %.
    assert _csv(client, url, days) == ([["Basti 8-day", "1", "1", "1", "0", "0", "100.0"]], True)
    assert _csv(client, url, days) == ([["Basti 8-day", "1", "1", "1", "0", "0", "100.0"]], False)

    time.sleep(max(0.0, (soon - timezone.now()).total_seconds()) + 0.1)

    # The second session is now due and not (yet) attended: 1 of 2.
    assert _csv(client, url, days) == ([["Basti 8-day", "1", "2", "1", "0", "0", "50.0"]], True)


def test_without_a_shared_cache_every_request_counts(client, admin_user, center, settings):
    settings.ANALYTICS_CACHE_SECONDS = 0
    _session(center, 8, S.COMPLETED)
    client.force_login(admin_user)

    for _ in range(2):
        rows, counted = _csv(client, reverse("console_reminders"))
        assert counted
        assert rows == [["No reminder reached them", "", "1", "1", "0", "0.0"]]


def test_figures_kept_by_an_older_release_are_counted_afresh(
    client, admin_user, center, monkeypatch
):
    from django.core.cache import cache

    from console import dashboard_cache

    _session(center, 8, S.NO_SHOW)
    client.force_login(admin_user)
    url = reverse("console_reminders")
    _csv(client, url)
    kept_get = cache.get

    def unpickling(key, *args, **kwargs):
        if ":figures:" in key:
            raise AttributeError(
                "Can't get attribute 'ReminderRow' on <module 'console.reminders'>"
            )
        return kept_get(key, *args, **kwargs)

    monkeypatch.setattr(dashboard_cache.cache, "get", unpickling)

    rows, counted = _csv(client, url)
    assert counted
    assert rows == [["No reminder reached them", "", "1", "0", "1", "100.0"]]


def test_figures_kept_in_english_are_not_shown_to_a_hindi_reader(client, admin_user, center):
    session = _session(center, 8, S.COMPLETED)
    OutboxMessageFactory(
        patient=session.patient,
        session=session,
        event="pre_24h",
        channel=Channel.SMS,
        status=OutboxStatus.SENT,
    )
    client.force_login(admin_user)
    url = reverse("console_reminders")
    assert client.get(url, HTTP_ACCEPT_LANGUAGE="en").status_code == 200

    page = client.get(url, HTTP_ACCEPT_LANGUAGE="hi").content.decode()

    assert "24 घंटे पहले (T-24h)" in page
    assert "24 hours before (T-24h)" not in page
