"""A patient's whole record, found through the model graph: its export, audit trail and erasure.

The record is the patient row and every row that points at it, directly or through another
part (a session's notes, a feedback's scores), in the portal's own apps. Walking the graph,
rather than listing models, keeps a model added later by any app inside the export, the trail
and the anonymisation without touching this module, and keeps audit below the apps it reads.
"""

import datetime
import functools
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from phonenumber_field.modelfields import PhoneNumberField

from audit.models import PatientRecordEvent, RecordEventKind
from audit.services import patient_record_event_log
from patients.models import Patient

EXPORT_FORMAT = "panchakarma-portal-patient-record/1"
ANONYMISED_FIRST_NAME = "Anonymised"


def _is_portal_model(model) -> bool:
    app_path = str(apps.get_app_config(model._meta.app_label).path)
    return app_path.startswith(str(settings.BASE_DIR)) and ".venv" not in app_path


@functools.cache
def record_parts() -> tuple[tuple[type[models.Model], str], ...]:
    """(model, lookup to the patient's id) for every model holding part of a patient's record,
    breadth first from Patient ("id"), e.g. (SessionNote, "session__patient")."""
    parts = [(Patient, Patient._meta.pk.name)]
    seen = {Patient}
    queue = [(Patient, "")]
    while queue:
        parent, parent_lookup = queue.pop(0)
        for relation in parent._meta.related_objects:
            child = relation.related_model
            if relation.many_to_many or child in seen or not _is_portal_model(child):
                continue
            seen.add(child)
            lookup = relation.field.name + (f"__{parent_lookup}" if parent_lookup else "")
            parts.append((child, lookup))
            queue.append((child, lookup))
    return tuple(parts)


def _historical_model(model):
    manager_name = getattr(model._meta, "simple_history_manager_attribute", None)
    return getattr(model, manager_name).model if manager_name else None


# --- Export -----------------------------------------------------------------------------------


def patient_record_export(*, patient: Patient, user) -> dict:
    """The whole record as JSON-ready data (free text decrypted), the export itself logged."""
    with transaction.atomic():
        patient_record_event_log(
            patient_id=patient.pk,
            kind=RecordEventKind.EXPORT,
            user=user,
            what=_("Whole record as JSON"),
        )
        records = {}
        for model, lookup in record_parts():
            rows = model._default_manager.filter(**{lookup: patient.pk}).order_by("pk")
            records[model._meta.label] = [
                {"id": row["pk"], **row["fields"]} for row in serializers.serialize("python", rows)
            ]
    return {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now(),
        "patient_id": patient.pk,
        "records": records,
    }


# --- Audit trail ----------------------------------------------------------------------------


@dataclass
class TrailEntry:
    at: datetime.datetime
    who: str
    action: str
    what: str
    changed: list[str] = field(default_factory=list)


_HISTORY_ACTIONS = {
    "+": pgettext_lazy("audit trail", "created"),
    "~": pgettext_lazy("audit trail", "changed"),
    "-": pgettext_lazy("audit trail", "deleted"),
}


def _history_entries(model, lookup: str, patient_id: int) -> list[TrailEntry]:
    historical = _historical_model(model)
    if historical is None:
        return []
    rows = list(
        historical.objects.filter(**{lookup: patient_id})
        .select_related("history_user")
        .order_by(model._meta.pk.attname, "history_date", "history_id")
    )
    watched = [
        (f.attname, str(f.verbose_name))
        for f in model._meta.concrete_fields
        if not f.primary_key and not f.attname.startswith("history_")
    ]
    entries = []
    previous = None
    for row in rows:
        object_id = getattr(row, model._meta.pk.attname)
        same_object = (
            previous is not None and getattr(previous, model._meta.pk.attname) == object_id
        )
        changed = (
            [
                label
                for attname, label in watched
                if getattr(row, attname) != getattr(previous, attname)
            ]
            if same_object and row.history_type == "~"
            else []
        )
        entries.append(
            TrailEntry(
                at=row.history_date,
                who=row.history_user.email if row.history_user else "",
                action=_HISTORY_ACTIONS.get(row.history_type, row.history_type),
                what=f"{model._meta.verbose_name} #{object_id}",
                changed=changed,
            )
        )
        previous = row
    return entries


def patient_audit_trail(*, patient: Patient) -> list[TrailEntry]:
    """Every change to every part of the record (history) and every read, export and erasure,
    newest first."""
    entries = []
    for model, lookup in record_parts():
        entries.extend(_history_entries(model, lookup, patient.pk))
    for event in PatientRecordEvent.objects.filter(patient=patient):
        entries.append(
            TrailEntry(
                at=event.at, who=event.actor_email, action=event.get_kind_display(), what=event.what
            )
        )
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries


# --- Retention and anonymisation ------------------------------------------------------------


def retention_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    """Records whose last contact is before this may be anonymised."""
    return (now or timezone.now()) - datetime.timedelta(days=settings.PATIENT_RECORD_RETENTION_DAYS)


def _sessions_model():
    # Sessions live above audit; reached through the registry, never imported.
    return apps.get_model("therapy_sessions", "TherapySession")


def patient_last_contact(patient: Patient) -> datetime.datetime:
    """The patient's registration or the end of their latest session, whichever is later."""
    last_session = _sessions_model().objects.filter(patient=patient).aggregate(last=Max("ends_at"))
    return max(filter(None, [patient.created_at, last_session["last"]]))


def is_anonymised(patient: Patient) -> bool:
    return patient.record_events.filter(kind=RecordEventKind.ERASURE).exists()


def patients_past_retention(now: datetime.datetime | None = None):
    """Patients not yet anonymised whose last contact is older than the retention period."""
    cutoff = retention_cutoff(now)
    recent_session = _sessions_model().objects.filter(patient=OuterRef("pk"), ends_at__gte=cutoff)
    erased = PatientRecordEvent.objects.filter(patient=OuterRef("pk"), kind=RecordEventKind.ERASURE)
    return (
        Patient.objects.filter(created_at__lt=cutoff)
        .exclude(Exists(recent_session))
        .exclude(Exists(erased))
        .order_by("pk")
    )


def _free_text_blanks(model) -> dict:
    """The fields of a record part that may name or describe the person: free text, phones,
    emails. Measurements, scores and dates stay, so that outcomes can still be counted."""
    return {
        f.attname: ""
        for f in model._meta.concrete_fields
        if not f.choices
        and (isinstance(f, models.TextField | models.EmailField | PhoneNumberField))
    }


def _identity_blanks(patient_pk: int) -> dict:
    return {
        "first_name": ANONYMISED_FIRST_NAME,
        "last_name": "",
        "mrn": f"ANON-{patient_pk}",
        "date_of_birth": None,
        "dosha_scores": {},
        "preferred_windows": [],
        "emergency_contact_name": "",
        "is_active": False,
        **_free_text_blanks(Patient),
    }


def _scrub_login(user) -> None:
    user_model = get_user_model()
    user_model.objects.filter(pk=user.pk).update(
        email=f"anonymised-{user.pk}@invalid.example",
        first_name="",
        last_name="",
        phone="",
        is_active=False,
        password="!",  # unusable: no password verifies against it
    )
    if apps.is_installed("allauth.account"):
        apps.get_model("account", "EmailAddress").objects.filter(user_id=user.pk).delete()


def patient_anonymise(*, patient: Patient, user=None, now: datetime.datetime | None = None) -> None:
    """Blank what identifies the patient in the record and its history, keep the clinical
    figures, close the login, and log the erasure. Refused for a patient still within the
    retention period or already anonymised."""
    with transaction.atomic():
        patient = Patient.objects.select_for_update().get(pk=patient.pk)
        if is_anonymised(patient):
            raise ValidationError(_("This patient's record is already anonymised."))
        kept_until = patient_last_contact(patient) + datetime.timedelta(
            days=settings.PATIENT_RECORD_RETENTION_DAYS
        )
        if kept_until > (now or timezone.now()):
            raise ValidationError(
                _("The record must be kept until %(date)s under the retention policy.")
                % {"date": date_format(timezone.localdate(kept_until), "DATE_FORMAT")}
            )
        for model, lookup in record_parts():
            blanks = _identity_blanks(patient.pk) if model is Patient else _free_text_blanks(model)
            if not blanks:
                continue
            # update(), not save(): a save would write a history row holding the old values.
            model._default_manager.filter(**{lookup: patient.pk}).update(**blanks)
            historical = _historical_model(model)
            if historical is not None:
                historical.objects.filter(**{lookup: patient.pk}).update(**blanks)
        if patient.user_id:
            _scrub_login(patient.user)
            Patient.objects.filter(pk=patient.pk).update(user=None)
        patient_record_event_log(
            patient_id=patient.pk,
            kind=RecordEventKind.ERASURE,
            user=user,
            what=_("Anonymised under the retention policy"),
        )
