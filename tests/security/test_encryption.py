"""Sensitive free text is ciphertext in every table, and keys rotate while the portal runs."""

import base64
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from clinics.fields import encrypted_columns, stored_key_id
from clinics.management.commands.rotate_encryption_key import EncryptedColumn
from feedback.models import SessionFeedback
from notifications.models import Escalation, InboundMessage
from patients.models import CarePlan, ClinicalFlag, Patient
from sessions.models import Incident, SessionLog, SessionNote
from tests.factories import (
    CarePlanFactory,
    ClinicalFlagFactory,
    EscalationFactory,
    InboundMessageFactory,
    IncidentFactory,
    PatientFactory,
    SessionFeedbackFactory,
    SessionLogFactory,
    SessionNoteFactory,
)

OLD_KEY = "2025a:" + base64.b64encode(b"o" * 32).decode()
NEW_KEY = "2026b:" + base64.b64encode(b"n" * 32).decode()
# Every text written below carries this word, so that a plaintext leak anywhere is found.
MARKER = "Zorblax"

SENSITIVE_FIELDS = {
    "patients.Patient.comorbidities",
    "patients.Patient.allergies",
    "patients.Patient.current_medications",
    "patients.ClinicalFlag.reason",
    "patients.CarePlan.notes",
    "therapy_sessions.Incident.description",
    "therapy_sessions.Incident.action_taken",
    "therapy_sessions.Incident.resolution",
    "therapy_sessions.SessionLog.notes",
    "therapy_sessions.SessionNote.text",
    "feedback.SessionFeedback.comment",
    "notifications.InboundMessage.body",
    "notifications.Escalation.detail",
}


def _text(what: str) -> str:
    return f"{what} {MARKER}"


def _whole_record() -> dict:
    """One patient's record with every kind of sensitive free text, each saved twice (so that
    the history tables hold it as well)."""
    patient = PatientFactory(
        comorbidities=_text("Type 2 diabetes"),
        allergies=_text("Sesame oil"),
        current_medications=_text("Metformin 500 mg"),
    )
    flag = ClinicalFlagFactory(patient=patient, reason=_text("Nausea rose to 7"))
    plan = CarePlanFactory(patient=patient, notes=_text("Go gently on Virechana"))
    log = SessionLogFactory(session__patient=patient, notes=_text("Sweating at 20 minutes"))
    incident = IncidentFactory(
        session=log.session,
        description=_text("Dizzy on rising"),
        action_taken=_text("Rested with warm water"),
        resolution=_text("Recovered in ten minutes"),
    )
    note = SessionNoteFactory(session=log.session, text=_text("Asked for less oil"))
    feedback = SessionFeedbackFactory(session=log.session, comment=_text("Felt light after"))
    sms = InboundMessageFactory(patient=patient, body=_text("HELP feeling faint"))
    escalation = EscalationFactory(
        patient=patient, inbound_message=sms, detail=_text("Called back, resting")
    )
    for row in (patient, flag, plan, log, incident, note, feedback, sms, escalation):
        row.save()
    return {
        "patient": patient,
        "flag": flag,
        "plan": plan,
        "log": log,
        "incident": incident,
        "note": note,
        "feedback": feedback,
        "sms": sms,
        "escalation": escalation,
    }


def _raw_values(model, field) -> list[str]:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote(field.column)} FROM {quote(model._meta.db_table)}")
        return [value for (value,) in cursor.fetchall() if value]


def _reads_back(record: dict) -> None:
    patient = Patient.objects.get(pk=record["patient"].pk)
    assert patient.allergies == _text("Sesame oil")
    assert patient.current_medications == _text("Metformin 500 mg")
    assert ClinicalFlag.objects.get(pk=record["flag"].pk).reason == _text("Nausea rose to 7")
    assert CarePlan.objects.get(pk=record["plan"].pk).notes == _text("Go gently on Virechana")
    assert SessionLog.objects.get(pk=record["log"].pk).notes == _text("Sweating at 20 minutes")
    incident = Incident.objects.get(pk=record["incident"].pk)
    assert incident.action_taken == _text("Rested with warm water")
    assert SessionNote.objects.get(pk=record["note"].pk).text == _text("Asked for less oil")
    feedback = SessionFeedback.objects.get(pk=record["feedback"].pk)
    assert feedback.comment == _text("Felt light after")
    assert InboundMessage.objects.get(pk=record["sms"].pk).body == _text("HELP feeling faint")
    escalation = Escalation.objects.get(pk=record["escalation"].pk)
    assert escalation.detail == _text("Called back, resting")


@pytest.mark.django_db
def test_every_sensitive_free_text_is_an_encrypted_column():
    encrypted = {f"{model._meta.label}.{field.name}" for model, field in encrypted_columns()}

    assert encrypted >= SENSITIVE_FIELDS
    # Their history tables are encrypted alike.
    assert "patients.HistoricalPatient.allergies" in encrypted
    assert "therapy_sessions.HistoricalIncident.action_taken" in encrypted


@pytest.mark.django_db
def test_no_table_holds_the_sensitive_text_in_plaintext(settings):
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    record = _whole_record()

    checked = 0
    for model, field in encrypted_columns():
        for stored in _raw_values(model, field):
            assert MARKER not in stored, f"{model._meta.label}.{field.name} holds plaintext"
            assert stored.startswith("enc:2026b:")
            checked += 1
    # 11 sensitive texts, each in its table and twice in the history table, and 2 without history.
    assert checked >= 35
    _reads_back(record)


@pytest.mark.django_db
def test_rotation_re_encrypts_in_batches_while_old_rows_still_read(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    record = _whole_record()
    second = PatientFactory(allergies=_text("Ghee"))
    # A row written before its column was encrypted: plaintext, to be encrypted by the rotation.
    legacy = PatientFactory()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE patients_patient SET allergies = %s WHERE id = %s",
            [_text("Peanuts"), legacy.pk],
        )
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    _reads_back(record)

    # During: after the first batch of one column, new ciphertext lives beside old ciphertext
    # and the plaintext row (None: no key).
    model, field = next(
        (m, f)
        for m, f in encrypted_columns()
        if f"{m._meta.label}.{f.name}" == "patients.Patient.allergies"
    )
    batches = EncryptedColumn(model, field, "2026b").reencrypt_batches(batch_size=1)
    assert next(batches) == 1
    assert {stored_key_id(value) for value in _raw_values(model, field)} == {"2025a", "2026b", None}
    _reads_back(record)
    assert Patient.objects.get(pk=second.pk).allergies == _text("Ghee")
    assert Patient.objects.get(pk=legacy.pk).allergies == _text("Peanuts")

    out = StringIO()
    call_command("rotate_encryption_key", batch_size=2, stdout=out)

    report = out.getvalue()
    assert "therapy_sessions.Incident.action_taken: 1/1" in report
    assert "patients.Patient.allergies: 2/2" in report
    assert "patients.HistoricalPatient.allergies: 2/3\n" in report
    assert "patients.HistoricalPatient.allergies: 3/3\n" in report
    assert "Re-encrypted" in report
    for model, field in encrypted_columns():
        for stored in _raw_values(model, field):
            assert stored.startswith("enc:2026b:"), f"{model._meta.label}.{field.name}"
    # After: the old key can go, and everything still reads.
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    _reads_back(record)
    assert Patient.objects.get(pk=legacy.pk).allergies == _text("Peanuts")

    again = StringIO()
    call_command("rotate_encryption_key", dry_run=True, stdout=again)
    assert "0 rows would be re-encrypted." in again.getvalue()


@pytest.mark.django_db
def test_a_dry_run_counts_and_changes_nothing(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    record = _whole_record()
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    before = _raw_values(Incident, Incident._meta.get_field("description"))

    out = StringIO()
    call_command("rotate_encryption_key", dry_run=True, stdout=out)

    assert "therapy_sessions.Incident.description: 1 rows to re-encrypt" in out.getvalue()
    assert _raw_values(Incident, Incident._meta.get_field("description")) == before
    _reads_back(record)


@pytest.mark.django_db
def test_a_row_under_a_key_no_longer_configured_stops_the_rotation_naming_it(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    ClinicalFlagFactory(reason=_text("Nausea rose to 7"))
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]

    with pytest.raises(CommandError, match="'2025a'"):
        call_command("rotate_encryption_key", stdout=StringIO())


@pytest.mark.django_db
def test_a_bad_batch_size_is_refused():
    with pytest.raises(CommandError, match="at least 1"):
        call_command("rotate_encryption_key", batch_size=0, stdout=StringIO())
