"""Staff reads of a patient's record are logged; the admin shows a patient's whole trail;
a patient downloads their record; records past retention are anonymised; all of it audited."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import PatientRecordEvent
from audit.records import patients_past_retention
from clinics.choices import Role
from patients.models import Patient
from tests.factories import (
    CarePlanFactory,
    ClinicalFlagFactory,
    IncidentFactory,
    MembershipFactory,
    PatientFactory,
    SessionNoteFactory,
    TherapySessionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(center, patient, practitioner):
    return TherapySessionFactory(center=center, patient=patient, practitioner=practitioner)


def _events(patient, kind="read"):
    return list(PatientRecordEvent.objects.filter(patient=patient, kind=kind))


# --- Reads --------------------------------------------------------------------------------


def test_a_practitioner_opening_the_runner_is_logged_with_who_what_and_when(
    client, practitioner_user, patient, session
):
    client.force_login(practitioner_user)
    before = timezone.now()

    assert client.get(reverse("session_runner", args=[session.pk])).status_code == 200

    [event] = _events(patient)
    assert event.actor == practitioner_user
    assert event.actor_email == practitioner_user.email
    assert event.what == f"Session runner: session {session.pk}"
    assert before <= event.at <= timezone.now()


def test_refreshing_the_runner_sections_is_not_a_new_read(
    client, practitioner_user, patient, session
):
    client.force_login(practitioner_user)

    client.get(reverse("session_runner", args=[session.pk]), headers={"HX-Request": "true"})

    assert _events(patient) == []


def test_the_admin_opening_a_care_plan_and_the_calendar_is_logged(
    client, admin_user, patient, session
):
    plan = CarePlanFactory(patient=patient)
    client.force_login(admin_user)

    assert client.get(reverse("care_plan_detail", args=[plan.pk])).status_code == 200
    assert client.get(reverse("console_calendar_session", args=[session.pk])).status_code == 200

    assert sorted(event.what for event in _events(patient)) == [
        f"Calendar: session {session.pk}",
        f"Care plan {plan.pk}",
    ]


def test_a_refused_read_logs_nothing(client, outsider, patient, session):
    client.force_login(outsider)

    assert client.get(reverse("session_runner", args=[session.pk])).status_code in (403, 404)

    assert PatientRecordEvent.objects.count() == 0


# --- The admin's audit trail --------------------------------------------------------------


def test_the_admin_shows_one_patients_whole_trail(client, superuser, patient, session, admin_user):
    patient.allergies = "Sesame oil"
    patient.save()
    ClinicalFlagFactory(patient=patient, reason="Nausea rose to 7")
    SessionNoteFactory(session=session, text="Asked for less oil")
    client.force_login(admin_user)
    client.get(reverse("console_calendar_session", args=[session.pk]))
    other = PatientFactory(center=patient.center)
    other.save()
    client.force_login(superuser)

    response = client.get(reverse("admin:audit_patient_trail", args=[patient.pk]))

    assert response.status_code == 200
    rows = [
        (entry.action, entry.what, entry.who, entry.changed)
        for entry in response.context["entries"]
    ]
    assert ("changed", f"patient #{patient.pk}", "", ["allergies"]) in rows
    assert ("created", f"patient #{patient.pk}", "", []) in rows
    assert any(
        action == "created" and what.startswith("clinical flag #") for action, what, *_ in rows
    )
    assert any(
        action == "created" and what.startswith("session note #") for action, what, *_ in rows
    )
    assert ("Read", f"Calendar: session {session.pk}", admin_user.email, []) in rows
    assert all(f"#{other.pk}" not in what or "patient" not in what for _, what, *_ in rows)
    page = response.content.decode()
    assert admin_user.email in page
    assert "allergies" in page
    # Reading the trail is itself a read of the record.
    assert _events(patient)[0].what == "Admin: audit trail"


def test_the_trail_is_for_staff_of_the_admin_only(client, admin_user, patient):
    client.force_login(admin_user)

    response = client.get(reverse("admin:audit_patient_trail", args=[patient.pk]))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_the_patient_admin_links_to_the_trail(client, superuser, patient):
    client.force_login(superuser)

    page = client.get(reverse("admin:patients_patient_change", args=[patient.pk])).content.decode()

    assert reverse("admin:audit_patient_trail", args=[patient.pk]) in page


# --- Export -------------------------------------------------------------------------------


def test_a_patient_downloads_their_whole_record_as_json(client, patient_user, patient, session):
    patient.allergies = "Sesame oil"
    patient.save()
    IncidentFactory(session=session, description="Dizzy on rising")
    SessionNoteFactory(session=session, text="Asked for less oil")
    client.force_login(patient_user)

    account = client.get(reverse("account")).content.decode()
    assert reverse("patient_record_export") in account
    response = client.get(reverse("patient_record_export"))

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="health-record-{patient.mrn}.json"'
    )
    record = json.loads(response.content)
    [me] = record["records"]["patients.Patient"]
    assert me["id"] == patient.pk
    assert me["allergies"] == "Sesame oil"
    assert [s["id"] for s in record["records"]["therapy_sessions.TherapySession"]] == [session.pk]
    assert record["records"]["therapy_sessions.Incident"][0]["description"] == "Dizzy on rising"
    assert record["records"]["therapy_sessions.SessionNote"][0]["text"] == "Asked for less oil"
    [export] = _events(patient, kind="export")
    assert export.actor == patient_user


def test_the_export_holds_nothing_of_another_patient(client, patient_user, patient, center):
    other = PatientFactory(center=center, allergies="Peanuts")
    ClinicalFlagFactory(patient=other, reason="Fainted")
    client.force_login(patient_user)

    body = client.get(reverse("patient_record_export")).content.decode()

    assert "Peanuts" not in body
    assert "Fainted" not in body
    assert other.mrn not in body


def test_staff_cannot_download_a_record_from_the_patients_page(client, admin_user):
    client.force_login(admin_user)

    response = client.get(reverse("patient_record_export"))

    assert response.status_code == 403
    assert "Only patients" in response.content.decode()


# --- Retention and anonymisation ------------------------------------------------------------


def _make_old(patient, *, years: int) -> None:
    """Registered, and last seen, `years` ago."""
    long_ago = timezone.now() - datetime.timedelta(days=365 * years)
    Patient.objects.filter(pk=patient.pk).update(created_at=long_ago)
    for session in patient.sessions.all():
        type(session).objects.filter(pk=session.pk).update(
            starts_at=long_ago, ends_at=long_ago + datetime.timedelta(hours=1)
        )


def _raw_row(table: str, pk: int, *columns: str) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()


def test_the_retention_command_anonymises_old_records_and_keeps_recent_ones(
    settings, patient_user, patient, session, center
):
    settings.PATIENT_RECORD_RETENTION_DAYS = 365 * 8
    patient.allergies = "Sesame oil"
    patient.save()
    note = SessionNoteFactory(session=session, text="Asked for less oil")
    incident = IncidentFactory(session=session, description="Dizzy", action_taken="Rested")
    _make_old(patient, years=9)
    recent = PatientFactory(center=center, last_name="Recentlyseen")
    assert list(patients_past_retention()) == [patient]

    out = StringIO()
    call_command("anonymise_expired_records", stdout=out)

    assert f"anonymised patient {patient.pk}" in out.getvalue()
    patient.refresh_from_db()
    assert patient.first_name == "Anonymised"
    assert patient.last_name == ""
    assert patient.mrn == f"ANON-{patient.pk}"
    assert patient.email == ""
    assert str(patient.phone) == ""
    assert patient.allergies == ""
    assert patient.date_of_birth is None
    assert patient.user is None
    # Nor does the history keep the name or the answers.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT first_name, last_name, allergies, email FROM patients_historicalpatient "
            "WHERE id = %s",
            [patient.pk],
        )
        history = cursor.fetchall()
    assert history
    assert all(row == ("Anonymised", "", "", "") for row in history)
    assert _raw_row("therapy_sessions_sessionnote", note.pk, "text") == ("",)
    assert _raw_row("therapy_sessions_incident", incident.pk, "description", "action_taken") == (
        "",
        "",
    )
    # The login is closed: no password, no address.
    patient_user.refresh_from_db()
    assert not patient_user.is_active
    assert not patient_user.has_usable_password()
    assert patient_user.email != "patient@example.org"
    # The sessions themselves stay, for the clinic's figures.
    assert patient.sessions.count() == 1
    [erasure] = _events(patient, kind="erasure")
    assert erasure.actor is None
    recent.refresh_from_db()
    assert recent.last_name == "Recentlyseen"
    # Run again: nothing left to do.
    again = StringIO()
    call_command("anonymise_expired_records", stdout=again)
    assert "0 records past the retention period" in again.getvalue()


def test_the_admin_action_refuses_a_record_still_kept_and_anonymises_an_old_one(
    client, settings, superuser, center, patient
):
    settings.PATIENT_RECORD_RETENTION_DAYS = 365
    old = PatientFactory(center=center, last_name="Oldpatient")
    _make_old(old, years=2)
    client.force_login(superuser)

    response = client.post(
        reverse("admin:patients_patient_changelist"),
        {"action": "anonymise_past_retention", "_selected_action": [patient.pk, old.pk]},
        follow=True,
    )

    page = response.content.decode()
    assert "must be kept until" in page
    assert "1 patient anonymised." in page
    patient.refresh_from_db()
    old.refresh_from_db()
    assert patient.first_name == "Meera"
    assert old.last_name == ""
    [erasure] = _events(old, kind="erasure")
    assert erasure.actor == superuser
    assert _events(patient, kind="erasure") == []


def test_a_recent_session_keeps_an_old_registration(settings, center, patient, session):
    settings.PATIENT_RECORD_RETENTION_DAYS = 365
    Patient.objects.filter(pk=patient.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=3650)
    )

    assert list(patients_past_retention()) == []


def test_staff_in_another_role_cannot_use_the_action_without_admin_rights(client, center):
    from tests.factories import UserFactory

    director = UserFactory(is_staff=True)
    MembershipFactory(user=director, center=center, role=Role.MEDICAL_DIRECTOR)
    client.force_login(director)

    response = client.get(reverse("admin:patients_patient_changelist"))

    assert response.status_code == 403


def test_the_download_reads_in_hindi(client, patient_user):
    client.force_login(patient_user)
    client.post(reverse("set_language"), {"language": "hi", "next": reverse("account")})

    page = client.get(reverse("account")).content.decode()

    assert "आपका स्वास्थ्य रिकॉर्ड" in page
    assert "मेरा रिकॉर्ड डाउनलोड करें" in page
    translation.activate("en")


def test_staff_reading_progress_through_the_api_is_logged_and_the_patient_is_not(
    client, admin_user, patient_user, patient
):
    client.force_login(admin_user)
    assert client.get(reverse("api_progress", args=[patient.pk])).status_code == 200
    client.force_login(patient_user)
    assert client.get(reverse("api_progress", args=[patient.pk])).status_code == 200

    [event] = _events(patient)
    assert (event.actor, event.what) == (admin_user, "API: progress")
