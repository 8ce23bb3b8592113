"""The reminder-effectiveness dashboard: no-shows among sessions each reminder reached, and among
the rest, equal to a hand count, at a fixed number of queries."""

import csv
import io
import json
import re

import pytest
from django.urls import reverse

from notifications.models import Channel, OutboxStatus
from sessions.models import SessionStatus
from tests.factories import (
    OutboxMessageFactory,
    PatientFactory,
    TherapySessionFactory,
    local_today_at,
)

pytestmark = pytest.mark.django_db
REMINDER_QUERIES = 9
DONE, MISSED = SessionStatus.COMPLETED, SessionStatus.NO_SHOW


def _session(center, hour, status, days=-3):
    return TherapySessionFactory(
        center=center,
        patient=PatientFactory(center=center),
        starts_at=local_today_at(center, hour, days=days),
        status=status,
    )


def _reminder(session, event, channel, status=OutboxStatus.SENT):
    OutboxMessageFactory(
        patient=session.patient, session=session, event=event, channel=channel, status=status
    )


@pytest.fixture
def reminded(center, other_center):
    """Three days ago: attended after a T-24h and a T-2h SMS; missed after a T-24h SMS;
    attended after a T-24h email (its T-2h SMS failed); missed with only a cancelled reminder;
    attended with none. Not counted: a session still to come, another center's no-show."""
    first = _session(center, 8, DONE)
    _reminder(first, "pre_24h", Channel.SMS)
    _reminder(first, "pre_2h", Channel.SMS, OutboxStatus.DELIVERED)
    _reminder(_session(center, 9, MISSED), "pre_24h", Channel.SMS)
    third = _session(center, 10, DONE)
    _reminder(third, "pre_24h", Channel.EMAIL, OutboxStatus.DELIVERED)
    _reminder(third, "pre_2h", Channel.SMS, OutboxStatus.FAILED)
    _reminder(_session(center, 11, MISSED), "pre_24h", Channel.SMS, OutboxStatus.CANCELLED)
    _session(center, 12, DONE)
    _reminder(_session(center, 9, SessionStatus.SCHEDULED, days=1), "pre_24h", Channel.SMS)
    _reminder(_session(other_center, 9, MISSED), "pre_24h", Channel.SMS)


def _text(response) -> str:
    return " ".join(response.content.decode().split())


def test_it_compares_no_shows_by_reminder_and_channel(client, admin_user, reminded):
    client.force_login(admin_user)

    response = client.get(reverse("console_reminders"))

    assert response.status_code == 200
    page = _text(response)
    rows = re.findall(
        r'<td data-label="Reminder">(.*?)</td> <td data-label="Channel">(.*?)</td> '
        r'<td data-label="Sessions">(\d+)</td> <td data-label="Attended">(\d+)</td> '
        r'<td data-label="No-shows">(\d+)</td> <td data-label="No-show rate">(.*?)</td>',
        page,
    )
    assert rows == [
        ("24 hours before (T-24h)", "Email", "1", "1", "0", "0.0 %"),
        ("24 hours before (T-24h)", "SMS", "2", "1", "1", "50.0 %"),
        ("2 hours before (T-2h)", "SMS", "1", "1", "0", "0.0 %"),
        ("No reminder reached them", "—", "2", "1", "1", "50.0 %"),
    ]
    chart = json.loads(re.search(r'id="reminders-data"[^>]*>(.*?)</script>', page).group(1))
    assert chart["rates"] == [0.0, 50.0, 0.0, 50.0]


def test_another_centers_admin_sees_only_their_own(client, outsider, reminded):
    client.force_login(outsider)

    page = _text(client.get(reverse("console_reminders")))

    assert '<td data-label="Sessions">1</td> <td data-label="Attended">0</td>' in page
    assert "London Ayurveda Clinic" in page


def test_patients_and_practitioners_are_kept_out(client, patient_user, practitioner_user):
    for user in (patient_user, practitioner_user):
        client.force_login(user)
        assert client.get(reverse("console_reminders")).status_code == 403


@pytest.mark.parametrize("copies", [1, 4])
def test_the_page_costs_the_same_queries_whatever_the_data(
    client, admin_user, center, django_assert_max_num_queries, copies
):
    for index in range(copies):
        for hour, status in ((8, DONE), (10, MISSED)):
            session = _session(center, hour, status, days=-2 - index)
            _reminder(session, "pre_24h", Channel.SMS)
            _reminder(session, "pre_2h", Channel.EMAIL)
    client.force_login(admin_user)

    with django_assert_max_num_queries(REMINDER_QUERIES):
        response = client.get(reverse("console_reminders"))
    assert f'<td data-label="Sessions">{copies * 2}</td>' in _text(response)


def test_the_figures_download_as_csv(client, admin_user, reminded):
    client.force_login(admin_user)

    response = client.get(reverse("console_reminders"), {"format": "csv"})

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Reminder", "Channel", "Sessions", "Attended", "No-shows", "No-show rate %"]
    assert rows[2] == ["24 hours before (T-24h)", "SMS", "2", "1", "1", "50.0"]
    assert rows[-1] == ["No reminder reached them", "", "2", "1", "1", "50.0"]
