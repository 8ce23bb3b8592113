"""Admin for therapy sessions, their logs, materials, checklist runs and incidents."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from sessions.models import (
    ChecklistItemResult,
    ChecklistRun,
    Incident,
    MaterialUsage,
    RunnerWrite,
    SessionLog,
    SessionNote,
    SessionStatus,
    SessionStatusChange,
    StockAlert,
    TherapySession,
    VitalsReading,
)
from sessions.services import (
    TransitionError,
    incident_review_start,
    session_transition,
    stock_alert_close,
)

SESSION_SEARCH = (
    "session__patient__first_name",
    "session__patient__last_name",
    "session__patient__mrn",
)


class SessionStatusChangeInline(admin.TabularInline):
    """The session's history of statuses, as the status machine recorded it: read only."""

    model = SessionStatusChange
    extra = 0
    can_delete = False
    fields = readonly_fields = ("from_status", "to_status", "changed_by", "changed_at", "note")

    def has_add_permission(self, request, obj=None):
        return False


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
    # A status changes only through the status machine (the actions below), which checks the
    # lifecycle and the checklist, records who and when, and tells the live boards.
    readonly_fields = ("status", "status_changed_at", "overrun_until")
    # Likewise a session's time, room and practitioner change only through Reschedule or the
    # API's move (scheduling's session_move), which hold them to the opening hours, rosters,
    # leave and the plan's order; times typed here would skip every one of those checks, and
    # a session is booked by the scheduler, never typed in.
    placement_fields = ("starts_at", "ends_at", "room", "practitioner")

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, *self.placement_fields)

    def has_add_permission(self, request):
        return False

    actions = [
        "move_to_in_preparation",
        "move_to_in_session",
        "move_to_recovery",
        "move_to_completed",
        "move_to_cancelled",
        "move_to_no_show",
    ]

    @admin.action(description=gettext_lazy("Move to In preparation"))
    def move_to_in_preparation(self, request, queryset):
        self._move_to(request, queryset, SessionStatus.IN_PREPARATION)

    @admin.action(description=gettext_lazy("Move to In session"))
    def move_to_in_session(self, request, queryset):
        self._move_to(request, queryset, SessionStatus.IN_SESSION)

    @admin.action(description=gettext_lazy("Move to Recovery"))
    def move_to_recovery(self, request, queryset):
        self._move_to(request, queryset, SessionStatus.RECOVERY)

    @admin.action(description=gettext_lazy("Move to Completed"))
    def move_to_completed(self, request, queryset):
        self._move_to(request, queryset, SessionStatus.COMPLETED)

    @admin.action(description=gettext_lazy("Cancel"))
    def move_to_cancelled(self, request, queryset):
        self._move_to(request, queryset, SessionStatus.CANCELLED)

    @admin.action(description=gettext_lazy("Mark as no-show"))
    def move_to_no_show(self, request, queryset):
        self._move_to(request, queryset, SessionStatus.NO_SHOW)

    def _move_to(self, request, queryset, to_status: str) -> None:
        moved, refused = 0, []
        for session in queryset.select_related("therapy", "patient"):
            try:
                session_transition(
                    session=session, to_status=to_status, by=request.user, authorised=True
                )
            except TransitionError as error:
                refused.append(f"{session}: {error}")
            else:
                moved += 1
        if moved:
            self.message_user(
                request,
                _("%(count)d session(s) are now %(status)s.")
                % {"count": moved, "status": SessionStatus(to_status).label},
                messages.SUCCESS,
            )
        for line in refused:
            self.message_user(request, line, messages.ERROR)


@admin.register(SessionStatusChange)
class SessionStatusChangeAdmin(admin.ModelAdmin):
    list_display = ("session", "from_status", "to_status", "changed_by", "changed_at")
    list_filter = ("to_status",)
    search_fields = SESSION_SEARCH
    raw_id_fields = ["session", "changed_by"]
    list_select_related = ["session__patient", "session__therapy", "changed_by"]

    # Written only by the status machine; here to search and read.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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
    list_display = (
        "__str__",
        "severity",
        "near_miss",
        "status",
        "reported_by",
        "reported_at",
        "reviewed_by",
        "resolved_by",
        "resolved_at",
    )
    list_filter = ("status", "severity", "near_miss", "session__center")
    # Encrypted description cannot be searched; find incidents by patient instead.
    search_fields = SESSION_SEARCH
    raw_id_fields = ["session", "reported_by"]
    date_hierarchy = "reported_at"
    list_select_related = ["reported_by", "reviewed_by", "resolved_by"]
    # The review moves only through its services, which check who and keep when; the
    # resolution (with its text) is given on the session's runner page.
    readonly_fields = (
        "status",
        "review_started_at",
        "reviewed_by",
        "resolved_at",
        "resolved_by",
        "resolution",
    )
    actions = ["start_review"]

    @admin.action(description=gettext_lazy("Start the review"))
    def start_review(self, request, queryset):
        for incident in queryset:
            try:
                incident_review_start(incident=incident, by=request.user)
            except TransitionError as error:
                self.message_user(request, f"{incident}: {error}", messages.ERROR)


@admin.register(VitalsReading)
class VitalsReadingAdmin(SimpleHistoryAdmin):
    list_display = (
        "session",
        "bp_systolic",
        "bp_diastolic",
        "pulse",
        "temperature_c",
        "weight_kg",
        "recorded_at",
    )
    search_fields = SESSION_SEARCH
    raw_id_fields = ["session", "recorded_by"]
    list_select_related = ["session__patient", "session__therapy"]


@admin.register(SessionNote)
class SessionNoteAdmin(SimpleHistoryAdmin):
    list_display = ("session", "kind", "recorded_by", "taken_at", "recorded_at")
    list_filter = ("kind",)
    search_fields = SESSION_SEARCH
    raw_id_fields = ["session", "recorded_by"]
    list_select_related = ["session__patient", "session__therapy", "recorded_by"]


@admin.register(StockAlert)
class StockAlertAdmin(admin.ModelAdmin):
    list_display = ("consumable", "center", "stock_quantity", "reorder_level", "raised_at")
    list_filter = ("center", ("closed_at", admin.EmptyFieldListFilter))
    raw_id_fields = ["session", "closed_by"]
    list_select_related = ["consumable", "center"]
    readonly_fields = ("closed_at", "closed_by")
    actions = ["close_reordered"]

    @admin.action(description=gettext_lazy("Close: reordered"))
    def close_reordered(self, request, queryset):
        for alert in queryset:
            try:
                stock_alert_close(alert=alert, by=request.user)
            except TransitionError as error:
                self.message_user(request, f"{alert}: {error}", messages.ERROR)


@admin.register(RunnerWrite)
class RunnerWriteAdmin(admin.ModelAdmin):
    """Receipts of writes sent from tablets: read only, to see what a replay was answered."""

    list_display = ("key", "session", "kind", "outcome", "sent_by", "received_at")
    list_filter = ("outcome", "kind")
    search_fields = ("key", *SESSION_SEARCH)
    list_select_related = ["session__patient", "session__therapy", "sent_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
