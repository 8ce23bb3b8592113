"""Patient-reported outcomes, symptom scores and adaptation."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = _("Feedback")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from feedback.receivers import escalation_task_for
        from notifications.signals import escalation_raised

        escalation_raised.connect(escalation_task_for, dispatch_uid="feedback_escalation_task")
