"""The bottlenecks and outcome trends dashboards of the console's analytics, for the staff (admins
and medical directors) of a center, over chosen days, as a page or a CSV download."""

from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from console.bottlenecks import bottlenecks
from console.dashboard_cache import analytics_versions, kept_figures
from console.dashboard_views import _csv_response, _percent, _refusal, _wants_csv
from console.outcome_trends import (
    SIDE_EFFECT_COMPLICATION_SCORE,
    booking_to_start,
    booking_to_start_by_center,
    complications_by_step,
    mymop_trends,
    symptom_trends,
    wait_columns,
)
from console.views import _analytics_period

# The chart shows the most named; the table below it lists them all.
CHART_RESOURCES = 10


def _errors(query) -> list[str]:
    return [e for errors in query.errors.values() for e in errors]


# Plotly adds its chart styles in a <style> element at run time; scripts stay locked down.
@csp_update({"style-src": ["'unsafe-inline'"]})
@require_safe
@login_required
def bottlenecks_view(request: HttpRequest) -> HttpResponse:
    """The rooms, practitioners and therapies scheduling most often found in its way, and those
    whose sessions ran over, over chosen days."""
    center, centers, first_day, last_day, query, valid = _analytics_period(request)
    if _wants_csv(request) and not valid:
        return _refusal(query)
    # The page keeps its drawing too, under the same token: each row's sentence in words is
    # put together from several translated phrases.
    version = analytics_versions([center.pk])[0]
    figures = kept_figures(
        "bottlenecks",
        [center.pk],
        (first_day, last_day),
        lambda: bottlenecks(center=center, first_day=first_day, last_day=last_day),
        versions=[version],
    )
    if _wants_csv(request):
        return _csv_response(
            f"bottlenecks-{center.slug}-{first_day}-{last_day}",
            [
                _("Kind"),
                _("Name"),
                _("Named by scheduling"),
                _("Scheduling runs"),
                _("Over-runs"),
                _("In words"),
            ],
            [
                [row.kind_label, row.name, row.mentions, row.runs, row.overruns, row.in_words]
                for row in figures.resources
            ],
        )
    shown = figures.resources[:CHART_RESOURCES]
    context = {
        "centers": centers,
        "center": center,
        "first_day": first_day,
        "last_day": last_day,
        "figures": figures,
        "chart": {
            # Plotly draws a horizontal bar chart's first row at the bottom: most named on top.
            "names": [f"{row.name} ({row.kind_label})" for row in reversed(shown)],
            "mentions": [row.mentions for row in reversed(shown)],
            "overruns": [row.overruns for row in reversed(shown)],
            "labels": {
                "mentions": _("Named by scheduling"),
                "overruns": _("Over-runs"),
            },
        },
        "errors": [] if valid else _errors(query),
        "kept": {"seconds": settings.ANALYTICS_CACHE_SECONDS, "version": version},
    }
    return render(request, "console/bottlenecks.html", context, status=200 if valid else 400)


def _trend_series(points, *, second: bool = False) -> list[dict]:
    """One line per protocol: its days and means (or the second means)."""
    series: dict[str, dict] = {}
    for point in points:
        line = series.setdefault(point.protocol, {"name": point.protocol, "x": [], "y": []})
        line["x"].append(point.day)
        line["y"].append(point.second_mean if second else point.mean)
    return list(series.values())


def _outcome_csv_rows(trends, mymop, steps, waits) -> list[list]:
    """Every figure of the page in one long table: what it measures, for what, and its value."""
    relief, side, profile = (
        _("Mean relief (0-10)"),
        _("Mean strongest side effect (0-10)"),
        _("Mean MYMOP profile (0-6)"),
    )
    rows = []
    for point in trends:
        rows.append([relief, point.protocol, "", point.day, point.answers, point.mean])
        rows.append([side, point.protocol, "", point.day, point.answers, point.second_mean])
    for point in mymop:
        rows.append([profile, point.protocol, "", point.day, point.answers, point.mean])
    for step in steps:
        where = [step.protocol, step.step, step.day, step.held]
        rows.append([_("Complication rate %"), *where, _percent(step.rate)])
        rows.append([_("Sessions with an incident"), *where, step.with_incident])
        rows.append([_("Sessions with a strong side effect"), *where, step.with_side_effect])
    columns = wait_columns()
    for row in waits:
        for key, label in columns:
            measure = _("Care plans by wait to first session: %(wait)s") % {"wait": label}
            rows.append([measure, row.protocol, "", "", row.plans, row.counts.get(key, 0)])
    return rows


# Plotly adds its chart styles in a <style> element at run time; scripts stay locked down.
@csp_update({"style-src": ["'unsafe-inline'"]})
@require_safe
@login_required
def outcome_trends_view(request: HttpRequest) -> HttpResponse:
    """Every protocol's symptom and MYMOP trends over its days, complications per step, and
    the wait from booking to the first session, over chosen days."""
    center, centers, first_day, last_day, query, valid = _analytics_period(request)
    if _wants_csv(request) and not valid:
        return _refusal(query)
    period = {"center": center, "first_day": first_day, "last_day": last_day}
    # The page keeps its drawing of the figures too, under the same token: its charts' data and
    # its tables (a row per protocol day and per step) cost more than the rest of the page.
    version = analytics_versions([center.pk])[0]
    trends, mymop, steps, waits = kept_figures(
        "outcome_trends",
        [center.pk],
        (first_day, last_day),
        lambda: (
            symptom_trends(**period),
            mymop_trends(**period),
            complications_by_step(**period),
            booking_to_start(**period),
        ),
        versions=[version],
    )
    # A director (or admin) of several centers compares the waits center by center.
    center_waits = (
        kept_figures(
            "outcome_trends_centers",
            [c.pk for c in centers],
            (first_day, last_day),
            lambda: booking_to_start_by_center(
                centers=centers, first_day=first_day, last_day=last_day
            ),
        )
        if len(centers) > 1
        else []
    )
    if _wants_csv(request):
        return _csv_response(
            f"outcome-trends-{center.slug}-{first_day}-{last_day}",
            [_("Measure"), _("Protocol"), _("Step"), _("Protocol day"), _("Count"), _("Value")],
            _outcome_csv_rows(trends, mymop, steps, waits),
        )
    columns = wait_columns()
    protocol_pks = {point.protocol: point.protocol_pk for point in trends}
    context = {
        "centers": centers,
        "center": center,
        "first_day": first_day,
        "last_day": last_day,
        "trends": trends,
        "trend_protocols": list(protocol_pks.items()),
        "mymop": mymop,
        "steps": steps,
        "waits": [
            (row, [(label, row.counts.get(key, 0)) for key, label in columns]) for row in waits
        ],
        "center_waits": [
            (row, [(label, row.counts.get(key, 0)) for key, label in columns])
            for row in center_waits
        ],
        "wait_labels": [label for _key, label in columns],
        "strong_side_effect": SIDE_EFFECT_COMPLICATION_SCORE,
        "chart": {
            "relief": _trend_series(trends),
            "side_effect": _trend_series(trends, second=True),
            "mymop": _trend_series(mymop),
            "steps": {
                "names": [f"{step.protocol} · {step.step}" for step in steps],
                "rates": [step.rate for step in steps],
            },
            "waits": [
                {
                    "name": label,
                    "x": [row.protocol for row in waits],
                    "y": [row.counts.get(key, 0) for row in waits],
                }
                for key, label in columns
            ],
            "labels": {
                "day": _("Protocol day"),
                "relief": _("Mean relief (0-10)"),
                "side_effect": _("Mean strongest side effect (0-10)"),
                "mymop": _("Mean MYMOP profile (0 best, 6 worst)"),
                "rate": _("Complication rate %"),
                "plans": _("Care plans"),
            },
        },
        "errors": [] if valid else _errors(query),
        "kept": {"seconds": settings.ANALYTICS_CACHE_SECONDS, "version": version},
    }
    return render(request, "console/outcome_trends.html", context, status=200 if valid else 400)
