"""Writes of the feedback app: a patient's feedback after a session, and the rules it sets off."""

import logging
from collections.abc import Mapping
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from feedback.adaptation import (
    adherence_observations,
    failure_in_words,
    feedback_rules_fire,
    mymop_rules_fire,
    rule_fire,
)
from feedback.choices import SIDE_EFFECTS_ASKED, Symptom
from feedback.models import (
    AdaptationRule,
    ClinicianTask,
    MymopAnswer,
    RuleFiring,
    RuleRun,
    SessionFeedback,
    SymptomScore,
)
from feedback.mymop import MYMOP_BEST, MYMOP_WORST, MymopAnswers, mymop_profile_score
from notifications.services import patient_messages_cancel
from patients.models import Patient
from sessions.models import SessionStatus, TherapySession
from sessions.services import session_intensity_set

logger = logging.getLogger(__name__)

# The daily run looks again at feedback this recent: rules added or edited since, or an
# evaluation that failed, get their chance.
FEEDBACK_LOOKBACK = timedelta(days=2)


def _checked_score(value, message: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        raise ValidationError(message)
    return value


@transaction.atomic
def feedback_record(
    *,
    session: TherapySession,
    patient: Patient,
    symptom_relief: int,
    experience: str,
    side_effects: Mapping[str, int] | None = None,
    comment: str = "",
) -> SessionFeedback:
    """Record (or correct) the patient's feedback on their finished session; run the rules.

    A second submission corrects the first rather than being refused: on a phone a mis-tap is
    common and the patient should be able to put it right, while the history table keeps what
    was first said and the rules' tasks stay one per rule and session.
    """
    # Lock the session so that two submissions at once (a double tap) become one then a correction.
    session = (
        TherapySession.objects.select_for_update(of=("self",))
        .select_related("therapy", "center")
        .get(pk=session.pk)
    )
    if session.patient_id != patient.pk:
        raise ValidationError(_("You can give feedback only on your own sessions."))
    if session.status != SessionStatus.COMPLETED:
        raise ValidationError(_("You can give feedback once the session is finished."))
    relief = _checked_score(symptom_relief, _("Choose how much relief you felt, from 0 to 10."))
    if experience not in SessionFeedback.Experience.values:
        raise ValidationError(_("Tell us whether you were listened to and treated with respect."))
    severities: dict[str, int] = {}
    for symptom, severity in (side_effects or {}).items():
        if symptom not in SIDE_EFFECTS_ASKED:
            raise ValidationError(_("That side effect is not one we ask about."))
        label = Symptom(symptom).label
        severities[symptom] = _checked_score(
            severity, _("Choose how strong the %(effect)s was, from 0 to 10.") % {"effect": label}
        )

    now = timezone.now()
    feedback = SessionFeedback.objects.filter(session=session).first()
    if feedback is None:
        feedback = SessionFeedback(session=session, patient=patient, submitted_at=now)
    else:
        feedback.corrected_at = now
    feedback.symptom_relief = relief
    feedback.experience = experience
    feedback.comment = comment.strip()
    feedback.save()
    # A side effect scored 0 was not felt: keep only those that were.
    feedback.symptom_scores.all().delete()
    SymptomScore.objects.bulk_create(
        SymptomScore(feedback=feedback, symptom=symptom, score=severity)
        for symptom, severity in severities.items()
        if severity > 0
    )
    feedback_rules_fire(feedback=feedback, severities=severities, now=now)
    return feedback


def _mymop_score(value, item_words: str, *, required: bool) -> int | None:
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 6:
        raise ValidationError(
            _(
                "Choose a score for %(item)s from %(best)s (as good as it could be) to %(worst)s "
                "(as bad as it could be)."
            )
            % {"item": item_words, "best": MYMOP_BEST, "worst": MYMOP_WORST}
        )
    return value


MYMOP_NAME_LENGTH = 100


@transaction.atomic
def mymop_record(
    *,
    patient: Patient,
    kind: str,
    symptom_1: int,
    wellbeing: int,
    symptom_2: int | None = None,
    activity: int | None = None,
    symptom_1_name: str = "",
    symptom_2_name: str = "",
    activity_name: str = "",
    care_plan=None,
    now=None,
) -> MymopAnswer:
    """Save the patient's MYMOP answer and run the MYMOP rules on it.

    The first answer names the symptoms and the activity; every later one keeps those names
    whatever it is given (MYMOP measures the same things over time). Anything out of range is
    refused in words and nothing is saved.
    """
    now = now or timezone.now()
    # One patient's answers are written one at a time, so that "the answer before" is certain.
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    if kind not in MymopAnswer.Kind.values:
        raise ValidationError(_("That is not a MYMOP form we ask."))
    if care_plan is not None and care_plan.patient_id != patient.pk:
        raise ValidationError(_("That care plan is not yours."))
    first = MymopAnswer.objects.filter(patient=patient).order_by("answered_at", "pk").first()
    if first is not None:
        symptom_1_name = first.symptom_1_name
        symptom_2_name = first.symptom_2_name
        activity_name = first.activity_name
    symptom_1_name = symptom_1_name.strip()
    symptom_2_name = symptom_2_name.strip()
    activity_name = activity_name.strip()
    if not symptom_1_name:
        raise ValidationError(_("Name the symptom that bothers you most."))
    if max(map(len, (symptom_1_name, symptom_2_name, activity_name))) > MYMOP_NAME_LENGTH:
        raise ValidationError(
            _("Keep each name under %(count)s letters.") % {"count": MYMOP_NAME_LENGTH}
        )
    scores = {
        "symptom_1": _mymop_score(symptom_1, symptom_1_name, required=True),
        "symptom_2": _mymop_score(symptom_2, symptom_2_name, required=False),
        "activity": _mymop_score(activity, activity_name, required=False),
        "wellbeing": _mymop_score(wellbeing, _("your wellbeing"), required=True),
    }
    if scores["symptom_2"] is not None and not symptom_2_name:
        raise ValidationError(_("Name the second symptom, or leave its score empty."))
    if scores["activity"] is not None and not activity_name:
        raise ValidationError(_("Name the activity, or leave its score empty."))
    previous = MymopAnswer.objects.filter(patient=patient).order_by("-answered_at", "-pk").first()
    answer = MymopAnswer.objects.create(
        patient=patient,
        care_plan=care_plan,
        kind=kind,
        symptom_1_name=symptom_1_name,
        symptom_2_name=symptom_2_name,
        activity_name=activity_name,
        profile=mymop_profile_score(MymopAnswers(**scores)),
        answered_at=now,
        **scores,
    )
    mymop_rules_fire(answer=answer, previous=previous, now=now)
    return answer


@transaction.atomic
def clinician_task_complete(*, task: ClinicianTask, by) -> ClinicianTask:
    """Mark an open task done by the clinician who did it (a second click changes nothing)."""
    task = ClinicianTask.objects.select_for_update().get(pk=task.pk)
    if task.status != ClinicianTask.Status.OPEN:
        raise ValidationError(_("This task is no longer open."))
    task.status = ClinicianTask.Status.DONE
    task.done_at = timezone.now()
    if task.assigned_to_id is None:
        task.assigned_to = by
    task.save(update_fields=["status", "done_at", "assigned_to"])
    return task


def _undo(action: dict, firing: RuleFiring, note: str) -> str:
    """Undo one action a firing took; what happened, in words (empty when nothing to say)."""
    kind = action.get("action")
    if "failed" in action or "skipped" in action:
        return ""
    if kind == AdaptationRule.Action.LOWER_INTENSITY:
        session = TherapySession.objects.filter(pk=action["session"]).first()
        if session is None:
            return _("The lowered session no longer exists.")
        try:
            session_intensity_set(
                session=session,
                percent=action["from"],
                reason=note if action["from"] != 100 else "",
                expected_percent=action["to"],
            )
        except ValidationError as refusal:
            return _("Intensity not restored: %(why)s") % {"why": " ".join(refusal.messages)}
        return _("Intensity of the session of %(day)s back to %(percent)s %%.") % {
            "day": f"{timezone.localtime(session.starts_at):%d %b}",
            "percent": action["from"],
        }
    if "messages" in action:
        cancelled, gone = patient_messages_cancel(message_ids=action["messages"], reason=note)
        words = _("%(count)s message(s) to the patient cancelled.") % {"count": cancelled}
        if gone:
            words += " " + _("%(count)s had already gone out.") % {"count": gone}
        return words
    if kind == AdaptationRule.Action.ESCALATE:
        return _("The escalation had already alerted the clinicians; it stays on record.")
    return ""


@transaction.atomic
def rule_firing_reverse(*, firing: RuleFiring, by) -> RuleFiring:
    """Undo what a firing did: the session's intensity back, messages not yet sent cancelled,
    its open tasks dismissed. The firing stays, marked reversed, so it never fires again."""
    firing = RuleFiring.objects.select_for_update().select_related("rule").get(pk=firing.pk)
    if firing.is_reversed:
        raise ValidationError(_("This adaptation was already reversed."))
    with translation.override(settings.LANGUAGE_CODE):
        note = _("Reversed by %(who)s: %(rule)s") % {
            "who": getattr(by, "full_name", "") or by,
            "rule": firing.rule.name,
        }
        done = [_undo(action, firing, note) for action in firing.actions_taken]
        dismissed = ClinicianTask.objects.filter(
            firing=firing, status=ClinicianTask.Status.OPEN
        ).update(status=ClinicianTask.Status.DISMISSED, done_at=timezone.now())
        if dismissed:
            done.append(_("%(count)s open task(s) dismissed.") % {"count": dismissed})
    firing.reversed_at = timezone.now()
    firing.reversed_by = by
    firing.reversal_note = " ".join(words for words in done if words)[:400]
    firing.save(update_fields=["reversed_at", "reversed_by", "reversal_note"])
    return firing


def _recorded(run: RuleRun, failures: list, *, rule, patient, error) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        failures.append(
            {
                "rule": rule.name if rule else "",
                "patient": patient.mrn if patient else "",
                "reason": failure_in_words(error),
            }
        )
    logger.error("Rule run %s: %s", run.pk, failures[-1])


def _action_failures(firing: RuleFiring) -> list[dict]:
    return [
        {"rule": firing.rule.name, "patient": firing.patient.mrn, "reason": action["failed"]}
        for action in firing.actions_taken
        if "failed" in action
    ]


def _mymop_answer_before(answer: MymopAnswer) -> MymopAnswer | None:
    return (
        MymopAnswer.objects.filter(patient_id=answer.patient_id)
        .filter(
            Q(answered_at__lt=answer.answered_at)
            | Q(answered_at=answer.answered_at, pk__lt=answer.pk)
        )
        .order_by("-answered_at", "-pk")
        .first()
    )


def _recent_mymop_evaluate(run: RuleRun, failures: list, *, now) -> tuple[int, int]:
    """Recent MYMOP answers again, for MYMOP rules added or edited since they were given."""
    if not AdaptationRule.objects.filter(
        is_active=True, measure=AdaptationRule.Measure.MYMOP
    ).exists():
        return 0, 0
    evaluated = fired = 0
    recent = MymopAnswer.objects.filter(answered_at__gte=now - FEEDBACK_LOOKBACK).select_related(
        "patient__center"
    )
    for answer in recent:
        evaluated += 1
        try:
            with transaction.atomic():
                firings = mymop_rules_fire(
                    answer=answer, previous=_mymop_answer_before(answer), now=now
                )
            fired += len(firings)
            for firing in firings:
                failures += _action_failures(firing)
        except Exception as error:  # recorded in words, run goes on
            _recorded(run, failures, rule=None, patient=answer.patient, error=error)
    return evaluated, fired


def adaptation_rules_run(*, now=None) -> RuleRun:
    """The daily evaluation: adherence over the last week, and recent feedback and MYMOP
    answers again.

    Each rule and patient is evaluated in its own transaction, so that one that fails is
    recorded with its reason in words and the others still act. The run fails when any did.
    """
    now = now or timezone.now()
    run = RuleRun.objects.create(started_at=now)
    failures: list[dict] = []
    evaluated = fired = 0
    try:
        for rule in AdaptationRule.objects.filter(
            is_active=True, measure=AdaptationRule.Measure.ADHERENCE
        ).select_related("therapy"):
            for observation in adherence_observations(rule, now=now):
                evaluated += 1
                if not rule.matches(observation.value):
                    continue
                try:
                    with transaction.atomic():
                        firing = rule_fire(rule=rule, observation=observation, now=now)
                except Exception as error:  # recorded in words, run goes on
                    _recorded(run, failures, rule=rule, patient=observation.patient, error=error)
                    continue
                if firing is not None:
                    fired += 1
                    failures += _action_failures(firing)
        recent = (
            SessionFeedback.objects.filter(
                Q(submitted_at__gte=now - FEEDBACK_LOOKBACK)
                | Q(corrected_at__gte=now - FEEDBACK_LOOKBACK)
            )
            .select_related("session__therapy", "session__center", "patient")
            .prefetch_related("symptom_scores")
        )
        for feedback in recent:
            evaluated += 1
            severities = {s.symptom: s.score for s in feedback.symptom_scores.all()}
            try:
                with transaction.atomic():
                    firings = feedback_rules_fire(feedback=feedback, severities=severities, now=now)
                fired += len(firings)
                for firing in firings:
                    failures += _action_failures(firing)
            except Exception as error:  # recorded in words, run goes on
                _recorded(run, failures, rule=None, patient=feedback.patient, error=error)
        evaluated_mymop, fired_mymop = _recent_mymop_evaluate(run, failures, now=now)
        evaluated += evaluated_mymop
        fired += fired_mymop
    except Exception as error:  # the run itself failed; say why on the run
        _recorded(run, failures, rule=None, patient=None, error=error)
    run.finished_at = timezone.now()
    run.evaluated, run.fired, run.failures = evaluated, fired, failures
    run.status = RuleRun.Status.FAILED if failures else RuleRun.Status.SUCCEEDED
    run.save(update_fields=["finished_at", "evaluated", "fired", "failures", "status"])
    return run
