"""Writes of the audit log: a staff read of a patient's record, an export, an erasure."""

from audit.models import PatientRecordEvent, RecordEventKind


def patient_record_event_log(
    *, patient_id: int, kind: str, user=None, what: str
) -> PatientRecordEvent:
    """Append one event to the patient's audit log (`user` None for a scheduled job)."""
    signed_in = user is not None and user.is_authenticated
    return PatientRecordEvent.objects.create(
        patient_id=patient_id,
        kind=kind,
        actor=user if signed_in else None,
        actor_email=user.email if signed_in else "",
        what=what[:200],
    )


def patient_record_read_log(*, user, patient, what: str) -> None:
    """Log that someone other than the patient opened a page showing the patient's record.

    A patient reading their own record is not logged: the log is of who else looked.
    """
    if not user.is_authenticated or patient.user_id == user.pk:
        return
    patient_record_event_log(patient_id=patient.pk, kind=RecordEventKind.READ, user=user, what=what)
