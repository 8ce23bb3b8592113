"""The Django admin's view of calendar feeds: who holds which, and revoking one."""

from django.contrib import admin

from integrations.models import CalendarFeed


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "prefix", "created_at", "last_fetched_at", "revoked_at")
    list_filter = ("kind",)
    search_fields = ("user__email", "prefix")
    readonly_fields = ("user", "kind", "prefix", "created_at", "last_fetched_at")
