"""Admin for therapy sessions, their logs, materials, checklist runs and incidents."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from sessions.models import (
    ChecklistItemResult,
    ChecklistRun,
    Incident,
    MaterialUsage,
    SessionLog,
    SessionStatusChange,
    TherapySession,
)

SESSION_SEARCH = (
    "session__patient__first_name",
    "session__patient__last_name",
    "session__patient__mrn",
)


class SessionStatusChangeInline(admin.TabularInline):
    model = SessionStatusChange
    extra = 0
    raw_id_fields = ["changed_by"]


class MaterialUsageInline(admin.TabularInline):
    model = MaterialUsage
    extra = 0
    autocomplete_fields = ["consumable"]
    raw_id_fields = ["recorded_by"]


@admin.register(TherapySession)
class TherapySessionAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "center", "practitioner", "room", "starts_at", "ends_at", "status")
    list_filter = ("status", "center", "therapy")
    search_fields = ("patient__first_name", "patient__last_name", "patient__mrn", "therapy__name")
    autocomplete_fields = ["center", "patient", "care_plan", "therapy", "practitioner", "room"]
    raw_id_fields = ["protocol_step"]
    date_hierarchy = "starts_at"
    list_select_related = ["center", "patient", "therapy", "practitioner__user", "room"]
    inlines = [SessionStatusChangeInline, MaterialUsageInline]


@admin.register(SessionStatusChange)
class SessionStatusChangeAdmin(admin.ModelAdmin):
    list_display = ("session", "from_status", "to_status", "changed_by", "changed_at")
    list_filter = ("to_status",)
    search_fields = SESSION_SEARCH
    raw_id_fields = ["session", "changed_by"]
    list_select_related = ["session__patient", "session__therapy", "changed_by"]


@admin.register(SessionLog)
class SessionLogAdmin(SimpleHistoryAdmin):
    list_display = ("session", "recorded_by", "recorded_at")
    search_fields = SESSION_SEARCH
    raw_id_fields = ["session", "recorded_by"]
    list_select_related = ["session__patient", "session__therapy", "recorded_by"]


@admin.register(MaterialUsage)
class MaterialUsageAdmin(admin.ModelAdmin):
    list_display = ("session", "consumable", "quantity", "recorded_at")
    list_filter = ("consumable__center",)
    search_fields = (*SESSION_SEARCH, "consumable__name")
    autocomplete_fields = ["consumable"]
    raw_id_fields = ["session", "recorded_by"]
    list_select_related = ["session__patient", "session__therapy", "consumable"]


class ChecklistItemResultInline(admin.TabularInline):
    model = ChecklistItemResult
    extra = 0
    autocomplete_fields = ["item"]


@admin.register(ChecklistRun)
class ChecklistRunAdmin(admin.ModelAdmin):
    list_display = ("template", "session", "started_by", "started_at", "completed_at")
    list_filter = ("template",)
    search_fields = (*SESSION_SEARCH, "template__title")
    autocomplete_fields = ["template"]
    raw_id_fields = ["session", "started_by"]
    list_select_related = ["template", "session__patient", "session__therapy", "started_by"]
    inlines = [ChecklistItemResultInline]


@admin.register(ChecklistItemResult)
class ChecklistItemResultAdmin(admin.ModelAdmin):
    list_display = ("item", "run", "done", "done_at", "value")
    list_filter = ("done",)
    search_fields = ("item__text",)
    autocomplete_fields = ["item"]
    raw_id_fields = ["run"]
    list_select_related = ["item", "run__template"]


@admin.register(Incident)
class IncidentAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "severity", "reported_by", "reported_at", "resolved_at")
    list_filter = ("severity",)
    # Encrypted description cannot be searched; find incidents by patient instead.
    search_fields = SESSION_SEARCH
    raw_id_fields = ["session", "reported_by"]
    date_hierarchy = "reported_at"
    list_select_related = ["reported_by"]
