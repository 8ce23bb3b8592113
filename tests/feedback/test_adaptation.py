"""The seed rules at work on PostgreSQL: boundaries, actions once, reversal, the daily run."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from feedback.adaptation import rule_version_current
from feedback.choices import Symptom
from feedback.models import AdaptationRule, ClinicianTask, RuleFiring, RuleRun
from feedback.services import adaptation_rules_run, feedback_record, rule_firing_reverse
from feedback.tasks import adaptation_rules_daily_task
from notifications.models import Channel, Escalation, OutboxMessage, OutboxStatus
from notifications.services import escalation_raise
from sessions.models import SessionStatus, TherapySession
from tests.factories import (
    AdaptationRuleFactory,
    ConsentFactory,
    TherapySessionFactory,
    TherapyTypeFactory,
    local_today_at,
)

pytestmark = pytest.mark.django_db
Action = AdaptationRule.Action


@pytest.fixture
def nausea_rule(virechana):
    return AdaptationRuleFactory(
        name="Nausea after Virechana",
        symptom=Symptom.NAUSEA,
        therapy=virechana,
        threshold=6,
        actions=[Action.ALERT_CLINICIAN, Action.LOWER_INTENSITY, Action.DIET_ALERT],
        intensity_lowered_by=20,
    )


@pytest.fixture
def sms_consent(patient):
    return ConsentFactory(patient=patient, kind="sms_messages")


def _answer(session, patient, nausea, **extra):
    return feedback_record(
        session=session,
        patient=patient,
        symptom_relief=extra.pop("relief", 5),
        experience="yes_definitely",
        side_effects={"nausea": nausea, **extra},
    )


@pytest.mark.parametrize(("nausea", "fired"), [(5, False), (6, True)])
def test_the_seed_rule_acts_from_nausea_6_and_not_at_5(
    nausea_rule, finished_session, coming_session, patient, sms_consent, nausea, fired
):
    _answer(finished_session, patient, nausea)

    coming_session.refresh_from_db()
    assert RuleFiring.objects.exists() is fired
    assert ClinicianTask.objects.exists() is fired
    assert coming_session.intensity_percent == (80 if fired else 100)
    alerts = OutboxMessage.objects.filter(patient=patient, session=finished_session)
    assert sorted(alerts.values_list("channel", flat=True)) == (
        [Channel.IN_APP, Channel.SMS] if fired else []
    )


def test_a_firing_records_version_data_reason_and_what_it_did(
    nausea_rule, finished_session, coming_session, patient
):
    _answer(finished_session, patient, 7)

    firing = RuleFiring.objects.get()
    coming_session.refresh_from_db()
    task = ClinicianTask.objects.get()
    assert firing.rule_version.number == 1
    assert firing.trigger["value"] == 7 and firing.trigger["threshold"] == 6
    assert firing.trigger["feedback"] == finished_session.feedback.pk
    assert firing.reason == (
        "Nausea 7/10 reported after Virechana. Rule “Nausea after Virechana” (version 1): "
        "Nausea at least 6/10 after Virechana."
    )
    assert [a["action"] for a in firing.actions_taken] == nausea_rule.actions
    assert task.firing == firing and task.due_at > timezone.now() + timedelta(hours=23)
    assert coming_session.intensity_reason.startswith(
        "Lowered 20 % by the rule “Nausea after Virechana”: Nausea 7/10"
    )
    alert = OutboxMessage.objects.get(channel=Channel.IN_APP)
    assert alert.subject == "Your diet until the next session"
    assert "Meera, you told us you felt unwell after Virechana" in alert.body


def test_the_diet_alert_reaches_a_hindi_speaking_patient_in_hindi(
    nausea_rule, finished_session, coming_session, patient
):
    patient.language = "hi"
    patient.save()
    _answer(finished_session, patient, 7)

    alert = OutboxMessage.objects.get(channel=Channel.IN_APP)
    assert alert.subject == "अगले सत्र तक आपका आहार"
    assert "विरेचन" in alert.body


def test_each_action_happens_once_however_often_the_feedback_is_evaluated(
    nausea_rule, finished_session, coming_session, patient, sms_consent
):
    for nausea in (7, 9, 8):
        _answer(finished_session, patient, nausea)
    adaptation_rules_run()

    coming_session.refresh_from_db()
    assert RuleFiring.objects.count() == 1
    assert ClinicianTask.objects.count() == 1
    assert coming_session.intensity_percent == 80  # not 64: lowered once
    assert OutboxMessage.objects.filter(session=finished_session).count() == 2


def test_reversal_restores_the_plan_and_cancels_the_pending_alert(
    nausea_rule, finished_session, coming_session, patient, practitioner_user, sms_consent
):
    _answer(finished_session, patient, 7)
    firing = RuleFiring.objects.get()

    rule_firing_reverse(firing=firing, by=practitioner_user)

    coming_session.refresh_from_db()
    firing.refresh_from_db()
    assert coming_session.intensity_percent == 100 and coming_session.intensity_reason == ""
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.CANCELLED}
    assert ClinicianTask.objects.get().status == ClinicianTask.Status.DISMISSED
    assert firing.is_reversed and firing.reversed_by == practitioner_user
    assert "back to 100 %" in firing.reversal_note
    assert "2 message(s) to the patient cancelled." in firing.reversal_note

    # Evaluating again does not undo the clinician's decision.
    _answer(finished_session, patient, 9)
    adaptation_rules_run()
    coming_session.refresh_from_db()
    assert coming_session.intensity_percent == 100
    assert RuleFiring.objects.count() == 1


def test_a_firing_is_reversed_once(
    nausea_rule, finished_session, coming_session, patient, admin_user
):
    _answer(finished_session, patient, 7)
    firing = rule_firing_reverse(firing=RuleFiring.objects.get(), by=admin_user)
    with pytest.raises(Exception, match="already reversed"):
        rule_firing_reverse(firing=firing, by=admin_user)


def test_reversal_after_the_session_started_says_the_intensity_stays(
    nausea_rule, finished_session, coming_session, patient, admin_user
):
    _answer(finished_session, patient, 7)
    TherapySession.objects.filter(pk=coming_session.pk).update(status=SessionStatus.IN_PREPARATION)

    firing = rule_firing_reverse(firing=RuleFiring.objects.get(), by=admin_user)

    coming_session.refresh_from_db()
    assert coming_session.intensity_percent == 80
    assert "Intensity not restored: Only a session that has not started" in firing.reversal_note


def test_an_edited_rule_is_a_new_version_and_old_firings_keep_theirs(
    nausea_rule, finished_session, coming_session, patient, admin_user
):
    _answer(finished_session, patient, 7)
    nausea_rule.threshold = 8
    nausea_rule.save()
    second = rule_version_current(rule=nausea_rule, by=admin_user)

    assert second.number == 2 and second.created_by == admin_user
    assert second.definition["threshold"] == 8
    assert RuleFiring.objects.get().rule_version.number == 1
    assert rule_version_current(rule=nausea_rule) == second  # unchanged: no new version
    assert nausea_rule.versions.count() == 2


@pytest.mark.parametrize(("dizziness", "escalated"), [(7, False), (8, True)])
def test_a_severe_side_effect_after_any_therapy_is_escalated(
    finished_session, patient, dizziness, escalated, django_capture_on_commit_callbacks
):
    AdaptationRuleFactory(name="Severe side effect", symptom="", threshold=8, actions=["escalate"])
    with django_capture_on_commit_callbacks(execute=True):
        feedback_record(
            session=finished_session,
            patient=patient,
            symptom_relief=5,
            experience="yes_definitely",
            side_effects={"nausea": 3, "dizziness": dizziness},
        )

    assert Escalation.objects.exists() is escalated
    assert ClinicianTask.objects.exists() is escalated
    if escalated:
        escalation = Escalation.objects.get()
        assert escalation.source == Escalation.Source.SIDE_EFFECT
        assert escalation.session == finished_session
        assert escalation.detail.startswith("Dizziness 8/10 reported after Virechana.")
        # One urgent task, opened with the firing and found again by the signal's receiver.
        task = ClinicianTask.objects.get()
        assert task.escalation == escalation and task.firing == RuleFiring.objects.get()
        assert task.title == "Urgent: call Meera Iyer now (Side effect reported)"
        assert task.due_at == escalation.created_at


def test_a_help_reply_is_an_urgent_task_on_the_list(
    patient, finished_session, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        escalation = escalation_raise(
            patient=patient, source=Escalation.Source.HELP_REPLY, detail="HELP"
        )

    task = ClinicianTask.objects.get()
    assert task.escalation == escalation and task.firing is None
    assert task.title == "Urgent: call Meera Iyer now (Patient replied HELP)"
    assert task.session == finished_session  # the latest of the last two days


def test_a_trend_rule_fires_when_relief_falls_by_its_threshold(center, patient, virechana):
    AdaptationRuleFactory(
        name="Relief falling",
        measure="relief",
        symptom="",
        therapy=virechana,
        comparison="fell_by",
        threshold=3,
    )
    sessions = [
        TherapySessionFactory(
            center=center,
            patient=patient,
            therapy=virechana,
            starts_at=local_today_at(center, 9, days=-day),
            status=SessionStatus.COMPLETED,
        )
        for day in (3, 2, 1)
    ]
    _answer(sessions[0], patient, 0, relief=8)
    _answer(sessions[1], patient, 0, relief=6)  # fell by 2: not yet
    assert not RuleFiring.objects.exists()
    _answer(sessions[2], patient, 0, relief=3)  # fell by 3
    firing = RuleFiring.objects.get()
    assert firing.trigger["previous"] == 6 and firing.trigger["value"] == 3
    assert "Relief 3/10 reported after Virechana. 6/10 the time before." in firing.reason


# --- the daily run ------------------------------------------------------------------------


@pytest.fixture
def attendance_rule(db):
    return AdaptationRuleFactory(
        name="Attendance under 70 % in a week",
        measure="adherence",
        symptom="",
        comparison="lt",
        threshold=70,
        actions=[Action.EXTRA_REMINDERS, Action.MOTIVATIONAL_NUDGE, Action.PROPOSE_SLOTS],
    )


def _week(center, patient, therapy, attended: int, missed: int):
    for day in range(attended + missed):
        TherapySessionFactory(
            center=center,
            patient=patient,
            therapy=therapy,
            starts_at=local_today_at(center, 9, days=-(day + 1)) - timedelta(hours=day % 2),
            status=SessionStatus.COMPLETED if day < attended else SessionStatus.NO_SHOW,
        )


@pytest.mark.parametrize(("attended", "missed", "fired"), [(7, 3, False), (2, 1, True)])
def test_attendance_under_70_percent_fires_in_the_daily_run(
    attendance_rule, center, patient, virechana, coming_session, attended, missed, fired
):
    _week(center, patient, virechana, attended, missed)

    run = adaptation_rules_run()

    assert run.status == RuleRun.Status.SUCCEEDED and run.failures == []
    assert RuleFiring.objects.exists() is fired
    nudges = OutboxMessage.objects.filter(subject="Every session counts")
    reminders = OutboxMessage.objects.filter(session=coming_session, subject__startswith="Reminder")
    assert nudges.exists() is fired and reminders.exists() is fired
    if fired:
        firing = RuleFiring.objects.get()
        assert firing.reason.startswith("2 of 3 sessions attended in the 7 days to")
        assert firing.trigger["attended"] == 2 and firing.trigger["booked"] == 3
        # Six hours before the session (or at once if nearer), out of quiet hours.
        assert reminders.first().due_at < coming_session.starts_at


def test_the_daily_run_fires_once_a_week(attendance_rule, center, patient, virechana):
    _week(center, patient, virechana, 1, 2)
    adaptation_rules_run()
    second = adaptation_rules_run()
    assert second.fired == 0 and RuleFiring.objects.count() == 1


def test_a_rule_that_cannot_act_is_recorded_in_words_on_the_run(
    attendance_rule, center, patient, virechana
):
    attendance_rule.actions = ["pause_plan", Action.MOTIVATIONAL_NUDGE]
    attendance_rule.save()
    _week(center, patient, virechana, 0, 2)

    run = adaptation_rules_run()

    assert run.status == RuleRun.Status.FAILED
    assert run.failures == [
        {
            "rule": "Attendance under 70 % in a week",
            "patient": patient.mrn,
            "reason": "This portal has no action “pause_plan”; edit the rule.",
        }
    ]
    # The other action still happened.
    assert OutboxMessage.objects.filter(subject="Every session counts").exists()


def test_the_daily_job_is_scheduled_and_reports_its_run(
    attendance_rule, center, patient, virechana
):
    schedule = Schedule.objects.get(func="feedback.tasks.adaptation_rules_daily_task")
    assert schedule.schedule_type == Schedule.DAILY and schedule.repeats == -1
    _week(center, patient, virechana, 1, 1)

    result = adaptation_rules_daily_task()

    assert result["status"] == "succeeded" and result["fired"] == 1


def test_the_daily_run_catches_feedback_given_before_a_rule_was_added(
    finished_session, coming_session, patient, virechana
):
    _answer(finished_session, patient, 7)
    assert not RuleFiring.objects.exists()
    AdaptationRuleFactory(
        name="Nausea after Virechana",
        symptom="nausea",
        therapy=virechana,
        threshold=6,
        actions=[Action.LOWER_INTENSITY],
    )

    run = adaptation_rules_run()

    coming_session.refresh_from_db()
    assert run.fired == 1 and coming_session.intensity_percent == 80


def test_another_therapy_is_not_lowered_by_a_virechana_rule(nausea_rule, center, patient):
    abhyanga = TherapyTypeFactory(code="abhyanga", name="Abhyanga")
    session = TherapySessionFactory(
        center=center,
        patient=patient,
        therapy=abhyanga,
        starts_at=local_today_at(center, 9, days=-1),
        status=SessionStatus.COMPLETED,
    )
    _answer(session, patient, 9)
    assert not RuleFiring.objects.exists()
