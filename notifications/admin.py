"""Admin for playbook templates, the outbox, preferences, in-app messages, replies, escalations."""

from django.contrib import admin

from notifications.models import (
    Escalation,
    InAppNotification,
    InboundMessage,
    NotificationPreference,
    NotificationTemplate,
    OutboxMessage,
)


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin):
    # Medical directors edit playbooks here; an unknown {variable} is a form error on save,
    # from the fields' validators.
    list_display = ("event", "therapy", "protocol", "channel", "locale", "urgent", "subject")
    list_filter = ("event", "channel", "locale", "urgent")
    search_fields = ("subject", "body", "therapy__name", "protocol__name")
    autocomplete_fields = ["therapy", "protocol"]
    list_select_related = ["therapy", "protocol"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = (
        "patient",
        "event",
        "channel",
        "recipient",
        "due_at",
        "status",
        "attempts",
        "sent_at",
        "note",
    )
    list_filter = ("status", "channel", "event", "locale")
    search_fields = ("recipient", "idempotency_key", "patient__last_name", "patient__mrn")
    autocomplete_fields = ["patient", "template"]
    raw_id_fields = ["session"]
    date_hierarchy = "due_at"
    list_select_related = ["patient"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = (
        "patient",
        "sms",
        "email",
        "in_app",
        "quiet_hours_start",
        "quiet_hours_end",
        "timezone",
        "sms_opted_out_at",
    )
    list_filter = ("sms", "email", "in_app")
    search_fields = ("patient__first_name", "patient__last_name", "patient__mrn")
    autocomplete_fields = ["patient"]
    list_select_related = ["patient"]


@admin.register(InAppNotification)
class InAppNotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "patient", "created_at", "read_at")
    search_fields = ("title", "patient__last_name", "patient__mrn")
    autocomplete_fields = ["patient"]
    raw_id_fields = ["outbox_message"]
    list_select_related = ["patient"]


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ("received_at", "from_number", "patient", "kind", "score", "body")
    list_filter = ("kind",)
    search_fields = ("from_number", "body", "patient__last_name", "patient__mrn")
    raw_id_fields = ["patient", "session"]
    list_select_related = ["patient"]


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "center", "patient", "source", "detail")
    list_filter = ("source", "center")
    search_fields = ("patient__last_name", "patient__mrn", "detail")
    raw_id_fields = ["patient", "session", "inbound_message"]
    list_select_related = ["patient", "center"]
