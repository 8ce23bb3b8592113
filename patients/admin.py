"""Admin for patients with their consents and care plans."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from patients.models import CarePlan, Consent, Patient


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    fields = ("kind", "document_version", "granted_at", "withdrawn_at", "signed_by")


class CarePlanInline(admin.TabularInline):
    model = CarePlan
    extra = 0
    fields = ("protocol_version", "start_date", "status", "priority")
    autocomplete_fields = ["protocol_version"]
    show_change_link = True


@admin.register(Patient)
class PatientAdmin(SimpleHistoryAdmin):
    list_display = ("full_name", "mrn", "center", "sex", "age", "priority", "is_active")
    list_filter = ("center", "sex", "priority", "dosha", "language", "is_active")
    search_fields = ("first_name", "last_name", "mrn", "email", "phone")
    autocomplete_fields = ["user", "center"]
    list_select_related = ["center"]
    inlines = [ConsentInline, CarePlanInline]


@admin.register(Consent)
class ConsentAdmin(SimpleHistoryAdmin):
    list_display = ("patient", "kind", "document_version", "granted_at", "withdrawn_at")
    list_filter = ("kind",)
    search_fields = ("patient__first_name", "patient__last_name", "patient__mrn")
    autocomplete_fields = ["patient"]
    date_hierarchy = "granted_at"
    list_select_related = ["patient"]


@admin.register(CarePlan)
class CarePlanAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "patient", "protocol_version", "start_date", "status", "priority")
    list_filter = ("status", "priority", "patient__center")
    search_fields = (
        "patient__first_name",
        "patient__last_name",
        "patient__mrn",
        "protocol_version__template__name",
    )
    autocomplete_fields = ["patient", "protocol_version", "created_by"]
    date_hierarchy = "start_date"
    list_select_related = ["patient", "protocol_version__template"]
