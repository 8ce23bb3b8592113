"""The patient's pages that compose every domain: home, timeline, progress."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Patient portal")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connects the receivers of lower apps' signals (a held plan's review).
        from portal import receivers  # noqa: F401
