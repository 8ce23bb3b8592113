"""Organisation: users, centers, rooms, stock, practitioners, rosters and memberships."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClinicsConfig(AppConfig):
    name = "clinics"
    verbose_name = _("Clinics")
    default_auto_field = "django.db.models.BigAutoField"
