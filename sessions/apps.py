"""Therapy sessions, their live status, logs, checklist runs and incidents."""

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class TherapySessionsConfig(AppConfig):
    name = "sessions"
    label = "therapy_sessions"
    verbose_name = _("Therapy sessions")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from clinics.models import Membership, OpeningHours, Room
        from patients.models import ClinicalFlag, Patient
        from sessions import floor_cache
        from sessions.models import TherapySession

        # What My day and the board draw: a change to any of it redraws them (floor_cache).
        for signal in (post_save, post_delete):
            kind = "save" if signal is post_save else "delete"
            signal.connect(
                floor_cache.session_saved, sender=TherapySession, dispatch_uid=f"floor-s-{kind}"
            )
            for model in (Room, OpeningHours, Membership, Patient):
                signal.connect(
                    floor_cache.center_row_saved,
                    sender=model,
                    dispatch_uid=f"floor-{model.__name__}-{kind}",
                )
            signal.connect(
                floor_cache.clinical_flag_saved, sender=ClinicalFlag, dispatch_uid=f"floor-f-{kind}"
            )
