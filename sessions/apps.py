"""Therapy sessions, their live status, logs, checklist runs and incidents."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TherapySessionsConfig(AppConfig):
    name = "sessions"
    label = "therapy_sessions"
    verbose_name = _("Therapy sessions")
    default_auto_field = "django.db.models.BigAutoField"
