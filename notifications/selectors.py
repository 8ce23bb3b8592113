"""Reads of the notifications domain that pages share, scoped and with related rows joined."""

from django.db.models import F, QuerySet

from notifications.models import (
    InAppNotification,
    NotificationPreference,
    OutboxMessage,
    OutboxStatus,
    StaffAlert,
)
from patients.models import Patient

INBOX_PAGE_SIZE = 50


def inbox_for(patient: Patient) -> QuerySet[InAppNotification]:
    """A patient's own in-portal messages, newest first."""
    return InAppNotification.objects.filter(patient=patient).order_by("-created_at", "-id")


def unread_count(patient: Patient) -> int:
    return InAppNotification.objects.filter(patient=patient, read_at__isnull=True).count()


def messages_for_session(session_id: int) -> QuerySet[OutboxMessage]:
    """Every message planned for a session, in the order they go out, for staff."""
    return OutboxMessage.objects.filter(session_id=session_id).order_by("due_at", "channel", "id")


def zone_name_for(patient: Patient) -> str:
    """The patient's own time zone: their choice, else their center's."""
    chosen = (
        NotificationPreference.objects.filter(patient=patient)
        .values_list("timezone", flat=True)
        .first()
    )
    return chosen or patient.center.timezone


FAILED_PAGE_SIZE = 100


def failed_messages_for(centers) -> QuerySet[OutboxMessage]:
    """Messages that failed for good at these centers, latest first, for staff to act on."""
    return (
        OutboxMessage.objects.filter(status=OutboxStatus.FAILED, patient__center__in=centers)
        .select_related("patient__center", "session__therapy")
        .order_by("-updated_at", "-id")
    )


ALERTS_PAGE_SIZE = 100


def alerts_for(user) -> QuerySet[StaffAlert]:
    """A staff member's own alerts, unread first, then newest first."""
    return (
        StaffAlert.objects.filter(user=user)
        .select_related("center")
        .order_by(F("read_at").desc(nulls_first=True), "-created_at", "-id")
    )
