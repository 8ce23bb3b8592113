"""URLs of the notifications app: the patient's inbox and preferences, Twilio's webhooks."""

from django.urls import path

from notifications import webhooks

urlpatterns = [
    path("notifications/twilio/inbound/", webhooks.inbound_sms, name="twilio_inbound_sms"),
    path("notifications/twilio/status/", webhooks.delivery_status, name="twilio_delivery_status"),
]
