"""The cross-center comparison: each of the user's centers over the same local days, figures equal
to a hand count, another center only for those on its staff, a fixed number of queries."""

import csv
import io
import json
import re

import pytest
from django.urls import reverse

from clinics.choices import Role
from sessions.models import SessionStatus
from tests.factories import (
    MembershipFactory,
    PatientFactory,
    SessionFeedbackFactory,
    TherapySessionFactory,
    UserFactory,
    local_today_at,
)

pytestmark = pytest.mark.django_db
CENTERS_QUERIES = 8
S = SessionStatus


@pytest.fixture
def director(center, other_center):
    user = UserFactory(email="director@kerala.example.org", first_name="Lakshmi", last_name="Das")
    for place in (center, other_center):
        MembershipFactory(user=user, center=place, role=Role.MEDICAL_DIRECTOR)
    return user


def _session(center, patient, hour, status, days=-3, relief=None):
    session = TherapySessionFactory(
        center=center,
        patient=patient,
        starts_at=local_today_at(center, hour, days=days),
        status=status,
    )
    if relief is not None:
        SessionFeedbackFactory(session=session, symptom_relief=relief)
    return session


@pytest.fixture
def two_centers(center, other_center):
    """Kerala: Asha completed (relief 6) and missed one, Ravi completed (relief 8), Uma's was
    cancelled; 60 days ago Asha missed one (not counted). London: Jack completed (relief 4),
    Emma missed one."""
    asha, ravi, uma = (PatientFactory(center=center) for _ in range(3))
    _session(center, asha, 8, S.COMPLETED, relief=6)
    _session(center, asha, 11, S.NO_SHOW)
    _session(center, ravi, 9, S.COMPLETED, relief=8)
    _session(center, uma, 10, S.CANCELLED)
    _session(center, asha, 9, S.NO_SHOW, days=-60)
    jack, emma = (PatientFactory(center=other_center) for _ in range(2))
    _session(other_center, jack, 9, S.COMPLETED, relief=4)
    _session(other_center, emma, 10, S.NO_SHOW)


def _rows(page: str):
    text = " ".join(page.split())
    return re.findall(
        r'<td data-label="Center">(.*?)</td> <td data-label="Booked">(\d+)</td> '
        r'<td data-label="Completed">(\d+)</td> <td data-label="No-shows">(\d+)</td> '
        r'<td data-label="Cancelled">(\d+)</td> <td data-label="No-show rate">(.*?)</td> '
        r'<td data-label="Patients">(\d+)</td> <td data-label="Mean relief \(0-10\)">(.*?)</td>',
        text,
    )


def test_a_director_sees_their_centers_side_by_side(client, director, two_centers):
    client.force_login(director)

    response = client.get(reverse("console_centers"))

    assert response.status_code == 200
    assert _rows(response.content.decode()) == [
        ("Kerala Panchakarma Center", "4", "2", "1", "1", "33.3 %", "3", "7.0 (2 answers)"),
        ("London Ayurveda Clinic", "2", "1", "1", "0", "50.0 %", "2", "4.0 (1 answer)"),
    ]
    page = response.content.decode()
    chart = json.loads(re.search(r'id="centers-data"[^>]*>(.*?)</script>', page).group(1))
    assert chart["no_show_rates"] == [33.3, 50.0] and chart["mean_relief"] == [7.0, 4.0]


def test_an_admin_of_one_center_sees_only_it(client, admin_user, two_centers):
    client.force_login(admin_user)

    rows = _rows(client.get(reverse("console_centers")).content.decode())

    assert [row[0] for row in rows] == ["Kerala Panchakarma Center"]


def test_patients_and_practitioners_are_kept_out(client, patient_user, practitioner_user):
    for user in (patient_user, practitioner_user):
        client.force_login(user)
        assert client.get(reverse("console_centers")).status_code == 403


@pytest.mark.parametrize("per_center", [1, 5])
def test_the_page_costs_the_same_queries_whatever_the_data(
    client, director, center, other_center, django_assert_max_num_queries, per_center
):
    for place in (center, other_center):
        for hour in range(per_center):
            _session(place, PatientFactory(center=place), 8 + hour, S.COMPLETED, relief=5)
    client.force_login(director)

    with django_assert_max_num_queries(CENTERS_QUERIES):
        response = client.get(reverse("console_centers"))
    assert f'<td data-label="Booked">{per_center}</td>' in " ".join(
        response.content.decode().split()
    )


def test_the_figures_download_as_csv(client, director, two_centers):
    client.force_login(director)

    response = client.get(reverse("console_centers"), {"format": "csv"})

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1:] == [
        ["Kerala Panchakarma Center", "4", "2", "1", "1", "33.3", "3", "7.0", "2"],
        ["London Ayurveda Clinic", "2", "1", "1", "0", "50.0", "2", "4.0", "1"],
    ]
