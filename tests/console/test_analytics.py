"""The console's attendance analytics: hand-counted figures, the period and center asked for,
a CSV of the same, bad dates in words, and a fixed number of queries."""

import csv
import io
import json
import re

import pytest
from django.urls import reverse

from sessions.models import SessionStatus
from tests.factories import (
    PractitionerProfileFactory,
    TherapySessionFactory,
    TherapyTypeFactory,
    local_today_at,
)

# Measured with the small fixture; the same bound must hold with many more sessions.
ANALYTICS_QUERIES = 8


def _sessions(center, practitioner, statuses, days_ago):
    therapy = TherapyTypeFactory()
    for hour, status in enumerate(statuses, start=8):
        TherapySessionFactory(
            center=center,
            practitioner=practitioner,
            therapy=therapy,
            status=status,
            starts_at=local_today_at(center, hour, days=-days_ago),
        )


@pytest.fixture
def week_of_sessions(center, other_center, practitioner):
    """Suresh: 3 completed, 1 no-show, 1 cancelled 3 days ago; Kavya: 1 completed and 1 no-show
    yesterday; outside the counts: a no-show 60 days ago and one at the other center."""
    kavya = PractitionerProfileFactory(user__first_name="Kavya", user__last_name="Das")
    S = SessionStatus
    _sessions(center, practitioner, [S.COMPLETED] * 3 + [S.NO_SHOW, S.CANCELLED], 3)
    _sessions(center, kavya, [S.COMPLETED, S.NO_SHOW], 1)
    _sessions(center, practitioner, [S.NO_SHOW], 60)
    _sessions(other_center, practitioner, [S.NO_SHOW], 2)


def _rows(page: str) -> str:
    return " ".join(page.split())


def test_it_counts_attendance_per_practitioner_over_the_last_30_days(
    client, admin_user, week_of_sessions
):
    client.force_login(admin_user)

    response = client.get(reverse("console_analytics"))

    assert response.status_code == 200
    rows = list(
        csv.reader(io.StringIO(client.get(reverse("console_analytics_csv")).content.decode()))
    )
    assert rows[1:] == [
        ["Kavya Das", "2", "1", "1", "0", "50.0"],
        ["Suresh Menon", "5", "3", "1", "1", "25.0"],
    ]
    page = _rows(response.content.decode())
    # 2 no-shows among 6 decided sessions.
    assert "33.3 %" in page
    assert "Suresh Menon" in page and "Kavya Das" in page
    # The chart's figures travel as JSON beside the page's own script files, none inline.
    chart = json.loads(re.search(r'id="attendance-data"[^>]*>(.*?)</script>', page).group(1))
    assert chart["practitioners"] == ["Kavya Das", "Suresh Menon"]
    assert chart["no_shows"] == [1, 1] and chart["completed"] == [1, 3]
    assert "/static/js/vendor/plotly.min.js" in page


def test_sessions_without_a_practitioner_are_counted_last(
    client, admin_user, center, week_of_sessions
):
    _sessions(center, None, [SessionStatus.NO_SHOW, SessionStatus.COMPLETED], 2)
    client.force_login(admin_user)

    response = client.get(reverse("console_analytics_csv"))

    assert list(csv.reader(io.StringIO(response.content.decode())))[1:] == [
        ["Kavya Das", "2", "1", "1", "0", "50.0"],
        ["Suresh Menon", "5", "3", "1", "1", "25.0"],
        ["—", "2", "1", "1", "0", "50.0"],
    ]


def test_it_counts_only_the_days_asked_for(client, admin_user, center, week_of_sessions):
    client.force_login(admin_user)
    day = local_today_at(center, 9, days=-1).date().isoformat()

    rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    reverse("console_analytics_csv"), {"start": day, "end": day}
                ).content.decode()
            )
        )
    )

    assert rows[1:] == [["Kavya Das", "2", "1", "1", "0", "50.0"]]


def test_bad_dates_answer_400_in_words(client, admin_user, week_of_sessions):
    client.force_login(admin_user)

    page = client.get(reverse("console_analytics"), {"start": "2026-12-10", "end": "2026-12-01"})
    csv_answer = client.get(reverse("console_analytics_csv"), {"start": "tomorrow"})

    assert page.status_code == 400
    assert "The first day must come before the last day." in page.content.decode()
    assert csv_answer.status_code == 400
    assert "year-month-day" in csv_answer.content.decode()


def test_it_refuses_practitioners_and_patients(client, practitioner_user, patient_user):
    for user in (practitioner_user, patient_user):
        client.force_login(user)
        assert client.get(reverse("console_analytics")).status_code == 403
        assert client.get(reverse("console_analytics_csv")).status_code == 403


def test_another_centers_admin_sees_only_their_own(client, center, outsider, week_of_sessions):
    client.force_login(outsider)

    # Asking for the Kerala center by its id still shows London's figures only.
    answer = client.get(reverse("console_analytics_csv"), {"center": center.pk})

    rows = list(csv.reader(io.StringIO(answer.content.decode())))
    assert rows[1:] == [["Suresh Menon", "1", "0", "1", "0", "100.0"]]


@pytest.mark.parametrize("extra_days", [0, 20])
def test_the_page_costs_a_fixed_number_of_queries(
    client,
    admin_user,
    center,
    practitioner,
    week_of_sessions,
    extra_days,
    django_assert_max_num_queries,
):
    for days_ago in range(4, 4 + extra_days):
        _sessions(center, PractitionerProfileFactory(), [SessionStatus.COMPLETED] * 3, days_ago)
    client.force_login(admin_user)

    with django_assert_max_num_queries(ANALYTICS_QUERIES):
        response = client.get(reverse("console_analytics"))

    assert response.status_code == 200
