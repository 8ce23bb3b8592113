"""The console: a center's day at a glance and its resource calendar, for admins and directors."""

import csv
from datetime import timedelta
from zoneinfo import ZoneInfo

from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F, OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from audit.services import patient_record_read_log
from clinics.access import STAFF_ROLES, centers_for, staff_center_for
from clinics.choices import Role
from clinics.models import Consumable, Leave, RosterShift
from console.analytics import attendance_by_practitioner, attendance_totals
from console.dashboard_cache import kept_figures
from console.forms import AnalyticsQuery, CalendarQuery
from console.holiday_names import calendar_days_name_holidays
from console.inventory import COVER_DAYS, stock_by_consumable, use_by_protocol
from console.outcomes import patients_on_protocol, protocol_outcomes, protocols_with_feedback
from console.selectors import calendar_session, resource_calendar
from patients.models import CarePlan
from portal.progress import progress_page_context
from portal.selectors import PROGRESS_STAFF_ROLES, patient_for_progress, patient_progress
from sessions.models import SessionStatus, StockAlert, TherapySession
from sessions.selectors import (
    local_day_bounds,
    overrun_clashes,
    sessions_for_center_between,
    status_counts,
)


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    center, centers = staff_center_for(request.user, request.GET.get("center"))
    now = timezone.now()
    today = now.astimezone(ZoneInfo(center.timezone)).date()
    day_start, day_end = local_day_bounds(today, center.timezone)
    todays_sessions = sessions_for_center_between(center=center, starts=day_start, ends=day_end)
    counts = status_counts(todays_sessions)
    context = {
        "centers": centers,
        "center": center,
        "today": today,
        "sessions": todays_sessions,
        "counts": counts,
        "in_progress": counts[SessionStatus.IN_PREPARATION]
        + counts[SessionStatus.IN_SESSION]
        + counts[SessionStatus.RECOVERY],
        "rooms_count": center.rooms.filter(is_active=True).count(),
        # Setting up from CSV is a center admin's work; a medical director is not offered it.
        "may_set_up": centers_for(request.user, roles=[Role.CENTER_ADMIN])
        .filter(pk=center.pk)
        .exists(),
        "shifts": RosterShift.objects.filter(center=center, weekday=today.weekday())
        .select_related("practitioner__user")
        .order_by("starts", "practitioner__user__first_name"),
        # A draft held for a waitlist offer is booked when the offer is accepted, not here.
        "plans_to_schedule": CarePlan.objects.filter(
            patient__center=center, status=CarePlan.Status.DRAFT, waitlist_entries__isnull=True
        )
        .select_related("patient", "protocol_version__template")
        .order_by("start_date")[:10],
        "low_stock": Consumable.objects.filter(
            center=center, stock_quantity__lte=F("reorder_level")
        )
        # When a session's use took it under, the open alert it raised: same query.
        .annotate(
            alert_raised_at=Subquery(
                StockAlert.objects.filter(consumable=OuterRef("pk"), closed_at__isnull=True)
                .order_by("-raised_at")
                .values("raised_at")[:1]
            )
        )
        .order_by("name"),
        "leave": Leave.objects.filter(
            practitioner__shifts__center=center,
            ends_at__gte=now,
            starts_at__lte=now + timedelta(days=14),
        )
        .select_related("practitioner__user")
        .distinct()
        .order_by("starts_at"),
    }
    return render(request, "console/home.html", context)


@login_required
@require_safe
def calendar(request: HttpRequest) -> HttpResponse:
    """Rooms and practitioners side by side over a day or a week, in the center's zone."""
    center, centers = staff_center_for(request.user, request.GET.get("center"))
    today = timezone.now().astimezone(center.tzinfo).date()
    query = CalendarQuery(request.GET)
    # A bad address still shows a calendar (today's, or the view asked for), with the reason.
    valid = query.is_valid()
    view = query.cleaned_data.get("view") or "day"
    day = query.cleaned_data.get("date") or today
    if view == "week":
        first_day, days, step = day - timedelta(days=day.weekday()), 7, timedelta(days=7)
    else:
        first_day, days, step = day, 1, timedelta(days=1)
    context = {
        "centers": centers,
        "center": center,
        "view": view,
        "day": day,
        "today": today,
        "previous": day - step,
        "next": day + step,
        "errors": [] if valid else [e for errors in query.errors.values() for e in errors],
    }
    calendar = resource_calendar(center=center, first_day=first_day, days=days, today=today)
    calendar_days_name_holidays(center=center, days=calendar.days)
    context |= {
        "calendar": calendar,
        "lane_groups": [
            (_("Rooms"), calendar.rooms, "room"),
            (_("Practitioners"), calendar.practitioners, "practitioner"),
        ],
        "statuses": SessionStatus.choices,
    }
    return render(request, "console/calendar.html", context, status=200 if valid else 400)


@login_required
@require_safe
def calendar_session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One session as the calendar opens it: who, what, where, when, and what can be done."""
    centers = centers_for(request.user, roles=STAFF_ROLES)
    if not centers.exists():
        raise PermissionDenied
    try:
        session = calendar_session(pk=pk, centers=centers)
    except TherapySession.DoesNotExist:
        raise Http404 from None
    patient_record_read_log(
        user=request.user, patient=session.patient, what=f"Calendar: session {session.pk}"
    )
    day_start, day_end = local_day_bounds(
        session.starts_at.astimezone(session.center.tzinfo).date(), session.center.timezone
    )
    # What the session clashes with depends on what else runs that day at its center.
    same_day = list(
        sessions_for_center_between(center=session.center, starts=day_start, ends=day_end)
    )
    context = {
        "session": session,
        "center": session.center,
        "clashes": overrun_clashes(same_day).get(session.pk, []),
        "may_change": session.status == SessionStatus.SCHEDULED,
    }
    template = "console/calendar_session.html"
    if request.htmx:
        template += "#session-detail"
    return render(request, template, context)


def _analytics_period(request: HttpRequest):
    """The center and days the analytics address asks for (the last 30 days by default),
    with the form so that a bad date answers 400 in words."""
    center, centers = staff_center_for(request.user, request.GET.get("center"))
    today = timezone.now().astimezone(center.tzinfo).date()
    query = AnalyticsQuery(request.GET)
    valid = query.is_valid()
    data = query.cleaned_data if valid else {}
    last_day = data.get("end") or today
    first_day = data.get("start") or last_day - timedelta(days=29)
    return center, centers, first_day, last_day, query, valid


def _attendance(center, first_day, last_day):
    """The attendance rows, kept until something at the center changes (dashboard_cache)."""
    return kept_figures(
        "attendance",
        [center.pk],
        (first_day, last_day),
        lambda: attendance_by_practitioner(center=center, first_day=first_day, last_day=last_day),
    )


# Plotly adds its chart styles in a <style> element at run time; scripts stay locked down.
@csp_update({"style-src": ["'unsafe-inline'"]})
@login_required
@require_safe
def analytics(request: HttpRequest) -> HttpResponse:
    """Attendance and no-shows per practitioner over chosen days at one of the user's centers."""
    center, centers, first_day, last_day, query, valid = _analytics_period(request)
    rows = _attendance(center, first_day, last_day)
    context = {
        "centers": centers,
        "center": center,
        "first_day": first_day,
        "last_day": last_day,
        "rows": rows,
        "totals": attendance_totals(rows),
        "chart": {
            "practitioners": [row.practitioner for row in rows],
            "completed": [row.completed for row in rows],
            "no_shows": [row.no_shows for row in rows],
            "cancelled": [row.cancelled for row in rows],
            "labels": {
                "completed": _("Completed"),
                "no_shows": _("No-shows"),
                "cancelled": _("Cancelled"),
                "sessions": _("Sessions"),
            },
        },
        "errors": [e for errors in query.errors.values() for e in errors],
    }
    return render(request, "console/analytics.html", context, status=200 if valid else 400)


@login_required
@require_safe
def analytics_csv(request: HttpRequest) -> HttpResponse:
    """The attendance table as CSV, for the same center and days."""
    center, _centers, first_day, last_day, query, valid = _analytics_period(request)
    if not valid:
        errors = "; ".join(e for errors in query.errors.values() for e in errors)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    rows = _attendance(center, first_day, last_day)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="attendance-{center.pk}-{first_day}-{last_day}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Practitioner"),
            _("Booked"),
            _("Completed"),
            _("No-shows"),
            _("Cancelled"),
            _("No-show rate %"),
        ]
    )
    for row in rows:
        writer.writerow(
            [
                row.practitioner,
                row.booked,
                row.completed,
                row.no_shows,
                row.cancelled,
                "" if row.no_show_rate is None else row.no_show_rate,
            ]
        )
    return response


def _progress_center_for(request: HttpRequest):
    """The center whose patients the user may follow (its staff or practitioners) and all of
    theirs; PermissionDenied for anyone else."""
    centers = list(centers_for(request.user, roles=PROGRESS_STAFF_ROLES))
    if not centers:
        raise PermissionDenied
    wanted = request.GET.get("center", "")
    return next((c for c in centers if str(c.pk) == wanted), centers[0]), centers


# Plotly adds its chart styles in a <style> element at run time; scripts stay locked down.
@csp_update({"style-src": ["'unsafe-inline'"]})
@require_safe
@login_required
def patient_progress_for_staff(request: HttpRequest, patient_id: int) -> HttpResponse:
    """A patient's progress charts, for the staff and practitioners of the patient's center."""
    patient = patient_for_progress(user=request.user, patient_id=patient_id, include_own=False)
    if patient is None:
        # Another center's patient reads like one that does not exist.
        raise Http404
    patient_record_read_log(user=request.user, patient=patient, what="Progress charts")
    return render(
        request,
        "console/patient_progress.html",
        progress_page_context(patient_progress(patient=patient)),
    )


@csp_update({"style-src": ["'unsafe-inline'"]})
@require_safe
@login_required
def protocol_outcomes_view(request: HttpRequest) -> HttpResponse:
    """Relief and side effects by protocol day across one protocol's patients at a center."""
    center, centers = _progress_center_for(request)
    protocols = list(protocols_with_feedback(center=center))
    wanted = request.GET.get("protocol", "")
    protocol = next((p for p in protocols if str(p.pk) == wanted), None)
    error = ""
    if wanted and protocol is None:
        error = _("That protocol has no answered sessions at this center; showing another.")
    protocol = protocol or (protocols[0] if protocols else None)
    days = protocol_outcomes(center=center, protocol=protocol) if protocol else []
    context = {
        "centers": centers,
        "center": center,
        "protocols": protocols,
        "protocol": protocol,
        "days": days,
        "patients": patients_on_protocol(center=center, protocol=protocol) if protocol else [],
        "error": error,
        "chart": {
            "days": [d.day for d in days],
            "relief": [
                [float(d.relief.q1), float(d.relief.median), float(d.relief.q3)] for d in days
            ],
            "side_effect": [
                [
                    float(d.worst_side_effect.q1),
                    float(d.worst_side_effect.median),
                    float(d.worst_side_effect.q3),
                ]
                for d in days
            ],
            "labels": {
                "relief": _("Relief (median, quartiles)"),
                "side_effect": _("Strongest side effect (median, quartiles)"),
                "day": _("Protocol day"),
                "score": _("Score (0–10)"),
            },
        },
    }
    return render(request, "console/outcomes.html", context, status=400 if error else 200)


@require_safe
@login_required
def inventory(request: HttpRequest) -> HttpResponse:
    """A center's stock, what sessions used of it over chosen days, what to reorder, and use per
    protocol."""
    center, centers, first_day, last_day, query, valid = _analytics_period(request)
    stock = stock_by_consumable(center=center, first_day=first_day, last_day=last_day)
    context = {
        "centers": centers,
        "center": center,
        "first_day": first_day,
        "last_day": last_day,
        "stock": stock,
        "low": [row for row in stock if row.is_low],
        "by_protocol": use_by_protocol(center=center, first_day=first_day, last_day=last_day),
        "cover_days": COVER_DAYS,
        "errors": [] if valid else [e for errors in query.errors.values() for e in errors],
    }
    return render(request, "console/inventory.html", context, status=200 if valid else 400)


@require_safe
@login_required
def inventory_reorder_csv(request: HttpRequest) -> HttpResponse:
    """The reorder report: every consumable at or under its reorder level, with what to order."""
    center, _centers, first_day, last_day, query, valid = _analytics_period(request)
    if not valid:
        errors = " ".join(e for errors in query.errors.values() for e in errors)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    stock = stock_by_consumable(center=center, first_day=first_day, last_day=last_day)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="reorder-{center.slug}-{last_day}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Consumable"),
            _("Unit"),
            _("In stock"),
            _("Reorder level"),
            _("Used %(first)s to %(last)s") % {"first": first_day, "last": last_day},
            _("Days of cover"),
            _("To order"),
        ]
    )
    for row in stock:
        if row.is_low:
            writer.writerow(
                [
                    row.name,
                    row.unit,
                    f"{row.in_stock.normalize():f}",
                    f"{row.reorder_level.normalize():f}",
                    f"{row.used.normalize():f}",
                    "" if row.days_of_cover is None else row.days_of_cover,
                    f"{row.to_order:f}",
                ]
            )
    return response
