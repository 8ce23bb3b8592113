"""URLs of the notifications app: the patient's inbox and preferences, staff views, webhooks."""

from django.urls import path

from notifications import views, webhooks

urlpatterns = [
    path("portal/messages/", views.inbox, name="notifications_inbox"),
    path("portal/messages/<int:pk>/read/", views.inbox_read, name="notifications_inbox_read"),
    path("portal/messages/read-all/", views.inbox_read_all, name="notifications_inbox_read_all"),
    path("portal/preferences/", views.preferences, name="notifications_preferences"),
    path("portal/push/subscribe/", views.push_subscribe, name="notifications_push_subscribe"),
    path("portal/push/unsubscribe/", views.push_unsubscribe, name="notifications_push_unsubscribe"),
    path("notifications/alerts/", views.staff_alerts, name="notifications_alerts"),
    path("notifications/alerts/read/", views.staff_alerts_read, name="notifications_alerts_read"),
    path(
        "notifications/sessions/<int:session_id>/",
        views.session_messages,
        name="notifications_session_messages",
    ),
    path("notifications/failed/", views.failed_messages, name="notifications_failed"),
    path(
        "notifications/failed/<int:pk>/retry/",
        views.failed_message_retry,
        name="notifications_failed_retry",
    ),
    path("notifications/twilio/inbound/", webhooks.inbound_sms, name="twilio_inbound_sms"),
    path("notifications/twilio/status/", webhooks.delivery_status, name="twilio_delivery_status"),
]
