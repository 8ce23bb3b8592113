"""Writes of the feedback app: a patient's feedback after a session, and the rules it sets off."""

from collections.abc import Mapping
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from feedback.choices import SIDE_EFFECTS_ASKED, Symptom
from feedback.models import AdaptationRule, ClinicianTask, SessionFeedback, SymptomScore
from patients.models import Patient
from sessions.models import SessionStatus, TherapySession

# A clinician calls the patient within a day of a rule's alert (the seed rule's "within 24 h").
CLINICIAN_CALL_DUE = timedelta(hours=24)


def _checked_score(value, message: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        raise ValidationError(message)
    return value


@transaction.atomic
def feedback_record(
    *,
    session: TherapySession,
    patient: Patient,
    symptom_relief: int,
    experience: str,
    side_effects: Mapping[str, int] | None = None,
    comment: str = "",
) -> SessionFeedback:
    """Record (or correct) the patient's feedback on their finished session; run the rules.

    A second submission corrects the first rather than being refused: on a phone a mis-tap is
    common and the patient should be able to put it right, while the history table keeps what
    was first said and the rules' tasks stay one per rule and session.
    """
    # Lock the session so that two submissions at once (a double tap) become one then a correction.
    session = (
        TherapySession.objects.select_for_update(of=("self",))
        .select_related("therapy", "center")
        .get(pk=session.pk)
    )
    if session.patient_id != patient.pk:
        raise ValidationError(_("You can give feedback only on your own sessions."))
    if session.status != SessionStatus.COMPLETED:
        raise ValidationError(_("You can give feedback once the session is finished."))
    relief = _checked_score(symptom_relief, _("Choose how much relief you felt, from 0 to 10."))
    if experience not in SessionFeedback.Experience.values:
        raise ValidationError(_("Tell us whether you were listened to and treated with respect."))
    severities: dict[str, int] = {}
    for symptom, severity in (side_effects or {}).items():
        if symptom not in SIDE_EFFECTS_ASKED:
            raise ValidationError(_("That side effect is not one we ask about."))
        label = Symptom(symptom).label
        severities[symptom] = _checked_score(
            severity, _("Choose how strong the %(effect)s was, from 0 to 10.") % {"effect": label}
        )

    now = timezone.now()
    feedback = SessionFeedback.objects.filter(session=session).first()
    if feedback is None:
        feedback = SessionFeedback(session=session, patient=patient, submitted_at=now)
    else:
        feedback.corrected_at = now
    feedback.symptom_relief = relief
    feedback.experience = experience
    feedback.comment = comment.strip()
    feedback.save()
    # A side effect scored 0 was not felt: keep only those that were.
    feedback.symptom_scores.all().delete()
    SymptomScore.objects.bulk_create(
        SymptomScore(feedback=feedback, symptom=symptom, score=severity)
        for symptom, severity in severities.items()
        if severity > 0
    )
    feedback_rules_apply(feedback=feedback, severities=severities, now=now)
    return feedback


def feedback_rules_apply(
    *, feedback: SessionFeedback, severities: Mapping[str, int], now
) -> list[ClinicianTask]:
    """Raise a clinician task for each active rule the feedback meets, once per rule and session."""
    session = feedback.session
    rules = AdaptationRule.objects.filter(
        Q(center=session.center) | Q(center__isnull=True),
        Q(therapy=session.therapy) | Q(therapy__isnull=True),
        is_active=True,
        action=AdaptationRule.Action.ALERT_CLINICIAN,
        symptom__in=list(severities),
    )
    raised = []
    for rule in rules:
        severity = severities[rule.symptom]
        if not rule.matches(severity):
            continue
        # Staff read the task in the clinic's language, not in the patient's who set it off.
        with translation.override(settings.LANGUAGE_CODE):
            title = _("Call %(patient)s: %(rule)s") % {
                "patient": feedback.patient.full_name,
                "rule": rule.name,
            }
            detail = _("%(effect)s %(severity)s/10 reported after %(therapy)s.") % {
                "effect": Symptom(rule.symptom).label,
                "severity": severity,
                "therapy": session.therapy.name,
            }
        # The unique constraint makes a re-evaluation (a corrected feedback) a no-op.
        task, created = ClinicianTask.objects.get_or_create(
            rule=rule,
            session=session,
            defaults={
                "center": session.center,
                "patient": feedback.patient,
                "title": title,
                "detail": detail,
                "due_at": now + CLINICIAN_CALL_DUE,
                "assigned_to": session.practitioner.user if session.practitioner_id else None,
            },
        )
        if created:
            raised.append(task)
    return raised


@transaction.atomic
def clinician_task_complete(*, task: ClinicianTask, by) -> ClinicianTask:
    """Mark an open task done by the clinician who did it (a second click changes nothing)."""
    task = ClinicianTask.objects.select_for_update().get(pk=task.pk)
    if task.status != ClinicianTask.Status.OPEN:
        raise ValidationError(_("This task is no longer open."))
    task.status = ClinicianTask.Status.DONE
    task.done_at = timezone.now()
    if task.assigned_to_id is None:
        task.assigned_to = by
    task.save(update_fields=["status", "done_at", "assigned_to"])
    return task
