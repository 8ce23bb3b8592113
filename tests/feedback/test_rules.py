"""The seed rule: nausea of 6 or more after Virechana raises one clinician call task due in 24 h."""

from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.choices import Symptom
from feedback.models import AdaptationRule, ClinicianTask
from feedback.services import feedback_record
from sessions.models import SessionStatus
from tests.factories import (
    AdaptationRuleFactory,
    TherapySessionFactory,
    TherapyTypeFactory,
    local_today_at,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def nausea_rule(virechana):
    return AdaptationRuleFactory(
        name="Nausea after Virechana",
        symptom=Symptom.NAUSEA,
        therapy=virechana,
        threshold=6,
        comparison=AdaptationRule.Comparison.GTE,
        actions=[AdaptationRule.Action.ALERT_CLINICIAN],
    )


def _answer(session, patient, nausea):
    feedback_record(
        session=session,
        patient=patient,
        symptom_relief=5,
        experience="yes_definitely",
        side_effects={"nausea": nausea},
    )


@pytest.mark.parametrize(("nausea", "tasks"), [(5, 0), (6, 1), (10, 1)])
def test_the_rule_fires_from_nausea_6(nausea_rule, finished_session, patient, nausea, tasks):
    _answer(finished_session, patient, nausea)
    assert ClinicianTask.objects.count() == tasks


def test_the_task_is_a_call_due_within_24_hours_for_the_practitioner(
    nausea_rule, finished_session, patient, practitioner_user
):
    before = timezone.now()
    _answer(finished_session, patient, 7)

    task = ClinicianTask.objects.get()
    assert task.patient == patient and task.session == finished_session
    assert task.assigned_to == practitioner_user
    assert task.title == "Call Meera Iyer: Nausea after Virechana"
    assert task.detail == "Nausea 7/10 reported after Virechana."
    assert before + timedelta(hours=24) <= task.due_at <= timezone.now() + timedelta(hours=24)


def test_the_task_is_raised_once_however_often_the_feedback_is_corrected(
    nausea_rule, finished_session, patient
):
    _answer(finished_session, patient, 7)
    _answer(finished_session, patient, 9)
    _answer(finished_session, patient, 8)
    assert ClinicianTask.objects.count() == 1


def test_the_rule_does_not_fire_after_another_therapy(nausea_rule, center, patient):
    abhyanga = TherapyTypeFactory(code="abhyanga", name="Abhyanga")
    session = TherapySessionFactory(
        center=center,
        patient=patient,
        therapy=abhyanga,
        starts_at=local_today_at(center, 9, days=-1),
        status=SessionStatus.COMPLETED,
    )
    _answer(session, patient, 9)
    assert not ClinicianTask.objects.exists()


def test_an_inactive_rule_does_not_fire(nausea_rule, finished_session, patient):
    nausea_rule.is_active = False
    nausea_rule.save()
    _answer(finished_session, patient, 9)
    assert not ClinicianTask.objects.exists()
