"""Writes of the patient's pages that span domains: the intake's preferences step, and the
in-portal message that tells a patient how their held package was reviewed."""

import datetime

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications.live import inbox_push
from notifications.models import InAppNotification
from notifications.services import notification_preference_update, preference_for
from patients.forms import CONSENT_DOCUMENT_VERSION
from patients.models import CarePlan, Patient
from patients.services import channel_consents_record, patient_preferences_record


@transaction.atomic
def intake_preferences_record(
    *,
    patient: Patient,
    weekdays: list[int],
    windows: list[list[str]],
    same_gender_practitioner: bool,
    language: str,
    phone: str,
    sms: bool,
    email: bool,
    in_app: bool,
    quiet_hours_start: datetime.time,
    quiet_hours_end: datetime.time,
) -> None:
    """The intake's preferences step, all or nothing: scheduling wishes on the patient, each
    message channel's consent given or withdrawn to match the ticks, and the notification
    preferences (channels, quiet hours, language) that re-plan the reminders to come."""
    patient_preferences_record(
        patient=patient,
        weekdays=weekdays,
        windows=windows,
        same_gender_practitioner=same_gender_practitioner,
        language=language,
        phone=phone,
    )
    channel_consents_record(
        patient=patient, sms=sms, email=email, document_version=CONSENT_DOCUMENT_VERSION
    )
    notification_preference_update(
        patient=patient,
        sms=sms,
        email=email,
        in_app=in_app,
        quiet_hours_start=quiet_hours_start,
        quiet_hours_end=quiet_hours_end,
        timezone_name=preference_for(patient).timezone,
        language=language,
    )


@transaction.atomic
def care_plan_review_tell(*, plan: CarePlan, approved: bool, booked: int) -> InAppNotification:
    """A message in the patient's portal inbox, in their language: their held package was
    approved and booked, or declined with the practitioner's reason."""
    plan = CarePlan.objects.select_related("patient", "protocol_version__template").get(pk=plan.pk)
    patient = plan.patient
    package = plan.protocol_version.template.name
    with translation.override(patient.language):
        if approved:
            title = _("Your package is booked")
            body = ngettext(
                "A practitioner approved %(package)s from %(day)s; its %(n)s session is on "
                "your timeline.",
                "A practitioner approved %(package)s from %(day)s; its %(n)s sessions are on "
                "your timeline.",
                booked,
            ) % {"package": package, "day": plan.start_date.isoformat(), "n": booked}
        else:
            title = _("Your package was not approved")
            body = _("A practitioner did not approve %(package)s: %(reason)s") % {
                "package": package,
                "reason": plan.review_note,
            }
    note = InAppNotification.objects.create(patient=patient, title=title, body=body)
    transaction.on_commit(lambda: inbox_push(note, user_id=patient.user_id))
    return note
