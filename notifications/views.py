"""The patient's inbox and preferences; for staff, a session's messages and the failed ones."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from clinics.access import STAFF_ROLES, centers_for, roles_of, session_scope
from clinics.choices import Role
from notifications.forms import PreferenceForm
from notifications.models import OutboxMessage
from notifications.selectors import (
    ALERTS_PAGE_SIZE,
    FAILED_PAGE_SIZE,
    INBOX_PAGE_SIZE,
    alerts_for,
    failed_messages_for,
    inbox_for,
    messages_for_session,
    unread_count,
    zone_name_for,
)
from notifications.services import (
    NotificationError,
    inbox_mark_read,
    message_preferences_record,
    outbox_message_retry,
    preference_for,
    push_subscription_delete,
    push_subscription_save,
    staff_alerts_mark_read,
)
from patients.models import Consent, Patient
from patients.services import CHANNEL_CONSENTS
from sessions.models import TherapySession


def _patient_of(request: HttpRequest) -> Patient:
    patient = getattr(request.user, "patient_profile", None)
    if patient is None:
        raise PermissionDenied(_("Only patients have an inbox and message preferences."))
    return patient


@login_required
@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    patient = _patient_of(request)
    return render(
        request,
        "notifications/inbox.html",
        {
            "notes": inbox_for(patient)[:INBOX_PAGE_SIZE],
            "unread": unread_count(patient),
            "zone": zone_name_for(patient),
        },
    )


@login_required
@require_POST
def inbox_read(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _patient_of(request)
    note = get_object_or_404(inbox_for(patient), pk=pk)
    inbox_mark_read(patient=patient, message_id=note.pk)
    if request.htmx:
        note.refresh_from_db()
        return render(
            request,
            "notifications/inbox.html#inbox-item",
            {"note": note, "zone": zone_name_for(patient)},
        )
    return redirect("notifications_inbox")


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    inbox_mark_read(patient=_patient_of(request))
    return redirect("notifications_inbox")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    patient = _patient_of(request)
    preference = preference_for(patient)
    # SMS and email show ticked only with the patient's consent in force: that is what sends.
    in_force = set(
        Consent.objects.filter(patient=patient, withdrawn_at__isnull=True).values_list(
            "kind", flat=True
        )
    )
    form = PreferenceForm(
        request.POST or None,
        instance=preference,
        initial={
            "sms": preference.sms and CHANNEL_CONSENTS["sms"] in in_force,
            "email": preference.email and CHANNEL_CONSENTS["email"] in in_force,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        message_preferences_record(
            patient=patient,
            sms=data["sms"],
            email=data["email"],
            in_app=data["in_app"],
            quiet_hours_start=data["quiet_hours_start"],
            quiet_hours_end=data["quiet_hours_end"],
            timezone_name=data["timezone"],
            language=data["language"],
            push=data.get("push"),
        )
        messages.success(request, _("Your message preferences are saved."))
        return redirect("notifications_preferences")
    return render(
        request,
        "notifications/preferences.html",
        {
            "form": form,
            "preference": preference,
            "center": patient.center,
            "vapid_public_key": settings.VAPID_PUBLIC_KEY if settings.WEB_PUSH_ENABLED else "",
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_safe
def session_messages(request: HttpRequest, session_id: int) -> HttpResponse:
    """A session's planned and sent messages with their states, for the center's staff."""
    # Staff of the session's center who may read the session itself: its admins and directors,
    # and its own practitioner (not a colleague's patients); a patient is not staff.
    session = get_object_or_404(
        TherapySession.objects.select_related("patient", "therapy", "center").filter(
            session_scope(request.user)
        ),
        pk=session_id,
        center__in=centers_for(request.user),
    )
    template = (
        "notifications/_session_messages.html"
        if request.htmx
        else "notifications/session_messages.html"
    )
    return render(
        request,
        template,
        {"session": session, "session_messages": messages_for_session(session.pk)},
    )


@login_required
@require_safe
def failed_messages(request: HttpRequest) -> HttpResponse:
    """The messages of the user's centers that failed for good, to call the patient or retry."""
    centers = centers_for(request.user, roles=STAFF_ROLES)
    if not centers.exists():
        raise PermissionDenied(_("Only center admins and medical directors see failed messages."))
    return render(
        request,
        "notifications/failed.html",
        {"failed": failed_messages_for(centers)[:FAILED_PAGE_SIZE]},
    )


@login_required
@require_POST
def failed_message_retry(request: HttpRequest, pk: int) -> HttpResponse:
    centers = centers_for(request.user, roles=STAFF_ROLES)
    message = get_object_or_404(OutboxMessage, pk=pk, patient__center__in=centers)
    try:
        outbox_message_retry(message=message)
    except NotificationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The message will be sent again within a minute."))
    return redirect("notifications_failed")


def _refused(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"message": message}, status=status)


def _subscription_of(request: HttpRequest) -> dict | None:
    """The browser's PushSubscription.toJSON() from the request body, or None if it is not one."""
    try:
        data = json.loads(request.body)
        endpoint, keys = data["endpoint"], data.get("keys") or {}
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    if not isinstance(endpoint, str) or not isinstance(keys, dict):
        return None
    return {"endpoint": endpoint, "p256dh": keys.get("p256dh"), "auth": keys.get("auth")}


@login_required
@require_POST
def push_subscribe(request: HttpRequest) -> HttpResponse:
    """Keep the push subscription of the patient's phone (posted by static/js/push.js)."""
    patient = _patient_of(request)
    if not settings.WEB_PUSH_ENABLED:
        return _refused(_("Phone notifications are not set up at this clinic."), status=409)
    subscription = _subscription_of(request)
    if subscription is None or not all(
        isinstance(subscription[key], str) and subscription[key] for key in ("p256dh", "auth")
    ):
        return _refused(_("This is not a browser's push subscription."))
    try:
        push_subscription_save(
            patient=patient,
            user_agent=request.headers.get("User-Agent", ""),
            **subscription,
        )
    except ValidationError as error:
        return _refused(" ".join(error.messages))
    return JsonResponse({"message": _("Notifications are on for this phone.")}, status=201)


@login_required
@require_POST
def push_unsubscribe(request: HttpRequest) -> HttpResponse:
    patient = _patient_of(request)
    subscription = _subscription_of(request)
    if subscription is None:
        return _refused(_("This is not a browser's push subscription."))
    push_subscription_delete(patient=patient, endpoint=subscription["endpoint"])
    return JsonResponse({"message": _("Notifications are off for this phone.")})


def _staff_member(request: HttpRequest) -> None:
    if not roles_of(request.user) & {*STAFF_ROLES, Role.PRACTITIONER}:
        raise PermissionDenied(_("Alerts are for the staff of a center."))


@login_required
@require_safe
def staff_alerts(request: HttpRequest) -> HttpResponse:
    """The signed-in staff member's own alerts: failed messages, patients asking for help."""
    _staff_member(request)
    alerts = list(alerts_for(request.user)[:ALERTS_PAGE_SIZE])
    return render(
        request,
        "notifications/alerts.html",
        {"alerts": alerts, "unread": sum(1 for a in alerts if a.read_at is None)},
    )


@login_required
@require_POST
def staff_alerts_read(request: HttpRequest) -> HttpResponse:
    _staff_member(request)
    staff_alerts_mark_read(user=request.user)
    return redirect("notifications_alerts")
