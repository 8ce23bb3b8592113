"""Admin for the waitlist, to read: joining, offers and bookings go through the portal and
the console, whose services keep the queue and the calendar consistent."""

from django.contrib import admin

from waitlist.models import WaitlistEntry, WaitlistOffer


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class WaitlistOfferInline(admin.TabularInline):
    model = WaitlistOffer
    extra = 0
    fields = readonly_fields = (
        "status",
        "start_date",
        "rank",
        "reason_text",
        "offered_at",
        "expires_at",
        "outcome_text",
    )
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(ReadOnlyAdmin):
    list_display = ("patient", "center", "protocol_version", "status", "created_at", "checked_at")
    list_filter = ("status", "center")
    search_fields = ("patient__first_name", "patient__last_name", "patient__mrn")
    list_select_related = ("patient", "center", "protocol_version__template")
    raw_id_fields = ("patient", "care_plan", "created_by")
    inlines = [WaitlistOfferInline]


@admin.register(WaitlistOffer)
class WaitlistOfferAdmin(ReadOnlyAdmin):
    list_display = ("entry", "status", "start_date", "rank", "offered_at", "expires_at")
    list_filter = ("status",)
    list_select_related = ("entry__patient", "entry__protocol_version__template")
    raw_id_fields = ("entry", "run", "decided_by")
