"""The demo clinic: loads twice to the same rows, looks like a working clinic, never double-books."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import connection
from django.db.models import F, Q
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from clinics.models import Center, Membership, PractitionerProfile, Room, User
from demo.catalog import DEMO_PASSWORD
from feedback.models import MymopAnswer
from patients.models import CarePlan, Patient
from protocols.models import ProtocolStep, SOPChecklistItem
from sessions.models import (
    RELEASED_STATUSES,
    Incident,
    MaterialUsage,
    SessionStatus,
    TherapySession,
)
from sessions.selectors import board_sessions, overrun_clashes

pytestmark = [
    pytest.mark.django_db,
    # The overlap checks below use PostgreSQL ranges, as the exclusion constraints do.
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"
    ),
]

DEMO_LOGINS = [
    "admin@demo.clinic",
    "director@demo.clinic",
    "practitioner@demo.clinic",
    "patient@demo.clinic",
    "london-admin@demo.clinic",
    "london-patient@demo.clinic",
    "staff@demo.clinic",
]
# Statuses a session is given only while it is on the floor around the moment of loading.
LIVE_STATUSES = {SessionStatus.IN_PREPARATION, SessionStatus.IN_SESSION, SessionStatus.RECOVERY}


def is_history(model) -> bool:
    """django-simple-history's audit rows (HistoricalCenter, ...), kept apart from the data."""
    return hasattr(model, "history_id")


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def changed_counts(demo, *, history: bool) -> dict[str, tuple[int, int]]:
    return {
        model._meta.label: (demo["first"][model._meta.label], demo["second"][model._meta.label])
        for model in apps.get_models()
        if is_history(model) == history
        and demo["first"][model._meta.label] != demo["second"][model._meta.label]
    }


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo loaded twice (committed), with the row counts after each load; flushed after."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
    ):
        loaded_at = timezone.now()
        try:
            call_command("load_demo", time_limit=1.0, stdout=open("/dev/null", "w"))  # noqa: SIM115
            first = row_counts()
            call_command("load_demo", time_limit=1.0, stdout=open("/dev/null", "w"))  # noqa: SIM115
            second = row_counts()
            yield {"first": first, "second": second, "loaded_at": loaded_at}
        finally:
            # Committed rows would otherwise show up in other modules' tests, even after a failure.
            call_command("flush", interactive=False, verbosity=0)


def test_loading_twice_leaves_the_same_rows(demo):
    assert changed_counts(demo, history=False) == {}
    for model in (
        Center,
        Room,
        User,
        PractitionerProfile,
        Patient,
        CarePlan,
        TherapySession,
        ProtocolStep,
        SOPChecklistItem,
        Membership,
    ):
        assert demo["first"][model._meta.label] > 0, f"the demo has no {model.__name__}"


def test_loading_twice_writes_no_new_audit_history(demo):
    assert changed_counts(demo, history=True) == {}


def test_it_has_two_centers_in_different_time_zones(demo):
    zones = set(Center.objects.values_list("timezone", flat=True))

    assert Center.objects.count() == 2
    assert len(zones) == 2
    assert {"Asia/Kolkata", "Europe/London"} == zones


def test_it_has_enough_practitioners_of_both_genders_and_patients(demo):
    genders = set(PractitionerProfile.objects.values_list("gender", flat=True))

    assert PractitionerProfile.objects.count() >= 8
    assert genders == {"F", "M"}
    assert Patient.objects.count() >= 20
    for center in Center.objects.all():
        assert center.patients.count() > 0
        assert Membership.objects.filter(center=center, role="practitioner").exists()


def test_it_has_sessions_in_the_past_today_and_the_future(demo):
    now = timezone.now()
    todays = 0
    for center in Center.objects.all():
        zone = ZoneInfo(center.timezone)
        today = now.astimezone(zone).date()
        start = datetime.datetime.combine(today, datetime.time.min, tzinfo=zone)
        todays += TherapySession.objects.filter(
            center=center, starts_at__gte=start, starts_at__lt=start + datetime.timedelta(days=1)
        ).count()

    assert TherapySession.objects.filter(ends_at__lt=now).exists()
    assert todays > 0
    assert TherapySession.objects.filter(starts_at__gt=now).exists()
    for center in Center.objects.all():
        assert center.sessions.exists(), f"{center} has no sessions"


def test_it_has_sessions_in_every_status_the_time_of_day_allows(demo):
    loaded_at = demo["loaded_at"]
    statuses = set(TherapySession.objects.values_list("status", flat=True).distinct())

    # Always: future bookings, and a history of completed, cancelled and missed sessions.
    assert {
        SessionStatus.SCHEDULED,
        SessionStatus.COMPLETED,
        SessionStatus.CANCELLED,
        SessionStatus.NO_SHOW,
    } <= statuses
    # Live statuses only when some session was on the floor as the demo loaded.
    soon = TherapySession.objects.filter(
        starts_at__gt=loaded_at, starts_at__lt=loaded_at + datetime.timedelta(minutes=30)
    )
    running = TherapySession.objects.filter(
        Q(ends_at__gt=loaded_at) | Q(overrun_until__gt=loaded_at), starts_at__lte=loaded_at
    )
    # A session over-running its planned end is still in session, not resting.
    resting = TherapySession.objects.filter(
        ends_at__lte=loaded_at, ends_at__gt=loaded_at - datetime.timedelta(minutes=30)
    ).exclude(overrun_until__gt=loaded_at)
    for status, sessions in (
        (SessionStatus.IN_PREPARATION, soon),
        (SessionStatus.IN_SESSION, running),
        (SessionStatus.RECOVERY, resting),
    ):
        assert (status in statuses) == sessions.exists(), status


def test_every_status_fits_the_time_of_its_session(demo):
    # Judged at load time, with a minute's grace for the time the load itself took.
    loaded_at = demo["loaded_at"]
    grace = datetime.timedelta(minutes=1)
    far_future = TherapySession.objects.filter(
        starts_at__gt=loaded_at + datetime.timedelta(minutes=30) + grace
    )
    long_past = TherapySession.objects.filter(
        ends_at__lt=loaded_at - datetime.timedelta(minutes=30) - grace
    )

    assert set(far_future.values_list("status", flat=True)) == {SessionStatus.SCHEDULED}
    assert set(long_past.values_list("status", flat=True)) <= {
        SessionStatus.COMPLETED,
        SessionStatus.CANCELLED,
        SessionStatus.NO_SHOW,
    }
    assert not TherapySession.objects.filter(status__in=LIVE_STATUSES).filter(
        ends_at__lt=loaded_at - datetime.timedelta(minutes=30) - grace
    )


def test_the_demo_practitioner_is_running_late_into_their_next_session(demo):
    late = TherapySession.objects.get(
        practitioner__user__email="practitioner@demo.clinic", status=SessionStatus.IN_SESSION
    )
    assert late.overrun_until > late.ends_at
    assert late.overrun_until > demo["loaded_at"]
    center = late.center
    todays = board_sessions(center=center, now=demo["loaded_at"])
    flags = overrun_clashes(todays)
    assert any("Runs into" in flag for flag in flags[late.pk])
    flagged = [pk for pk in flags if pk != late.pk]
    assert flagged, "the session it runs into is flagged too"
    assert TherapySession.objects.get(pk=flagged[0]).practitioner_id == late.practitioner_id


@pytest.mark.parametrize("email", DEMO_LOGINS)
def test_every_demo_login_signs_in_with_the_demo_password(demo, rf, email):
    request = rf.post("/accounts/login/")

    user = authenticate(request, username=email, password=DEMO_PASSWORD)

    assert user is not None, email
    assert user.email == email
    assert user.is_active


# --- nobody is in two places at once ---------------------------------------------------

ACTIVE = "a.status <> ALL(%(released)s) AND b.status <> ALL(%(released)s)"


def overlapping_pairs(join: str, a_range: str, b_range: str) -> list[tuple]:
    sql = f"""
        SELECT a.id, b.id
        FROM therapy_sessions_therapysession a
        JOIN therapy_sessions_therapysession b ON a.id < b.id AND {join}
        WHERE {ACTIVE} AND {a_range} && {b_range}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"released": [str(status) for status in RELEASED_STATUSES]})
        return cursor.fetchall()


def test_no_practitioner_holds_two_occurrences_at_once(demo):
    pairs = overlapping_pairs(
        "a.practitioner_id = b.practitioner_id AND a.occurrence <> b.occurrence",
        "tstzrange(a.starts_at, a.ends_at)",
        "tstzrange(b.starts_at, b.ends_at)",
    )

    assert pairs == []


def test_no_single_place_room_holds_two_sessions_at_once(demo):
    # Turnover included: the room is cleaned before the next patient comes in.
    pairs = overlapping_pairs(
        "a.room_id = b.room_id AND a.room_id IN (SELECT id FROM clinics_room WHERE capacity = 1)",
        "tstzrange(a.starts_at, a.room_released_at)",
        "tstzrange(b.starts_at, b.room_released_at)",
    )

    assert pairs == []


def test_no_room_is_given_more_places_than_it_has(demo):
    over = TherapySession.objects.exclude(status__in=RELEASED_STATUSES).filter(
        room_place__gt=F("room__capacity")
    )

    assert not over.exists()


def test_no_patient_has_two_sessions_at_once(demo):
    # Rest after a session included: the protocol keeps the patient free for it.
    pairs = overlapping_pairs(
        "a.patient_id = b.patient_id",
        "tstzrange(a.starts_at, a.patient_released_at)",
        "tstzrange(b.starts_at, b.patient_released_at)",
    )

    assert pairs == []


def test_the_overlap_check_sees_sessions_that_do_run_in_parallel(demo):
    # Guards the checks above against passing vacuously: a busy center runs rooms in parallel.
    pairs = overlapping_pairs(
        "a.center_id = b.center_id AND a.room_id <> b.room_id",
        "tstzrange(a.starts_at, a.ends_at)",
        "tstzrange(b.starts_at, b.ends_at)",
    )

    assert len(pairs) > 0


def _page(client, name: str) -> str:
    response = client.get(reverse(name))
    assert response.status_code == 200, name
    return " ".join(response.content.decode().split())


def test_every_dashboard_has_figures_to_show(demo, client):
    """What `make run` shows the center's admin: sessions that ran over and resources that stood
    in the way, MYMOP trends, complications, reminders that reached patients and materials used,
    none of them empty."""
    client.force_login(User.objects.get(email="admin@demo.clinic"))

    bottlenecks = _page(client, "console_bottlenecks")
    assert "ran over." in bottlenecks
    assert "stood in the way" in bottlenecks

    trends = _page(client, "console_outcome_trends")
    assert 'class="list mymop-trends"' in trends
    assert "No MYMOP form was answered" not in trends
    kochi = Center.objects.get(slug="kochi")
    assert Incident.objects.filter(session__center=kochi, near_miss=False).exists()
    assert MymopAnswer.objects.filter(patient__center=kochi, care_plan__isnull=False).exists()
    # Not the patients who sign in: their Home offers the intake form to try.
    assert not MymopAnswer.objects.filter(patient__user__isnull=False).exists()

    inventory = _page(client, "console_inventory")
    assert MaterialUsage.objects.filter(session__center=kochi).exists()
    assert "Low stock" in inventory

    # Reminders before past sessions were sent (or refused by the provider), not all called off.
    reminders = _page(client, "console_reminders")
    assert "24 hours before (T-24h)" in reminders
    assert "No reminder reached them" in reminders

    utilisation = _page(client, "console_utilisation")
    assert "Utilisation of rooms and therapists" in utilisation
