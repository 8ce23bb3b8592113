"""Writes on patients and their care plans."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
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
) -> CarePlan:
    """A draft care plan: the protocol version in force on the start date, for one patient."""
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
