"""The progress charts' figures and their words: one payload for Plotly, one sentence a chart.

The patient's page and the staff's view of it draw the same charts from the same aggregates
(portal.selectors.patient_progress); each chart's sentence says what the chart shows for
someone who cannot see it, and is what a screen reader reads in the chart's place.
"""

from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from feedback.choices import Symptom
from notifications.services import HINDI_MONTHS
from portal.selectors import PatientProgress


def _day(day) -> str:
    if translation.get_language() == "hi":
        # Django's Hindi month names are misspelt (दिसमबर); the reminders' spelling is used.
        return f"{day.day} {HINDI_MONTHS[day.month - 1]}"
    return formats.date_format(day, "j F")


def _local(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def _therapy(point) -> str:
    hindi = translation.get_language() == "hi"
    return point.therapy_hi if hindi and point.therapy_hi else point.therapy


def relief_summary(progress: PatientProgress) -> str:
    points = progress.feedback
    if not points:
        return _("No feedback has been given after a session yet.")
    first, last = points[0], points[-1]
    text = ngettext(
        "%(count)s answer, on %(day)s: relief %(relief)s out of 10.",
        "%(count)s answers from %(first)s to %(last)s: relief went from %(start)s to %(end)s "
        "out of 10, %(average)s on average.",
        len(points),
    ) % {
        "count": len(points),
        "day": _day(last.day),
        "relief": last.relief,
        "first": _day(first.day),
        "last": _day(last.day),
        "start": first.relief,
        "end": last.relief,
        "average": formats.number_format(progress.relief_average, 1),
    }
    worst = progress.worst_side_effect
    if worst is None:
        return text + " " + _("No side effects were reported.")
    symptom, score, day = worst
    return (
        text
        + " "
        + _("The strongest side effect was %(symptom)s, %(score)s out of 10, on %(day)s.")
        % {"symptom": Symptom(symptom).label.lower(), "score": score, "day": _day(day)}
    )


def sessions_summary(progress: PatientProgress) -> str:
    if not progress.plans:
        return _("No treatment plan has been booked yet.")
    parts = [
        _(
            "%(protocol)s: %(completed)s of %(planned)s sessions done, %(missed)s missed, "
            "%(left)s to come."
        )
        % {
            "protocol": plan.protocol,
            "completed": plan.completed,
            "planned": plan.planned,
            "missed": plan.missed,
            "left": plan.left,
        }
        for plan in progress.plans
    ]
    if progress.adherence is not None:
        parts.append(
            _("%(percent)s%% of the sessions that came due were attended.")
            % {"percent": progress.adherence}
        )
    return " ".join(parts)


def weight_summary(progress: PatientProgress) -> str:
    weights = progress.weights
    if not weights:
        return _("No weight has been recorded at a session yet.")
    first, last = weights[0], weights[-1]
    return ngettext(
        "One reading: %(kg)s kg on %(day)s.",
        "%(count)s readings, from %(first_kg)s kg on %(first)s to %(last_kg)s kg on %(last)s.",
        len(weights),
    ) % {
        "count": len(weights),
        "kg": formats.number_format(last.kg, 1),
        "day": _day(last.day),
        "first_kg": formats.number_format(first.kg, 1),
        "first": _day(first.day),
        "last_kg": formats.number_format(last.kg, 1),
        "last": _day(last.day),
    }


def mymop_summary(progress: PatientProgress) -> str:
    answers = progress.mymop
    if not answers:
        return _("No MYMOP questions have been answered yet.")
    first, last = answers[0], answers[-1]
    if len(answers) == 1:
        return _(
            "One answer, on %(day)s: MYMOP profile %(profile)s out of 6 (0 is as good as it "
            "could be, 6 as bad)."
        ) % {"day": _day(last.day), "profile": formats.number_format(last.profile, 2)}
    change = progress.mymop_change
    if change > 0:
        trend = _("%(points)s points better") % {"points": formats.number_format(change, 2)}
    elif change < 0:
        trend = _("%(points)s points worse") % {"points": formats.number_format(-change, 2)}
    else:
        trend = _("no change")
    return _(
        "%(count)s answers from %(first)s to %(last)s: the MYMOP profile went from %(start)s "
        "to %(end)s out of 6 (lower is better), %(trend)s."
    ) % {
        "count": len(answers),
        "first": _day(first.day),
        "last": _day(last.day),
        "start": formats.number_format(first.profile, 2),
        "end": formats.number_format(last.profile, 2),
        "trend": trend,
    }


def _mymop_items(progress: PatientProgress) -> list[dict]:
    # Every answer keeps the first's names, so the latest names each item's line.
    last = progress.mymop[-1] if progress.mymop else None
    if last is None:
        return []
    items = [
        (last.symptom_1_name, "symptom_1"),
        (last.symptom_2_name, "symptom_2"),
        (last.activity_name, "activity"),
        (_("Wellbeing"), "wellbeing"),
    ]
    return [
        {"name": str(name), "scores": [getattr(m, item) for m in progress.mymop]}
        for name, item in items
        if name
    ]


def chart_payload(progress: PatientProgress) -> dict:
    """What static/js/progress.js draws: the figures, with the labels in the page's language."""
    side_effects = progress.side_effects_felt
    return {
        "relief": {
            # Local wall-clock times without an offset: Plotly draws them as they read.
            "times": [_local(p.starts_at) for p in progress.feedback],
            "therapies": [_therapy(p) for p in progress.feedback],
            "relief": [p.relief for p in progress.feedback],
            "side_effects": [
                {
                    "name": str(Symptom(symptom).label),
                    "scores": [p.side_effects.get(symptom, 0) for p in progress.feedback],
                }
                for symptom in side_effects
            ],
        },
        "plans": [
            {
                "protocol": plan.protocol,
                "planned": plan.planned,
                "completed": plan.completed,
                "missed": plan.missed,
                "left": plan.left,
            }
            for plan in progress.plans
        ],
        "weights": {
            "times": [_local(w.recorded_at) for w in progress.weights],
            "kg": [float(w.kg) for w in progress.weights],
        },
        "mymop": {
            "times": [_local(m.answered_at) for m in progress.mymop],
            "profile": [float(m.profile) for m in progress.mymop],
            "items": _mymop_items(progress),
        },
        # Plotly's own month names are English; a Hindi page names them as the reminders do.
        "months": list(HINDI_MONTHS) if translation.get_language() == "hi" else None,
        "labels": {
            "relief": _("Relief"),
            "score": _("Score (0–10)"),
            "planned": _("Planned"),
            "completed": _("Done"),
            "missed": _("Missed"),
            "left": _("To come"),
            "sessions": _("Sessions"),
            "weight": _("Weight (kg)"),
            "mymop_profile": _("MYMOP profile"),
            "mymop_score": _("Score (0 best – 6 worst)"),
        },
    }


def progress_page_context(progress: PatientProgress) -> dict:
    return {
        "progress": progress,
        "patient": progress.patient,
        "center": progress.patient.center,
        "chart": chart_payload(progress),
        "relief_summary": relief_summary(progress),
        "sessions_summary": sessions_summary(progress),
        "weight_summary": weight_summary(progress),
        "mymop_summary": mymop_summary(progress),
    }
