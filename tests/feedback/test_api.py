"""POST /api/feedback: the same rules as the page, in the API's one error shape."""

import pytest
from django.urls import reverse

from feedback.models import ClinicianTask, SessionFeedback
from tests.factories import AdaptationRuleFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("api_feedback")


def _body(session, **overrides):
    body = {
        "session_id": session.pk,
        "symptom_relief": 6,
        "experience": "yes_definitely",
        "side_effects": {"nausea": 7},
        "comment": "Queasy after lunch",
    }
    body.update(overrides)
    return body


def test_a_patient_records_feedback_and_the_seed_rule_raises_a_task(
    client, patient_user, finished_session, virechana
):
    AdaptationRuleFactory(
        name="Nausea after Virechana", symptom="nausea", therapy=virechana, threshold=6
    )
    client.force_login(patient_user)

    response = client.post(URL, _body(finished_session), content_type="application/json")

    assert response.status_code == 201
    assert response.json()["symptom_relief"] == 6 and response.json()["corrected"] is False
    assert SessionFeedback.objects.get().comment == "Queasy after lunch"
    assert ClinicianTask.objects.get().title == "Call Meera Iyer: Nausea after Virechana"

    again = client.post(
        URL, _body(finished_session, symptom_relief=2), content_type="application/json"
    )
    assert again.status_code == 200 and again.json()["corrected"] is True
    assert ClinicianTask.objects.count() == 1


@pytest.mark.parametrize(
    "overrides",
    [{"symptom_relief": 11}, {"experience": "maybe"}, {"side_effects": {"nausea": -1}}],
)
def test_bad_answers_answer_400_in_the_error_shape(
    client, patient_user, finished_session, overrides
):
    client.force_login(patient_user)
    response = client.post(
        URL, _body(finished_session, **overrides), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["message"] == "Some of the data sent is not valid."
    assert not SessionFeedback.objects.exists()


def test_an_unknown_side_effect_and_an_unfinished_session_answer_400_in_words(
    client, patient_user, finished_session, coming_session
):
    client.force_login(patient_user)
    unknown = client.post(
        URL, _body(finished_session, side_effects={"pain": 3}), content_type="application/json"
    )
    assert unknown.status_code == 400
    assert unknown.json()["message"] == "That side effect is not one we ask about."
    coming = client.post(URL, _body(coming_session), content_type="application/json")
    assert coming.json()["message"] == "You can give feedback once the session is finished."
    assert not SessionFeedback.objects.exists()


def test_another_patients_session_answers_404_and_staff_403(
    client, admin_user, finished_session, center
):
    other = UserFactory(email="other@example.org")
    PatientFactory(user=other, center=center)
    client.force_login(other)
    assert (
        client.post(URL, _body(finished_session), content_type="application/json").status_code
        == 404
    )
    client.force_login(admin_user)
    assert (
        client.post(URL, _body(finished_session), content_type="application/json").status_code
        == 403
    )
    assert not SessionFeedback.objects.exists()


def test_without_credentials_it_answers_401(client, finished_session):
    assert (
        client.post(URL, _body(finished_session), content_type="application/json").status_code
        == 401
    )
