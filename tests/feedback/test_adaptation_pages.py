"""What clinicians see of the rules: reasons on the task list, My day's box, the patient's
page, the runner's lowered dose, and the Reverse button."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from feedback.choices import Symptom
from feedback.models import AdaptationRule, ClinicianTask, RuleFiring
from feedback.services import feedback_record
from sessions.models import SessionStatus
from tests.factories import (
    AdaptationRuleFactory,
    PatientFactory,
    RuleFiringFactory,
    TherapySessionFactory,
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
    )


def _nausea(session, patient, score=7):
    feedback_record(
        session=session,
        patient=patient,
        symptom_relief=5,
        experience="yes_definitely",
        side_effects={"nausea": score},
    )
    return RuleFiring.objects.get(session=session)


def test_the_task_list_shows_why_and_what_the_rule_did(
    client, practitioner_user, nausea_rule, finished_session, coming_session, patient
):
    _nausea(finished_session, patient)
    client.force_login(practitioner_user)

    page = client.get(reverse("clinician_tasks"), {"mine": "1"}).content.decode()

    assert "Why: rule “Nausea after Virechana”, version 1" in page
    assert "Nausea 7/10 reported after Virechana. Rule “Nausea after Virechana”" in page
    assert "lowered from 100 % to 80 %." in page
    assert "Diet alert to the patient: 1 message(s) queued." in page
    assert "Reverse this adaptation" in page


@pytest.mark.parametrize("count", [1, 20])
def test_the_task_list_with_firings_costs_the_same_queries(
    client, admin_user, center, virechana, nausea_rule, count, django_assert_max_num_queries
):
    for _ in range(count):
        patient = PatientFactory(center=center)
        session = TherapySessionFactory(
            center=center,
            patient=patient,
            therapy=virechana,
            starts_at=local_today_at(center, 9, days=-1),
            status=SessionStatus.COMPLETED,
        )
        _nausea(session, patient)
    client.force_login(admin_user)

    with django_assert_max_num_queries(8):
        page = client.get(reverse("clinician_tasks"))

    assert page.content.decode().count("Reverse this adaptation") == count


def test_reversing_from_the_task_list_restores_the_session_and_says_so(
    client, practitioner_user, nausea_rule, finished_session, coming_session, patient
):
    firing = _nausea(finished_session, patient)
    client.force_login(practitioner_user)

    answer = client.post(
        reverse("rule_firing_reverse", args=[firing.pk]),
        {"next": reverse("clinician_tasks") + "?mine=1"},
        follow=True,
    )

    coming_session.refresh_from_db()
    page = answer.content.decode()
    assert answer.redirect_chain[-1][0] == reverse("clinician_tasks") + "?mine=1"
    assert coming_session.intensity_percent == 100
    assert "Reversed “Nausea after Virechana”." in page
    assert "back to 100 %" in page
    assert ClinicianTask.objects.get().status == ClinicianTask.Status.DISMISSED

    again = client.post(reverse("rule_firing_reverse", args=[firing.pk]), follow=True)
    assert "This adaptation was already reversed." in again.content.decode()


def test_reversal_refuses_another_center_a_patient_and_a_get(
    client, outsider, patient_user, practitioner_user, nausea_rule, finished_session, patient
):
    firing = _nausea(finished_session, patient)
    url = reverse("rule_firing_reverse", args=[firing.pk])
    client.force_login(outsider)
    assert client.post(url).status_code == 404
    client.force_login(patient_user)
    assert client.post(url).status_code == 403
    client.force_login(practitioner_user)
    assert client.get(url).status_code == 405
    assert not RuleFiring.objects.get().is_reversed


def test_an_outside_next_address_is_not_followed(
    client, admin_user, nausea_rule, finished_session, patient
):
    firing = _nausea(finished_session, patient)
    client.force_login(admin_user)
    answer = client.post(
        reverse("rule_firing_reverse", args=[firing.pk]), {"next": "https://evil.example/"}
    )
    assert answer.url.startswith(reverse("clinician_tasks"))


def test_my_day_loads_the_clinicians_open_tasks(
    client,
    practitioner_user,
    center,
    nausea_rule,
    finished_session,
    coming_session,
    patient,
    django_assert_max_num_queries,
):
    _nausea(finished_session, patient)
    client.force_login(practitioner_user)

    my_day = client.get(reverse("my_day")).content.decode()
    assert f'hx-get="{reverse("my_day_clinician_tasks")}?center={center.pk}"' in my_day

    with django_assert_max_num_queries(6):
        box = client.get(
            reverse("my_day_clinician_tasks"), {"center": center.pk}, HTTP_HX_REQUEST="true"
        )
    page = box.content.decode()
    assert "Calls and tasks" in page
    assert "Call Meera Iyer: Nausea after Virechana" in page
    assert "Nausea 7/10 reported after Virechana." in page


def test_my_day_box_is_for_clinicians_only(client, patient_user):
    client.force_login(patient_user)
    assert client.get(reverse("my_day_clinician_tasks")).status_code == 403


def test_the_patient_page_lists_the_firings_with_their_reasons(
    client, admin_user, outsider, nausea_rule, finished_session, coming_session, patient
):
    _nausea(finished_session, patient)
    url = reverse("patient_adaptations", args=[patient.pk])
    client.force_login(admin_user)

    page = client.get(url, HTTP_HX_REQUEST="true").content.decode()

    assert "Adaptations by the clinic's rules" in page
    assert "Nausea 7/10 reported after Virechana." in page
    progress = client.get(reverse("console_patient_progress", args=[patient.pk])).content.decode()
    assert f'hx-get="{url}"' in progress
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_the_runner_shows_the_lowered_dose_and_why(
    client, practitioner_user, nausea_rule, finished_session, coming_session, patient, virechana
):
    virechana.planned_dose = Decimal("100")
    virechana.dose_unit = "ml"
    virechana.save()
    _nausea(finished_session, patient)
    client.force_login(practitioner_user)

    page = client.get(reverse("session_runner", args=[coming_session.pk])).content.decode()

    assert "Planned: <strong>80 ml</strong>" in page
    assert "Intensity lowered to 80 % of the protocol's 100 ml." in page
    assert "Lowered 20 % by the rule “Nausea after Virechana”: Nausea 7/10" in page


def test_the_rule_boxes_speak_hindi(
    client,
    practitioner_user,
    center,
    nausea_rule,
    finished_session,
    coming_session,
    patient,
    settings,
):
    _nausea(finished_session, patient)
    client.force_login(practitioner_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "hi"
    # LocaleMiddleware leaves the request's language active in this thread: restore it after.
    with translation.override(settings.LANGUAGE_CODE):
        box = client.get(reverse("my_day_clinician_tasks"), {"center": center.pk}).content.decode()
        tasks = client.get(reverse("clinician_tasks")).content.decode()
    assert "कॉल और काम" in box
    assert "कारण: नियम “Nausea after Virechana”, संस्करण 1" in tasks
    assert "यह बदलाव पलटें" in tasks
    assert "100 % से घटाकर 80 % किया गया।" in tasks


def test_an_adaptation_without_a_task_is_on_the_task_list_too(
    client, admin_user, center, finished_session, patient
):
    AdaptationRuleFactory(
        name="Low relief",
        measure="relief",
        symptom="",
        comparison="lte",
        threshold=5,
        actions=["motivational_nudge"],
    )
    _nausea(finished_session, patient, score=2)
    client.force_login(admin_user)

    page = client.get(reverse("clinician_tasks")).content.decode()

    other = page[page.index("Other adaptations this week") :]
    assert "Meera Iyer" in other
    assert "Relief 5/10 reported after Virechana. Rule “Low relief”" in other
    assert "Motivational nudge to the patient: 1 message(s) queued." in other


@pytest.mark.parametrize("count", [1, 15])
def test_the_patient_adaptations_cost_the_same_queries(
    client, admin_user, center, patient, count, django_assert_max_num_queries
):
    for _ in range(count):
        RuleFiringFactory(
            center=center,
            patient=patient,
            actions_taken=[{"action": "diet_alert", "messages": [1, 2]}],
        )
    client.force_login(admin_user)

    with django_assert_max_num_queries(7):
        page = client.get(reverse("patient_adaptations", args=[patient.pk]))

    assert page.content.decode().count("Reverse this adaptation") == count


def test_a_therapy_without_a_dose_is_shortened_on_the_runner(
    client, practitioner_user, nausea_rule, finished_session, coming_session, patient
):
    _nausea(finished_session, patient)  # the one-hour Virechana of the fixtures, no dose
    client.force_login(practitioner_user)

    page = client.get(reverse("session_runner", args=[coming_session.pk])).content.decode()

    booked = int((coming_session.ends_at - coming_session.starts_at).total_seconds() // 60)
    assert f"Intensity lowered to 80 %: give the therapy for {round(booked * 0.8)} min." in page
