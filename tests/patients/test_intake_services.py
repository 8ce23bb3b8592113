"""Intake writes: the dosha profile kept on the patient, consents with their time and version."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from patients.dosha import QUESTION_KEYS
from patients.models import Consent
from patients.services import consents_record, patient_dosha_record

pytestmark = pytest.mark.django_db

AT = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)
LATER = AT + datetime.timedelta(days=40)


def test_the_questionnaire_keeps_the_patients_profile_and_scores(patient):
    # 7 Pitta, 4 Kapha, 1 Vata: Pitta leads Kapha by three answers of twelve.
    answers = dict(zip(QUESTION_KEYS, ["pitta"] * 7 + ["kapha"] * 4 + ["vata"], strict=True))

    patient_dosha_record(patient=patient, answers=answers)

    patient.refresh_from_db()
    assert patient.dosha == "pitta"
    assert patient.dosha_scores == {"vata": 1, "pitta": 7, "kapha": 4}
    assert patient.get_dosha_display() == "Pitta"


def test_an_unfinished_questionnaire_is_refused_and_keeps_the_old_profile(patient):
    patient.dosha, patient.dosha_scores = "kapha", {"vata": 1, "pitta": 1, "kapha": 10}
    patient.save()
    answers = dict(zip(QUESTION_KEYS[:5], ["vata"] * 5, strict=True))

    with pytest.raises(ValidationError, match="answer every question"):
        patient_dosha_record(patient=patient, answers=answers)

    patient.refresh_from_db()
    assert patient.dosha == "kapha"
    assert patient.dosha_scores == {"vata": 1, "pitta": 1, "kapha": 10}


def test_each_consent_is_recorded_with_its_time_version_and_signer(patient):
    consents_record(
        patient=patient,
        given={"treatment", "data_processing", "sms_messages"},
        document_version="2026-01",
        signed_by="Asha Menon",
        at=AT,
    )

    rows = Consent.objects.filter(patient=patient).order_by("kind")
    assert [(c.kind, c.document_version, c.granted_at, c.signed_by) for c in rows] == [
        ("data_processing", "2026-01", AT, "Asha Menon"),
        ("sms_messages", "2026-01", AT, "Asha Menon"),
        ("treatment", "2026-01", AT, "Asha Menon"),
    ]
    assert all(c.is_active for c in rows)


def test_saving_the_same_consents_again_keeps_the_first_time(patient):
    given = {"treatment", "data_processing"}
    consents_record(patient=patient, given=given, document_version="2026-01", signed_by="A", at=AT)

    consents_record(
        patient=patient, given=given, document_version="2026-01", signed_by="A", at=LATER
    )

    assert set(Consent.objects.filter(patient=patient).values_list("kind", "granted_at")) == {
        ("treatment", AT),
        ("data_processing", AT),
    }


def test_a_consent_left_out_is_withdrawn_and_its_row_kept(patient):
    consents_record(
        patient=patient,
        given={"treatment", "sms_messages"},
        document_version="2026-01",
        signed_by="A",
        at=AT,
    )

    in_force = consents_record(
        patient=patient, given={"treatment"}, document_version="2026-01", signed_by="A", at=LATER
    )

    assert [c.kind for c in in_force] == ["treatment"]
    sms = Consent.objects.get(patient=patient, kind="sms_messages")
    assert sms.withdrawn_at == LATER
    assert sms.granted_at == AT


def test_a_new_document_version_is_agreed_to_again(patient):
    consents_record(
        patient=patient, given={"treatment"}, document_version="2026-01", signed_by="A", at=AT
    )

    consents_record(
        patient=patient, given={"treatment"}, document_version="2026-06", signed_by="A", at=LATER
    )

    rows = Consent.objects.filter(patient=patient, kind="treatment").order_by("granted_at")
    assert [(c.document_version, c.granted_at, c.withdrawn_at) for c in rows] == [
        ("2026-01", AT, LATER),
        ("2026-06", LATER, None),
    ]


def test_an_unknown_consent_is_refused_and_changes_nothing(patient):
    consents_record(
        patient=patient, given={"treatment"}, document_version="2026-01", signed_by="A", at=AT
    )

    with pytest.raises(ValidationError, match="Unknown consent: horoscope"):
        consents_record(
            patient=patient,
            given={"horoscope"},
            document_version="2026-01",
            signed_by="A",
            at=LATER,
        )

    treatment = Consent.objects.get(patient=patient)
    assert (treatment.kind, treatment.withdrawn_at) == ("treatment", None)
