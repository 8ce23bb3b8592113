"""The outcome trends dashboard: relief, side effects and MYMOP per protocol day, complications
per protocol step and waits from booking to the first session, equal to a hand count, at a fixed
number of queries."""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from clinics.choices import Role
from feedback.choices import Symptom
from patients.models import CarePlan
from sessions.models import SessionStatus, TherapySession
from tests.factories import (
    CarePlanFactory,
    IncidentFactory,
    MembershipFactory,
    MymopAnswerFactory,
    PatientFactory,
    ProtocolStepFactory,
    ProtocolVersionFactory,
    SessionFeedbackFactory,
    SymptomScoreFactory,
    TherapySessionFactory,
    UserFactory,
    local_today_at,
)

pytestmark = pytest.mark.django_db
OUTCOME_TREND_QUERIES = 10
S = SessionStatus


def _session(center, plan, step, days, status=S.COMPLETED):
    return TherapySessionFactory(
        center=center,
        patient=plan.patient,
        care_plan=plan,
        protocol_step=step,
        therapy=step.therapy,
        starts_at=local_today_at(center, 9, days=days),
        status=status,
    )


def _feedback(session, relief, *side_effects):
    feedback = SessionFeedbackFactory(session=session, symptom_relief=relief)
    for symptom, score in side_effects:
        SymptomScoreFactory(feedback=feedback, symptom=symptom, score=score)


def _created(plan, session, days_before):
    CarePlan.objects.filter(pk=plan.pk).update(
        created_at=session.starts_at - timedelta(days=days_before)
    )


@pytest.fixture
def virechana(center):
    virechana_outcomes(center)


def virechana_outcomes(center):
    """Two plans of Virechana from five days ago; their Snehana on day 1, Virechana on day 3.

    Day 1: plan 1 relief 4 with nausea 8 (strong), plan 2 relief 6 and an incident.
    Day 3: plan 1 relief 7 with worst side effect 5 (not strong); plan 2 missed it and came the
    day after (a near miss then, not counted). MYMOP: 3.00 and 2.00 on day 1, 1.50 on day 5.
    Plan 1 was booked 2 days before its first session, plan 2 ten days; a Basti plan has no
    session yet; a cancelled plan and an intake MYMOP outside any plan count nowhere.
    """
    version = ProtocolVersionFactory(template__name="Virechana 7-day")
    snehana = ProtocolStepFactory(version=version, code="d1-snehana", day_offset=0)
    purge = ProtocolStepFactory(version=version, code="d3-virechana", day_offset=2)
    start = local_today_at(center, 9, days=-5).date()
    first, second = (
        CarePlanFactory(
            patient=PatientFactory(center=center),
            protocol_version=version,
            start_date=start,
            status=CarePlan.Status.ACTIVE,
        )
        for _index in range(2)
    )
    one_snehana = _session(center, first, snehana, -5)
    _feedback(one_snehana, 4, (Symptom.NAUSEA, 8), (Symptom.DIZZINESS, 3))
    two_snehana = _session(center, second, snehana, -5)
    _feedback(two_snehana, 6)
    IncidentFactory(session=two_snehana)
    _feedback(_session(center, first, purge, -3), 7, (Symptom.WEAKNESS, 2), (Symptom.NAUSEA, 5))
    _session(center, second, purge, -3, status=S.NO_SHOW)
    IncidentFactory(session=_session(center, second, purge, -2), near_miss=True)
    _created(first, one_snehana, 2)
    _created(second, two_snehana, 10)

    MymopAnswerFactory(
        patient=first.patient,
        care_plan=first,
        kind="weekly",
        profile=Decimal("3.00"),
        answered_at=local_today_at(center, 18, days=-5),
    )
    MymopAnswerFactory(
        patient=second.patient,
        care_plan=second,
        kind="weekly",
        profile=Decimal("2.00"),
        answered_at=local_today_at(center, 8, days=-5),
    )
    MymopAnswerFactory(
        patient=first.patient,
        care_plan=first,
        kind="weekly",
        profile=Decimal("1.50"),
        answered_at=local_today_at(center, 10, days=-1),
    )
    MymopAnswerFactory(patient=first.patient, profile=Decimal("5.00"))
    CarePlanFactory(
        patient=PatientFactory(center=center), protocol_version__template__name="Basti 8-day"
    )
    CarePlanFactory(patient=PatientFactory(center=center), status=CarePlan.Status.CANCELLED)


def _table(page: str, css_class: str) -> list[list[str]]:
    body = re.search(rf'<table class="list {css_class}">.*?<tbody>(.*?)</tbody>', page, re.S)
    return [
        re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
    ]


def test_it_gives_each_protocol_days_means_and_steps_complications(client, admin_user, virechana):
    client.force_login(admin_user)

    response = client.get(reverse("console_outcome_trends"))

    assert response.status_code == 200
    page = response.content.decode()
    assert _table(page, "symptom-trends") == [
        ["Virechana 7-day", "1", "2", "5.0", "4.0"],
        ["Virechana 7-day", "3", "1", "7.0", "5.0"],
    ]
    assert _table(page, "mymop-trends") == [
        ["Virechana 7-day", "1", "2", "2.5"],
        ["Virechana 7-day", "5", "1", "1.5"],
    ]
    assert _table(page, "step-complications") == [
        ["Virechana 7-day", "d1-snehana", "1", "2", "1", "1", "100.0 %"],
        ["Virechana 7-day", "d3-virechana", "3", "2", "0", "0", "0.0 %"],
    ]
    assert _table(page, "waits") == [
        ["Basti 8-day", "0", "0", "0", "0", "0", "0", "1"],
        ["Virechana 7-day", "0", "1", "0", "1", "0", "0", "0"],
    ]


def test_it_links_each_protocol_to_its_spread(client, admin_user, center, virechana):
    client.force_login(admin_user)

    page = client.get(reverse("console_outcome_trends")).content.decode()

    link = re.search(r'href="/console/outcomes/\?center=(\d+)&amp;protocol=(\d+)">Virechana', page)
    assert link and link.group(1) == str(center.pk)
    assert (
        client.get(f"/console/outcomes/?center={center.pk}&protocol={link.group(2)}").status_code
        == 200
    )


def test_the_csv_holds_the_same_figures(client, admin_user, virechana):
    client.force_login(admin_user)

    response = client.get(reverse("console_outcome_trends"), {"format": "csv"})

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Measure", "Protocol", "Step", "Protocol day", "Count", "Value"]
    assert ["Mean relief (0-10)", "Virechana 7-day", "", "1", "2", "5.0"] in rows
    assert ["Mean MYMOP profile (0-6)", "Virechana 7-day", "", "5", "1", "1.5"] in rows
    assert ["Complication rate %", "Virechana 7-day", "d1-snehana", "1", "2", "100.0"] in rows
    assert [
        "Care plans by wait to first session: 8–14 days",
        "Virechana 7-day",
        "",
        "",
        "2",
        "1",
    ] in rows


def test_with_no_outcomes_it_says_so_in_words(client, admin_user):
    client.force_login(admin_user)

    page = " ".join(client.get(reverse("console_outcome_trends")).content.decode().split())

    assert "No patient answered after a protocol session that started in these days." in page
    assert "No MYMOP form was answered during a care plan in these days." in page
    assert "No protocol session was held in these days." in page
    assert "No care plan was created in these days." in page


def test_another_centers_admin_sees_none_of_it(client, outsider, virechana):
    client.force_login(outsider)

    page = client.get(reverse("console_outcome_trends")).content.decode()

    assert "Virechana" not in page


def test_patients_and_practitioners_are_kept_out(client, patient_user, practitioner_user):
    for user in (patient_user, practitioner_user):
        client.force_login(user)
        assert client.get(reverse("console_outcome_trends")).status_code == 403


def test_a_bad_date_answers_400_in_words(client, admin_user):
    client.force_login(admin_user)

    page = client.get(
        reverse("console_outcome_trends"), {"start": "2026-12-04", "end": "2026-12-01"}
    )
    download = client.get(reverse("console_outcome_trends"), {"end": "4/12", "format": "csv"})

    assert page.status_code == 400
    assert "The first day must come before the last day." in page.content.decode()
    assert download.status_code == 400


@pytest.mark.parametrize("plans_count", [1, 6])
def test_the_page_costs_the_same_queries_whatever_the_data(
    client, admin_user, center, django_assert_max_num_queries, plans_count
):
    for index in range(plans_count):
        step = ProtocolStepFactory(day_offset=index)
        plan = CarePlanFactory(
            patient=PatientFactory(center=center),
            protocol_version=step.version,
            start_date=local_today_at(center, 9, days=-10).date(),
        )
        session = _session(center, plan, step, -3)
        _feedback(session, 5, (Symptom.NAUSEA, 9))
        IncidentFactory(session=session)
        MymopAnswerFactory(patient=plan.patient, care_plan=plan, kind="weekly")
    client.force_login(admin_user)

    with django_assert_max_num_queries(OUTCOME_TREND_QUERIES):
        response = client.get(reverse("console_outcome_trends"))
    assert len(_table(response.content.decode(), "step-complications")) == plans_count


def test_new_incidents_scores_and_answers_show_at_once_though_the_figures_are_kept(
    client, admin_user, center, virechana
):
    client.force_login(admin_user)
    page = client.get(reverse("console_outcome_trends")).content.decode()
    assert _table(page, "step-complications")[1][4:] == ["0", "0", "0.0 %"]

    purge = TherapySession.objects.get(
        protocol_step__code="d3-virechana", status=S.COMPLETED, feedback__isnull=False
    )
    IncidentFactory(session=purge)
    SymptomScoreFactory(feedback=purge.feedback, symptom=Symptom.HEADACHE, score=9)
    MymopAnswerFactory(
        patient=purge.patient,
        care_plan=purge.care_plan,
        kind="weekly",
        profile=Decimal("0.50"),
        answered_at=local_today_at(center, 11, days=-1),
    )

    page = client.get(reverse("console_outcome_trends")).content.decode()
    assert _table(page, "step-complications")[1][4:] == ["1", "1", "50.0 %"]
    assert _table(page, "mymop-trends")[1] == ["Virechana 7-day", "5", "2", "1.0"]


def test_a_director_of_two_centers_compares_their_waits(client, center, other_center, virechana):
    director = UserFactory()
    for place in (center, other_center):
        MembershipFactory(user=director, center=place, role=Role.MEDICAL_DIRECTOR)
    CarePlanFactory(patient=PatientFactory(center=other_center))
    client.force_login(director)

    page = client.get(reverse("console_outcome_trends"), {"center": center.pk}).content.decode()

    assert _table(page, "center-waits") == [
        ["Kerala Panchakarma Center", "0", "1", "0", "1", "0", "0", "1"],
        ["London Ayurveda Clinic", "0", "0", "0", "0", "0", "0", "1"],
    ]


def test_an_admin_of_one_center_has_no_comparison(client, admin_user, virechana):
    client.force_login(admin_user)

    page = client.get(reverse("console_outcome_trends")).content.decode()

    assert "center by center" not in page


def test_the_long_tables_fold_under_their_charts(client, admin_user, virechana):
    """A row per protocol day and per step made the page a scroll of tables on a phone: each
    opens under its chart, the waits' short table stays open."""
    client.force_login(admin_user)

    page = " ".join(client.get(reverse("console_outcome_trends")).content.decode().split())

    folded = re.findall(
        r'<details class="figures"><summary>The figures as a table</summary> <table class="list '
        r'([\w-]+)">',
        page,
    )
    assert folded == ["symptom-trends", "mymop-trends", "step-complications"]
    assert '<table class="list waits">' in page
