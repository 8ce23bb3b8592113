"""The feedback page (/portal/feedback/<id>/) and Home's "How was your session?" card."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from feedback.models import SessionFeedback
from sessions.models import SessionStatus
from tests.factories import (
    PatientFactory,
    SessionFeedbackFactory,
    TherapySessionFactory,
    UserFactory,
    local_today_at,
)

pytestmark = pytest.mark.django_db


def _url(session):
    return reverse("portal_session_feedback", args=[session.pk])


def _post(client, session, **overrides):
    data = {
        "symptom_relief": "8",
        "experience": "yes_to_some_extent",
        "side_nausea": "7",
        "side_dizziness": "0",
        "side_weakness": "3",
        "side_other": "0",
        "comment": "A little queasy in the evening",
    }
    data.update(overrides)
    return client.post(_url(session), {k: v for k, v in data.items() if v is not None})


def test_the_page_asks_relief_side_effects_and_experience(client, patient_user, finished_session):
    client.force_login(patient_user)
    response = client.get(_url(finished_session))
    page = response.content.decode()
    assert response.status_code == 200
    assert "How much relief did this session give you?" in page
    for effect in ("Nausea", "Dizziness", "Weakness", "Other"):
        assert f"<legend>{effect}</legend>" in page
    assert "Did you feel listened to and treated with respect?" in page
    assert page.count('type="radio"') == 11 * 5 + 3


def test_sending_records_the_feedback_and_thanks_the_patient(
    client, patient_user, finished_session
):
    client.force_login(patient_user)
    response = _post(client, finished_session)
    assert response.status_code == 302 and response.url == reverse("portal_home")

    feedback = SessionFeedback.objects.get(session=finished_session)
    assert (feedback.symptom_relief, feedback.experience) == (8, "yes_to_some_extent")
    assert feedback.comment == "A little queasy in the evening"
    assert dict(feedback.symptom_scores.values_list("symptom", "score")) == {
        "nausea": 7,
        "weakness": 3,
    }
    home = client.get(reverse("portal_home")).content.decode()
    assert "Thank you: your practitioner will see your answers." in home


def test_a_missing_answer_is_shown_beside_its_question_and_nothing_is_saved(
    client, patient_user, finished_session
):
    client.force_login(patient_user)
    response = _post(client, finished_session, symptom_relief=None, experience=None)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Choose how much relief you felt, from 0 to 10." in page
    assert "Tell us whether you were listened to and treated with respect." in page
    # What the patient did answer stays chosen.
    assert re.search(r'id="id_side_nausea_7"[^>]* checked', page)
    assert not SessionFeedback.objects.exists()


@pytest.mark.parametrize("relief", ["11", "-1", "seven"])
def test_a_relief_off_the_scale_answers_400(client, patient_user, finished_session, relief):
    client.force_login(patient_user)
    response = _post(client, finished_session, symptom_relief=relief)
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not SessionFeedback.objects.exists()


def test_a_session_still_to_come_cannot_be_answered(client, patient_user, coming_session):
    client.force_login(patient_user)
    page = client.get(_url(coming_session)).content.decode()
    assert "You can give feedback once the session is finished." in page
    assert 'type="radio"' not in page
    assert _post(client, coming_session).status_code == 400
    assert not SessionFeedback.objects.exists()


def test_another_patients_session_is_not_found(client, center, finished_session):
    other = UserFactory(email="other@example.org")
    PatientFactory(user=other, center=center)
    client.force_login(other)
    assert client.get(_url(finished_session)).status_code == 404
    assert _post(client, finished_session).status_code == 404
    assert not SessionFeedback.objects.exists()


def test_staff_without_a_patient_profile_are_refused(client, admin_user, finished_session):
    client.force_login(admin_user)
    assert client.get(_url(finished_session)).status_code == 403


def test_a_second_visit_shows_the_answers_given_to_correct_them(
    client, patient_user, finished_session
):
    client.force_login(patient_user)
    _post(client, finished_session)
    page = client.get(_url(finished_session)).content.decode()
    assert "You have already answered for this session." in page
    assert re.search(r'id="id_symptom_relief_8"[^>]* checked', page)
    assert re.search(r'id="id_side_nausea_7"[^>]* checked', page)
    _post(client, finished_session, symptom_relief="2")
    assert SessionFeedback.objects.get().symptom_relief == 2


def test_home_asks_about_the_latest_finished_session_without_feedback(
    client, patient_user, patient, center, finished_session, coming_session
):
    client.force_login(patient_user)
    url = _url(finished_session)
    page = client.get(reverse("portal_home")).content.decode()
    assert "How was your session?" in page and url in page

    _post(client, finished_session)
    page = client.get(reverse("portal_home")).content.decode()
    assert "How was your session?" not in page


def _finished_sessions(center, patient, count, with_feedback):
    sessions = [
        TherapySessionFactory(
            center=center,
            patient=patient,
            starts_at=local_today_at(center, 6 + index % 12, days=-1 - index // 12),
            status=SessionStatus.COMPLETED,
        )
        for index in range(count)
    ]
    for session in sessions[:with_feedback]:
        SessionFeedbackFactory(session=session, patient=patient)
    return sessions


@pytest.mark.parametrize(("count", "with_feedback"), [(1, 0), (30, 20)])
def test_home_costs_a_fixed_number_of_queries(
    client, patient_user, patient, center, count, with_feedback, django_assert_max_num_queries
):
    _finished_sessions(center, patient, count, with_feedback)
    client.force_login(patient_user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("portal_home"))
    assert "How was your session?" in response.content.decode()


@pytest.mark.parametrize("scores", [0, 4])
def test_the_page_costs_a_fixed_number_of_queries(
    client, patient_user, finished_session, scores, django_assert_max_num_queries
):
    feedback = SessionFeedbackFactory(session=finished_session, patient=finished_session.patient)
    for symptom in ["nausea", "dizziness", "weakness", "other"][:scores]:
        feedback.symptom_scores.create(symptom=symptom, score=3)
    client.force_login(patient_user)
    with django_assert_max_num_queries(8):
        assert client.get(_url(finished_session)).status_code == 200


def test_the_page_speaks_hindi(client, patient_user, finished_session, settings):
    client.force_login(patient_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "hi"
    # LocaleMiddleware leaves the request's language active in this thread: restore it after.
    with translation.override(settings.LANGUAGE_CODE):
        page = client.get(_url(finished_session)).content.decode()
    assert "इस सत्र से आपको कितना आराम मिला?" in page
    assert "<legend>चक्कर</legend>" in page
    assert "हाँ, कुछ हद तक" in page
