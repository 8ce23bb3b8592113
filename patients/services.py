"""Writes on patients and their care plans."""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.models import User
from patients.models import CarePlan, Patient
from protocols.models import ProtocolVersion


@transaction.atomic
def care_plan_create(
    *,
    patient: Patient,
    protocol_version: ProtocolVersion,
    start_date: date,
    created_by: User | None = None,
    record_past: bool = False,
) -> CarePlan:
    """A draft care plan: the protocol version in force on the start date, for one patient.

    The start is checked against today in the patient's center's zone: not before it unless
    `record_past` (an admin recording a plan already under way, on purpose), and not beyond
    the settings' horizon, so that the form, the API and the admin refuse the same dates.
    """
    today = timezone.localdate(timezone=patient.center.tzinfo)
    if start_date < today and not record_past:
        raise ValidationError(
            _("The first day cannot be in the past (today is %(today)s at this center).")
            % {"today": today.isoformat()}
        )
    horizon = today + timedelta(days=settings.CARE_PLAN_START_HORIZON_DAYS)
    # A past plan recorded on purpose still reaches back no further than the horizon ahead.
    if start_date < today - timedelta(days=settings.CARE_PLAN_START_HORIZON_DAYS):
        raise ValidationError(_("The first day is too far in the past to record a care plan."))
    if start_date > horizon:
        raise ValidationError(
            _(
                "The first day must be no later than %(last)s; plans are made at most %(months)s months ahead."
            )
            % {
                "last": horizon.isoformat(),
                "months": round(settings.CARE_PLAN_START_HORIZON_DAYS / 30.4),
            }
        )
    if protocol_version.status != ProtocolVersion.Status.ACTIVE:
        raise ValidationError(_("Only an active protocol version can be prescribed."))
    if not ProtocolVersion.objects.effective_on(start_date).filter(pk=protocol_version.pk).exists():
        raise ValidationError(
            _("Version %(version)s of this protocol is not in force on %(day)s.")
            % {"version": protocol_version.version, "day": start_date.isoformat()}
        )
    return CarePlan.objects.create(
        patient=patient,
        protocol_version=protocol_version,
        start_date=start_date,
        priority=patient.priority,
        status=CarePlan.Status.DRAFT,
        created_by=created_by,
    )
