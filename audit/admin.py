"""Admin: the log of reads, exports and erasures, one patient's whole audit trail, and the
retention policy's anonymisation as an action on patients."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from audit.models import PatientRecordEvent
from audit.records import patient_anonymise, patient_audit_trail
from audit.services import patient_record_read_log
from patients.admin import PatientAdmin
from patients.models import Patient


def _trail_link(patient_id: int) -> str:
    return format_html(
        '<a href="{}">{}</a>',
        reverse("admin:audit_patient_trail", args=[patient_id]),
        _("Whole audit trail"),
    )


@admin.register(PatientRecordEvent)
class PatientRecordEventAdmin(admin.ModelAdmin):
    list_display = ("at", "kind", "patient", "actor_email", "what", "trail")
    list_filter = ("kind",)
    search_fields = ("actor_email", "patient__mrn")
    date_hierarchy = "at"
    list_select_related = ["patient"]

    # Append-only: the log is evidence, so nobody adds, edits or deletes rows by hand.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("trail"))
    def trail(self, event: PatientRecordEvent) -> str:
        return _trail_link(event.patient_id)

    def get_urls(self):
        return [
            path(
                "patient/<int:patient_id>/trail/",
                self.admin_site.admin_view(self.patient_trail_view),
                name="audit_patient_trail",
            ),
            *super().get_urls(),
        ]

    def patient_trail_view(self, request, patient_id: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        patient = get_object_or_404(Patient.objects.select_related("center"), pk=patient_id)
        # Reading the trail shows the record's changes: it is a read like any other.
        patient_record_read_log(user=request.user, patient=patient, what="Admin: audit trail")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Audit trail of %(patient)s") % {"patient": patient},
            "patient": patient,
            "entries": patient_audit_trail(patient=patient),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/audit/patient_trail.html", context)


admin.site.unregister(Patient)


@admin.register(Patient)
class AuditedPatientAdmin(PatientAdmin):
    """The patients' admin with a link to each one's audit trail and the retention action."""

    actions = [*(PatientAdmin.actions or []), "anonymise_past_retention"]
    readonly_fields = (*PatientAdmin.readonly_fields, "audit_trail")

    @admin.display(description=_("audit trail"))
    def audit_trail(self, patient: Patient) -> str:
        return _trail_link(patient.pk) if patient.pk else "-"

    @admin.action(
        description=_("Anonymise (only records past the retention period)"),
        permissions=["change"],
    )
    def anonymise_past_retention(self, request, queryset):
        done = 0
        for patient in queryset:
            try:
                patient_anonymise(patient=patient, user=request.user)
            except ValidationError as refusal:
                self.message_user(
                    request, f"{patient.mrn}: {' '.join(refusal.messages)}", messages.WARNING
                )
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)d patient anonymised.", "%(count)d patients anonymised.", done)
                % {"count": done},
                messages.SUCCESS,
            )
