"""Admin for patients with their consents and care plans."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from patients.models import CarePlan, Consent, Patient
from patients.services import care_plan_check


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    fields = ("kind", "document_version", "granted_at", "withdrawn_at", "signed_by")


class CarePlanInline(admin.TabularInline):
    """The patient's plans, to read: a plan is added or changed on its own page, where its
    first day and protocol are checked as the care plans page and the API check them."""

    model = CarePlan
    extra = 0
    fields = readonly_fields = ("protocol_version", "start_date", "status", "priority")
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class CarePlanForm(forms.ModelForm):
    record_past = forms.BooleanField(
        label=_("record a plan already under way"),
        required=False,
        help_text=_(
            "Allows a first day in the past, for a plan that started before it was recorded."
        ),
    )

    class Meta:
        model = CarePlan
        # Every column of the plan, as the admin showed before it had a form of its own.
        fields = "__all__"  # noqa: DJ007

    def clean(self):
        data = super().clean()
        # An existing plan keeps its first day when only its status or priority changes.
        moved = {"patient", "protocol_version", "start_date"} & set(self.changed_data)
        if moved and all(data.get(f) for f in ("patient", "protocol_version", "start_date")):
            try:
                care_plan_check(
                    patient=data["patient"],
                    protocol_version=data["protocol_version"],
                    start_date=data["start_date"],
                    record_past=data.get("record_past", False),
                )
            except ValidationError as error:
                self.add_error("start_date", error)
        return data


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
    form = CarePlanForm
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
