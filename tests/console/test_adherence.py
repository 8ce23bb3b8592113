"""The adherence dashboard: care-plan sessions due per protocol and how many were attended, equal
to a hand count, at a fixed number of queries."""

import csv
import io
import re

import pytest
from django.urls import reverse

from sessions.models import SessionStatus
from tests.factories import (
    CarePlanFactory,
    PatientFactory,
    ProtocolVersionFactory,
    TherapySessionFactory,
    local_today_at,
)

pytestmark = pytest.mark.django_db
ADHERENCE_QUERIES = 8
S = SessionStatus


def _plan(center, protocol):
    return CarePlanFactory(patient=PatientFactory(center=center), protocol_version=protocol)


def _session(center, plan, hour, status, days=-3):
    return TherapySessionFactory(
        center=center,
        patient=plan.patient if plan else PatientFactory(center=center),
        care_plan=plan,
        starts_at=local_today_at(center, hour, days=days),
        status=status,
    )


@pytest.fixture
def plans(center):
    """Virechana: one plan attended twice and missed once, another cancelled once. Basti: one
    attended, one still to come tomorrow (not due). Not counted: a session outside any plan,
    and a Virechana no-show 40 days ago."""
    virechana = ProtocolVersionFactory(template__name="Virechana 7-day")
    basti = ProtocolVersionFactory(template__name="Basti 8-day")
    first, second, third = _plan(center, virechana), _plan(center, virechana), _plan(center, basti)
    _session(center, first, 8, S.COMPLETED)
    _session(center, first, 8, S.COMPLETED, days=-2)
    _session(center, first, 8, S.NO_SHOW, days=-1)
    _session(center, second, 9, S.CANCELLED)
    _session(center, third, 10, S.COMPLETED)
    _session(center, third, 10, S.SCHEDULED, days=1)
    _session(center, None, 11, S.NO_SHOW)
    _session(center, first, 8, S.NO_SHOW, days=-40)


def _rows(page: str):
    return re.findall(
        r'<td data-label="Protocol">(.*?)</td> <td data-label="Care plans">(\d+)</td> '
        r'<td data-label="Sessions due">(\d+)</td> <td data-label="Attended">(\d+)</td> '
        r'<td data-label="No-shows">(\d+)</td> <td data-label="Cancelled">(\d+)</td> '
        r'<td data-label="Adherence">(.*?)</td>',
        " ".join(page.split()),
    )


def test_it_counts_sessions_due_and_attended_per_protocol(client, admin_user, plans):
    client.force_login(admin_user)

    response = client.get(reverse("console_adherence"))

    assert response.status_code == 200
    assert _rows(response.content.decode()) == [
        ("Basti 8-day", "1", "1", "1", "0", "0", "100.0 %"),
        ("Virechana 7-day", "2", "4", "2", "1", "1", "50.0 %"),
    ]
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(reverse("console_adherence"), {"format": "csv"}).content.decode()
            )
        )
    )
    assert rows[2] == ["Virechana 7-day", "2", "4", "2", "1", "1", "50.0"]


def test_another_centers_admin_sees_none_of_it(client, outsider, plans):
    client.force_login(outsider)

    page = client.get(reverse("console_adherence")).content.decode()

    assert "Virechana" not in page
    assert "No care-plan sessions were due in these days." in page


def test_patients_and_practitioners_are_kept_out(client, patient_user, practitioner_user):
    for user in (patient_user, practitioner_user):
        client.force_login(user)
        assert client.get(reverse("console_adherence")).status_code == 403


@pytest.mark.parametrize("plans_count", [1, 6])
def test_the_page_costs_the_same_queries_whatever_the_data(
    client, admin_user, center, django_assert_max_num_queries, plans_count
):
    for index in range(plans_count):
        plan = _plan(center, ProtocolVersionFactory())
        _session(center, plan, 8, S.COMPLETED, days=-1 - index)
        _session(center, plan, 10, S.NO_SHOW, days=-1 - index)
    client.force_login(admin_user)

    with django_assert_max_num_queries(ADHERENCE_QUERIES):
        response = client.get(reverse("console_adherence"))
    assert len(_rows(response.content.decode())) == plans_count
