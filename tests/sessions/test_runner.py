"""The session runner page: who may open it, what it shows, status moves and its query count."""

from decimal import Decimal

import pytest
from django.urls import reverse

from clinics.choices import Role
from sessions.models import SessionStatus, TherapySession
from sessions.services import (
    checklist_item_tick,
    incident_report,
    material_use,
    session_note_add,
    session_transition,
    vitals_record,
)
from tests.factories import (
    ClinicalFlagFactory,
    ConsumableFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db

# One of them writes the audit log's row for this read of the patient's record.
RUNNER_QUERIES = 19

S = SessionStatus


def runner_url(session) -> str:
    return reverse("session_runner", args=[session.pk])


def htmx(client, url, data):
    return client.post(url, data, HTTP_HX_REQUEST="true")


# --- who may open it ------------------------------------------------------------------------


def test_it_shows_the_session_to_its_practitioner(client, practitioner_user, todays_session):
    todays_session.patient.allergies = "Sesame oil"
    todays_session.patient.comorbidities = "Type 2 diabetes"
    todays_session.patient.same_gender_practitioner = True
    todays_session.patient.save()
    ClinicalFlagFactory(patient=todays_session.patient, reason="Dizziness reported after Virechana")
    client.force_login(practitioner_user)

    response = client.get(runner_url(todays_session))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Abhyanga" in page and todays_session.patient.full_name in page
    assert "Sesame oil" in page
    assert "Type 2 diabetes" in page
    assert "Same-gender practitioner required" in page
    assert "Dizziness reported after Virechana" in page
    assert "Check blood pressure and ask about fever" in page
    assert "Start preparation" in page
    assert "Planned: <strong>200 ml</strong>" in page


def test_it_does_not_show_a_cleared_flag(client, practitioner_user, todays_session):
    flag = ClinicalFlagFactory(patient=todays_session.patient, reason="Vomited twice")
    flag.cleared_at = flag.raised_at
    flag.save()
    client.force_login(practitioner_user)

    assert "Vomited twice" not in client.get(runner_url(todays_session)).content.decode()


def test_an_admin_of_the_center_may_open_it(client, admin_user, todays_session):
    client.force_login(admin_user)

    assert client.get(runner_url(todays_session)).status_code == 200


def test_another_practitioner_of_the_center_is_refused(client, colleague_user, todays_session):
    client.force_login(colleague_user)

    assert client.get(runner_url(todays_session)).status_code == 403


def test_the_medical_director_may_not_run_it(client, director_user, todays_session):
    client.force_login(director_user)

    assert client.get(runner_url(todays_session)).status_code == 403


def test_an_admin_of_another_center_learns_nothing(client, outsider, todays_session):
    client.force_login(outsider)

    assert client.get(runner_url(todays_session)).status_code == 404


def test_a_patient_learns_nothing(client, patient_user, todays_session):
    client.force_login(patient_user)

    assert client.get(runner_url(todays_session)).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, todays_session):
    response = client.get(runner_url(todays_session))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_an_unknown_session_is_not_found(client, practitioner_user):
    client.force_login(practitioner_user)

    assert client.get(reverse("session_runner", args=[999999])).status_code == 404


@pytest.mark.parametrize(
    "name, data",
    [
        ("runner_status", {"to_status": S.IN_PREPARATION, "expected_status": S.SCHEDULED}),
        ("runner_vitals", {"pulse": "72"}),
        ("runner_dosage", {"dose_given": "200"}),
        ("runner_notes", {"note_kind": "note", "text": "Calm"}),
        ("runner_incidents", {"severity": "minor", "description": "Slipped"}),
    ],
)
def test_every_write_is_refused_to_another_practitioner(
    client, colleague_user, todays_session, name, data
):
    client.force_login(colleague_user)

    response = client.post(reverse(name, args=[todays_session.pk]), data)

    assert response.status_code == 403
    todays_session.refresh_from_db()
    assert todays_session.status == S.SCHEDULED
    assert not todays_session.vitals.exists() and not todays_session.entries.exists()
    assert not todays_session.incidents.exists()


def test_a_write_from_another_center_is_not_found(client, outsider, todays_session, ksheerabala):
    client.force_login(outsider)

    response = client.post(
        reverse("runner_materials", args=[todays_session.pk]),
        {"consumable": ksheerabala.pk, "quantity": "10"},
    )

    assert response.status_code == 404
    ksheerabala.refresh_from_db()
    assert ksheerabala.stock_quantity == Decimal("1200")


# --- status -------------------------------------------------------------------------------


def test_a_status_button_moves_the_session_and_answers_the_page(
    client, practitioner_user, todays_session
):
    client.force_login(practitioner_user)

    response = htmx(
        client,
        reverse("runner_status", args=[todays_session.pk]),
        {"to_status": S.IN_PREPARATION, "expected_status": S.SCHEDULED},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="runner-body"' in page and "<html" not in page
    assert "Start the session" in page
    assert TherapySession.objects.get(pk=todays_session.pk).status == S.IN_PREPARATION


def test_a_status_button_on_a_stale_page_is_refused_with_a_message(
    client, practitioner_user, admin_user, todays_session
):
    # The front desk cancelled it while the tablet still showed it as scheduled.
    session_transition(session=todays_session, to_status=S.CANCELLED, by=admin_user)
    client.force_login(practitioner_user)

    response = htmx(
        client,
        reverse("runner_status", args=[todays_session.pk]),
        {"to_status": S.IN_PREPARATION, "expected_status": S.SCHEDULED},
    )

    assert "already Cancelled; the page you acted on was out of date" in response.content.decode()
    assert TherapySession.objects.get(pk=todays_session.pk).status == S.CANCELLED


def test_completing_with_the_checklist_undone_says_what_is_missing(
    client, practitioner_user, todays_session
):
    for status in (S.IN_PREPARATION, S.IN_SESSION):
        todays_session = session_transition(
            session=todays_session, to_status=status, by=practitioner_user
        )
    client.force_login(practitioner_user)

    response = htmx(
        client,
        reverse("runner_status", args=[todays_session.pk]),
        {"to_status": S.COMPLETED, "expected_status": S.IN_SESSION},
    )

    page = response.content.decode()
    assert "Tick every required checklist step before completing" in page
    assert "Massage with synchronized strokes" in page
    assert TherapySession.objects.get(pk=todays_session.pk).status == S.IN_SESSION


def test_a_plain_form_post_moves_the_session_and_comes_back(
    client, practitioner_user, todays_session
):
    client.force_login(practitioner_user)

    response = client.post(
        reverse("runner_status", args=[todays_session.pk]),
        {"to_status": S.IN_PREPARATION, "expected_status": S.SCHEDULED},
    )

    assert response.status_code == 302
    assert response["Location"].startswith(runner_url(todays_session))
    assert TherapySession.objects.get(pk=todays_session.pk).status == S.IN_PREPARATION


def test_a_status_that_does_not_exist_is_a_clear_refusal(client, practitioner_user, todays_session):
    client.force_login(practitioner_user)

    response = client.post(
        reverse("runner_status", args=[todays_session.pk]),
        {"to_status": "teleported", "expected_status": S.SCHEDULED},
    )

    assert response.status_code == 400
    assert "Choose a status to move the session to." in response.content.decode()


def test_a_finished_session_offers_no_more_moves_or_forms(
    client, practitioner_user, todays_session
):
    session_transition(session=todays_session, to_status=S.NO_SHOW, by=practitioner_user)
    client.force_login(practitioner_user)

    page = client.get(runner_url(todays_session)).content.decode()

    assert "Start preparation" not in page
    assert "Record vitals" not in page
    assert "Report an incident or near miss" in page


# --- cost ---------------------------------------------------------------------------------


@pytest.fixture(params=[1, 12], ids=["little-recorded", "much-recorded"])
def recorded(request, todays_session, practitioner_user, abhyanga_sop, center):
    """A session with `param` of each thing recorded in it."""
    todays_session = session_transition(
        session=todays_session, to_status=S.IN_PREPARATION, by=practitioner_user
    )
    for item in abhyanga_sop[: min(request.param, len(abhyanga_sop))]:
        checklist_item_tick(session=todays_session, item=item, by=practitioner_user)
    oil = ConsumableFactory(center=center, stock_quantity=Decimal("100000"))
    for index in range(request.param):
        vitals_record(session=todays_session, by=practitioner_user, pulse=60 + index)
        session_note_add(session=todays_session, by=practitioner_user, text=f"Note {index}")
        material_use(
            session=todays_session,
            consumable=oil,
            quantity=Decimal("5"),
            by=practitioner_user,
        )
        ConsumableFactory(center=center)
        ClinicalFlagFactory(patient=todays_session.patient)
    return todays_session


def test_the_runner_costs_a_fixed_number_of_queries(
    client, practitioner_user, recorded, django_assert_max_num_queries
):
    client.force_login(practitioner_user)

    with django_assert_max_num_queries(RUNNER_QUERIES):
        response = client.get(runner_url(recorded))

    assert response.status_code == 200


def test_an_admin_sees_the_incident_review_buttons(client, admin_user, todays_session):
    MembershipFactory(user=admin_user, center=todays_session.center, role=Role.PRACTITIONER)
    incident_report(session=todays_session, by=None, severity="minor", description="Oil spilt")
    client.force_login(admin_user)

    assert "Start the review" in client.get(runner_url(todays_session)).content.decode()
