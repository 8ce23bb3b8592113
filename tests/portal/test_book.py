"""Booking a package from the patient's phone, and the practitioner's review of held plans."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone, translation

from clinics.choices import Role
from notifications.models import InAppNotification
from patients.models import CarePlan
from scheduling.services.proposals import care_plan_confirm, care_plan_propose
from sessions.models import TherapySession
from tests.factories import ClinicalFlagFactory, MembershipFactory, PatientFactory, UserFactory
from tests.portal.intake import with_intake_done
from tests.scheduling.conftest import clinic  # noqa: F401 (the clinic to book in)

pytestmark = pytest.mark.django_db

STEPS = 6
# Session, user, patient, its center, roles (the menu), centers (the choice and its initial
# value), packages, the patient's packages and consents in force: the same for one or many.
BOOK_PAGE_QUERIES = 10
# Session, user, patient, plan, its proposal and the run's names (three) and center.
PROPOSAL_PAGE_QUERIES = 10
# Session, user, patient, plan and its sessions with what they show.
BOOKED_PAGE_QUERIES = 6
# Session, user, the approver's centers, roles (the menu), held plans, their proposals and the
# proposals' names (three): the same for one held plan or three.
HELD_PAGE_QUERIES = 10


@pytest.fixture(autouse=True)
def _intake_done(request):
    # The standing patient has answered the intake's health step and consented, as booking
    # needs; a test that asks for no `patient` makes its own.
    if "patient" in request.fixturenames:
        with_intake_done(request.getfixturevalue("patient"))


def _choose(client, clinic, **overrides):  # noqa: F811
    data = {
        "center": clinic["center"].pk,
        "protocol_version": clinic["version"].pk,
        "start_date": clinic["start"].isoformat(),
        **overrides,
    }
    return client.post("/portal/book/", data)


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_booking_page_offers_centers_and_packages(
    client,
    patient_user,
    patient,
    clinic,  # noqa: F811
    django_assert_max_num_queries,
):
    client.force_login(patient_user)

    with django_assert_max_num_queries(BOOK_PAGE_QUERIES):
        page = client.get("/portal/book/").content.decode()

    assert "Kerala Panchakarma Center" in page
    assert "3-day Abhyanga and Swedana (7 days)" in page
    assert 'type="date"' in page


def test_choosing_shows_every_proposed_session_with_its_reason_and_books_nothing(
    client,
    patient_user,
    patient,
    clinic,  # noqa: F811
    django_assert_max_num_queries,
):
    client.force_login(patient_user)

    response = _choose(client, clinic)

    plan = CarePlan.objects.get(patient=patient)
    assert response.status_code == 302 and response["Location"] == f"/portal/book/{plan.pk}/"
    with django_assert_max_num_queries(PROPOSAL_PAGE_QUERIES):
        page = client.get(response["Location"]).content.decode()
    assert "Your package has 6 sessions. Nothing is booked until you confirm." in page
    assert page.count("Why this time:") == STEPS
    assert page.count('class="what">Abhyanga ·') == 3
    assert page.count('class="what">Swedana ·') == 3
    assert "Confirm and book" in page
    assert not TherapySession.objects.filter(patient=patient).exists()


@pytest.mark.parametrize(
    ("start_date", "message"),
    [
        ("", "Please choose your first day."),
        ("2026-13-45", "Please give the first day as a date"),
        ("2020-01-01", "The first day cannot be in the past"),
    ],
)
def test_a_bad_first_day_is_refused_with_a_reason_and_makes_no_plan(
    client,
    patient_user,
    patient,
    clinic,  # noqa: F811
    start_date,
    message,
):
    client.force_login(patient_user)

    response = _choose(client, clinic, start_date=start_date)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CarePlan.objects.filter(patient=patient).exists()


def test_confirming_books_the_plan_and_the_sessions_show_on_the_timeline(
    client,
    patient_user,
    patient,
    clinic,  # noqa: F811
    django_assert_max_num_queries,
):
    client.force_login(patient_user)
    plan_url = _choose(client, clinic)["Location"]
    plan = CarePlan.objects.get(patient=patient)
    run = plan.scheduling_runs.get()

    response = client.post(f"{plan_url}confirm/", {"run": run.pk})

    assert response["Location"] == plan_url
    assert _messages(response) == ["Booked: 6 sessions. They are on your timeline."]
    with django_assert_max_num_queries(BOOKED_PAGE_QUERIES):
        page = client.get(plan_url).content.decode()
    assert "Your sessions" in page and 'href="/portal/timeline/"' in page
    assert TherapySession.objects.filter(patient=patient, care_plan=plan).count() == STEPS
    timeline = client.get("/portal/timeline/").content.decode()
    assert timeline.count("Swedana") >= 3


def test_confirming_without_the_proposal_shown_books_nothing(
    client,
    patient_user,
    patient,
    clinic,  # noqa: F811
):
    client.force_login(patient_user)
    plan_url = _choose(client, clinic)["Location"]

    for run in ("", "abc", "999999999"):
        response = client.post(f"{plan_url}confirm/", {"run": run})
        assert response.status_code == 302
        assert _messages(response)

    assert not TherapySession.objects.filter(patient=patient).exists()


def test_times_taken_meanwhile_book_nothing_and_a_new_proposal_is_shown(
    client,
    patient_user,
    patient,
    clinic,  # noqa: F811
):
    for profile in clinic["practitioners"][1:]:
        profile.shifts.all().delete()
    client.force_login(patient_user)
    plan_url = _choose(client, clinic)["Location"]
    plan = CarePlan.objects.get(patient=patient)
    shown = plan.scheduling_runs.get()
    rival = with_intake_done(PatientFactory(center=clinic["center"], user=UserFactory()))
    rival_run = care_plan_propose(
        patient=rival,
        center=clinic["center"],
        protocol_version=clinic["version"],
        start_date=clinic["start"],
        requested_by=rival.user,
    )
    care_plan_confirm(plan=rival_run.care_plan, run_id=rival_run.pk, by=rival.user)

    response = client.post(f"{plan_url}confirm/", {"run": shown.pk})

    assert _messages(response) == [
        "Someone booked one of these times a moment ago, so nothing was booked. "
        "Here are new times for your package."
    ]
    assert not TherapySession.objects.filter(patient=patient).exists()
    page = client.get(plan_url).content.decode()
    assert "Confirm and book" in page
    assert f'name="run" value="{shown.pk}"' not in page


def test_another_patients_plan_is_not_found(
    client,
    patient_user,
    clinic,  # noqa: F811
):
    other = with_intake_done(PatientFactory(center=clinic["center"], user=UserFactory()))
    run = care_plan_propose(
        patient=other,
        center=clinic["center"],
        protocol_version=clinic["version"],
        start_date=clinic["start"],
        requested_by=other.user,
    )
    client.force_login(patient_user)

    assert client.get(f"/portal/book/{run.care_plan_id}/").status_code == 404
    assert (
        client.post(f"/portal/book/{run.care_plan_id}/confirm/", {"run": run.pk}).status_code == 404
    )
    assert not TherapySession.objects.exists()


def _held_for(client, patient_user, patient, clinic):  # noqa: F811
    clinic["abhyanga"].contraindications = "Fever, hypertension"
    clinic["abhyanga"].save()
    patient.comorbidities = "Hypertension"
    patient.save()
    client.force_login(patient_user)
    plan_url = _choose(client, clinic)["Location"]
    plan = CarePlan.objects.get(patient=patient)
    # Followed, so that the page shows (and uses up) the message about the hold.
    client.post(f"{plan_url}confirm/", {"run": plan.scheduling_runs.get().pk}, follow=True)
    return plan_url, plan


def test_a_contraindication_holds_the_plan_and_the_patient_sees_why(
    client,
    patient_user,
    patient,
    clinic,  # noqa: F811
):
    plan_url, _plan = _held_for(client, patient_user, patient, clinic)

    page = client.get(plan_url).content.decode()

    assert "Waiting for a practitioner's approval" in page
    assert "Abhyanga is contraindicated with hypertension" in page
    assert "Confirm and book" not in page
    assert not TherapySession.objects.filter(patient=patient).exists()


def _director(center):
    user = UserFactory(email="director@kerala.example.org")
    MembershipFactory(user=user, center=center, role=Role.MEDICAL_DIRECTOR)
    return user


def test_the_director_sees_held_plans_and_approval_books_them(
    client,
    patient_user,
    patient,
    clinic,  # noqa: F811
    django_assert_max_num_queries,
):
    plan_url, plan = _held_for(client, patient_user, patient, clinic)
    # Two more held plans: the page costs the same for one as for three.
    for _ in range(2):
        other = with_intake_done(PatientFactory(center=clinic["center"], user=UserFactory()))
        ClinicalFlagFactory(patient=other)
        run = care_plan_propose(
            patient=other,
            center=clinic["center"],
            protocol_version=clinic["version"],
            start_date=clinic["start"],
            requested_by=other.user,
        )
        care_plan_confirm(plan=run.care_plan, run_id=run.pk, by=other.user)
    client.force_login(_director(clinic["center"]))

    with django_assert_max_num_queries(HELD_PAGE_QUERIES):
        page = client.get("/scheduling/care-plans/held/").content.decode()
    assert "Meera Iyer · 3-day Abhyanga and Swedana" in page
    assert "Abhyanga is contraindicated with hypertension" in page
    assert page.count("Approve and book") == 3
    response = client.post(f"/scheduling/care-plans/{plan.pk}/approve/")

    assert _messages(response) == ["Approved: 6 sessions booked for Meera Iyer."]
    assert TherapySession.objects.filter(patient=patient).count() == STEPS
    client.force_login(patient_user)
    assert "Your sessions" in client.get(plan_url).content.decode()


def test_a_declined_plan_shows_the_patient_the_reason(
    client,
    patient_user,
    patient,
    clinic,  # noqa: F811
):
    plan_url, plan = _held_for(client, patient_user, patient, clinic)
    client.force_login(_director(clinic["center"]))

    refused = client.post(
        f"/scheduling/care-plans/{plan.pk}/decline/", {"reason": " "}, follow=True
    )
    declined = client.post(
        f"/scheduling/care-plans/{plan.pk}/decline/", {"reason": "Please see me about your BP."}
    )

    assert "Please give the patient a reason for declining." in refused.content.decode()
    assert _messages(declined) == ["Declined; Meera Iyer sees your reason."]
    client.force_login(patient_user)
    page = client.get(plan_url).content.decode()
    assert "Your practitioner did not approve this plan" in page
    assert "Please see me about your BP." in page
    assert not TherapySession.objects.filter(patient=patient).exists()


def test_the_held_list_of_one_center_is_not_shown_to_another(
    client,
    patient_user,
    patient,
    clinic,  # noqa: F811
    other_center,
):
    _plan_url, plan = _held_for(client, patient_user, patient, clinic)
    stranger = UserFactory(email="director@london.example.org")
    MembershipFactory(user=stranger, center=other_center, role=Role.MEDICAL_DIRECTOR)
    client.force_login(stranger)

    page = client.get("/scheduling/care-plans/held/").content.decode()

    assert "Meera Iyer" not in page
    assert client.post(f"/scheduling/care-plans/{plan.pk}/approve/").status_code == 404
    assert not TherapySession.objects.filter(patient=patient).exists()


def test_the_first_day_offered_is_the_first_day_the_patient_prefers(
    client,
    patient_user,
    patient,
    clinic,  # noqa: F811
):
    today = timezone.localdate(timezone=patient.center.tzinfo)
    preferred = today + datetime.timedelta(days=4)
    patient.preferred_weekdays = [preferred.weekday()]
    patient.save()
    client.force_login(patient_user)

    page = client.get("/portal/book/").content.decode()

    assert f'value="{preferred.isoformat()}"' in page


def test_a_first_day_that_does_not_fit_offers_the_earliest_that_does(
    client,
    patient_user,
    patient,
    clinic,  # noqa: F811
):
    # Nobody works on the chosen first day or the day after (the steps' slack): Abhyanga of
    # day 0 cannot be placed, so the plan does not fit from that day.
    start = clinic["start"]
    for profile in clinic["practitioners"]:
        profile.shifts.filter(weekday__in=[start.weekday(), (start.weekday() + 1) % 7]).delete()
    client.force_login(patient_user)

    page = client.get(_choose(client, clinic)["Location"]).content.decode()

    assert "Not every session fits from this first day:" in page
    assert "Confirm and book" not in page
    assert "The earliest first day at which every session fits:" in page
    assert "(earliest that fits)" in page


def test_booking_reads_in_hindi(
    client,
    patient_user,
    patient,
    clinic,  # noqa: F811
):
    client.force_login(patient_user)
    plan_url = _choose(client, clinic)["Location"]
    hindi = {"accept-language": "hi"}

    # The middleware leaves the thread in Hindi; the override puts it back for later tests.
    with translation.override("en"):
        form = client.get("/portal/book/", headers=hindi).content.decode()
        proposal = client.get(plan_url, headers=hindi).content.decode()

    assert "पैकेज बुक करें" in form and "मेरी योजना देखें" in form
    assert "आपके पैकेज में 6 सत्र हैं।" in proposal
    assert "पुष्टि करें और बुक करें" in proposal


def test_a_time_that_is_not_the_first_choice_says_why(
    client,
    patient_user,
    patient,
    clinic,  # noqa: F811
):
    # Everyone works 07:00-15:00: an evening wish cannot be met, and the page says so.
    patient.preferred_windows = [["17:00", "20:00"]]
    patient.save()
    client.force_login(patient_user)

    page = client.get(_choose(client, clinic)["Location"]).content.decode()

    assert page.count("Why this time:") == STEPS
    assert "the first free time that fits" not in page
    assert "outside the preferred 17:00–20:00" in page


def test_the_patient_is_told_in_the_portal_inbox_how_their_plan_was_reviewed(
    client,
    patient_user,
    patient,
    clinic,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    _plan_url, plan = _held_for(client, patient_user, patient, clinic)
    client.force_login(_director(clinic["center"]))

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/scheduling/care-plans/{plan.pk}/approve/")

    note = InAppNotification.objects.get(patient=patient)
    assert note.title == "Your package is booked"
    assert note.body == (
        f"A practitioner approved 3-day Abhyanga and Swedana from {clinic['start'].isoformat()}; "
        "its 6 sessions are on your timeline."
    )


def test_a_hindi_speaking_patient_reads_the_decline_in_hindi(
    client,
    patient_user,
    patient,
    clinic,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    _plan_url, plan = _held_for(client, patient_user, patient, clinic)
    patient.language = "hi"
    patient.save()
    client.force_login(_director(clinic["center"]))

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/scheduling/care-plans/{plan.pk}/decline/", {"reason": "BP पहले जाँचें"})

    note = InAppNotification.objects.get(patient=patient)
    assert note.title == "आपका पैकेज स्वीकार नहीं हुआ"
    assert note.body.endswith(": BP पहले जाँचें")


def test_a_patient_without_health_answers_or_consent_is_sent_to_the_intake(
    client,
    patient_user,
    clinic,  # noqa: F811
):
    # No `patient` fixture here, so the standing patient's intake is not done.
    client.force_login(patient_user)

    page = client.get("/portal/book/").content.decode()
    refused = _choose(client, clinic)

    assert "Please finish your intake first" in page and 'href="/portal/intake/"' in page
    assert refused.status_code == 400
    assert "Please finish your intake first" in refused.content.decode()
    assert not CarePlan.objects.exists()


def test_home_links_to_booking(client, patient_user, patient):
    client.force_login(patient_user)

    page = client.get("/portal/").content.decode()

    assert 'href="/portal/book/"' in page
