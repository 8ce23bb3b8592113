"""Organisation: users, centers, rooms, stock, practitioners, rosters and memberships."""

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class ClinicsConfig(AppConfig):
    name = "clinics"
    verbose_name = _("Clinics")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from clinics import live
        from clinics.models import Membership, User
        from clinics.schedules import recurring_jobs_ensure

        post_migrate.connect(recurring_jobs_ensure, sender=self, dispatch_uid="recurring-jobs")

        post_save.connect(live.membership_changed, sender=Membership, dispatch_uid="access-m-save")
        post_delete.connect(live.membership_changed, sender=Membership, dispatch_uid="access-m-del")
        post_save.connect(live.account_changed, sender=User, dispatch_uid="access-user-save")
