"""Playbook-driven patient messages: templates, outbox, channels, preferences."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connects the receivers of the sessions app's signals (booking, status changes).
        from notifications import receivers  # noqa: F401
