"""The patient's MYMOP page at /portal/mymop/: answering, refusals, who may, Home's link."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback.models import MymopAnswer
from feedback.services import mymop_record
from patients.models import CarePlan
from sessions.models import SessionStatus
from tests.factories import CarePlanFactory, TherapySessionFactory, local_today_at

pytestmark = pytest.mark.django_db

URL = "/portal/mymop/"
FIRST = {
    "symptom_1_name": "Back pain",
    "symptom_2_name": "Poor sleep",
    "activity_name": "Walking",
    "symptom_1": "4",
    "symptom_2": "3",
    "activity": "5",
    "wellbeing": "2",
}


def test_the_url_is_the_portals():
    assert reverse("portal_mymop") == URL


def test_home_links_to_mymop_at_intake_and_the_answer_is_saved(client, patient_user):
    client.force_login(patient_user)
    home = client.get(reverse("portal_home")).content.decode()
    assert 'href="/portal/mymop/"' in home
    page = client.get(URL).content.decode()
    assert "Which symptom bothers you most?" in page
    assert "0 as good as it could be" in page and "6 as bad as it could be" in page

    response = client.post(URL, FIRST)

    assert response.status_code == 302 and response["Location"] == reverse("portal_home")
    answer = MymopAnswer.objects.get()
    assert (answer.kind, answer.profile) == ("intake", Decimal("3.50"))
    assert answer.patient == patient_user.patient_profile
    home = client.get(reverse("portal_home")).content.decode()
    assert "Thank you: your answers are saved." in home
    assert 'href="/portal/mymop/"' not in home  # nothing more is due


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"symptom_1": "7"}, "Choose a score from 0 (as good as it could be) to 6"),
        ({"wellbeing": "-1"}, "Choose a score from 0 (as good as it could be) to 6"),
        ({"wellbeing": ""}, "Choose a score from 0 (as good as it could be) to 6"),
        ({"activity": "2.5"}, "Choose a score from 0 (as good as it could be) to 6"),
        ({"symptom_1_name": ""}, "Name the symptom that bothers you most."),
        ({"symptom_2_name": "", "symptom_2": "3"}, "Name the second symptom"),
    ],
)
def test_bad_answers_are_refused_in_words_and_nothing_is_saved(client, patient_user, change, words):
    client.force_login(patient_user)

    response = client.post(URL, {**FIRST, **change})

    assert response.status_code == 400
    assert words in response.content.decode()
    assert not MymopAnswer.objects.exists()


def test_later_forms_ask_about_the_first_answers_symptoms_by_name(client, patient_user, patient):
    mymop_record(
        patient=patient,
        kind="intake",
        symptom_1_name="Back pain",
        symptom_1=4,
        wellbeing=3,
        now=timezone.now() - timedelta(days=30),
    )
    client.force_login(patient_user)

    page = client.get(URL).content.decode()

    # No plan is under way, so nothing is due: no form, and a POST saves nothing.
    assert "No MYMOP questions are due now" in page
    assert client.post(URL, {"symptom_1": "2", "wellbeing": "2"}).status_code == 400
    assert MymopAnswer.objects.count() == 1


def test_staff_may_not_answer_for_a_patient(client, practitioner_user):
    client.force_login(practitioner_user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, FIRST).status_code == 403
    assert not MymopAnswer.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_page_reads_in_hindi(client, patient_user):
    client.force_login(patient_user)
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="hi").content.decode()
    assert "कौन-सा लक्षण" in page


def test_the_weekly_form_asks_about_the_named_symptoms_and_is_saved_on_the_plan(
    client, patient_user, patient, center, practitioner
):
    now = timezone.now()
    mymop_record(
        patient=patient,
        kind="intake",
        symptom_1_name="Back pain",
        activity_name="Walking",
        symptom_1=4,
        activity=5,
        wellbeing=3,
        now=now - timedelta(days=10),
    )
    plan = CarePlanFactory(
        patient=patient,
        status=CarePlan.Status.SCHEDULED,
        start_date=now.astimezone(center.tzinfo).date() - timedelta(days=3),
    )
    for day, status in ((-2, SessionStatus.COMPLETED), (2, SessionStatus.SCHEDULED)):
        TherapySessionFactory(
            center=center,
            patient=patient,
            practitioner=practitioner,
            care_plan=plan,
            starts_at=local_today_at(center, 9, days=day),
            status=status,
        )
    client.force_login(patient_user)
    assert "Your weekly check" in client.get(reverse("portal_home")).content.decode()

    page = client.get(URL).content.decode()

    assert "Back pain: how bad has it been this last week?" in page
    assert "Walking: how bad has it been this last week?" in page
    assert "Which symptom bothers you most?" not in page
    assert 'name="symptom_2"' not in page  # no second symptom was named
    response = client.post(URL, {"symptom_1": "2", "activity": "3", "wellbeing": "1"})
    assert response.status_code == 302
    weekly = MymopAnswer.objects.get(kind="weekly")
    # (2 + 3 + 1) / 3 = 2.00
    assert (weekly.care_plan, weekly.profile, weekly.symptom_1_name) == (
        plan,
        Decimal("2.00"),
        "Back pain",
    )
