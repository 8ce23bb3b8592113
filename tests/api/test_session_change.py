"""PATCH /api/sessions/<id>: reschedule, cancel or move a session along its lifecycle."""

import datetime

import pytest

from clinics.choices import Role
from scheduling.models import SchedulingRun
from sessions.models import SessionStatus, SessionStatusChange
from tests.api.conftest import local, one_abhyanga_plan
from tests.api.test_sessions import client_of
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def patch(user, session, body):
    return client_of(user).patch(f"/api/sessions/{session.pk}", body, format="json")


def snapshot(session):
    session.refresh_from_db()
    return (session.starts_at, session.room_id, session.practitioner_id, session.status)


def test_an_admin_moves_a_session_to_a_free_time_room_and_practitioner(
    admin_user, clinic, booked_abhyanga
):
    kavya = clinic["practitioners"][2]
    room = clinic["rooms"][1]
    new_start = local(clinic, 1, 10, 30)

    response = patch(
        admin_user,
        booked_abhyanga,
        {"starts_at": new_start.isoformat(), "room": room.pk, "practitioner": kavya.pk},
    )

    assert response.status_code == 200, response.json()
    assert response.json()["room"] == room.code
    assert response.json()["practitioner"] == kavya.pk
    booked_abhyanga.refresh_from_db()
    assert booked_abhyanga.starts_at == new_start
    assert (booked_abhyanga.room, booked_abhyanga.practitioner) == (room, kavya)
    assert booked_abhyanga.status == SessionStatus.SCHEDULED
    run = SchedulingRun.objects.get(kind="reschedule", care_plan=booked_abhyanga.care_plan)
    assert run.status == SchedulingRun.Status.APPLIED
    assert run.requested_by == admin_user


@pytest.mark.parametrize(
    ("day", "hour", "why"),
    [
        (1, 16, "shifts"),  # the practitioner's shift ends at 15:00
        (1, 5, "outside the center"),  # before the center opens
        (6, 10, "Rule"),  # outside the step's three allowed days
    ],
)
def test_a_time_that_does_not_fit_is_refused_in_words_and_changes_nothing(
    admin_user, clinic, booked_abhyanga, day, hour, why
):
    before = snapshot(booked_abhyanga)

    response = patch(
        admin_user, booked_abhyanga, {"starts_at": local(clinic, day, hour).isoformat()}
    )

    assert response.status_code == 409
    assert response.json()["message"].startswith("This time does not fit:")
    assert why in response.json()["message"]
    assert snapshot(booked_abhyanga) == before
    assert not SchedulingRun.objects.filter(kind="reschedule").exists()


def test_a_start_off_the_slot_grid_is_refused_naming_the_grid(admin_user, clinic, booked_abhyanga):
    before = snapshot(booked_abhyanga)

    response = patch(
        admin_user, booked_abhyanga, {"starts_at": local(clinic, 1, 10, 10).isoformat()}
    )

    assert response.status_code == 409
    assert "not on the 15-minute slot grid" in response.json()["message"]
    assert snapshot(booked_abhyanga) == before


def test_a_slot_someone_else_holds_is_refused(admin_user, clinic, one_abhyanga, booked_abhyanga):
    from scheduling.services.care_plans import care_plan_schedule

    other_plan = one_abhyanga_plan(clinic, one_abhyanga)
    care_plan_schedule(care_plan=other_plan, time_limit=0.2)
    taken = other_plan.sessions.get()
    before = snapshot(booked_abhyanga)

    response = patch(
        admin_user,
        booked_abhyanga,
        {
            "starts_at": taken.starts_at.isoformat(),
            "room": taken.room_id,
            "practitioner": taken.practitioner_id,
        },
    )

    assert response.status_code == 409
    assert "does not fit" in response.json()["message"]
    assert snapshot(booked_abhyanga) == before


def test_moving_a_step_before_the_one_it_follows_is_refused(admin_user, clinic, booked_plan):
    abhyanga = booked_plan.sessions.get(protocol_step__code="d0-abhyanga")
    swedana = booked_plan.sessions.get(protocol_step__code="d0-swedana")
    before = snapshot(swedana)

    response = patch(
        admin_user,
        swedana,
        {"starts_at": (abhyanga.starts_at - (swedana.ends_at - swedana.starts_at)).isoformat()},
    )

    assert response.status_code == 409
    assert "does not fit" in response.json()["message"]
    assert snapshot(swedana) == before


def test_a_chained_step_moves_alone_within_its_gap(admin_user, booked_plan):
    abhyanga = booked_plan.sessions.get(protocol_step__code="d0-abhyanga")
    swedana = booked_plan.sessions.get(protocol_step__code="d0-swedana")
    before = (abhyanga.starts_at, abhyanga.occurrence, abhyanga.updated_at)
    # On the 15-minute grid and within the 30 minutes Swedana may follow, but not where it is.
    gap = 30 if swedana.starts_at == abhyanga.ends_at + datetime.timedelta(minutes=15) else 15
    new_start = abhyanga.ends_at + datetime.timedelta(minutes=gap)

    response = patch(admin_user, swedana, {"starts_at": new_start.isoformat()})

    assert response.status_code == 200, response.json()
    swedana.refresh_from_db()
    abhyanga.refresh_from_db()
    assert swedana.starts_at == new_start
    # The step it follows is not booked again: same time, same group occurrence, untouched.
    assert (abhyanga.starts_at, abhyanga.occurrence, abhyanga.updated_at) == before
    run = SchedulingRun.objects.get(kind="reschedule", care_plan=booked_plan)
    assert [a["step"] for a in run.solution["assignments"]] == ["d0-swedana"]


def test_an_admin_cancels_with_a_note(admin_user, booked_abhyanga):
    response = patch(
        admin_user, booked_abhyanga, {"status": "cancelled", "note": "Fever since last night"}
    )

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    change = SessionStatusChange.objects.get(session=booked_abhyanga)
    assert (change.to_status, change.note, change.changed_by) == (
        "cancelled",
        "Fever since last night",
        admin_user,
    )


def test_a_stale_expected_status_is_a_conflict_and_changes_nothing(admin_user, booked_abhyanga):
    response = patch(
        admin_user,
        booked_abhyanga,
        {"status": "cancelled", "expected_status": "in_preparation"},
    )

    assert response.status_code == 409
    assert response.json()["message"] == (
        "This session is already Scheduled; what you acted on was out of date."
    )
    assert response.json()["extra"] == {"status": "scheduled"}
    assert snapshot(booked_abhyanga)[3] == SessionStatus.SCHEDULED


def test_a_move_the_lifecycle_does_not_allow_is_a_conflict(admin_user, booked_abhyanga):
    response = patch(admin_user, booked_abhyanga, {"status": "completed"})

    assert response.status_code == 409
    assert "cannot become" in response.json()["message"]
    assert not SessionStatusChange.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"status": "cancelled", "starts_at": "2030-01-01T10:00:00+05:30"},
        {"room": 1},
        {"status": "asleep"},
        {"starts_at": "tomorrow morning"},
    ],
)
def test_a_body_that_says_nothing_clear_is_400(admin_user, booked_abhyanga, body):
    response = patch(admin_user, booked_abhyanga, body)

    assert response.status_code == 400
    assert response.json()["message"]


def test_the_sessions_practitioner_moves_it_along_but_cannot_reschedule(booked_abhyanga, clinic):
    practitioner = booked_abhyanga.practitioner.user

    started = patch(practitioner, booked_abhyanga, {"status": "in_preparation"})
    moved = patch(practitioner, booked_abhyanga, {"starts_at": local(clinic, 1, 9).isoformat()})

    assert started.status_code == 200
    assert started.json()["status"] == "in_preparation"
    assert moved.status_code == 403
    assert "reschedule" in moved.json()["message"]


def test_a_director_reschedules_but_the_floor_is_the_practitioners(booked_abhyanga, clinic):
    director = UserFactory()
    MembershipFactory(user=director, center=clinic["center"], role=Role.MEDICAL_DIRECTOR)

    moved = patch(director, booked_abhyanga, {"starts_at": local(clinic, 1, 11).isoformat()})
    started = patch(director, booked_abhyanga, {"status": "in_preparation"})

    assert moved.status_code == 200
    assert started.status_code == 403


def test_the_patient_cannot_change_their_session_and_strangers_cannot_see_it(
    booked_abhyanga, outsider, clinic
):
    patient_user = UserFactory()
    booked_abhyanga.patient.user = patient_user
    booked_abhyanga.patient.save()
    before = snapshot(booked_abhyanga)

    by_patient = patch(patient_user, booked_abhyanga, {"status": "cancelled"})
    by_outsider = patch(outsider, booked_abhyanga, {"status": "cancelled"})
    seen_by_patient = client_of(patient_user).get(f"/api/sessions/{booked_abhyanga.pk}")

    assert by_patient.status_code == 403
    assert by_outsider.status_code == 404
    assert seen_by_patient.status_code == 200
    assert seen_by_patient.json()["id"] == booked_abhyanga.pk
    assert snapshot(booked_abhyanga) == before
