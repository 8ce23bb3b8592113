"""Signing a care plan's discharge summary: the after-care a clinician gives the patient."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.access import centers_for
from clinics.choices import Role
from patients.models import CarePlan, DischargeSummary

# A summary is a clinical document: the clinicians who treat sign it, not the front desk.
SIGNING_ROLES = (Role.PRACTITIONER, Role.MEDICAL_DIRECTOR)
AFTERCARE_MAX_LENGTH = 4000


def may_sign_discharge(user, care_plan: CarePlan) -> bool:
    return centers_for(user, roles=SIGNING_ROLES).filter(pk=care_plan.patient.center_id).exists()


def discharge_summary_sign(*, care_plan: CarePlan, by, aftercare: str) -> DischargeSummary:
    """Sign (or sign again, with new words) the plan's summary; refuses and keeps nothing else."""
    if not may_sign_discharge(by, care_plan):
        raise PermissionDenied(
            _("Only a practitioner or medical director of the patient's center signs a summary.")
        )
    aftercare = aftercare.strip()
    if not aftercare:
        raise ValidationError(
            {"aftercare": _("Write the after-care the patient takes home before signing.")}
        )
    if len(aftercare) > AFTERCARE_MAX_LENGTH:
        raise ValidationError(
            {
                "aftercare": _(
                    "Keep the after-care under %(limit)s characters (it has %(length)s)."
                )
                % {"limit": AFTERCARE_MAX_LENGTH, "length": len(aftercare)}
            }
        )
    with transaction.atomic():
        summary, _created = DischargeSummary.objects.update_or_create(
            care_plan=care_plan,
            defaults={"aftercare": aftercare, "signed_by": by, "signed_at": timezone.now()},
        )
    return summary
