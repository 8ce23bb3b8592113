"""The protocol-aware waitlist: patients wait for a whole package, freed capacity is offered."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class WaitlistConfig(AppConfig):
    name = "waitlist"
    verbose_name = _("Waitlist")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Capacity freed by lower apps (a cancelled session, a re-plan, a plan ended early).
        from waitlist import receivers  # noqa: F401
        from waitlist.tasks import offers_expiry_schedule_ensure

        post_migrate.connect(offers_expiry_schedule_ensure, dispatch_uid="waitlist.expiry_job")
