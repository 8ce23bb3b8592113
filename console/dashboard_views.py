"""More of the console's analytics: utilisation of rooms and therapists by weekday and hour,
whether reminders bring patients in, and a user's centers side by side."""

from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from clinics.choices import Weekday
from console.centers import centers_compared
from console.reminders import reminder_effectiveness
from console.utilisation import utilisation
from console.views import _analytics_period


# Plotly adds its chart styles in a <style> element at run time; scripts stay locked down.
@csp_update({"style-src": ["'unsafe-inline'"]})
@require_safe
@login_required
def utilisation_view(request: HttpRequest) -> HttpResponse:
    """How much of the rooms' places and therapists' rostered time was booked over chosen days."""
    center, centers, first_day, last_day, query, valid = _analytics_period(request)
    figures = utilisation(center=center, first_day=first_day, last_day=last_day)
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
    }
    return render(request, "console/utilisation.html", context, status=200 if valid else 400)


# Plotly adds its chart styles in a <style> element at run time; scripts stay locked down.
@csp_update({"style-src": ["'unsafe-inline'"]})
@require_safe
@login_required
def reminders_view(request: HttpRequest) -> HttpResponse:
    """No-shows among sessions a reminder reached, per reminder and channel, and among the rest."""
    center, centers, first_day, last_day, query, valid = _analytics_period(request)
    rows = reminder_effectiveness(center=center, first_day=first_day, last_day=last_day)
    not_reached = _("No reminder reached them")
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
    rows = centers_compared(centers=centers, first_day=first_day, last_day=last_day)
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
