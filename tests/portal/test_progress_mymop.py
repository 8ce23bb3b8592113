"""MYMOP on the progress page and in GET /api/progress/<id>: figures against hand-computed
profiles, the sentence beside the chart, and a fixed query count."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback.models import AdaptationRule
from feedback.services import mymop_record
from tests.factories import AdaptationRuleFactory
from tests.portal.test_progress import PROGRESS_QUERIES

pytestmark = pytest.mark.django_db

# (symptom 1, symptom 2, activity, wellbeing) per week; profiles by hand:
# (5+4+6+3)/4 = 4.50, (4+4+5+3)/4 = 4.00, (2+3+3+2)/4 = 2.50.
WEEKS = [(5, 4, 6, 3), (4, 4, 5, 3), (2, 3, 3, 2)]


def _answers(patient, weeks=WEEKS):
    start = timezone.now() - timedelta(days=7 * len(weeks))
    for week, (s1, s2, activity, wellbeing) in enumerate(weeks):
        mymop_record(
            patient=patient,
            kind="intake" if week == 0 else "weekly",
            symptom_1_name="Back pain",
            symptom_2_name="Poor sleep",
            activity_name="Walking",
            symptom_1=s1,
            symptom_2=s2,
            activity=activity,
            wellbeing=wellbeing,
            now=start + timedelta(days=7 * week),
        )


def test_the_chart_draws_the_hand_computed_profiles_and_items(client, patient_user, patient):
    _answers(patient)
    client.force_login(patient_user)

    response = client.get(reverse("portal_progress"))

    mymop = response.context["chart"]["mymop"]
    assert mymop["profile"] == [4.5, 4.0, 2.5]
    assert mymop["items"] == [
        {"name": "Back pain", "scores": [5, 4, 2]},
        {"name": "Poor sleep", "scores": [4, 4, 3]},
        {"name": "Walking", "scores": [6, 5, 3]},
        {"name": "Wellbeing", "scores": [3, 3, 2]},
    ]
    page = response.content.decode()
    assert 'id="mymop-chart"' in page and 'aria-describedby="mymop-summary"' in page
    assert (
        "3 answers from" in page
        and "the MYMOP profile went from 4.50 to 2.50 out of 6 (lower is better), "
        "2.00 points better."
        in page
    )


def test_a_worse_profile_is_said_to_be_worse(client, patient_user, patient):
    _answers(patient, [(2, 2, 2, 2), (3, 3, 3, 2)])  # 2.00 then 2.75
    client.force_login(patient_user)

    page = client.get(reverse("portal_progress")).content.decode()

    assert "went from 2.00 to 2.75 out of 6 (lower is better), 0.75 points worse." in page


def test_no_answers_yet_reads_as_words_not_an_empty_chart(client, patient_user):
    client.force_login(patient_user)
    page = client.get(reverse("portal_progress")).content.decode()
    assert "No MYMOP questions have been answered yet." in page
    assert 'id="mymop-chart"' not in page


@pytest.mark.parametrize("weeks", [2, 20])
def test_mymop_answers_cost_no_query_each(
    client, patient_user, patient, weeks, django_assert_max_num_queries
):
    _answers(patient, [(3, 3, 3, 3)] * weeks)
    client.force_login(patient_user)

    with django_assert_max_num_queries(PROGRESS_QUERIES):
        response = client.get(reverse("portal_progress"))

    assert len(response.context["chart"]["mymop"]["profile"]) == weeks


def test_the_api_gives_the_mymop_answers_and_their_change(
    client, patient_user, patient, admin_user, center
):
    _answers(patient)
    url = reverse("api_progress", args=[patient.pk])

    for reader in (patient_user, admin_user):
        client.force_login(reader)
        body = client.get(url).json()
        assert [m["profile"] for m in body["mymop"]] == ["4.50", "4.00", "2.50"]
        assert [m["kind"] for m in body["mymop"]] == ["intake", "weekly", "weekly"]
        assert body["mymop"][0] | {"answered_at": None, "day": None} == {
            "answered_at": None,
            "day": None,
            "kind": "intake",
            "profile": "4.50",
            "symptom_1_name": "Back pain",
            "symptom_1": 5,
            "symptom_2_name": "Poor sleep",
            "symptom_2": 4,
            "activity_name": "Walking",
            "activity": 6,
            "wellbeing": 3,
        }
        assert body["mymop_change"] == "2.00"


def test_the_schema_documents_mymop(client):
    schema = client.get(reverse("api_schema"), {"format": "json"}).json()
    progress = schema["components"]["schemas"]["Progress"]["properties"]
    assert "mymop" in progress and "mymop_change" in progress
    assert (
        "0 best"
        in schema["components"]["schemas"]["MymopPoint"]["properties"]["profile"]["description"]
    )


def test_staff_see_the_mymop_chart_and_the_task_a_worse_profile_raised(
    client, patient_user, patient, practitioner_user
):
    AdaptationRuleFactory(
        name="MYMOP worse by a point",
        measure=AdaptationRule.Measure.MYMOP,
        symptom="",
        comparison=AdaptationRule.Comparison.ROSE_BY,
        threshold=1,
        actions=[AdaptationRule.Action.ALERT_CLINICIAN],
    )
    _answers(patient, [(2, 2, 2, 2), (3, 3, 3, 3)])  # 2.00 then 3.00
    client.force_login(practitioner_user)

    progress = client.get(reverse("console_patient_progress", args=[patient.pk]))
    tasks = client.get(reverse("clinician_tasks")).content.decode()

    assert "went from 2.00 to 3.00 out of 6 (lower is better), 1.00 points worse." in (
        progress.content.decode()
    )
    assert "Call Meera Iyer: MYMOP worse by a point" in tasks
    assert "MYMOP profile 3.00/6 (Weekly). 2.00/6 the time before." in tasks
