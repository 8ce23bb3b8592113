"""The patient's intake pages: each step saves on its own, bad input changes nothing."""

import pytest
from django.urls import reverse

from patients.dosha import QUESTION_KEYS
from patients.models import Consent
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

# Overview: session, user, patient, consents in force (+ savepoints); the same for 0 or 5 consents.
INTAKE_QUERIES = 6


def _all_answers(dosha_list):
    return dict(zip(QUESTION_KEYS, dosha_list, strict=True))


def test_home_links_to_the_intake(client, patient_user, patient):
    client.force_login(patient_user)

    page = client.get(reverse("portal_home")).content.decode()

    assert reverse("patient_intake") == "/portal/intake/"
    assert 'href="/portal/intake/"' in page


def test_a_new_patient_sees_four_steps_to_do(client, patient_user, patient):
    client.force_login(patient_user)

    page = client.get("/portal/intake/").content.decode()

    assert "0 of 4 steps done" in page
    assert page.count("To do") == 4
    assert "Done<" not in page


def test_the_questionnaire_shows_every_question_as_a_radio_group(client, patient_user, patient):
    client.force_login(patient_user)

    page = client.get("/portal/intake/dosha/").content.decode()

    assert page.count("<fieldset") == 12
    assert page.count('type="radio"') == 36
    assert "Your body frame" in page


def test_answering_the_questionnaire_keeps_the_profile_and_marks_the_step_done(
    client, patient_user, patient
):
    client.force_login(patient_user)
    # 8 Vata, 2 Pitta, 2 Kapha: Vata leads by six of twelve.
    answers = _all_answers(["vata"] * 8 + ["pitta"] * 2 + ["kapha"] * 2)

    response = client.post("/portal/intake/dosha/", answers, follow=True)

    assert response.redirect_chain == [("/portal/intake/", 302)]
    page = response.content.decode()
    assert "Your constitution: Vata." in page
    assert "1 of 4 steps done" in page
    patient.refresh_from_db()
    assert patient.dosha == "vata"
    assert patient.dosha_scores == {"vata": 8, "pitta": 2, "kapha": 2}


def test_an_unanswered_question_is_named_and_nothing_is_saved(client, patient_user, patient):
    patient.dosha, patient.dosha_scores = "kapha", {"vata": 0, "pitta": 2, "kapha": 10}
    patient.save()
    client.force_login(patient_user)
    answers = _all_answers(["pitta"] * 12)
    del answers["sleep"]

    response = client.post("/portal/intake/dosha/", answers)

    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert page.count("Please choose the answer closest to you.") == 1
    # The answers given stay ticked so the patient only fills in the one missing.
    assert page.count("checked") == 11
    patient.refresh_from_db()
    assert patient.dosha == "kapha"
    assert patient.dosha_scores == {"vata": 0, "pitta": 2, "kapha": 10}


def test_an_answer_that_is_not_offered_is_refused(client, patient_user, patient):
    client.force_login(patient_user)
    answers = _all_answers(["pitta"] * 12)
    answers["frame"] = "earth"

    response = client.post("/portal/intake/dosha/", answers)

    assert response.status_code == 400
    patient.refresh_from_db()
    assert patient.dosha == ""


def test_health_answers_are_saved_and_shown_again(client, patient_user, patient):
    client.force_login(patient_user)

    response = client.post(
        "/portal/intake/health/",
        {
            "comorbidities": "Type 2 diabetes",
            "allergies": "  Sesame oil ",
            "current_medications": "Metformin 500 mg twice a day",
        },
        follow=True,
    )

    assert "Your health answers are saved." in response.content.decode()
    assert "1 of 4 steps done" in response.content.decode()
    patient.refresh_from_db()
    assert (patient.comorbidities, patient.allergies, patient.current_medications) == (
        "Type 2 diabetes",
        "Sesame oil",
        "Metformin 500 mg twice a day",
    )
    assert patient.health_recorded_at is not None
    assert "Metformin 500 mg twice a day" in client.get("/portal/intake/health/").content.decode()


def test_empty_health_answers_count_as_none_and_the_step_is_done(client, patient_user, patient):
    client.force_login(patient_user)

    client.post(
        "/portal/intake/health/", {"comorbidities": "", "allergies": "", "current_medications": ""}
    )

    patient.refresh_from_db()
    assert patient.health_recorded_at is not None
    assert "1 of 4 steps done" in client.get("/portal/intake/").content.decode()


def test_a_too_long_health_answer_is_refused_and_keeps_the_old_answers(
    client, patient_user, patient
):
    patient.allergies = "Peanuts"
    patient.save()
    client.force_login(patient_user)

    response = client.post(
        "/portal/intake/health/",
        {"comorbidities": "x" * 2001, "allergies": "None", "current_medications": ""},
    )

    assert response.status_code == 400
    assert "Nothing was saved" in response.content.decode()
    patient.refresh_from_db()
    assert patient.allergies == "Peanuts"
    assert patient.health_recorded_at is None


def test_consents_are_recorded_with_version_and_signer(client, patient_user, patient):
    client.force_login(patient_user)

    response = client.post(
        "/portal/intake/consents/",
        {
            "treatment": "on",
            "data_processing": "on",
            "sms_messages": "on",
            "signed_by": "Meera Iyer",
        },
        follow=True,
    )

    assert "Your consents are saved." in response.content.decode()
    assert "1 of 4 steps done" in response.content.decode()
    rows = Consent.objects.filter(patient=patient, withdrawn_at__isnull=True).order_by("kind")
    assert [(c.kind, c.document_version, c.signed_by) for c in rows] == [
        ("data_processing", "2026.1", "Meera Iyer"),
        ("sms_messages", "2026.1", "Meera Iyer"),
        ("treatment", "2026.1", "Meera Iyer"),
    ]
    # The form opens again with what is in force ticked.
    page = client.get("/portal/intake/consents/").content.decode()
    assert page.count("checked") == 3


def test_unticking_a_consent_withdraws_it(client, patient_user, patient):
    client.force_login(patient_user)
    post = {"treatment": "on", "data_processing": "on", "sms_messages": "on", "signed_by": "M I"}
    client.post("/portal/intake/consents/", post)
    del post["sms_messages"]

    client.post("/portal/intake/consents/", post)

    sms = Consent.objects.get(patient=patient, kind="sms_messages")
    assert sms.withdrawn_at is not None


def test_consents_without_treatment_leave_the_step_to_do(client, patient_user, patient):
    client.force_login(patient_user)

    client.post("/portal/intake/consents/", {"email_messages": "on", "signed_by": "Meera Iyer"})

    assert "0 of 4 steps done" in client.get("/portal/intake/").content.decode()


def test_consents_without_a_signature_are_refused_and_nothing_changes(
    client, patient_user, patient
):
    client.force_login(patient_user)

    response = client.post("/portal/intake/consents/", {"treatment": "on", "signed_by": "  "})

    assert response.status_code == 400
    assert "Please type your name to sign." in response.content.decode()
    assert not Consent.objects.filter(patient=patient).exists()


def test_all_four_steps_done_thanks_the_patient(client, patient_user, patient):
    client.force_login(patient_user)
    client.post("/portal/intake/dosha/", _all_answers(["kapha"] * 12))
    client.post("/portal/intake/health/", {"allergies": "None known"})
    client.post(
        "/portal/intake/consents/",
        {"treatment": "on", "data_processing": "on", "signed_by": "Meera Iyer"},
    )
    client.post(
        "/portal/intake/preferences/",
        {
            "practitioner": "any",
            "language": "en",
            "in_app": "on",
            "quiet_hours_start": "21:00",
            "quiet_hours_end": "07:00",
        },
    )

    page = client.get("/portal/intake/").content.decode()

    assert "4 of 4 steps done" in page
    assert "Your profile: Kapha" in page
    assert "your clinic has everything it needs" in page


@pytest.mark.parametrize("url", ["/portal/intake/", "/portal/intake/dosha/"])
def test_staff_without_a_patient_record_are_refused(client, admin_user, url):
    client.force_login(admin_user)

    assert client.get(url).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/portal/intake/health/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_patient_writes_only_their_own_intake(client, patient_user, patient, center):
    other = PatientFactory(center=center, first_name="Ravi")
    client.force_login(patient_user)

    client.post("/portal/intake/dosha/", _all_answers(["pitta"] * 12))

    other.refresh_from_db()
    patient.refresh_from_db()
    assert other.dosha == "" and patient.dosha == "pitta"


@pytest.mark.parametrize("consents", [0, 5])
def test_the_overview_costs_a_fixed_number_of_queries(
    client, patient_user, patient, consents, django_assert_max_num_queries
):
    kinds = list(Consent.Kind.values)[:consents]
    if kinds:
        client.force_login(patient_user)
        client.post("/portal/intake/consents/", {**dict.fromkeys(kinds, "on"), "signed_by": "M"})
    client.force_login(patient_user)

    with django_assert_max_num_queries(INTAKE_QUERIES):
        response = client.get("/portal/intake/")

    assert response.status_code == 200


def test_the_intake_reads_in_hindi(client, patient_user, patient):
    client.force_login(patient_user)

    page = client.get("/portal/intake/", headers={"accept-language": "hi"}).content.decode()

    assert "उपचार से पहले" in page
    assert "4 में से 0 चरण पूरे" in page
