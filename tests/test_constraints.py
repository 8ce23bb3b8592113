"""The database itself refuses double-booked practitioners, room places and patients."""

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from clinics.models import User
from sessions.models import SessionStatus, TherapySession
from tests import factories
from tests.factories import (
    PatientFactory,
    PractitionerProfileFactory,
    RoomFactory,
    TherapySessionFactory,
    TherapyTypeFactory,
    tomorrow_at,
)

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)

OVERLAP_CONSTRAINTS = (
    "session_no_practitioner_overlap",
    "session_no_room_place_overlap",
    "session_no_patient_overlap",
)


@pytest.fixture
def overlap_constraints(db):
    """Skip unless the database holds the exclusion constraints (PostgreSQL does; SQLite has
    none, and a test there would pass only because nothing refuses anything)."""
    with connection.cursor() as cursor:
        present = connection.introspection.get_constraints(cursor, TherapySession._meta.db_table)
    missing = [name for name in OVERLAP_CONSTRAINTS if name not in present]
    if missing:
        pytest.skip(f"the database has no {', '.join(missing)}")


def book(first: TherapySession, **changes) -> TherapySession:
    """Write a session straight to the table, as a buggy service might, bypassing any checks."""
    fields = {
        "center": first.center,
        "patient": PatientFactory(center=first.center),
        "therapy": first.therapy,
        "practitioner": PractitionerProfileFactory(),
        "room": RoomFactory(center=first.center),
        "starts_at": first.starts_at,
        "ends_at": first.ends_at,
    }
    fields.update(changes)
    if "ends_at" not in changes:
        fields["ends_at"] = fields["starts_at"] + HOUR
    return TherapySession.objects.create(**fields)


def assert_refused(constraint: str, first: TherapySession, **changes) -> None:
    """The database refuses the session, naming `constraint`, and keeps nothing of it."""
    before = TherapySession.objects.count()
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        book(first, **changes)
    assert TherapySession.objects.count() == before


@pytest.fixture
def therapy():
    # Cleaning after and rest after, so that both windows outlast the session itself.
    return TherapyTypeFactory(room_turnover_minutes=15, patient_rest_after_minutes=30)


@pytest.fixture
def first(center, therapy):
    return TherapySessionFactory(center=center, therapy=therapy, starts_at=tomorrow_at(10))


def test_release_times_follow_the_therapy(first):
    assert first.ends_at == first.starts_at + HOUR
    assert first.room_released_at == first.ends_at + datetime.timedelta(minutes=15)
    assert first.patient_released_at == first.ends_at + datetime.timedelta(minutes=30)


@pytest.mark.parametrize(
    ("constraint", "clash"),
    [
        pytest.param(
            "session_no_practitioner_overlap",
            lambda first: {
                "practitioner": first.practitioner,
                "starts_at": first.starts_at + HOUR / 2,
            },
            id="a-practitioner-in-two-sessions-at-once",
        ),
        pytest.param(
            "session_no_room_place_overlap",
            lambda first: {"room": first.room, "starts_at": first.starts_at + HOUR / 2},
            id="a-one-place-room-holding-two-sessions-at-once",
        ),
        pytest.param(
            "session_no_room_place_overlap",
            lambda first: {"room": first.room, "starts_at": first.ends_at},
            id="a-room-booked-during-its-turnover",
        ),
        pytest.param(
            "session_no_patient_overlap",
            lambda first: {"patient": first.patient, "starts_at": first.starts_at},
            id="a-patient-in-two-sessions-at-once",
        ),
        pytest.param(
            "session_no_patient_overlap",
            lambda first: {
                "patient": first.patient,
                "starts_at": first.ends_at + datetime.timedelta(minutes=20),
            },
            id="a-patient-booked-during-their-rest",
        ),
    ],
)
def test_the_database_refuses_a_double_booking(first, overlap_constraints, constraint, clash):
    assert_refused(constraint, first, **clash(first))


def test_back_to_back_sessions_are_accepted(first, overlap_constraints):
    book(first, practitioner=first.practitioner, starts_at=first.ends_at)
    book(first, room=first.room, starts_at=first.room_released_at)
    book(first, patient=first.patient, starts_at=first.patient_released_at)


def test_one_group_occurrence_shares_its_practitioner(center, therapy, overlap_constraints):
    hall = RoomFactory(center=center, room_type="yoga_hall", capacity=2)
    first = TherapySessionFactory(
        center=center, therapy=therapy, room=hall, starts_at=tomorrow_at(10)
    )
    book(
        first, practitioner=first.practitioner, room=hall, room_place=2, occurrence=first.occurrence
    )


def test_a_practitioner_cannot_lead_two_group_occurrences_at_once(
    center, therapy, overlap_constraints
):
    first = TherapySessionFactory(center=center, therapy=therapy, starts_at=tomorrow_at(10))
    assert_refused(
        "session_no_practitioner_overlap",
        first,
        practitioner=first.practitioner,
        occurrence=uuid.uuid4(),
    )


def test_one_place_of_a_room_cannot_be_taken_twice(center, therapy, overlap_constraints):
    hall = RoomFactory(center=center, room_type="yoga_hall", capacity=2)
    first = TherapySessionFactory(
        center=center, therapy=therapy, room=hall, starts_at=tomorrow_at(10)
    )
    assert_refused("session_no_room_place_overlap", first, room=hall, room_place=1)


@pytest.mark.parametrize("status", [SessionStatus.CANCELLED, SessionStatus.NO_SHOW])
def test_a_cancelled_session_blocks_nothing(center, therapy, status, overlap_constraints):
    first = TherapySessionFactory(
        center=center, therapy=therapy, starts_at=tomorrow_at(10), status=status
    )
    book(
        first,
        practitioner=first.practitioner,
        room=first.room,
        patient=first.patient,
        starts_at=first.starts_at,
    )


def test_cancelling_frees_the_slot_but_reinstating_clashes(first, overlap_constraints):
    first.status = SessionStatus.CANCELLED
    first.save()
    book(first, practitioner=first.practitioner, room=first.room, patient=first.patient)
    first.status = SessionStatus.SCHEDULED
    with pytest.raises(IntegrityError, match="overlap"), transaction.atomic():
        first.save()
    first.refresh_from_db()
    assert first.status == SessionStatus.CANCELLED


def test_a_session_cannot_end_before_it_starts(first):
    assert_refused("session_ends_after_starts", first, ends_at=first.starts_at - HOUR)


def test_a_session_cannot_have_an_unknown_status(first):
    assert_refused("session_status_valid", first, status="paused")


def test_a_session_cannot_take_place_zero_of_a_room(first):
    assert_refused("session_room_place_positive", first, room_place=0)


def test_full_clean_reports_a_clash_as_a_validation_error(first, overlap_constraints):
    clash = TherapySession(
        center=first.center,
        patient=PatientFactory(center=first.center),
        therapy=first.therapy,
        practitioner=first.practitioner,
        room=RoomFactory(center=first.center),
        starts_at=first.starts_at,
        ends_at=first.ends_at,
    )
    with pytest.raises(ValidationError, match="practitioner already has a session"):
        clash.full_clean()


# --- check and unique constraints (every backend) ------------------------------------


def assert_integrity_error(factory, **values) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(**values)


@pytest.mark.parametrize(
    ("factory", "values"),
    [
        pytest.param(factories.RoomFactory, {"capacity": 0}, id="room-capacity"),
        pytest.param(
            factories.OpeningHoursFactory,
            {"opens": datetime.time(19), "closes": datetime.time(7)},
            id="opening-hours",
        ),
        pytest.param(
            factories.RosterShiftFactory,
            {"starts": datetime.time(16), "ends": datetime.time(8)},
            id="roster-shift",
        ),
        pytest.param(factories.ConsumableFactory, {"stock_quantity": -1}, id="negative-stock"),
        pytest.param(
            factories.LeaveFactory,
            {"starts_at": tomorrow_at(12), "ends_at": tomorrow_at(11)},
            id="leave",
        ),
        pytest.param(factories.TherapyTypeFactory, {"duration_minutes": 0}, id="duration"),
        pytest.param(factories.TherapyTypeFactory, {"group_size": 0}, id="group-size"),
        pytest.param(
            factories.ProtocolVersionFactory,
            {
                "effective_from": datetime.date(2026, 2, 1),
                "effective_to": datetime.date(2026, 1, 1),
            },
            id="protocol-version-dates",
        ),
        pytest.param(
            factories.SOPChecklistItemFactory,
            {"kind": "timer", "timer_seconds": None},
            id="timer-without-seconds",
        ),
        pytest.param(factories.SessionFeedbackFactory, {"symptom_relief": 11}, id="relief"),
        pytest.param(factories.SessionFeedbackFactory, {"experience": "maybe"}, id="experience"),
        pytest.param(factories.SymptomScoreFactory, {"score": 11}, id="symptom-score"),
        pytest.param(factories.MaterialUsageFactory, {"quantity": 0}, id="material-quantity"),
    ],
)
def test_check_constraints_reject_impossible_values(factory, values):
    assert_integrity_error(factory, **values)


def test_emails_are_unique_whatever_their_case():
    factories.UserFactory(email="meera@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="Meera@Example.org")
    assert User.objects.get_by_natural_key("MEERA@example.org").email == "meera@example.org"


def test_a_medical_record_number_is_unique_within_a_center(center, other_center):
    factories.PatientFactory(center=center, mrn="K-1")
    factories.PatientFactory(center=other_center, mrn="K-1")
    assert_integrity_error(factories.PatientFactory, center=center, mrn="K-1")


def test_one_generic_template_per_event_channel_and_language():
    therapy = factories.TherapyTypeFactory()
    factories.NotificationTemplateFactory(therapy=None)
    factories.NotificationTemplateFactory(therapy=therapy)
    assert_integrity_error(factories.NotificationTemplateFactory, therapy=None)
    assert_integrity_error(factories.NotificationTemplateFactory, therapy=therapy)


def test_a_moved_session_recomputes_its_release_times(first, overlap_constraints):
    first.starts_at = first.starts_at + 3 * HOUR
    first.fill_derived_times(recompute=True)
    first.save()
    assert first.ends_at == first.starts_at + HOUR
    assert first.room_released_at == first.ends_at + datetime.timedelta(minutes=15)
    # The slot it left is free again.
    book(first, room=first.room, starts_at=first.starts_at - 3 * HOUR)
