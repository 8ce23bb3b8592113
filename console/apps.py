"""The admin's and medical director's pages that compose every domain: home, calendar, analytics."""

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class ConsoleConfig(AppConfig):
    name = "console"
    verbose_name = _("Console")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from clinics.models import Center, Closure, Membership, OpeningHours, Room, RosterShift
        from console import dashboard_cache, insight_freshness
        from feedback.models import SessionFeedback
        from notifications.models import OutboxMessage
        from sessions.models import TherapySession

        # What the dashboards count and divide by: a change to any of it at a center makes
        # its dashboards count afresh (dashboard_cache).
        for signal in (post_save, post_delete):
            kind = "save" if signal is post_save else "delete"
            for model in (TherapySession, Room, OpeningHours, Closure, RosterShift, Membership):
                signal.connect(
                    dashboard_cache.center_row_saved,
                    sender=model,
                    dispatch_uid=f"analytics-{model.__name__}-{kind}",
                )
            for model in (OutboxMessage, SessionFeedback):
                signal.connect(
                    dashboard_cache.session_row_saved,
                    sender=model,
                    dispatch_uid=f"analytics-{model.__name__}-{kind}",
                )
            signal.connect(
                dashboard_cache.center_saved, sender=Center, dispatch_uid=f"analytics-center-{kind}"
            )
        # Bottlenecks and outcome trends count more than that (scheduling runs, care plans…).
        insight_freshness.connect()
