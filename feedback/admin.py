"""Admin for session feedback and symptom scores, adaptation rules and clinician tasks."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from feedback.models import AdaptationRule, ClinicianTask, SessionFeedback, SymptomScore


class SymptomScoreInline(admin.TabularInline):
    model = SymptomScore
    extra = 0


@admin.register(SessionFeedback)
class SessionFeedbackAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "patient", "symptom_relief", "experience", "submitted_at")
    list_filter = ("experience",)
    search_fields = ("patient__first_name", "patient__last_name", "patient__mrn")
    autocomplete_fields = ["patient"]
    raw_id_fields = ["session"]
    date_hierarchy = "submitted_at"
    list_select_related = ["patient"]
    inlines = [SymptomScoreInline]


@admin.register(SymptomScore)
class SymptomScoreAdmin(admin.ModelAdmin):
    list_display = ("symptom", "score", "feedback")
    list_filter = ("symptom",)
    search_fields = ("feedback__patient__last_name", "feedback__patient__mrn")
    raw_id_fields = ["feedback"]


@admin.register(AdaptationRule)
class AdaptationRuleAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "center",
        "therapy",
        "symptom",
        "comparison",
        "threshold",
        "action",
        "is_active",
    )
    list_filter = ("is_active", "action", "symptom", "center", "therapy")
    search_fields = ("name",)
    autocomplete_fields = ["center"]
    raw_id_fields = ["therapy"]
    list_select_related = ["center", "therapy"]


@admin.register(ClinicianTask)
class ClinicianTaskAdmin(admin.ModelAdmin):
    list_display = ("title", "center", "patient", "status", "assigned_to", "due_at", "created_at")
    list_filter = ("status", "center")
    search_fields = ("title", "patient__last_name", "patient__mrn")
    autocomplete_fields = ["center", "patient", "rule", "assigned_to"]
    raw_id_fields = ["session"]
    list_select_related = ["center", "patient", "assigned_to"]
