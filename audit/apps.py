"""Audit of patient records: who read, exported or erased one, and each record's whole trail.

It sits just above patients (below sessions): the staff pages of every higher app log their
reads through it, and it finds the clinical models' history through the app registry rather
than by importing them.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit")
    default_auto_field = "django.db.models.BigAutoField"
