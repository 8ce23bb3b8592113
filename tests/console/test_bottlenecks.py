"""The bottlenecks dashboard: the rooms, practitioners and therapies scheduling runs named as in
their way, and over-runs, equal to a hand count, at a fixed number of queries."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clinics.choices import Role
from tests.factories import (
    MembershipFactory,
    PractitionerProfileFactory,
    ProtocolStepFactory,
    RoomFactory,
    SchedulingRunFactory,
    SessionStatusChangeFactory,
    TherapySessionFactory,
    TherapyTypeFactory,
    UserFactory,
    local_today_at,
)

pytestmark = pytest.mark.django_db
# 13, and the transaction in which the JSON queries run with JIT compilation off (its savepoint,
# SET LOCAL jit, its release).
BOTTLENECK_QUERIES = 16


def _resources(center, place: str, first_name: str):
    room_1 = RoomFactory(center=center, code="R1", name=f"{place} room 1")
    room_10 = RoomFactory(center=center, code="R10", name="Room R10")
    asha = PractitionerProfileFactory(user=UserFactory(first_name=first_name, last_name="Nair"))
    step = ProtocolStepFactory(
        code="d3-virechana",
        therapy=TherapyTypeFactory(
            code="virechana", name="Virechana", required_skill__name="Purgation"
        ),
    )
    # Only ever behind an unplaced step: not a bottleneck of its own.
    basti = ProtocolStepFactory(
        version=step.version, code="d5-basti", therapy=TherapyTypeFactory(code="basti")
    )
    return room_1, room_10, asha, step, basti


@pytest.fixture
def resources(center):
    return _resources(center, "Kerala", "Asha")


def _run(center, resources, started_at=None):
    """One run: a step it could not place (a room and Asha in its reasons) and the one after it
    (not placed for want of its predecessor, not of a resource), a placement moved
    because of R1 (its notes name R1; its own place, R10 and Asha, is not a bottleneck), and two
    placements that say only where they are."""
    room_1, room_10, asha, step, basti = resources
    asha_id = f"{asha.user.get_full_name()} (T{asha.pk})"
    return SchedulingRunFactory(
        center=center,
        started_at=started_at or timezone.now() - timedelta(days=1),
        status="succeeded",
        refs={
            "rooms": {"R1": room_1.pk, "R10": room_10.pk},
            "practitioners": {asha_id: asha.pk},
            "steps": {"CP7/d3-virechana": step.pk, "CP7/d5-basti": basti.pk},
        },
        solution={
            "format": "panchakarma-schedule/1",
            "assignments": [
                {
                    "plan": "CP8",
                    "step": "d1-abhyanga",
                    "explanation": f"Mon 30 Nov 10:00–11:00 with {asha_id} in R10; "
                    "moved a day later: on Sun 29 Nov room R1 is booked 09:00–12:00.",
                },
                {"plan": "CP9", "step": "d1-abhyanga", "explanation": f"… with {asha_id} in R1."},
                {
                    "plan": "CP9",
                    "step": "d2-abhyanga",
                    "explanation": f"… with {asha_id} in R1; kept as pinned in the previous "
                    "schedule.",
                },
            ],
            "unscheduled": [
                {
                    "plan": "CP7",
                    "step": "d3-virechana",
                    "reasons": [
                        {
                            "code": "room_unavailable",
                            "message": "On Tue 1 Dec no suitable room is free when a "
                            "practitioner is: room R1 is booked 10:00–11:00 (incl. cleaning)",
                        },
                        {
                            "code": "practitioner_unavailable",
                            "message": "On Wed 2 Dec no suitable practitioner is free: "
                            f"{asha_id} is on leave",
                        },
                    ],
                },
                {
                    "plan": "CP7",
                    "step": "d5-basti",
                    "reasons": [
                        {
                            "code": "predecessor_unscheduled",
                            "message": "Step d3-virechana of this plan is not scheduled",
                        }
                    ],
                },
            ],
            "objective": 2000,
        },
    )


@pytest.fixture
def runs(center, other_center, resources):
    """One run in the days, one 40 days ago and one at another center (neither counted), and
    a session of Asha's in R10 that ran over."""
    _room_1, room_10, asha, _step, _basti = resources
    _run(center, resources)
    _run(center, resources, started_at=timezone.now() - timedelta(days=40))
    _run(other_center, _resources(other_center, "London", "Olivia"))
    TherapySessionFactory(
        center=center,
        room=room_10,
        practitioner=asha,
        starts_at=local_today_at(center, 9, days=-2),
        overrun_until=local_today_at(center, 11, days=-2),
        status="completed",
    )


def _rows(page: str):
    return re.findall(
        r'<td data-label="Resource">(.*?)</td> <td data-label="Kind">(.*?)</td> '
        r'<td data-label="Named by scheduling">(\d+)</td> <td data-label="Scheduling runs">(\d+)'
        r'</td> <td data-label="Over-runs">(\d+)</td> <td data-label="In words">(.*?)</td>',
        " ".join(page.split()),
    )


def test_it_ranks_what_scheduling_named_and_what_ran_over(client, admin_user, runs):
    client.force_login(admin_user)

    response = client.get(reverse("console_bottlenecks"))

    assert response.status_code == 200
    page = response.content.decode()
    assert _rows(page) == [
        (
            "Room R1 · Kerala room 1",
            "Room",
            "2",
            "1",
            "0",
            "Room R1 · Kerala room 1 was named 2 times as what stood in the way, "
            "in 1 scheduling run.",
        ),
        (
            "Asha Nair",
            "Practitioner",
            "1",
            "1",
            "1",
            "Asha Nair was named 1 time as what stood in the way, in 1 scheduling run; "
            "1 session ran over.",
        ),
        (
            "Virechana (skill: Purgation)",
            "Therapy",
            "1",
            "1",
            "0",
            "Virechana (skill: Purgation) could not be placed 1 time for want of a free "
            "practitioner or room, in 1 scheduling run.",
        ),
        ("Room R10", "Room", "0", "0", "1", "Room R10: 1 session ran over."),
    ]
    codes = re.findall(
        r'<td data-label="Reason">(.*?)</td><td data-label="Code"><code>(\w+)</code></td>'
        r'<td data-label="Times given">(\d+)',
        page,
    )
    assert codes == [
        ("No practitioner with the skill was free", "practitioner_unavailable", "1"),
        ("An earlier step of the plan was not placed", "predecessor_unscheduled", "1"),
        ("No suitable room was free", "room_unavailable", "1"),
    ]


def test_a_session_that_left_the_table_after_its_planned_end_ran_over(
    client, admin_user, center, resources
):
    """The expected end is cleared when a session leaves In session: what it left behind is the
    time it did, later than planned for one session here, on time for the other."""
    room_1, _room_10, asha, _step, _basti = resources
    for minutes_late in (12, 0):
        session = TherapySessionFactory(
            center=center,
            room=room_1,
            practitioner=asha,
            starts_at=local_today_at(center, 9 + minutes_late, days=-3),
            status="completed",
        )
        SessionStatusChangeFactory(
            session=session,
            from_status="in_session",
            to_status="recovery",
            changed_at=session.ends_at + timedelta(minutes=minutes_late),
        )
    client.force_login(admin_user)

    page = client.get(reverse("console_bottlenecks")).content.decode()

    assert [row[:5] for row in _rows(page)] == [
        ("Asha Nair", "Practitioner", "0", "0", "1"),
        ("Room R1 · Kerala room 1", "Room", "0", "0", "1"),
    ]


def test_the_csv_holds_the_same_figures(client, admin_user, runs):
    client.force_login(admin_user)

    response = client.get(reverse("console_bottlenecks"), {"format": "csv"})

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "Kind",
        "Name",
        "Named by scheduling",
        "Scheduling runs",
        "Over-runs",
        "In words",
    ]
    assert rows[1][:5] == ["Room", "Room R1 · Kerala room 1", "2", "1", "0"]
    assert len(rows) == 5


def test_a_director_sees_each_of_their_centers(client, center, other_center, runs):
    director = UserFactory()
    MembershipFactory(user=director, center=center, role=Role.MEDICAL_DIRECTOR)
    MembershipFactory(user=director, center=other_center, role=Role.MEDICAL_DIRECTOR)
    client.force_login(director)

    here = client.get(reverse("console_bottlenecks"), {"center": center.pk}).content.decode()
    there = client.get(reverse("console_bottlenecks"), {"center": other_center.pk})

    assert _rows(here)[0][:3] == ("Room R1 · Kerala room 1", "Room", "2")
    assert _rows(there.content.decode())[0][:3] == ("Room R1 · London room 1", "Room", "2")


def test_another_centers_admin_sees_none_of_it(client, outsider, runs):
    client.force_login(outsider)

    page = client.get(reverse("console_bottlenecks")).content.decode()

    assert "Asha Nair" not in page


def test_with_nothing_in_the_way_it_says_so(client, admin_user):
    client.force_login(admin_user)

    page = " ".join(client.get(reverse("console_bottlenecks")).content.decode().split())

    assert "No room, practitioner or therapy stood in the way in these days" in page
    assert "bottlenecks-chart" not in page


def test_patients_and_practitioners_are_kept_out(client, patient_user, practitioner_user):
    for user in (patient_user, practitioner_user):
        client.force_login(user)
        assert client.get(reverse("console_bottlenecks")).status_code == 403


def test_a_bad_date_answers_400_in_words(client, admin_user):
    client.force_login(admin_user)

    page = client.get(reverse("console_bottlenecks"), {"start": "soon"})
    download = client.get(reverse("console_bottlenecks"), {"start": "soon", "format": "csv"})

    assert page.status_code == 400
    assert "Give the date as year-month-day" in page.content.decode()
    assert download.status_code == 400
    assert "Give the date as year-month-day" in download.content.decode()


@pytest.mark.parametrize("runs_count", [1, 6])
def test_the_page_costs_the_same_queries_whatever_the_data(
    client, admin_user, center, resources, django_assert_max_num_queries, runs_count
):
    for _index in range(runs_count):
        _run(center, resources)
    client.force_login(admin_user)

    with django_assert_max_num_queries(BOTTLENECK_QUERIES):
        response = client.get(reverse("console_bottlenecks"))
    assert _rows(response.content.decode())[0][2] == str(2 * runs_count)


def test_a_new_run_shows_at_once_though_the_figures_are_kept(
    client, admin_user, center, resources, runs
):
    client.force_login(admin_user)
    assert _rows(client.get(reverse("console_bottlenecks")).content.decode())[0][2:4] == ("2", "1")

    _run(center, resources)

    rows = _rows(client.get(reverse("console_bottlenecks")).content.decode())
    assert rows[0][:4] == ("Room R1 · Kerala room 1", "Room", "4", "2")
