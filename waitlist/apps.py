"""The protocol-aware waitlist: patients wait for a whole package, freed capacity is offered."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WaitlistConfig(AppConfig):
    name = "waitlist"
    verbose_name = _("Waitlist")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Capacity freed by lower apps (a cancelled session, a re-plan, a plan ended early).
        from waitlist import receivers  # noqa: F401
