"""What the portal does when a lower app tells it something: tell the patient."""

from django.dispatch import receiver

from portal.services import care_plan_review_tell
from scheduling.signals import care_plan_reviewed


@receiver(care_plan_reviewed, dispatch_uid="portal.care_plan_review_tell")
def _tell_patient_of_review(sender, *, plan, approved: bool, booked: int, **kwargs) -> None:
    care_plan_review_tell(plan=plan, approved=approved, booked=booked)
