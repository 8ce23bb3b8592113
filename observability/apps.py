"""Metrics app: on the top floor, so it may read every domain to count what happens there."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ObservabilityConfig(AppConfig):
    name = "observability"
    verbose_name = _("Observability")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from prometheus_client import REGISTRY

        from observability import receivers
        from observability.collectors import ClinicRecordsCollector
        from observability.tracing import telemetry_start
        from sessions.signals import session_status_changed

        session_status_changed.connect(
            receivers.count_session_transition, dispatch_uid="metrics_session_transition"
        )
        telemetry_start()
        # ready() may run more than once in one process (tests re-populating apps); one
        # collector only, or the registry refuses the duplicate names.
        if not getattr(REGISTRY, "_portal_records_registered", False):
            REGISTRY.register(ClinicRecordsCollector())
            REGISTRY._portal_records_registered = True
