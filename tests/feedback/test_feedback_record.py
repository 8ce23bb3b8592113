"""feedback_record: who may give feedback on which session, what is kept, and corrections."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from feedback.models import SessionFeedback, SymptomScore
from feedback.services import feedback_record
from sessions.models import SessionStatus
from tests.factories import PatientFactory, TherapySessionFactory, local_today_at

pytestmark = pytest.mark.django_db

ANSWER = {"symptom_relief": 7, "experience": "yes_definitely"}


def test_it_records_relief_experience_side_effects_and_an_encrypted_comment(
    finished_session, patient
):
    feedback_record(
        session=finished_session,
        patient=patient,
        **ANSWER,
        side_effects={"nausea": 4, "dizziness": 0, "weakness": 2},
        comment="  Felt light, slept well  ",
    )

    feedback = SessionFeedback.objects.get(session=finished_session)
    assert feedback.symptom_relief == 7
    assert feedback.experience == "yes_definitely"
    assert feedback.comment == "Felt light, slept well"
    # Side effects not felt (0) are not kept.
    assert dict(feedback.symptom_scores.values_list("symptom", "score")) == {
        "nausea": 4,
        "weakness": 2,
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT comment FROM feedback_sessionfeedback WHERE id = %s", [feedback.pk])
        stored = cursor.fetchone()[0]
    assert "Felt light" not in stored


def test_it_refuses_another_patients_session(finished_session, center):
    stranger = PatientFactory(center=center)
    with pytest.raises(ValidationError, match="only on your own sessions"):
        feedback_record(session=finished_session, patient=stranger, **ANSWER)
    assert not SessionFeedback.objects.exists()


@pytest.mark.parametrize(
    "status",
    [
        SessionStatus.SCHEDULED,
        SessionStatus.IN_SESSION,
        SessionStatus.RECOVERY,
        SessionStatus.CANCELLED,
        SessionStatus.NO_SHOW,
    ],
)
def test_it_refuses_a_session_not_finished(center, patient, virechana, status):
    session = TherapySessionFactory(
        center=center,
        patient=patient,
        therapy=virechana,
        starts_at=local_today_at(center, 9, days=-1),
        status=status,
    )
    with pytest.raises(ValidationError, match="once the session is finished"):
        feedback_record(session=session, patient=patient, **ANSWER)
    assert not SessionFeedback.objects.exists()


@pytest.mark.parametrize("relief", [-1, 11, None, "5", True])
def test_it_refuses_relief_off_the_0_to_10_scale(finished_session, patient, relief):
    with pytest.raises(ValidationError, match="from 0 to 10"):
        feedback_record(
            session=finished_session, patient=patient, symptom_relief=relief, experience="no"
        )
    assert not SessionFeedback.objects.exists()


@pytest.mark.parametrize("relief", [0, 10])
def test_it_accepts_both_ends_of_the_scale(finished_session, patient, relief):
    feedback_record(
        session=finished_session,
        patient=patient,
        symptom_relief=relief,
        experience="no",
        side_effects={"nausea": 10},
    )
    assert SessionFeedback.objects.get().symptom_relief == relief


def test_a_bad_side_effect_changes_nothing(finished_session, patient):
    feedback_record(session=finished_session, patient=patient, **ANSWER)
    with pytest.raises(ValidationError, match="Dizziness"):
        feedback_record(
            session=finished_session,
            patient=patient,
            symptom_relief=2,
            experience="no",
            side_effects={"nausea": 3, "dizziness": 11},
        )
    with pytest.raises(ValidationError, match="not one we ask about"):
        feedback_record(
            session=finished_session, patient=patient, **ANSWER, side_effects={"pain": 3}
        )
    feedback = SessionFeedback.objects.get()
    assert (feedback.symptom_relief, feedback.corrected_at) == (7, None)
    assert not SymptomScore.objects.exists()


def test_it_refuses_an_unknown_experience_answer(finished_session, patient):
    with pytest.raises(ValidationError, match="listened to"):
        feedback_record(
            session=finished_session, patient=patient, symptom_relief=5, experience="maybe"
        )


def test_a_second_submission_corrects_the_first_and_history_keeps_both(finished_session, patient):
    feedback_record(session=finished_session, patient=patient, **ANSWER, side_effects={"nausea": 8})
    feedback_record(
        session=finished_session,
        patient=patient,
        symptom_relief=3,
        experience="no",
        side_effects={"nausea": 0, "weakness": 5},
    )

    feedback = SessionFeedback.objects.get()
    assert feedback.symptom_relief == 3
    assert feedback.corrected_at is not None
    assert dict(feedback.symptom_scores.values_list("symptom", "score")) == {"weakness": 5}
    assert sorted(feedback.history.values_list("symptom_relief", flat=True)) == [3, 7]
