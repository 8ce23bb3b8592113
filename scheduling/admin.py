"""Admin for stored scheduling runs (problem and solution), mostly for looking back."""

from django.contrib import admin

from scheduling.models import SchedulingRun


@admin.register(SchedulingRun)
class SchedulingRunAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "center",
        "kind",
        "status",
        "placed_count",
        "unscheduled_count",
        "objective",
        "started_at",
    )
    list_filter = ("kind", "status", "center")
    search_fields = ("center__name", "error")
    autocomplete_fields = ["center", "care_plan", "requested_by"]
    date_hierarchy = "started_at"
    list_select_related = ["center"]
