"""More of the console's analytics: utilisation of rooms and therapists by weekday and hour,
whether reminders bring patients in, adherence per protocol, and a user's centers side by side."""

import csv

from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from clinics.choices import Weekday
from console.adherence import adherence_figures
from console.centers import centers_compared
from console.dashboard_cache import analytics_versions, kept_figures
from console.reminders import reminder_effectiveness
from console.utilisation import utilisation
from console.views import _analytics_period


def _wants_csv(request: HttpRequest) -> bool:
    return request.GET.get("format") == "csv"


def _csv_response(name: str, header: list, rows: list[list]) -> HttpResponse:
    """The dashboard's figures as a CSV download (the same address with ?format=csv)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


def _refusal(query) -> HttpResponse:
    errors = " ".join(e for errors in query.errors.values() for e in errors)
    return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")


def _percent(value) -> str:
    return "" if value is None else str(value)


# Plotly adds its chart styles in a <style> element at run time; scripts stay locked down.
@csp_update({"style-src": ["'unsafe-inline'"]})
@require_safe
@login_required
def utilisation_view(request: HttpRequest) -> HttpResponse:
    """How much of the rooms' places and therapists' rostered time was booked over chosen days."""
    center, centers, first_day, last_day, query, valid = _analytics_period(request)
    if _wants_csv(request) and not valid:
        return _refusal(query)
    # The page keeps its drawing of the figures too, under the same token (the heatmaps' and
    # tables' template costs more than the rest of the page).
    version = analytics_versions([center.pk])[0]
    figures = kept_figures(
        "utilisation",
        [center.pk],
        (first_day, last_day),
        lambda: utilisation(center=center, first_day=first_day, last_day=last_day),
        versions=[version],
    )
    if _wants_csv(request):
        return _csv_response(
            f"utilisation-{center.slug}-{first_day}-{last_day}",
            [_("Kind"), _("Name"), _("Booked hours"), _("Available hours"), _("Booked %")],
            [
                [kind, row.label, row.booked_hours, row.available_hours, _percent(row.percent)]
                for kind, rows in ((_("Room"), figures.rooms), (_("Therapist"), figures.therapists))
                for row in rows
            ],
        )
    context = {
        "centers": centers,
        "center": center,
        "first_day": first_day,
        "last_day": last_day,
        "figures": figures,
        "chart": {
            # Short names leave the heatmap its width on a phone.
            "weekdays": [str(WEEKDAYS_ABBR[day]) for day in Weekday.values],
            "hours": [f"{hour:02d}:00" for hour in figures.room_heatmap.hours],
            "rooms": figures.room_heatmap.percent,
            "therapists": figures.therapist_heatmap.percent,
            "labels": {"percent": _("% booked")},
        },
        "errors": [] if valid else [e for errors in query.errors.values() for e in errors],
        "kept": {"seconds": settings.ANALYTICS_CACHE_SECONDS, "version": version},
    }
    return render(request, "console/utilisation.html", context, status=200 if valid else 400)


# Plotly adds its chart styles in a <style> element at run time; scripts stay locked down.
@csp_update({"style-src": ["'unsafe-inline'"]})
@require_safe
@login_required
def reminders_view(request: HttpRequest) -> HttpResponse:
    """No-shows among sessions a reminder reached, per reminder and channel, and among the rest."""
    center, centers, first_day, last_day, query, valid = _analytics_period(request)
    if _wants_csv(request) and not valid:
        return _refusal(query)
    rows = kept_figures(
        "reminders",
        [center.pk],
        (first_day, last_day),
        lambda: reminder_effectiveness(center=center, first_day=first_day, last_day=last_day),
    )
    not_reached = _("No reminder reached them")
    if _wants_csv(request):
        return _csv_response(
            f"reminders-{center.slug}-{first_day}-{last_day}",
            [
                _("Reminder"),
                _("Channel"),
                _("Sessions"),
                _("Attended"),
                _("No-shows"),
                _("No-show rate %"),
            ],
            [
                [
                    row.reminder or not_reached,
                    row.channel,
                    row.sessions,
                    row.attended,
                    row.missed,
                    _percent(row.no_show_rate),
                ]
                for row in rows
            ],
        )
    context = {
        "centers": centers,
        "center": center,
        "first_day": first_day,
        "last_day": last_day,
        "rows": rows,
        "chart": {
            "groups": [
                f"{row.reminder} · {row.channel}" if row.reminder else not_reached for row in rows
            ],
            "rates": [row.no_show_rate for row in rows],
            "labels": {"rate": _("No-show rate %")},
        },
        "errors": [] if valid else [e for errors in query.errors.values() for e in errors],
    }
    return render(request, "console/reminders.html", context, status=200 if valid else 400)


# Plotly adds its chart styles in a <style> element at run time; scripts stay locked down.
@csp_update({"style-src": ["'unsafe-inline'"]})
@require_safe
@login_required
def centers_view(request: HttpRequest) -> HttpResponse:
    """Every center the user is on the staff of, side by side over the same days: what a
    medical director of several centers compares."""
    center, centers, first_day, last_day, query, valid = _analytics_period(request)
    if _wants_csv(request) and not valid:
        return _refusal(query)
    centers = list(centers)
    rows = kept_figures(
        "centers",
        [c.pk for c in centers],
        (first_day, last_day),
        lambda: centers_compared(centers=centers, first_day=first_day, last_day=last_day),
    )
    if _wants_csv(request):
        return _csv_response(
            f"centers-{first_day}-{last_day}",
            [
                _("Center"),
                _("Booked"),
                _("Completed"),
                _("No-shows"),
                _("Cancelled"),
                _("No-show rate %"),
                _("Patients"),
                _("Mean relief (0-10)"),
                _("Answers"),
            ],
            [
                [
                    row.center,
                    row.booked,
                    row.completed,
                    row.no_shows,
                    row.cancelled,
                    _percent(row.no_show_rate),
                    row.patients,
                    _percent(row.mean_relief),
                    row.answers,
                ]
                for row in rows
            ],
        )
    context = {
        "centers": centers,
        "center": center,
        "first_day": first_day,
        "last_day": last_day,
        "rows": rows,
        "chart": {
            "centers": [row.center for row in rows],
            "no_show_rates": [row.no_show_rate for row in rows],
            "mean_relief": [row.mean_relief for row in rows],
            "labels": {"no_show_rate": _("No-show rate %"), "relief": _("Mean relief (0-10)")},
        },
        "errors": [] if valid else [e for errors in query.errors.values() for e in errors],
    }
    return render(request, "console/centers.html", context, status=200 if valid else 400)


@require_safe
@login_required
def adherence_view(request: HttpRequest) -> HttpResponse:
    """Per protocol: care-plan sessions due over chosen days, and how many were attended."""
    center, centers, first_day, last_day, query, valid = _analytics_period(request)
    if _wants_csv(request) and not valid:
        return _refusal(query)
    now = timezone.now()
    rows = kept_figures(
        "adherence",
        [center.pk],
        (first_day, last_day),
        lambda: adherence_figures(center=center, first_day=first_day, last_day=last_day, now=now),
        stale=lambda figures: figures.stale(now),
    ).rows
    if _wants_csv(request):
        return _csv_response(
            f"adherence-{center.slug}-{first_day}-{last_day}",
            [
                _("Protocol"),
                _("Care plans"),
                _("Sessions due"),
                _("Attended"),
                _("No-shows"),
                _("Cancelled"),
                _("Adherence %"),
            ],
            [
                [
                    row.protocol,
                    row.care_plans,
                    row.due,
                    row.attended,
                    row.missed,
                    row.cancelled,
                    _percent(row.adherence),
                ]
                for row in rows
            ],
        )
    context = {
        "centers": centers,
        "center": center,
        "first_day": first_day,
        "last_day": last_day,
        "rows": rows,
        "errors": [] if valid else [e for errors in query.errors.values() for e in errors],
    }
    return render(request, "console/adherence.html", context, status=200 if valid else 400)
