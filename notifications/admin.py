"""Admin for playbook templates, the outbox, preferences, in-app messages, replies, escalations."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from notifications.models import (
    Escalation,
    InAppNotification,
    InboundMessage,
    NotificationPreference,
    NotificationTemplate,
    OutboxMessage,
)
from notifications.services import notification_preview
from sessions.models import TherapySession


class PreviewForm(forms.Form):
    session = forms.ModelChoiceField(
        queryset=TherapySession.objects.select_related(
            "patient", "therapy", "center", "practitioner__user"
        ),
        widget=forms.NumberInput,
        required=False,
        label=_("Session id"),
        help_text=_("Empty: sample values."),
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
    readonly_fields = ["preview_link"]

    @admin.display(description=_("preview"))
    def preview_link(self, template):
        if template.pk is None:
            return _("Save the template first.")
        url = reverse("admin:notifications_notificationtemplate_preview", args=[template.pk])
        return format_html('<a href="{}">{}</a>', url, _("Preview for a session"))

    def get_urls(self):
        return [
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="notifications_notificationtemplate_preview",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request, pk: int):
        """The template filled in for a chosen session (or sample values), in its language."""
        template = get_object_or_404(NotificationTemplate, pk=pk)
        if not self.has_view_permission(request, template):
            raise PermissionDenied
        form = PreviewForm(request.GET or None)
        session = form.cleaned_data["session"] if form.is_valid() else None
        subject, body = notification_preview(template=template, session=session)
        return TemplateResponse(
            request,
            "notifications/admin_preview.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Preview of %(template)s") % {"template": template},
                "opts": self.model._meta,
                "original": template,
                "form": form,
                "session": session,
                "subject": subject,
                "body": body,
            },
        )


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
    # The text is encrypted and cannot be searched; find messages by number or patient.
    search_fields = ("from_number", "patient__last_name", "patient__mrn")
    raw_id_fields = ["patient", "session"]
    list_select_related = ["patient"]


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "center", "patient", "source", "detail")
    list_filter = ("source", "center")
    # The detail is encrypted and cannot be searched.
    search_fields = ("patient__last_name", "patient__mrn")
    raw_id_fields = ["patient", "session", "inbound_message"]
    list_select_related = ["patient", "center"]
