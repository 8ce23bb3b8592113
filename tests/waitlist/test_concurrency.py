"""Two answers to one offer at the same instant (a double tap, the patient and the front desk):
the package is booked once, and the other is told so; nothing is half-booked."""

import threading

import pytest
from django.db import connection, transaction

from scheduling.services.care_plans import care_plan_schedule
from sessions.models import SessionStatus, TherapySession
from sessions.services import session_transition
from tests.factories import CarePlanFactory, PatientFactory
from tests.waitlist.conftest import booked, waiting_patient
from waitlist.models import EntryStatus, OfferStatus, WaitlistEntry, WaitlistOffer
from waitlist.services import WaitlistError, waitlist_join, waitlist_offer_accept

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_accepts_at_once_book_the_package_once(one_place, admin_user, jobs):
    blocker = booked(one_place, one_place["two_days"], one_place["day"])
    patient = waiting_patient(one_place)
    with jobs():
        waitlist_join(
            patient=patient,
            center=one_place["center"],
            protocol_version=one_place["two_days"],
            earliest_start=one_place["day"],
            latest_start=one_place["day"],
            preferred_times=[],
            by=None,
        )
    with jobs():
        for session in blocker.sessions.all():
            with transaction.atomic():
                session_transition(
                    session=session, to_status=SessionStatus.CANCELLED, by=admin_user
                )
    offer = WaitlistOffer.objects.get(entry__patient=patient, status=OfferStatus.OPEN)

    start = threading.Barrier(2)
    outcomes = []

    def accept():
        try:
            start.wait()
            outcomes.append(waitlist_offer_accept(offer=offer, by=None).booked)
        except WaitlistError as error:
            outcomes.append(str(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes, key=str) == [2, "This offer has already been accepted."]
    assert TherapySession.objects.filter(patient=patient).count() == 2
    assert WaitlistEntry.objects.get(patient=patient).status == EntryStatus.BOOKED


def test_a_front_desk_booking_at_the_same_instant_leaves_one_whole_winner(
    one_place, admin_user, jobs
):
    blocker = booked(one_place, one_place["one_day"], one_place["day"])
    patient = waiting_patient(one_place, first_name="Waiting")
    with jobs():
        waitlist_join(
            patient=patient,
            center=one_place["center"],
            protocol_version=one_place["one_day"],
            earliest_start=one_place["day"],
            latest_start=one_place["day"],
            preferred_times=[],
            by=None,
        )
    with jobs(), transaction.atomic():
        session_transition(
            session=blocker.sessions.get(), to_status=SessionStatus.CANCELLED, by=admin_user
        )
    offer = WaitlistOffer.objects.get(entry__patient=patient, status=OfferStatus.OPEN)
    walk_in = CarePlanFactory(
        patient=PatientFactory(center=one_place["center"], first_name="Walkin"),
        protocol_version=one_place["one_day"],
        start_date=one_place["day"],
    )

    start = threading.Barrier(2)
    said = []

    def accept():
        try:
            start.wait()
            waitlist_offer_accept(offer=offer, by=None)
        except WaitlistError as error:
            said.append(str(error))
        finally:
            connection.close()

    def front_desk():
        try:
            start.wait()
            care_plan_schedule(care_plan=walk_in, time_limit=0.3)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept), threading.Thread(target=front_desk)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    live = TherapySession.objects.exclude(status=SessionStatus.CANCELLED)
    winners = {s.patient_id for s in live}
    assert len(winners) == 1, "one place, one patient"
    entry = WaitlistEntry.objects.get(patient=patient)
    if winners == {patient.pk}:
        assert said == [] and entry.status == EntryStatus.BOOKED
    else:
        assert said == [
            "Someone else booked one of these times a moment ago, so nothing was booked. You "
            "keep your place on the waitlist; we will offer you the next places that fit."
        ]
        assert entry.status == EntryStatus.WAITING
        assert not TherapySession.objects.filter(patient=patient).exists()
