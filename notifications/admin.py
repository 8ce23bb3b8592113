"""Admin for notification templates, the outbox, preferences and in-app messages."""

from django.contrib import admin

from notifications.models import (
    InAppNotification,
    NotificationPreference,
    NotificationTemplate,
    OutboxMessage,
)


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin):
    list_display = ("event", "therapy", "channel", "locale", "subject")
    list_filter = ("event", "channel", "locale")
    search_fields = ("subject", "body", "therapy__name")
    autocomplete_fields = ["therapy"]
    list_select_related = ["therapy"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("patient", "channel", "recipient", "due_at", "status", "attempts", "sent_at")
    list_filter = ("status", "channel", "locale")
    search_fields = ("recipient", "idempotency_key", "patient__last_name", "patient__mrn")
    autocomplete_fields = ["patient", "template"]
    raw_id_fields = ["session"]
    date_hierarchy = "due_at"
    list_select_related = ["patient"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("patient", "sms", "email", "in_app", "quiet_hours_start", "quiet_hours_end")
    list_filter = ("sms", "email", "in_app")
    search_fields = ("patient__first_name", "patient__last_name", "patient__mrn")
    autocomplete_fields = ["patient"]
    list_select_related = ["patient"]


@admin.register(InAppNotification)
class InAppNotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "patient", "created_at", "read_at")
    search_fields = ("title", "patient__last_name", "patient__mrn")
    autocomplete_fields = ["patient"]
    list_select_related = ["patient"]
