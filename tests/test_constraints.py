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

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="exclusion constraints exist on PostgreSQL only"
)

HOUR = datetime.timedelta(hours=1)


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


def assert_rejected(first: TherapySession, **changes) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        book(first, **changes)


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


@postgres_only
def test_it_rejects_a_practitioner_in_two_sessions_at_once(first):
    assert_rejected(first, practitioner=first.practitioner, starts_at=first.starts_at + HOUR / 2)


@postgres_only
def test_it_rejects_a_capacity_one_room_used_twice(first):
    assert_rejected(first, room=first.room, starts_at=first.starts_at + HOUR / 2)


@postgres_only
def test_it_rejects_a_room_during_its_turnover(first):
    assert_rejected(first, room=first.room, starts_at=first.ends_at)


@postgres_only
def test_it_rejects_a_patient_in_two_sessions_at_once(first):
    assert_rejected(first, patient=first.patient, starts_at=first.starts_at)


@postgres_only
def test_it_rejects_a_patient_during_rest(first):
    assert_rejected(
        first, patient=first.patient, starts_at=first.ends_at + datetime.timedelta(minutes=20)
    )


def test_it_allows_back_to_back_sessions(first):
    book(first, practitioner=first.practitioner, starts_at=first.ends_at)
    book(first, room=first.room, starts_at=first.room_released_at)
    book(first, patient=first.patient, starts_at=first.patient_released_at)


def test_it_allows_one_group_occurrence_to_share_a_practitioner(center, therapy):
    hall = RoomFactory(center=center, room_type="yoga_hall", capacity=2)
    first = TherapySessionFactory(
        center=center, therapy=therapy, room=hall, starts_at=tomorrow_at(10)
    )
    book(
        first, practitioner=first.practitioner, room=hall, room_place=2, occurrence=first.occurrence
    )


@postgres_only
def test_it_rejects_a_practitioner_in_two_group_occurrences(center, therapy):
    first = TherapySessionFactory(center=center, therapy=therapy, starts_at=tomorrow_at(10))
    assert_rejected(first, practitioner=first.practitioner, occurrence=uuid.uuid4())


@postgres_only
def test_it_rejects_one_room_place_taken_twice(center, therapy):
    hall = RoomFactory(center=center, room_type="yoga_hall", capacity=2)
    first = TherapySessionFactory(
        center=center, therapy=therapy, room=hall, starts_at=tomorrow_at(10)
    )
    assert_rejected(first, room=hall, room_place=1)


@pytest.mark.parametrize("status", [SessionStatus.CANCELLED, SessionStatus.NO_SHOW])
def test_a_cancelled_session_blocks_nothing(center, therapy, status):
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


@postgres_only
def test_cancelling_frees_the_slot_but_reinstating_clashes(first):
    first.status = SessionStatus.CANCELLED
    first.save()
    book(first, practitioner=first.practitioner, room=first.room, patient=first.patient)
    first.status = SessionStatus.SCHEDULED
    with pytest.raises(IntegrityError), transaction.atomic():
        first.save()


def test_it_rejects_a_session_that_ends_before_it_starts(first):
    assert_rejected(first, starts_at=first.starts_at, ends_at=first.starts_at - HOUR)


def test_it_rejects_an_unknown_status(first):
    assert_rejected(first, status="paused")


def test_it_rejects_place_zero(first):
    assert_rejected(first, room_place=0)


@postgres_only
def test_full_clean_reports_a_clash_as_a_validation_error(first):
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
        pytest.param(factories.SessionFeedbackFactory, {"wellbeing": 11}, id="wellbeing"),
        pytest.param(factories.SessionFeedbackFactory, {"energy": 0}, id="energy"),
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


def test_a_moved_session_recomputes_its_release_times(first):
    first.starts_at = first.starts_at + 3 * HOUR
    first.fill_derived_times(recompute=True)
    first.save()
    assert first.ends_at == first.starts_at + HOUR
    assert first.room_released_at == first.ends_at + datetime.timedelta(minutes=15)
    # The slot it left is free again.
    book(first, room=first.room, starts_at=first.starts_at - 3 * HOUR)
