"""The patient's inbox and preferences; for staff, a session's messages and the failed ones."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from clinics.access import STAFF_ROLES, centers_for, session_scope
from notifications.forms import PreferenceForm
from notifications.models import OutboxMessage
from notifications.selectors import (
    FAILED_PAGE_SIZE,
    INBOX_PAGE_SIZE,
    failed_messages_for,
    inbox_for,
    messages_for_session,
    unread_count,
    zone_name_for,
)
from notifications.services import (
    NotificationError,
    inbox_mark_read,
    notification_preference_update,
    outbox_message_retry,
    preference_for,
)
from patients.models import Patient
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
    form = PreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        notification_preference_update(
            patient=patient,
            sms=data["sms"],
            email=data["email"],
            in_app=data["in_app"],
            quiet_hours_start=data["quiet_hours_start"],
            quiet_hours_end=data["quiet_hours_end"],
            timezone_name=data["timezone"],
            language=data["language"],
        )
        messages.success(request, _("Your message preferences are saved."))
        return redirect("notifications_preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "preference": preference, "center": patient.center},
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
