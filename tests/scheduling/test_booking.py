"""Booking a solved run: all or nothing, never double-booked, room places handed out in order."""

import datetime
import threading

from django.db import connection

from scheduling.services.booking import ScheduleClash, scheduling_run_apply
from scheduling.services.care_plans import care_plan_schedule
from sessions.models import TherapySession
from tests.factories import PatientFactory, TherapySessionFactory
from tests.scheduling.builders import (
    KOLKATA,
    active,
    overlaps,
    plan_for,
    run_booking,
    solved_run,
    steam_plans,
)


def _single_booked(center):
    sessions = list(active(TherapySession.objects.filter(center=center)))
    assert not overlaps(sessions, lambda s: s.practitioner_id, "ends_at")
    assert not overlaps(
        [s for s in sessions if s.room.capacity == 1], lambda s: s.room_id, "room_released_at"
    )
    return sessions


def test_two_concurrent_bookings_of_the_same_slots_never_double_book(transactional_db, clinic):
    # One room, one practitioner: both plans' best placements are the same slots.
    center = clinic["center"]
    clinic["rooms"][1].delete()
    for practitioner in clinic["practitioners"][1:]:
        practitioner.shifts.all().delete()
    plans = [plan_for(clinic), plan_for(clinic)]
    runs = [solved_run(clinic, [plan], care_plan=plan) for plan in plans]
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
    assert len(_single_booked(center)) == 6

    # The loser re-plans around the winner instead of failing.
    loser = plans[1] if active(plans[0].sessions).exists() else plans[0]
    care_plan_schedule(care_plan=loser, time_limit=0.5)
    assert len(_single_booked(center)) == 12


def _place_overlaps(room):
    sessions = active(TherapySession.objects.filter(room=room))
    return overlaps(sessions, lambda s: s.room_place, "room_released_at")


def test_a_two_place_room_takes_every_layout_with_at_most_two_patients_at_once(db, clinic):
    meera, arun, _ = clinic["practitioners"]
    first, fourth, second, third = steam_plans(clinic, 4)
    # Each overlaps only its neighbours in time; booked in this order a place each, 09:00
    # and 09:45 would both take place 1, 09:15 place 2, and leave 09:30 none.
    run = run_booking(
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
    assert {s.room_place for s in active(TherapySession.objects.filter(room=steam))} == {1, 2}
    assert not _place_overlaps(steam)


def test_a_booking_made_after_solving_keeps_its_place_and_the_run_takes_the_other(db, clinic):
    meera, _, kavya = clinic["practitioners"]
    (plan,) = steam_plans(clinic, 1)
    run = run_booking(clinic, {plan: (datetime.time(9, 15), kavya)})
    # Between solving and applying, the front desk books 09:30 on place 1 of the steam room.
    other = TherapySessionFactory(
        center=clinic["center"],
        therapy=clinic["swedana"],
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


def test_booked_sessions_take_their_length_turnover_and_rest_from_the_therapy(db, clinic):
    run = solved_run(clinic, [plan_for(clinic)])

    booked = scheduling_run_apply(run=run)

    for session in booked:
        therapy = session.therapy
        assert session.ends_at - session.starts_at == datetime.timedelta(
            minutes=therapy.duration_minutes
        )
        assert session.room_released_at - session.ends_at == datetime.timedelta(
            minutes=therapy.room_turnover_minutes
        )
        assert session.patient_released_at - session.ends_at == datetime.timedelta(
            minutes=therapy.patient_rest_after_minutes
        )
