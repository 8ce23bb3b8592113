"""The discharge summary: signed by a clinician, printed as a PDF in the patient's language."""

import shutil
import subprocess
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback.choices import Symptom
from patients.models import DischargeSummary
from sessions.models import SessionStatus
from tests.factories import (
    CarePlanFactory,
    SessionFeedbackFactory,
    SymptomScoreFactory,
    TherapySessionFactory,
)

pytestmark = pytest.mark.django_db

AFTERCARE = "Warm, light meals for three days; no cold drinks. Call us if dizzy."


def plan_with_sessions(patient, practitioner, count: int, reliefs=(4, 7)):
    plan = CarePlanFactory(patient=patient, start_date=timezone.now().date() - timedelta(days=9))
    for day in range(count):
        session = TherapySessionFactory(
            center=patient.center,
            patient=patient,
            practitioner=practitioner,
            care_plan=plan,
            starts_at=timezone.now() - timedelta(days=count - day),
            status=SessionStatus.COMPLETED,
        )
        if day < len(reliefs):
            feedback = SessionFeedbackFactory(session=session, symptom_relief=reliefs[day])
            SymptomScoreFactory(feedback=feedback, symptom=Symptom.NAUSEA, score=min(2 + day, 10))
    return plan


def page_url(plan):
    return reverse("console_care_plan_discharge", args=[plan.pk])


def pdf_text(content: bytes, tmp_path) -> str:
    pdf = tmp_path / "summary.pdf"
    pdf.write_bytes(content)
    return subprocess.run(
        [shutil.which("pdftotext") or "pdftotext", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_a_practitioner_signs_the_summary_with_the_after_care(
    client, practitioner_user, practitioner, patient
):
    plan = plan_with_sessions(patient, practitioner, 3)
    client.force_login(practitioner_user)

    page = client.get(page_url(plan)).content.decode()
    assert '3</span><span class="label">sessions done' in page
    assert "Nausea 3" in page  # the strongest nausea score of the plan
    assert "<svg" in page and "<circle" in page

    response = client.post(page_url(plan), {"aftercare": AFTERCARE}, follow=True)

    summary = DischargeSummary.objects.get(care_plan=plan)
    assert (summary.aftercare, summary.signed_by) == (AFTERCARE, practitioner_user)
    assert "Signed by" in response.content.decode()


def test_a_center_admin_may_read_but_not_sign(client, admin_user, practitioner, patient):
    plan = plan_with_sessions(patient, practitioner, 2)
    client.force_login(admin_user)
    assert client.get(page_url(plan)).status_code == 200

    response = client.post(page_url(plan), {"aftercare": AFTERCARE})

    assert response.status_code == 403
    assert "A practitioner or medical director" in response.content.decode()
    assert not DischargeSummary.objects.exists()


def test_signing_without_after_care_is_refused_in_words(
    client, practitioner_user, practitioner, patient
):
    plan = plan_with_sessions(patient, practitioner, 1)
    client.force_login(practitioner_user)

    response = client.post(page_url(plan), {"aftercare": "   "})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not DischargeSummary.objects.exists()


def test_another_centers_staff_see_nothing(client, outsider, practitioner, patient):
    plan = plan_with_sessions(patient, practitioner, 1)
    client.force_login(outsider)
    assert client.get(page_url(plan)).status_code == 404
    assert client.post(page_url(plan), {"aftercare": AFTERCARE}).status_code == 404
    pdf = reverse("console_care_plan_discharge_pdf", args=[plan.pk])
    assert client.get(pdf).status_code == 404


def test_the_pdf_is_in_the_patients_language_with_their_name(
    client, practitioner_user, practitioner, patient, tmp_path
):
    patient.language = "hi"
    patient.save()
    plan = plan_with_sessions(patient, practitioner, 2)
    client.force_login(practitioner_user)
    client.post(page_url(plan), {"aftercare": AFTERCARE})

    response = client.get(reverse("console_care_plan_discharge_pdf", args=[plan.pk]))

    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    assert patient.full_name in text
    # The Hindi heading, "डिस्चार्ज सारांश"; pdftotext splits its conjuncts, not "सारांश".
    assert "सारांश" in text
    assert "Discharge summary" not in text
    assert "Completed" not in text  # the sessions' statuses are in Hindi too
    assert "Warm, light meals" in text


def test_an_unsigned_pdf_says_it_is_a_draft(
    client, practitioner_user, practitioner, patient, tmp_path
):
    plan = plan_with_sessions(patient, practitioner, 1)
    client.force_login(practitioner_user)
    response = client.get(reverse("console_care_plan_discharge_pdf", args=[plan.pk]))
    text = pdf_text(response.content, tmp_path)
    assert "Discharge summary" in text
    assert "Draft: not signed yet" in text


def test_the_patient_downloads_their_summary_once_signed(
    client, patient_user, practitioner_user, practitioner, patient, tmp_path
):
    plan = plan_with_sessions(patient, practitioner, 2)
    own = reverse("portal_discharge_pdf", args=[plan.pk])
    client.force_login(patient_user)
    assert client.get(own).status_code == 404
    assert "Discharge summaries" not in client.get(reverse("portal_progress")).content.decode()

    DischargeSummary.objects.create(
        care_plan=plan, aftercare=AFTERCARE, signed_by=practitioner_user, signed_at=timezone.now()
    )

    assert own in client.get(reverse("portal_progress")).content.decode()
    text = pdf_text(client.get(own).content, tmp_path)
    assert patient.full_name in text and "Warm, light meals" in text


def test_another_patient_cannot_download_it(
    client, outsider, practitioner_user, practitioner, patient
):
    from tests.factories import PatientFactory, UserFactory

    plan = plan_with_sessions(patient, practitioner, 1)
    DischargeSummary.objects.create(
        care_plan=plan, aftercare=AFTERCARE, signed_by=practitioner_user, signed_at=timezone.now()
    )
    stranger = UserFactory(email="stranger@example.org")
    PatientFactory(user=stranger, center=patient.center)
    client.force_login(stranger)
    assert client.get(reverse("portal_discharge_pdf", args=[plan.pk])).status_code == 404


@pytest.mark.parametrize("sessions", [2, 20])
def test_the_page_costs_the_same_queries_however_long_the_plan(
    client, practitioner_user, practitioner, patient, django_assert_max_num_queries, sessions
):
    plan = plan_with_sessions(
        patient, practitioner, sessions, reliefs=[n % 11 for n in range(sessions)]
    )
    client.force_login(practitioner_user)
    with django_assert_max_num_queries(16):
        response = client.get(page_url(plan))
    assert response.content.decode().count("<circle") == sessions
