"""Scheduling in the portal: auto-schedule, runs, reschedule, sick leave, concurrent bookings."""

import datetime
import itertools
import json
import subprocess
import sys
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.urls import reverse
from django_q.conf import Conf

from clinics.choices import Role, RoomType
from clinics.models import Leave
from patients.models import CarePlan
from protocols.models import TherapyType
from scheduling.engine.checker import check
from scheduling.models import SchedulingRun
from scheduling.problems import (
    build_problem,
    horizon_for_plans,
    plan_id,
    plans_with_steps,
    practitioner_id,
)
from scheduling.services import (
    ScheduleClash,
    care_plan_schedule,
    scheduling_run_apply,
    scheduling_run_solve,
    session_alternatives,
)
from sessions.models import RELEASED_STATUSES, SessionStatus, TherapySession
from tests.factories import (
    CarePlanFactory,
    MembershipFactory,
    OpeningHoursFactory,
    PatientFactory,
    PractitionerProfileFactory,
    ProtocolStepFactory,
    ProtocolVersionFactory,
    RoomFactory,
    RosterShiftFactory,
    SkillFactory,
    TherapySessionFactory,
    TherapyTypeFactory,
    UserFactory,
)

KOLKATA = ZoneInfo("Asia/Kolkata")
# Measured with no earlier runs; the same bound must hold with several (no query per run).
PLAN_PAGE_QUERIES = 9


@pytest.fixture(autouse=True)
def _jobs_run_inline(monkeypatch):
    # django-q2 runs queued jobs in the request in sync mode: the page sees the finished run.
    monkeypatch.setattr(Conf, "SYNC", True)


def _first_monday_after(days: int) -> datetime.date:
    day = datetime.date.today() + datetime.timedelta(days=days)
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7)


@pytest.fixture
def clinic(center):
    """A small Kerala clinic: two therapy rooms, a steam room, three practitioners, a protocol.

    The protocol is three days of Abhyanga followed within 30 minutes by Swedana with the
    same practitioner, like the first days of a Virechana course.
    """
    for weekday in range(7):
        OpeningHoursFactory(
            center=center, weekday=weekday, opens=datetime.time(7), closes=datetime.time(19)
        )
    abhyanga_skill = SkillFactory(code="abhyanga", name="Abhyanga")
    swedana_skill = SkillFactory(code="swedana", name="Swedana")
    abhyanga = TherapyTypeFactory(
        code="abhyanga", name="Abhyanga", required_skill=abhyanga_skill, room_turnover_minutes=15
    )
    swedana = TherapyTypeFactory(
        code="swedana",
        name="Swedana",
        duration_minutes=30,
        required_skill=swedana_skill,
        allowed_room_types=[RoomType.STEAM.value],
        patient_rest_after_minutes=15,
    )
    rooms = [RoomFactory(center=center, code=code) for code in ("R1", "R2")]
    steam = RoomFactory(center=center, code="ST1", room_type=RoomType.STEAM, capacity=2)
    practitioners = []
    for first, gender in (("Meera", "F"), ("Arun", "M"), ("Kavya", "F")):
        user = UserFactory(first_name=first, last_name="Therapist")
        MembershipFactory(user=user, center=center, role=Role.PRACTITIONER)
        profile = PractitionerProfileFactory(
            user=user, gender=gender, skills=[abhyanga_skill, swedana_skill]
        )
        for weekday in range(7):
            RosterShiftFactory(
                practitioner=profile,
                center=center,
                weekday=weekday,
                starts=datetime.time(7),
                ends=datetime.time(15),
            )
        practitioners.append(profile)
    version = ProtocolVersionFactory(template__name="3-day Abhyanga and Swedana")
    order = 0
    for day in range(3):
        order += 1
        first = ProtocolStepFactory(
            version=version,
            order=order,
            code=f"d{day}-abhyanga",
            therapy=abhyanga,
            day_offset=day,
            slack_days=1,
        )
        order += 1
        ProtocolStepFactory(
            version=version,
            order=order,
            code=f"d{day}-swedana",
            therapy=swedana,
            day_offset=day,
            slack_days=1,
            after_step=first,
            min_gap_minutes=0,
            max_gap_minutes=30,
            same_practitioner_as=first,
        )
    return {
        "center": center,
        "version": version,
        "rooms": rooms,
        "steam": steam,
        "practitioners": practitioners,
        "start": _first_monday_after(3),
    }


def _plan(clinic, **patient_fields):
    patient = PatientFactory(center=clinic["center"], **patient_fields)
    return CarePlanFactory(
        patient=patient, protocol_version=clinic["version"], start_date=clinic["start"]
    )


def _active(queryset):
    return queryset.exclude(status__in=RELEASED_STATUSES)


def _overlaps(sessions, key, end_field):
    """Pairs of sessions that share `key` and overlap in time (turnover/rest included)."""
    clashes = []
    by_key = {}
    for s in sessions:
        by_key.setdefault(key(s), []).append(s)
    for group in by_key.values():
        group.sort(key=lambda s: s.starts_at)
        for a, b in itertools.pairwise(group):
            if b.starts_at < getattr(a, end_field):
                clashes.append((a, b))
    return clashes


def test_auto_schedule_books_every_step_and_the_run_explains_it(client, admin_user, clinic):
    plan = _plan(clinic, preferred_windows=[["09:00", "12:00"]])
    client.force_login(admin_user)

    response = client.post(reverse("care_plan_auto_schedule", args=[plan.pk]), follow=True)

    assert response.status_code == 200
    run = SchedulingRun.objects.get(care_plan=plan)
    assert run.status == SchedulingRun.Status.APPLIED
    page = response.content.decode()
    assert "Applied" in page and "Abhyanga" in page
    sessions = list(_active(plan.sessions.select_related("therapy", "room", "practitioner")))
    assert len(sessions) == 6
    by_step = {s.protocol_step.code: s for s in sessions}
    for day in range(3):
        abhyanga, swedana = by_step[f"d{day}-abhyanga"], by_step[f"d{day}-swedana"]
        assert abhyanga.room.room_type == RoomType.THERAPY
        assert swedana.room == clinic["steam"]
        assert (
            abhyanga.ends_at
            <= swedana.starts_at
            <= abhyanga.ends_at + datetime.timedelta(minutes=30)
        )
        local = abhyanga.starts_at.astimezone(KOLKATA)
        assert datetime.time(7) <= local.time() and local.date() >= clinic["start"]
    # The stored problem and solution replay: the independent checker accepts them.
    report = check(run.problem, run.solution)
    assert report.valid, report.violations
    assert report.objective == run.objective


def test_a_plan_nobody_can_treat_is_explained_not_booked(client, admin_user, clinic):
    # Same-gender care for a male patient, and the only male practitioner is away all week.
    arun = clinic["practitioners"][1]
    start = datetime.datetime.combine(
        clinic["start"] - datetime.timedelta(days=1), datetime.time(), KOLKATA
    )
    Leave.objects.create(
        practitioner=arun,
        starts_at=start,
        ends_at=start + datetime.timedelta(days=10),
        kind="vacation",
    )
    plan = _plan(clinic, sex="M", same_gender_practitioner=True)
    client.force_login(admin_user)

    response = client.post(reverse("care_plan_auto_schedule", args=[plan.pk]), follow=True)

    page = response.content.decode()
    assert not _active(plan.sessions).exists()
    assert "Not placed, and why" in page
    run = SchedulingRun.objects.get(care_plan=plan)
    first = next(u for u in run.solution["unscheduled"] if u["step"] == "d0-abhyanga")
    assert {r["code"] for r in first["reasons"]} & {"gender_constraint", "practitioner_unavailable"}
    assert "Arun" in " ".join(r["message"] for r in first["reasons"])


def test_the_plan_page_says_why_steps_of_a_center_wide_run_were_not_booked(
    client, admin_user, clinic
):
    # Everyone is away from the plan's third day on, so its last day cannot be booked.
    away_from = datetime.datetime.combine(
        clinic["start"] + datetime.timedelta(days=2), datetime.time(), KOLKATA
    )
    for practitioner in clinic["practitioners"]:
        Leave.objects.create(
            practitioner=practitioner,
            starts_at=away_from,
            ends_at=away_from + datetime.timedelta(days=5),
            kind="vacation",
        )
    plans = [_plan(clinic), _plan(clinic)]
    loaded = plans_with_steps(CarePlan.objects.filter(pk__in=[plan.pk for plan in plans]))
    start, days = horizon_for_plans(loaded)
    problem, refs = build_problem(center=clinic["center"], plans=loaded, start=start, days=days)
    # Like the demo's: one run for the whole center, tied to no single plan.
    run = scheduling_run_solve(
        center=clinic["center"], kind="auto_schedule", problem=problem, refs=refs, time_limit=0.5
    )
    scheduling_run_apply(run=run)
    client.force_login(admin_user)

    page = client.get(reverse("care_plan_detail", args=[plans[0].pk])).content.decode()

    assert _active(plans[0].sessions).count() == 4
    assert page.count("not booked") == 2
    assert page.count("Meera Therapist") >= 2 and "on leave" in page  # the engine's own words
    assert reverse("scheduling_run", args=[run.pk]) in page


@pytest.mark.parametrize("reschedules", [0, 3])
def test_the_plan_page_costs_a_fixed_number_of_queries(
    client, admin_user, clinic, reschedules, django_assert_max_num_queries
):
    plan = _plan(clinic)
    care_plan_schedule(care_plan=plan, time_limit=0.3)
    for session in list(_active(plan.sessions))[:reschedules]:
        session_alternatives(session=session)
    client.force_login(admin_user)

    with django_assert_max_num_queries(PLAN_PAGE_QUERIES):
        response = client.get(reverse("care_plan_detail", args=[plan.pk]))

    assert response.status_code == 200
    assert response.content.decode().count('reschedule/"') == 6  # a link per session


def test_earliest_start_is_suggested_when_a_plan_does_not_fit(client, admin_user, clinic):
    arun = clinic["practitioners"][1]
    start = datetime.datetime.combine(clinic["start"], datetime.time(), KOLKATA)
    Leave.objects.create(
        practitioner=arun, starts_at=start, ends_at=start + datetime.timedelta(days=4), kind="sick"
    )
    plan = _plan(clinic, sex="M", same_gender_practitioner=True)
    client.force_login(admin_user)

    response = client.get(reverse("care_plan_earliest_start", args=[plan.pk]))

    expected = clinic["start"] + datetime.timedelta(days=4)
    assert f"{expected.day} {expected:%B %Y}" in response.content.decode()


def test_two_concurrent_bookings_of_the_same_slots_never_double_book(transactional_db, clinic):
    # One room, one practitioner: both plans' best placements are the same slots.
    center = clinic["center"]
    clinic["rooms"][1].delete()
    for practitioner in clinic["practitioners"][1:]:
        practitioner.shifts.all().delete()
    plans = [_plan(clinic), _plan(clinic)]
    runs = []
    for plan in plans:
        loaded = plans_with_steps(type(plan).objects.filter(pk=plan.pk))
        start, days = horizon_for_plans(loaded)
        problem, refs = build_problem(center=center, plans=loaded, start=start, days=days)
        runs.append(
            scheduling_run_solve(
                center=center,
                kind="auto_schedule",
                problem=problem,
                refs=refs,
                time_limit=0.5,
                care_plan=plan,
            )
        )
    assert (
        runs[0].solution["assignments"][0]["start"] == runs[1].solution["assignments"][0]["start"]
    )

    outcomes = []

    def apply(run):
        try:
            scheduling_run_apply(run=run)
            outcomes.append("booked")
        except ScheduleClash:
            outcomes.append("clash")
        finally:
            connection.close()

    threads = [threading.Thread(target=apply, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["booked", "clash"]
    sessions = list(_active(TherapySession.objects.filter(center=center)))
    assert len(sessions) == 6
    assert not _overlaps(sessions, lambda s: s.practitioner_id, "ends_at")
    assert not _overlaps(
        [s for s in sessions if s.room.capacity == 1], lambda s: s.room_id, "room_released_at"
    )

    # The loser re-plans around the winner instead of failing.
    loser = plans[1] if _active(plans[0].sessions).exists() else plans[0]
    care_plan_schedule(care_plan=loser, time_limit=0.5)
    sessions = list(_active(TherapySession.objects.filter(center=center)))
    assert len(sessions) == 12
    assert not _overlaps(sessions, lambda s: s.practitioner_id, "ends_at")
    assert not _overlaps(
        [s for s in sessions if s.room.capacity == 1], lambda s: s.room_id, "room_released_at"
    )


def _steam_plans(clinic, count):
    """Plans of one 30-minute Swedana each, given in the two-place steam room."""
    swedana = TherapyType.objects.get(code="swedana")
    version = ProtocolVersionFactory(template__name="One Swedana")
    ProtocolStepFactory(version=version, order=1, code="swedana", therapy=swedana)
    return [
        CarePlanFactory(
            patient=PatientFactory(center=clinic["center"]),
            protocol_version=version,
            start_date=clinic["start"],
        )
        for _ in range(count)
    ]


def _run_booking(clinic, bookings):
    """A solved run whose solution books each plan at the local time and with whom `bookings`
    says, in the order `bookings` gives: a layout chosen by hand that the engine may not produce.
    """
    plans = plans_with_steps(CarePlan.objects.filter(pk__in=[plan.pk for plan in bookings]))
    start, days = horizon_for_plans(plans)
    problem, refs = build_problem(center=clinic["center"], plans=plans, start=start, days=days)
    run = scheduling_run_solve(
        center=clinic["center"],
        kind="auto_schedule",
        problem=problem,
        refs=refs,
        time_limit=0.2,
    )
    by_plan = {plan_id(plan): booking for plan, booking in bookings.items()}
    order = list(by_plan)
    run.solution["assignments"] = [
        {
            **assignment,
            "start": datetime.datetime.combine(
                clinic["start"], by_plan[assignment["plan"]][0], tzinfo=KOLKATA
            ).isoformat(),
            "practitioner": practitioner_id(by_plan[assignment["plan"]][1]),
        }
        for assignment in sorted(run.solution["assignments"], key=lambda a: order.index(a["plan"]))
    ]
    run.save(update_fields=["solution"])
    assert check(problem, run.solution).valid  # never more patients in a room than places
    return run


def _place_overlaps(room):
    sessions = _active(TherapySession.objects.filter(room=room))
    return _overlaps(sessions, lambda s: s.room_place, "room_released_at")


def test_a_two_place_room_takes_every_layout_with_at_most_two_patients_at_once(db, clinic):
    meera, arun, _ = clinic["practitioners"]
    first, fourth, second, third = _steam_plans(clinic, 4)
    # Each overlaps only its neighbours in time; booked in this order a place each, 09:00
    # and 09:45 would both take place 1, 09:15 place 2, and leave 09:30 none.
    run = _run_booking(
        clinic,
        {
            first: (datetime.time(9, 0), meera),
            fourth: (datetime.time(9, 45), arun),
            second: (datetime.time(9, 15), arun),
            third: (datetime.time(9, 30), meera),
        },
    )

    booked = scheduling_run_apply(run=run)

    assert len(booked) == 4
    steam = clinic["steam"]
    assert {s.room_place for s in _active(TherapySession.objects.filter(room=steam))} == {1, 2}
    assert not _place_overlaps(steam)


def test_a_booking_made_after_solving_keeps_its_place_and_the_run_takes_the_other(db, clinic):
    meera, _, kavya = clinic["practitioners"]
    (plan,) = _steam_plans(clinic, 1)
    run = _run_booking(clinic, {plan: (datetime.time(9, 15), kavya)})
    # Between solving and applying, the front desk books 09:30 on place 1 of the steam room.
    other = TherapySessionFactory(
        center=clinic["center"],
        therapy=TherapyType.objects.get(code="swedana"),
        practitioner=meera,
        room=clinic["steam"],
        room_place=1,
        patient=PatientFactory(center=clinic["center"]),
        starts_at=datetime.datetime.combine(clinic["start"], datetime.time(9, 30), KOLKATA),
    )

    (booked,) = scheduling_run_apply(run=run)

    assert booked.room_place == 2
    other.refresh_from_db()
    assert other.room_place == 1
    assert not _place_overlaps(clinic["steam"])


def test_reschedule_offers_ranked_alternatives_and_moves_the_chain(client, admin_user, clinic):
    plan = _plan(clinic)
    care_plan_schedule(care_plan=plan, time_limit=0.5)
    session = plan.sessions.get(protocol_step__code="d1-abhyanga")
    follower = plan.sessions.get(protocol_step__code="d1-swedana")
    client.force_login(admin_user)

    response = client.post(reverse("session_reschedule", args=[session.pk]))

    page = response.content.decode()
    assert "Alternatives, best first" in page
    alternatives = SchedulingRun.objects.filter(
        care_plan=plan, kind="reschedule", status="succeeded"
    )
    assert alternatives.count() >= 2
    starts = {
        next(a["start"] for a in run.solution["assignments"] if a["step"] == "d1-abhyanga")
        for run in alternatives
    }
    assert len(starts) == alternatives.count()  # every offer is a different time
    chosen = alternatives.first()
    new_start = datetime.datetime.fromisoformat(
        next(a["start"] for a in chosen.solution["assignments"] if a["step"] == "d1-abhyanga")
    )

    client.post(reverse("scheduling_run_apply", args=[chosen.pk]))

    session.refresh_from_db()
    follower.refresh_from_db()
    assert session.starts_at == new_start
    assert session.status == SessionStatus.SCHEDULED
    assert session.ends_at <= follower.starts_at <= session.ends_at + datetime.timedelta(minutes=30)
    assert not SchedulingRun.objects.filter(
        care_plan=plan, kind="reschedule", status="succeeded"
    ).exists()


def test_sick_leave_replan_moves_only_what_it_must_and_records_the_leave(
    client, admin_user, clinic
):
    plans = [_plan(clinic) for _ in range(3)]
    for plan in plans:
        care_plan_schedule(care_plan=plan, time_limit=0.5)
    meera = clinic["practitioners"][0]
    sick_day = clinic["start"] + datetime.timedelta(days=1)
    day_start = datetime.datetime.combine(sick_day, datetime.time(), KOLKATA)
    on_sick_day = {
        "starts_at__gte": day_start,
        "starts_at__lt": day_start + datetime.timedelta(days=1),
    }
    assert _active(TherapySession.objects.filter(practitioner=meera, **on_sick_day)).exists()
    before = {s.pk: (s.starts_at, s.practitioner_id) for s in _active(TherapySession.objects.all())}
    client.force_login(admin_user)

    response = client.post(
        reverse("sick_leave"),
        {
            "practitioner": meera.pk,
            "first_day": sick_day,
            "last_day": sick_day,
            "note": "Fever",
            "center": clinic["center"].pk,
        },
        follow=True,
    )

    assert response.status_code == 200
    run = SchedulingRun.objects.get(kind="sick_leave")
    assert "What changes" in response.content.decode()
    assert not Leave.objects.filter(practitioner=meera, kind="sick").exists()  # only after review

    client.post(reverse("scheduling_run_apply", args=[run.pk]))

    assert Leave.objects.filter(practitioner=meera, kind="sick", note="Fever").exists()
    assert not _active(TherapySession.objects.filter(practitioner=meera, **on_sick_day)).exists()
    after = {s.pk: (s.starts_at, s.practitioner_id) for s in _active(TherapySession.objects.all())}
    moved = [pk for pk in before if before[pk] != after.get(pk)]
    # Sessions on other days with other practitioners stay where they were.
    assert len(moved) < len(before) / 2
    assert check(run.problem, run.solution).valid


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"first_day": "2026-12-10", "last_day": "2026-12-08"}, "cannot be before the first"),
        ({"first_day": "10 December", "last_day": "2026-12-08"}, "Enter a valid date"),
        ({"practitioner": 0}, "Select a valid choice"),
    ],
    ids=["last-before-first", "not-a-date", "unknown-practitioner"],
)
def test_sick_leave_with_bad_input_says_what_is_wrong_and_changes_nothing(
    client, admin_user, clinic, fields, message
):
    plan = _plan(clinic)
    care_plan_schedule(care_plan=plan, time_limit=0.3)
    before = {s.pk: (s.starts_at, s.practitioner_id) for s in _active(TherapySession.objects.all())}
    client.force_login(admin_user)

    response = client.post(
        reverse("sick_leave"),
        {
            "practitioner": clinic["practitioners"][0].pk,
            "first_day": "2026-12-08",
            "last_day": "2026-12-08",
            "center": clinic["center"].pk,
            **fields,
        },
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SchedulingRun.objects.filter(kind="sick_leave").exists()
    assert not Leave.objects.filter(kind="sick").exists()
    after = {s.pk: (s.starts_at, s.practitioner_id) for s in _active(TherapySession.objects.all())}
    assert after == before


def test_downloaded_problem_replays_on_the_command_line(client, admin_user, clinic, tmp_path):
    plan = _plan(clinic)
    run = care_plan_schedule(care_plan=plan, time_limit=0.5)
    client.force_login(admin_user)

    response = client.get(reverse("scheduling_run_problem", args=[run.pk]))

    assert response["Content-Disposition"].startswith("attachment")
    problem_file = tmp_path / "problem.json"
    problem_file.write_bytes(response.content)
    solution_file = tmp_path / "solution.json"
    solved = subprocess.run(
        [
            sys.executable,
            "-m",
            "scheduling.engine",
            "solve",
            problem_file,
            "--time-limit",
            "1",
            "-o",
            solution_file,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert solved.returncode == 0, solved.stderr
    checked = subprocess.run(
        [sys.executable, "-m", "scheduling.engine", "check", problem_file, solution_file],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout
    assert json.loads(solution_file.read_text())["objective"] == run.objective


def test_another_centers_admin_sees_no_run_or_plan(client, outsider, clinic):
    plan = _plan(clinic)
    run = care_plan_schedule(care_plan=plan, time_limit=0.5)
    client.force_login(outsider)

    assert client.get(reverse("scheduling_run", args=[run.pk])).status_code == 403
    assert client.get(reverse("care_plan_detail", args=[plan.pk])).status_code == 403
    assert client.post(reverse("care_plan_auto_schedule", args=[plan.pk])).status_code == 403
    assert plan.patient.full_name not in client.get(reverse("care_plans")).content.decode()


def test_a_care_plan_needs_a_protocol_in_force_on_its_first_day(client, admin_user, clinic):
    patient = PatientFactory(center=clinic["center"])
    old = ProtocolVersionFactory(
        template=clinic["version"].template,
        effective_from=datetime.date(2020, 1, 1),
        effective_to=datetime.date(2021, 1, 1),
    )
    client.force_login(admin_user)

    response = client.post(
        reverse("care_plans"),
        {"patient": patient.pk, "protocol_version": old.pk, "start_date": clinic["start"]},
    )

    assert response.status_code == 200
    assert "is not in force on" in response.content.decode()
    assert not patient.care_plans.exists()


def test_care_plans_page_costs_the_same_queries_for_more_plans(
    client, admin_user, clinic, django_assert_max_num_queries
):
    client.force_login(admin_user)
    _plan(clinic)
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("care_plans"))
    for _ in range(10):
        _plan(clinic)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("care_plans"))
