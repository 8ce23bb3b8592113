"""Adaptation rules at work: measuring a patient's data, firing once, acting, and undoing.

A rule fires at most once per patient and subject (the session a feedback was about, or a
week of attendance); the firing row is unique on that, so evaluating again after a corrected
feedback or in the daily job finds it and does nothing. Each action runs in its own savepoint:
one that fails (the scheduler finds no other time) is recorded on the firing in words and
leaves the others done.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Count, Q
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from clinics.models import Center
from feedback.choices import Symptom
from feedback.models import (
    FEEDBACK_MEASURES,
    TREND_COMPARISONS,
    AdaptationRule,
    AdaptationRuleVersion,
    ClinicianTask,
    MymopAnswer,
    RuleFiring,
    SessionFeedback,
)
from notifications.models import Escalation
from notifications.services import (
    escalation_raise,
    patient_message_queue,
    template_values,
)
from patients.models import Patient
from scheduling.services.replanning import session_alternatives_solve
from scheduling.services.runs import SchedulingError
from sessions.models import SessionStatus, TherapySession
from sessions.services import session_intensity_set

logger = logging.getLogger(__name__)

# A clinician calls the patient within a day of a rule's alert (the seed rule's "within 24 h").
CLINICIAN_CALL_DUE = timedelta(hours=24)
# Attendance is measured over this many days before the daily run.
ADHERENCE_WINDOW = timedelta(days=7)
# Extra reminders go to sessions starting within this time, this long before each one.
EXTRA_REMINDER_HORIZON = timedelta(days=7)
EXTRA_REMINDER_BEFORE = timedelta(hours=6)
# How many other times the scheduler proposes for a patient who is missing sessions.
PROPOSED_SLOTS = 3


@dataclass
class Observation:
    """What a rule measured for a patient: the value, what it compares with, and in words."""

    patient: Patient
    center: Center
    subject: str
    value: int
    words: str
    previous: int | None = None
    session: TherapySession | None = None
    facts: dict = field(default_factory=dict)


def failure_in_words(error: BaseException) -> str:
    """A reason a person can act on, for a rule or an action that could not be carried out."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    if isinstance(error, SchedulingError):
        return str(error)
    if isinstance(error, DatabaseError):
        return _("The database refused the change: %(error)s") % {"error": error}
    return _("Unexpected error (%(kind)s): %(error)s") % {
        "kind": type(error).__name__,
        "error": error,
    }


# --- versions ---------------------------------------------------------------------------


def _definition_json(rule: AdaptationRule) -> dict:
    return {**rule.definition(), "name": rule.name}


def rule_condition_words(rule: AdaptationRule) -> str:
    """ "nausea at least 6/10 after Virechana", "sessions attended less than 70 %"."""
    Measure = AdaptationRule.Measure
    if rule.measure == Measure.SIDE_EFFECT:
        subject = Symptom(rule.symptom).label if rule.symptom else _("any side effect")
    elif rule.measure == Measure.RELIEF:
        subject = _("symptom relief")
    elif rule.measure == Measure.MYMOP:
        subject = _("MYMOP profile")
    else:
        subject = _("sessions attended in 7 days")
    unit = {Measure.ADHERENCE: "%", Measure.MYMOP: "/6"}.get(rule.measure, "/10")
    words = f"{subject} {rule.get_comparison_display()} {rule.threshold}{unit}"
    if rule.comparison in TREND_COMPARISONS and rule.measure == Measure.MYMOP:
        words += " " + _("since the MYMOP answer before")
    elif rule.comparison in TREND_COMPARISONS:
        words += " " + _("since the feedback before")
    if rule.therapy_id:
        words += " " + _("after %(therapy)s") % {"therapy": rule.therapy.name}
    return words


def rule_summary(rule: AdaptationRule) -> str:
    """The rule in one line: its condition and its actions."""
    labels = []
    for action in rule.actions:
        known = action in AdaptationRule.Action.values
        label = str(AdaptationRule.Action(action).label) if known else action
        if action == AdaptationRule.Action.LOWER_INTENSITY:
            label += f" ({rule.intensity_lowered_by} %)"
        labels.append(label)
    return f"{rule_condition_words(rule)} → {'; '.join(labels)}"[:400]


def rule_version_current(*, rule: AdaptationRule, by=None) -> AdaptationRuleVersion:
    """The version holding the rule's definition as it is now, written if it is new."""
    definition = _definition_json(rule)
    latest = rule.versions.order_by("-number").first()
    if latest is not None and latest.definition == definition:
        return latest
    with transaction.atomic():
        # Two editors (or an edit and an evaluation) must not both write version n + 1.
        AdaptationRule.objects.select_for_update().filter(pk=rule.pk).first()
        latest = rule.versions.order_by("-number").first()
        if latest is not None and latest.definition == definition:
            return latest
        number = (latest.number if latest else 0) + 1
        with translation.override(settings.LANGUAGE_CODE):
            summary = rule_summary(rule)
        version = AdaptationRuleVersion.objects.create(
            rule=rule,
            number=number,
            name=rule.name,
            definition=definition,
            summary=summary,
            created_by=by,
        )
        AdaptationRule.objects.filter(pk=rule.pk).update(version=number)
        rule.version = number
    return version


# --- measuring --------------------------------------------------------------------------


def _rules_for(center_id: int, therapy_id: int | None, measures) -> list[AdaptationRule]:
    therapy = Q(therapy__isnull=True)
    if therapy_id is not None:
        therapy |= Q(therapy_id=therapy_id)
    return list(
        AdaptationRule.objects.filter(
            Q(center_id=center_id) | Q(center__isnull=True),
            therapy,
            is_active=True,
            measure__in=measures,
        )
        .select_related("therapy")
        .order_by("pk")
    )


def _scores(feedback: SessionFeedback | None) -> dict[str, int]:
    if feedback is None:
        return {}
    return {s.symptom: s.score for s in feedback.symptom_scores.all()}


def _previous_feedback(feedback: SessionFeedback) -> SessionFeedback | None:
    """The patient's feedback on their session of the same therapy before this one."""
    session = feedback.session
    return (
        SessionFeedback.objects.filter(
            patient_id=feedback.patient_id,
            session__therapy_id=session.therapy_id,
            session__starts_at__lt=session.starts_at,
        )
        .prefetch_related("symptom_scores")
        .order_by("-session__starts_at")
        .first()
    )


def _feedback_observation(
    rule: AdaptationRule,
    feedback: SessionFeedback,
    severities: dict[str, int],
    previous: SessionFeedback | None,
) -> Observation | None:
    session = feedback.session
    Measure = AdaptationRule.Measure
    if rule.measure == Measure.RELIEF:
        label, value = str(_("Relief")), feedback.symptom_relief
        before = previous.symptom_relief if previous else None
        symptom = ""
    else:
        if rule.symptom:
            symptom = rule.symptom
        elif severities:
            # Any side effect: the worst one reported is the one the rule looks at.
            symptom = max(sorted(severities), key=lambda s: severities[s])
        else:
            return None
        label, value = str(Symptom(symptom).label), severities.get(symptom, 0)
        before = _scores(previous).get(symptom, 0) if previous else None
    words = _("%(effect)s %(severity)s/10 reported after %(therapy)s.") % {
        "effect": label,
        "severity": value,
        "therapy": session.therapy.name,
    }
    if rule.comparison in TREND_COMPARISONS and before is not None:
        words += " " + _("%(before)s/10 the time before.") % {"before": before}
    return Observation(
        patient=feedback.patient,
        center=session.center,
        subject=f"session:{session.pk}",
        value=value,
        previous=before,
        session=session,
        words=words,
        facts={
            "measure": rule.measure,
            "symptom": symptom,
            "value": value,
            "previous": before,
            "feedback": feedback.pk,
            "session": session.pk,
            "therapy": session.therapy.name,
            "submitted_at": (feedback.corrected_at or feedback.submitted_at).isoformat(),
        },
    )


def adherence_observations(rule: AdaptationRule, *, now: datetime) -> list[Observation]:
    """Each patient's share of sessions attended (completed, not no-show) over the last week.

    Cancelled sessions are left out: a cancellation may be the clinic's, not the patient's.
    """
    window_start = now - ADHERENCE_WINDOW
    sessions = TherapySession.objects.filter(
        starts_at__gte=window_start,
        starts_at__lt=now,
        status__in=(SessionStatus.COMPLETED, SessionStatus.NO_SHOW),
    )
    if rule.center_id:
        sessions = sessions.filter(center_id=rule.center_id)
    if rule.therapy_id:
        sessions = sessions.filter(therapy_id=rule.therapy_id)
    counts = (
        sessions.values("patient_id")
        .annotate(
            attended=Count("pk", filter=Q(status=SessionStatus.COMPLETED)),
            booked=Count("pk"),
        )
        .order_by("patient_id")
    )
    counts = {row["patient_id"]: row for row in counts}
    patients = Patient.objects.filter(pk__in=counts).select_related("center")
    observations = []
    for patient in patients:
        row = counts[patient.pk]
        percent = row["attended"] * 100 // row["booked"]
        local = now.astimezone(ZoneInfo(patient.center.timezone))
        year, week, _day = local.isocalendar()
        with translation.override(settings.LANGUAGE_CODE):
            words = _(
                "%(attended)s of %(booked)s sessions attended in the 7 days to %(day)s "
                "(%(percent)s %%)."
            ) % {
                "attended": row["attended"],
                "booked": row["booked"],
                "day": date_format(local, "j M"),
                "percent": percent,
            }
        observations.append(
            Observation(
                patient=patient,
                center=patient.center,
                # Once a week at most: a patient still missing sessions is looked at anew.
                subject=f"week:{year}-W{week:02d}",
                value=percent,
                words=words,
                facts={
                    "measure": rule.measure,
                    "value": percent,
                    "attended": row["attended"],
                    "booked": row["booked"],
                    "window_start": window_start.isoformat(),
                    "window_end": now.isoformat(),
                },
            )
        )
    return observations


# --- firing -----------------------------------------------------------------------------


def rule_fire(
    *, rule: AdaptationRule, observation: Observation, now: datetime
) -> RuleFiring | None:
    """Fire the rule for the observation unless it already fired for that subject."""
    version = rule_version_current(rule=rule)
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("%(words)s Rule “%(rule)s” (version %(version)s): %(condition)s.") % {
            "words": observation.words,
            "rule": rule.name,
            "version": version.number,
            "condition": rule_condition_words(rule),
        }
    with transaction.atomic():
        firing, created = RuleFiring.objects.get_or_create(
            rule=rule,
            patient=observation.patient,
            subject=observation.subject,
            defaults={
                "rule_version": version,
                "center": observation.center,
                "session": observation.session,
                "trigger": {**observation.facts, "threshold": rule.threshold},
                "reason": reason[:400],
                "fired_at": now,
            },
        )
    if not created:
        return None
    taken = []
    for action in rule.actions:
        act = _ACTIONS.get(action)
        if act is None:
            # A rule saved with an action this portal no longer has (or never had).
            with translation.override(settings.LANGUAGE_CODE):
                failed = _("This portal has no action “%(action)s”; edit the rule.")
            taken.append({"action": action, "failed": failed % {"action": action}})
            continue
        try:
            with transaction.atomic():
                taken.append(act(firing, rule, observation, now))
        except Exception as error:  # any failure is kept on the firing, in words
            logger.exception("Rule %s could not %s for firing %s", rule.pk, action, firing.pk)
            with translation.override(settings.LANGUAGE_CODE):
                taken.append({"action": action, "failed": failure_in_words(error)})
    firing.actions_taken = taken
    firing.save(update_fields=["actions_taken"])
    return firing


def _clinic_words(text_function):
    with translation.override(settings.LANGUAGE_CODE):
        return text_function()


def _call_task(firing: RuleFiring, rule, observation: Observation, now) -> dict:
    patient, session = observation.patient, observation.session
    title = _clinic_words(
        lambda: _("Call %(patient)s: %(rule)s") % {"patient": patient.full_name, "rule": rule.name}
    )
    practitioner = session.practitioner if session is not None else None
    values = {
        "center": observation.center,
        "patient": patient,
        "firing": firing,
        "title": title[:200],
        "detail": observation.words,
        "due_at": now + CLINICIAN_CALL_DUE,
        "assigned_to": practitioner.user if practitioner is not None else None,
    }
    if session is None:
        task = ClinicianTask.objects.create(rule=rule, **values)
    else:
        # The task's own constraint (one per rule and session) backs the firing's.
        task, _created = ClinicianTask.objects.get_or_create(
            rule=rule, session=session, defaults=values
        )
    return {"action": rule.Action.ALERT_CLINICIAN, "task": task.pk}


def _next_session(patient: Patient, now: datetime) -> TherapySession | None:
    return (
        TherapySession.objects.filter(
            patient=patient, status=SessionStatus.SCHEDULED, starts_at__gt=now
        )
        .select_related("therapy", "center", "care_plan", "protocol_step", "patient")
        .order_by("starts_at", "pk")
        .first()
    )


def _lower_intensity(firing: RuleFiring, rule, observation: Observation, now) -> dict:
    action = rule.Action.LOWER_INTENSITY
    session = _next_session(observation.patient, now)
    if session is None:
        return {"action": action, "skipped": _clinic_words(lambda: _("No session to come."))}
    before = session.intensity_percent
    after = max(10, round(before * (100 - rule.intensity_lowered_by) / 100))
    reason = _clinic_words(
        lambda: (
            _("Lowered %(percent)s %% by the rule “%(rule)s”: %(words)s")
            % {"percent": rule.intensity_lowered_by, "rule": rule.name, "words": observation.words}
        )
    )
    session_intensity_set(session=session, percent=after, reason=reason, expected_percent=before)
    return {
        "action": action,
        "session": session.pk,
        "starts_at": session.starts_at.isoformat(),
        "from": before,
        "to": after,
    }


def _patient_message(
    firing: RuleFiring, observation: Observation, *, kind: str, texts, **options
) -> list[int]:
    patient = observation.patient
    with translation.override(patient.language):
        subject, body = texts()
    rows = patient_message_queue(
        patient=patient,
        key=f"rule-firing:{firing.pk}:{kind}",
        subject=str(subject),
        body=str(body),
        **options,
    )
    return [row.pk for row in rows]


def _diet_alert(firing: RuleFiring, rule, observation: Observation, now) -> dict:
    therapy = observation.session.therapy if observation.session else None

    def texts():
        name = ""
        if therapy is not None:
            name = (
                therapy.name_hi
                if translation.get_language() == "hi" and therapy.name_hi
                else therapy.name
            )
        return (
            _("Your diet until the next session"),
            _(
                "%(patient)s, you told us you felt unwell after %(therapy)s. Until your next "
                "session eat light, warm food (rice gruel, khichdi), sip warm water, and keep "
                "away from heavy, oily, cold or spicy food. Your practitioner will call you."
            )
            % {"patient": observation.patient.first_name, "therapy": name or _("your therapy")},
        )

    ids = _patient_message(
        firing, observation, kind="diet", texts=texts, session=observation.session, now=now
    )
    return {"action": rule.Action.DIET_ALERT, "messages": ids}


def _motivational_nudge(firing: RuleFiring, rule, observation: Observation, now) -> dict:
    def texts():
        return (
            _("Every session counts"),
            _(
                "%(patient)s, each session of your treatment builds on the one before, so "
                "coming to all of them is what brings the benefit. If your times are hard to "
                "keep, tell us and we will find better ones."
            )
            % {"patient": observation.patient.first_name},
        )

    ids = _patient_message(firing, observation, kind="nudge", texts=texts, now=now)
    return {"action": rule.Action.MOTIVATIONAL_NUDGE, "messages": ids}


def _extra_reminders(firing: RuleFiring, rule, observation: Observation, now) -> dict:
    patient = observation.patient
    coming = TherapySession.objects.filter(
        patient=patient,
        status=SessionStatus.SCHEDULED,
        starts_at__gt=now,
        starts_at__lte=now + EXTRA_REMINDER_HORIZON,
    ).select_related("therapy", "center", "practitioner__user", "patient__center")
    ids = []
    for session in coming:
        zone = ZoneInfo(session.center.timezone)
        values = template_values(session, locale=patient.language, zone=zone)

        def texts(values=values):
            return (
                _("Reminder: %(therapy)s on %(date)s") % values,
                _(
                    "%(patient)s, your %(therapy)s is on %(date)s at %(time)s at %(center)s. "
                    "We look forward to seeing you."
                )
                % values,
            )

        ids += _patient_message(
            firing,
            observation,
            kind=f"reminder:{session.pk}",
            texts=texts,
            session=session,
            due_at=max(now, session.starts_at - EXTRA_REMINDER_BEFORE),
            latest=session.starts_at,
            now=now,
        )
    return {"action": rule.Action.EXTRA_REMINDERS, "messages": ids}


def _propose_slots(firing: RuleFiring, rule, observation: Observation, now) -> dict:
    action = rule.Action.PROPOSE_SLOTS
    patient = observation.patient
    session = (
        TherapySession.objects.filter(
            patient=patient,
            status=SessionStatus.SCHEDULED,
            starts_at__gt=now,
            care_plan__isnull=False,
            protocol_step__isnull=False,
        )
        .select_related("center", "care_plan", "protocol_step", "patient", "therapy")
        .order_by("starts_at", "pk")
        .first()
    )
    if session is None:
        return {"action": action, "skipped": _clinic_words(lambda: _("No session to come."))}
    runs = session_alternatives_solve(session=session, count=PROPOSED_SLOTS)
    zone = ZoneInfo(session.center.timezone)
    times = []
    for run in runs:
        for assignment in run.solution["assignments"]:
            if assignment["step"] == session.protocol_step.code:
                times.append(datetime.fromisoformat(assignment["start"]).astimezone(zone))
    with translation.override(settings.LANGUAGE_CODE):
        offered = ", ".join(date_format(t, "D j M H:i") for t in times) or _("none found")
        task = ClinicianTask.objects.create(
            center=observation.center,
            patient=patient,
            rule=rule,
            firing=firing,
            title=(
                _("Offer %(patient)s other times: %(rule)s")
                % {"patient": patient.full_name, "rule": rule.name}
            )[:200],
            detail=_("%(words)s The scheduler proposes for %(therapy)s: %(times)s.")
            % {"words": observation.words, "therapy": session.therapy.name, "times": offered},
            due_at=now + CLINICIAN_CALL_DUE,
        )
    return {
        "action": action,
        "task": task.pk,
        "session": session.pk,
        "runs": [run.pk for run in runs],
        "times": [t.isoformat() for t in times],
    }


def _escalate(firing: RuleFiring, rule, observation: Observation, now) -> dict:
    escalation = escalation_raise(
        patient=observation.patient,
        source=Escalation.Source.SIDE_EFFECT,
        detail=firing.reason,
        session=observation.session,
        now=now,
    )
    # Opened here, linked to the firing; the escalation_raised receiver then finds it.
    task = escalation_task_open(escalation=escalation, firing=firing)
    return {"action": rule.Action.ESCALATE, "escalation": escalation.pk, "task": task.pk}


@transaction.atomic
def escalation_task_open(*, escalation, firing: RuleFiring | None = None) -> ClinicianTask:
    """The urgent task for an escalation (a HELP reply, a severe side effect): due at once,
    on the patient's practitioner when known; one per escalation whoever asks twice."""
    session = escalation.session
    practitioner = session.practitioner if session is not None else None
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Urgent: call %(patient)s now (%(source)s)") % {
            "patient": escalation.patient.full_name,
            "source": escalation.get_source_display(),
        }
    task, _created = ClinicianTask.objects.get_or_create(
        escalation=escalation,
        defaults={
            "center_id": escalation.center_id,
            "patient": escalation.patient,
            "session": session,
            "firing": firing,
            "title": title[:200],
            "detail": escalation.detail,
            "due_at": escalation.created_at,
            "assigned_to": practitioner.user if practitioner is not None else None,
        },
    )
    return task


_ACTIONS = {
    AdaptationRule.Action.ALERT_CLINICIAN: _call_task,
    AdaptationRule.Action.LOWER_INTENSITY: _lower_intensity,
    AdaptationRule.Action.DIET_ALERT: _diet_alert,
    AdaptationRule.Action.EXTRA_REMINDERS: _extra_reminders,
    AdaptationRule.Action.MOTIVATIONAL_NUDGE: _motivational_nudge,
    AdaptationRule.Action.PROPOSE_SLOTS: _propose_slots,
    AdaptationRule.Action.ESCALATE: _escalate,
}


def feedback_rules_fire(
    *, feedback: SessionFeedback, severities: dict[str, int], now: datetime
) -> list[RuleFiring]:
    """Fire every active rule on feedback measures that this feedback meets."""
    session = feedback.session
    rules = _rules_for(session.center_id, session.therapy_id, FEEDBACK_MEASURES)
    if not rules:
        return []
    previous = None
    if any(rule.comparison in TREND_COMPARISONS for rule in rules):
        previous = _previous_feedback(feedback)
    fired = []
    for rule in rules:
        observation = _feedback_observation(rule, feedback, severities, previous)
        if observation is None or not rule.matches(observation.value, observation.previous):
            continue
        firing = rule_fire(rule=rule, observation=observation, now=now)
        if firing is not None:
            fired.append(firing)
    return fired


def mymop_rules_fire(
    *, answer: MymopAnswer, previous: MymopAnswer | None, now: datetime
) -> list[RuleFiring]:
    """Fire every active MYMOP rule of the patient's center that this answer meets; a trend
    compares its profile score with the patient's answer before (a higher score is worse)."""
    patient = answer.patient
    rules = _rules_for(patient.center_id, None, (AdaptationRule.Measure.MYMOP,))
    before = previous.profile if previous is not None else None
    with translation.override(settings.LANGUAGE_CODE):
        words = _("MYMOP profile %(profile)s/6 (%(kind)s).") % {
            "profile": answer.profile,
            "kind": answer.get_kind_display(),
        }
        if before is not None:
            words += " " + _("%(before)s/6 the time before.") % {"before": before}
    observation = Observation(
        patient=patient,
        center=patient.center,
        subject=f"mymop:{answer.pk}",
        value=answer.profile,
        previous=before,
        words=words,
        facts={
            "measure": AdaptationRule.Measure.MYMOP,
            "value": str(answer.profile),
            "previous": None if before is None else str(before),
            "mymop_answer": answer.pk,
            "previous_answer": previous.pk if previous is not None else None,
            "answered_at": answer.answered_at.isoformat(),
        },
    )
    fired = []
    for rule in rules:
        if rule.matches(observation.value, observation.previous):
            firing = rule_fire(rule=rule, observation=observation, now=now)
            if firing is not None:
                fired.append(firing)
    return fired


def action_in_words(action: dict, *, zone: ZoneInfo) -> str:
    """What one action of a firing did, for the clinicians reading it (no queries)."""
    kind = action.get("action", "")
    known = kind in AdaptationRule.Action.values
    label = str(AdaptationRule.Action(kind).label) if known else kind
    if "failed" in action:
        return _("%(action)s: not done. %(why)s") % {"action": label, "why": action["failed"]}
    if "skipped" in action:
        return f"{label}: {action['skipped']}"
    if kind == AdaptationRule.Action.LOWER_INTENSITY:
        starts_at = datetime.fromisoformat(action["starts_at"]).astimezone(zone)
        return _("Session of %(day)s lowered from %(before)s %% to %(after)s %%.") % {
            "day": date_format(starts_at, "D j M, H:i"),
            "before": action["from"],
            "after": action["to"],
        }
    if "messages" in action:
        return _("%(action)s: %(count)s message(s) queued.") % {
            "action": label,
            "count": len(action["messages"]),
        }
    if kind == AdaptationRule.Action.PROPOSE_SLOTS:
        times = [datetime.fromisoformat(t).astimezone(zone) for t in action.get("times", [])]
        return _("Other times offered: %(times)s.") % {
            "times": ", ".join(date_format(t, "D j M H:i") for t in times) or _("none found")
        }
    return label
