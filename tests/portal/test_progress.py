"""The progress page, its staff view, the protocol outcome view and GET /api/progress/<id>."""

import pytest
from django.urls import reverse

from clinics.choices import Role
from tests.factories import (
    MembershipFactory,
    PatientFactory,
    ProtocolVersionFactory,
    UserFactory,
)
from tests.portal.progress_data import BOOKED, DONE, MISSED, virechana_course

SMALL = [(DONE, 3, {"nausea": 2}, "64.5"), (DONE, 6, {}, "64.0"), (MISSED, None, {}, None)]


def _long_course(days):
    # A session a day: every third missed, the others answered, relief and nausea rising.
    return [
        (MISSED, None, {}, None)
        if day % 3 == 2
        else (DONE, day % 11, {"nausea": day % 7, "weakness": 2}, f"{70 - day / 10:.1f}")
        for day in range(days)
    ]


# Measured on the small course; the same bound holds for a 30-day one (no query per row):
# session, user, patient record, its center, the navigation's roles, and the four of
# patient_progress (feedback, side effects, plans, weights), the signed discharge summaries,
# and the MYMOP answers (their own table: one more query, whatever their number).
PROGRESS_QUERIES = 11


@pytest.mark.parametrize("course", [SMALL, _long_course(30)], ids=["3-days", "30-days"])
def test_the_progress_page_costs_a_fixed_number_of_queries(
    client, patient_user, center, practitioner, course, django_assert_max_num_queries
):
    virechana_course(center, patient_user.patient_profile, practitioner, course, start=-31)
    client.force_login(patient_user)

    with django_assert_max_num_queries(PROGRESS_QUERIES):
        response = client.get(reverse("portal_progress"))

    assert response.status_code == 200
    assert len(response.context["chart"]["relief"]["relief"]) == sum(
        1 for day in course if day[1] is not None
    )


def test_the_patient_reads_each_chart_in_words(client, patient_user, center, practitioner):
    virechana_course(center, patient_user.patient_profile, practitioner, SMALL, start=-3)
    client.force_login(patient_user)

    response = client.get(reverse("portal_progress"))
    page = response.content.decode()

    assert "relief went from 3 to 6 out of 10, 4.5 on average" in page
    assert "The strongest side effect was nausea, 2 out of 10" in page
    assert "2 of 3 sessions done, 1 missed, 0 to come" in page
    assert "67% of the sessions that came due were attended" in page
    assert "from 64.5 kg on" in page and "to 64.0 kg on" in page
    assert 'id="relief-chart"' in page and "js/vendor/plotly.min.js" in page
    # Plotly's inline chart styles are let through on this page only.
    assert "'unsafe-inline'" in response["Content-Security-Policy"].split("style-src")[1]


def test_a_patient_with_no_answers_yet_sees_words_not_empty_charts(client, patient_user):
    client.force_login(patient_user)

    page = client.get(reverse("portal_progress")).content.decode()

    assert "No feedback has been given after a session yet." in page
    assert 'id="relief-chart"' not in page


def test_the_progress_page_reads_in_hindi(client, patient_user, center, practitioner):
    virechana_course(center, patient_user.patient_profile, practitioner, SMALL, start=-3)
    client.force_login(patient_user)

    page = client.get(reverse("portal_progress"), HTTP_ACCEPT_LANGUAGE="hi").content.decode()

    assert "आपकी प्रगति" in page
    # The sentence beside the chart, with the reminders' spelling of the month.
    assert "राहत 10 में से 3 से 6 हुई, औसत 4.5" in page
    assert "सबसे तेज़ दुष्प्रभाव मतली था, 10 में से 2" in page


def test_staff_of_the_center_see_a_patients_progress_and_others_do_not(
    client, patient_user, admin_user, practitioner_user, center, other_center, practitioner
):
    patient = patient_user.patient_profile
    virechana_course(center, patient, practitioner, SMALL, start=-3)
    url = reverse("console_patient_progress", args=[patient.pk])
    stranger = UserFactory()
    MembershipFactory(user=stranger, center=other_center, role=Role.MEDICAL_DIRECTOR)

    for reader in (admin_user, practitioner_user):
        client.force_login(reader)
        response = client.get(url)
        assert response.status_code == 200
        assert "Progress of Meera Iyer" in response.content.decode()
    for outsider in (stranger, patient_user):
        client.force_login(outsider)
        assert client.get(url).status_code == 404


def _protocol_patients(center, practitioner, version, reliefs, days=1):
    """One patient per relief score, each answering `days` protocol days at its own hour."""
    for hour, relief in enumerate(reliefs):
        course = [(DONE, relief, {"nausea": 6} if relief == 4 else {}, None)] * days
        virechana_course(
            center, PatientFactory(center=center), practitioner, course, version=version, hour=hour
        )


def test_the_outcome_view_shows_each_days_spread(client, center, practitioner, practitioner_user):
    version = ProtocolVersionFactory(template__name="Virechana 7 days")
    _protocol_patients(center, practitioner, version, [3, 4, 6])
    client.force_login(practitioner_user)

    response = client.get(reverse("console_outcomes"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Virechana 7 days: scores by protocol day" in page
    # Relief 3, 4, 6: median 4.0 with quartiles 3.5 and 5.0; worst side effects 0, 6, 0.
    assert "4.0 (3.5–5.0)" in page and "0.0 (0.0–3.0)" in page
    assert response.context["chart"]["relief"] == [[3.5, 4.0, 5.0]]


@pytest.mark.parametrize(
    ("reliefs", "days"), [([3, 4, 6], 1), (list(range(11)) * 2, 7)], ids=["3x1", "22x7"]
)
def test_the_outcome_view_costs_a_fixed_number_of_queries(
    client, center, practitioner, practitioner_user, reliefs, days, django_assert_max_num_queries
):
    version = ProtocolVersionFactory(template__name="Virechana 7 days")
    _protocol_patients(center, practitioner, version, reliefs, days)
    client.force_login(practitioner_user)

    # session, user, the navigation's roles and patient record, centers, protocols, the
    # outcomes, patients on the protocol: none per patient or per day.
    with django_assert_max_num_queries(8):
        response = client.get(reverse("console_outcomes"))

    assert len(response.context["days"]) == days
    assert len(response.context["patients"]) == len(reliefs)


def test_the_outcome_view_refuses_an_unknown_protocol_in_words(client, admin_user, patient_user):
    client.force_login(admin_user)
    assert "No patient of this center" in client.get(reverse("console_outcomes")).content.decode()

    response = client.get(reverse("console_outcomes"), {"protocol": "nine"})
    assert response.status_code == 400
    assert "That protocol has no answered sessions at this center" in response.content.decode()

    client.force_login(patient_user)
    assert client.get(reverse("console_outcomes")).status_code == 403


def test_the_api_gives_the_same_aggregates_to_the_patient_and_their_staff(
    client, patient_user, admin_user, center, practitioner
):
    patient = patient_user.patient_profile
    virechana_course(center, patient, practitioner, [*SMALL, (BOOKED, None, {}, None)], start=-3)
    url = reverse("api_progress", args=[patient.pk])

    for reader in (patient_user, admin_user):
        client.force_login(reader)
        body = client.get(url).json()
        assert body["adherence"] == 67 and body["relief_average"] == "4.5"
        assert [p["relief"] for p in body["feedback"]] == [3, 6]
        assert body["feedback"][0]["side_effects"] == {"nausea": 2}
        assert body["plans"][0] | {"plan": None, "start_date": None} == {
            "plan": None,
            "protocol": "Virechana 7 days",
            "start_date": None,
            "planned": 4,
            "completed": 2,
            "missed": 1,
            "left": 1,
            "adherence": 67,
        }
        assert body["weights"][-1]["kg"] == "64.0"


def test_the_api_refuses_other_patients_and_other_centers(
    client, patient_user, center, other_center
):
    patient = patient_user.patient_profile
    url = reverse("api_progress", args=[patient.pk])
    neighbour = PatientFactory(center=center, user=UserFactory())
    stranger = UserFactory()
    MembershipFactory(user=stranger, center=other_center, role=Role.CENTER_ADMIN)

    assert client.get(url).status_code == 401
    for outsider in (neighbour.user, stranger):
        client.force_login(outsider)
        response = client.get(url)
        assert response.status_code == 404
        assert response.json()["message"] == "No such patient of yours."
    client.force_login(patient_user)
    assert client.get(reverse("api_progress", args=[neighbour.pk])).status_code == 404


def test_the_api_is_in_the_schema(client):
    schema = client.get(reverse("api_schema"), {"format": "json"}).json()

    operation = schema["paths"]["/api/progress/{patient_id}"]["get"]
    assert operation["operationId"] == "progress_retrieve"
    assert set(operation["responses"]) == {"200", "401", "404"}
