"""The patient's timeline: their own sessions by day, what to do before and after, milestones."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.models import CarePlan
from sessions.models import SessionStatus
from tests.factories import (
    CarePlanFactory,
    PatientFactory,
    ProtocolStepFactory,
    ProtocolTemplateFactory,
    ProtocolVersionFactory,
    RoomFactory,
    TherapySessionFactory,
    TherapyTypeFactory,
    local_today_at,
)

# Measured with 3 sessions; the same bound must hold with 30 (no query per session).
TIMELINE_QUERIES = 7


@pytest.fixture
def abhyanga(db):
    return TherapyTypeFactory(
        code="abhyanga",
        name="Abhyanga",
        name_hi="अभ्यंग",
        pre_care="Come with an empty stomach.",
        post_care="Rest for an hour; no cold water.",
    )


@pytest.fixture
def virechana_plan(patient):
    """A three-day plan: two sessions on day 1, two on day 2 and one on day 3."""
    version = ProtocolVersionFactory(
        template=ProtocolTemplateFactory(name="Virechana course", duration_days=3)
    )
    return CarePlanFactory(
        patient=patient,
        protocol_version=version,
        status=CarePlan.Status.ACTIVE,
        start_date=timezone.now().date() - datetime.timedelta(days=1),
    )


def session_item(page: str, session) -> str:
    match = re.search(rf'<li class="tl-session[^"]*" id="session-{session.pk}".*?</li>', page, re.S)
    assert match, f"session {session.pk} is not on the timeline"
    return match.group(0)


def test_it_shows_the_patient_only_their_own_sessions(
    client, patient_user, patient, center, abhyanga
):
    mine = TherapySessionFactory(
        center=center, patient=patient, therapy=abhyanga, starts_at=local_today_at(center, 10)
    )
    someone_elses = TherapySessionFactory(
        center=center,
        patient=PatientFactory(center=center, first_name="Ravi", last_name="Kumar"),
        therapy=TherapyTypeFactory(code="shirodhara", name="Shirodhara"),
        starts_at=local_today_at(center, 10),
    )
    client.force_login(patient_user)

    response = client.get(reverse("portal_timeline"))

    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-session-id="{mine.pk}"' in page
    assert f'data-session-id="{someone_elses.pk}"' not in page
    assert "Shirodhara" not in page and "Ravi Kumar" not in page
    # The page listens on the patient's own channel.
    assert f'data-socket="/ws/patient/{patient.pk}/timeline/"' in page


@pytest.mark.parametrize("who", ["admin_user", "practitioner_user"])
def test_it_forbids_staff(client, request, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(reverse("portal_timeline")).status_code == 403


@pytest.mark.django_db
def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("portal_timeline"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_it_groups_sessions_by_day_in_the_centers_zone(
    client, patient_user, patient, center, abhyanga
):
    # 00:30 in Kochi is still the day before in UTC: the session belongs to Kochi's day.
    tomorrow_early = TherapySessionFactory(
        center=center,
        patient=patient,
        therapy=abhyanga,
        starts_at=local_today_at(center, 0, 30, days=1),
    )
    client.force_login(patient_user)

    response = client.get(reverse("portal_timeline"))

    tomorrow = local_today_at(center, 0, days=1).date()
    days = response.context["timeline"].coming
    assert [(day.date, day.sessions) for day in days] == [(tomorrow, [tomorrow_early])]
    page = response.content.decode()
    heading = f'<h2 class="tl-date" id="day-{tomorrow.isoformat()}">{tomorrow:%A} {tomorrow.day} '
    assert heading in page
    assert "00:30–01:30" in session_item(page, tomorrow_early)


def test_each_session_says_what_to_do_before_and_after(
    client, patient_user, patient, center, abhyanga, virechana_plan
):
    step = ProtocolStepFactory(
        version=virechana_plan.protocol_version,
        therapy=abhyanga,
        day_offset=1,
        instructions="Drink warm water through the morning.",
    )
    session = TherapySessionFactory(
        center=center,
        patient=patient,
        therapy=abhyanga,
        care_plan=virechana_plan,
        protocol_step=step,
        starts_at=local_today_at(center, 11, days=1),
    )
    client.force_login(patient_user)

    item = session_item(client.get(reverse("portal_timeline")).content.decode(), session)

    assert "Before the session" in item and "Come with an empty stomach." in item
    assert "After the session" in item and "Rest for an hour; no cold water." in item
    assert "From your doctor" in item and "Drink warm water through the morning." in item
    assert "Virechana course · day 2" in item
    # The next session's notes are open already.
    assert '<details class="care" open>' in item


def test_milestones_count_days_and_sessions_done(
    client, patient_user, patient, center, abhyanga, virechana_plan
):
    def plan_session(days: int, hour: int, status: str):
        return TherapySessionFactory(
            center=center,
            patient=patient,
            therapy=abhyanga,
            care_plan=virechana_plan,
            starts_at=local_today_at(center, hour, days=days),
            status=status,
        )

    plan_session(-1, 9, SessionStatus.COMPLETED)
    plan_session(-1, 14, SessionStatus.COMPLETED)
    plan_session(0, 0, SessionStatus.COMPLETED)
    plan_session(0, 1, SessionStatus.CANCELLED)  # dropped: counts for neither side
    next_one = plan_session(1, 9, SessionStatus.SCHEDULED)
    plan_session(1, 14, SessionStatus.SCHEDULED)
    client.force_login(patient_user)

    response = client.get(reverse("portal_timeline"))

    page = response.content.decode()
    assert "Virechana course" in page
    assert "2 of 3 treatment days done" in page
    assert "3 of 5 sessions done" in page
    assert 'class="progress progress-60"' in page
    assert response.context["timeline"].next_session == next_one
    countdown = re.search(r'<p class="countdown">(.*?)</p>', page).group(1)
    assert re.fullmatch(r"in (1\sday|\d+\shours?)(, \d+\s(hours?|minutes?))?", countdown)
    # Days before today fold away under one summary.
    assert "Earlier: 1 day" in page


def test_a_patient_reading_hindi_gets_hindi_labels_and_names(
    client, patient_user, patient, center, abhyanga
):
    session = TherapySessionFactory(
        center=center,
        patient=patient,
        therapy=abhyanga,
        starts_at=local_today_at(center, 10, days=1),
    )
    client.force_login(patient_user)
    client.cookies.load({"django_language": "hi"})

    page = client.get(reverse("portal_timeline")).content.decode()

    # The labels the live updates use come translated from the server.
    labels = re.search(r'<div hidden id="status-labels"([^>]*)>', page).group(1)
    assert 'data-scheduled="निर्धारित"' in labels
    assert 'data-in_preparation="तैयारी में"' in labels
    assert len(re.findall(r"data-\w+=", labels)) == len(SessionStatus.values)
    assert f'<a href="#session-{session.pk}">अभ्यंग</a>' in page
    assert '<p class="what">अभ्यंग</p>' in session_item(page, session)
    countdown = re.search(r'<p class="countdown">(.*?)</p>', page).group(1)
    assert countdown.endswith(" में") and ("घंटे" in countdown or "दिन" in countdown)


def test_htmx_fetches_only_the_days_or_the_milestones(
    client, patient_user, patient, center, abhyanga
):
    session = TherapySessionFactory(
        center=center, patient=patient, therapy=abhyanga, starts_at=local_today_at(center, 10)
    )
    client.force_login(patient_user)

    days = client.get(
        reverse("portal_timeline"), headers={"HX-Request": "true", "HX-Target": "timeline-days"}
    ).content.decode()
    milestones = client.get(
        reverse("portal_timeline"), headers={"HX-Request": "true", "HX-Target": "milestones"}
    ).content.decode()

    assert days.lstrip().startswith('<div id="timeline-days">')
    assert f'data-session-id="{session.pk}"' in days
    assert milestones.lstrip().startswith('<section id="milestones"')
    assert "Your next session" in milestones and "<html" not in milestones


@pytest.mark.parametrize("size", [3, 30], ids=["3-sessions", "30-sessions"])
def test_the_timeline_costs_a_fixed_number_of_queries(
    client,
    patient_user,
    patient,
    center,
    abhyanga,
    virechana_plan,
    size,
    django_assert_max_num_queries,
):
    for index in range(size):
        step = ProtocolStepFactory(version=virechana_plan.protocol_version, therapy=abhyanga)
        TherapySessionFactory(
            center=center,
            patient=patient,
            therapy=abhyanga,
            care_plan=virechana_plan,
            protocol_step=step,
            starts_at=local_today_at(center, 10, days=index - size // 2),
            status=SessionStatus.COMPLETED if index < size // 2 else SessionStatus.SCHEDULED,
        )
    client.force_login(patient_user)

    with django_assert_max_num_queries(TIMELINE_QUERIES):
        response = client.get(reverse("portal_timeline"))

    assert response.status_code == 200
    assert len(response.context["timeline"].session_ids) == size


@pytest.mark.parametrize(
    ("code", "name", "shown"),
    [
        ("R1", "Room R1", "Room R1 · Suresh Menon"),
        ("R1", "Kerala room 1", "Room R1 · Kerala room 1 · Suresh Menon"),
        ("R1", "Room R10 annexe", "Room R1 · Room R10 annexe · Suresh Menon"),
    ],
)
def test_a_room_is_named_once(
    client, patient_user, patient, center, practitioner, abhyanga, code, name, shown
):
    """A room whose name already says its code ("Room R1") is not shown twice."""
    session = TherapySessionFactory(
        center=center,
        patient=patient,
        practitioner=practitioner,
        therapy=abhyanga,
        room=RoomFactory(center=center, code=code, name=name),
        starts_at=local_today_at(center, 10),
    )
    client.force_login(patient_user)

    item = session_item(client.get(reverse("portal_timeline")).content.decode(), session)

    where = re.search(r'<p class="where">(.*?)</p>', item, re.S).group(1)
    assert where == shown
