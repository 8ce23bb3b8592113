"""Freed capacity goes to the waiting patients whose whole package fits, in order of urgency,
wait and preference fit; accepting books the package whole or nothing; offers expire."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from notifications.models import Channel, OutboxMessage
from patients.models import CarePlan, Priority
from scheduling.services.replanning import session_move
from sessions.models import SessionStatus, TherapySession
from sessions.services import session_transition
from tests.factories import ClinicalFlagFactory, ProtocolStepFactory, ProtocolVersionFactory
from tests.waitlist.conftest import booked, waiting_patient
from waitlist.models import EntryStatus, OfferStatus, WaitlistEntry, WaitlistOffer
from waitlist.services import (
    WaitlistError,
    queue_key,
    waitlist_join,
    waitlist_match,
    waitlist_offer_accept,
    waitlist_offer_decline,
    waitlist_offers_expire,
)

pytestmark = pytest.mark.django_db


def _join(clinic, patient, version, *, first=None, last=None, times=(), waited_days=0):
    first = first or clinic["day"]
    entry = waitlist_join(
        patient=patient,
        center=clinic["center"],
        protocol_version=version,
        earliest_start=first,
        latest_start=last or first,
        preferred_times=list(times),
        by=None,
    )
    if waited_days:
        WaitlistEntry.objects.filter(pk=entry.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=waited_days)
        )
    return entry


def _cancel(plan: CarePlan, admin_user) -> None:
    for session in plan.sessions.all():
        with transaction.atomic():
            session_transition(session=session, to_status=SessionStatus.CANCELLED, by=admin_user)


def _open_offer(entry: WaitlistEntry) -> WaitlistOffer | None:
    return WaitlistOffer.objects.filter(entry=entry, status=OfferStatus.OPEN).first()


@pytest.fixture
def full_days(one_place):
    """The clinic's day and the next are each taken by a one-day plan."""
    day = one_place["day"]
    return {
        "first": booked(one_place, one_place["one_day"], day),
        "second": booked(one_place, one_place["one_day"], day + datetime.timedelta(days=1)),
    }


def test_a_cancellation_offers_the_place_to_the_patient_whose_whole_package_fits_only(
    one_place, full_days, admin_user, jobs
):
    fits = waiting_patient(one_place, first_name="Fits")
    too_long = waiting_patient(one_place, first_name="Toolong")
    with jobs():
        fitting = _join(one_place, fits, one_place["one_day"])
        longer = _join(one_place, too_long, one_place["two_days"])
    assert fitting.offers.count() == longer.offers.count() == 0
    fitting.refresh_from_db()
    assert "does not fit" in fitting.check_text

    with jobs():
        _cancel(full_days["first"], admin_user)

    offer = _open_offer(fitting)
    assert offer is not None
    assert offer.start_date == one_place["day"]
    assert offer.run.solution["unscheduled"] == []
    assert "cancelled" in offer.freed_text
    fitting.refresh_from_db()
    assert fitting.status == EntryStatus.OFFERED
    # One free day is one slot of a two-day package: not offered, and told why.
    longer.refresh_from_db()
    assert longer.status == EntryStatus.WAITING
    assert _open_offer(longer) is None
    assert "does not fit" in longer.check_text
    # The offered patient is told in the portal's inbox (and by SMS, which they agreed to).
    channels = set(
        OutboxMessage.objects.filter(
            patient=fits, idempotency_key__startswith="waitlist-offer"
        ).values_list("channel", flat=True)
    )
    assert Channel.IN_APP in channels


def test_the_place_goes_by_urgency_then_by_wait(one_place, full_days, admin_user, jobs):
    routine_long = waiting_patient(one_place, first_name="Routine", priority=Priority.ROUTINE)
    urgent_new = waiting_patient(one_place, first_name="Urgent", priority=Priority.URGENT)
    routine_short = waiting_patient(one_place, first_name="Recent", priority=Priority.ROUTINE)
    with jobs():
        long_wait = _join(one_place, routine_long, one_place["one_day"], waited_days=10)
        urgent = _join(one_place, urgent_new, one_place["one_day"], waited_days=1)
        short_wait = _join(one_place, routine_short, one_place["one_day"], waited_days=3)

    with jobs():
        _cancel(full_days["first"], admin_user)
    first = _open_offer(urgent)
    assert first is not None and first.rank == 1
    assert first.reason_text.startswith("Urgent priority")
    # One place, one offer: the others wait behind it and are told so.
    assert _open_offer(long_wait) is None and _open_offer(short_wait) is None
    long_wait.refresh_from_db()
    assert "ranked higher" in long_wait.check_text

    with jobs():
        waitlist_offer_decline(offer=first, by=urgent_new.user)
    second = _open_offer(long_wait)
    assert second is not None, "the longest wait comes next"
    assert "waiting 10 days" in second.reason_text
    with jobs():
        waitlist_offer_decline(offer=second, by=None)
    assert _open_offer(short_wait) is not None


def test_an_open_clinical_flag_raises_the_urgency(one_place, full_days, admin_user, jobs):
    waited = waiting_patient(one_place, first_name="Waited", priority=Priority.RAISED)
    flagged = waiting_patient(one_place, first_name="Flagged", priority=Priority.RAISED)
    ClinicalFlagFactory(patient=flagged, reason="Pain rose from 3 to 7")
    with jobs():
        _join(one_place, waited, one_place["one_day"], waited_days=20)
        flagged_entry = _join(one_place, flagged, one_place["one_day"])
        _cancel(full_days["first"], admin_user)
    offer = _open_offer(flagged_entry)
    assert offer is not None
    assert "raised by an open clinical flag" in offer.reason_text


def test_preference_fit_breaks_a_tie_of_urgency_and_wait(one_place):
    entry = WaitlistEntry(created_at=timezone.now(), pk=1)
    later = WaitlistEntry(created_at=timezone.now(), pk=2)
    suits = queue_key(urgency=1, waited=4, fit=1.0, entry=later)
    suits_less = queue_key(urgency=1, waited=4, fit=0.5, entry=entry)
    waited_longer = queue_key(urgency=1, waited=5, fit=0.0, entry=later)
    more_urgent = queue_key(urgency=2, waited=0, fit=0.0, entry=later)
    assert sorted([suits_less, suits, waited_longer, more_urgent]) == [
        more_urgent,
        waited_longer,
        suits,
        suits_less,
    ]


def test_accepting_books_the_whole_package(one_place, full_days, admin_user, jobs):
    patient = waiting_patient(one_place)
    with jobs():
        entry = _join(one_place, patient, one_place["one_day"])
        _cancel(full_days["first"], admin_user)
    offer = _open_offer(entry)

    with jobs():
        outcome = waitlist_offer_accept(offer=offer, by=None)

    assert outcome.booked == 1
    entry.refresh_from_db()
    offer.refresh_from_db()
    assert (entry.status, offer.status) == (EntryStatus.BOOKED, OfferStatus.ACCEPTED)
    assert entry.care_plan.status == CarePlan.Status.SCHEDULED
    session = TherapySession.objects.get(care_plan=entry.care_plan)
    assert (
        timezone.localtime(session.starts_at, one_place["center"].tzinfo).date()
        == (one_place["day"])
    )
    with pytest.raises(WaitlistError, match="already been accepted"):
        waitlist_offer_accept(offer=offer, by=None)


def test_times_taken_meanwhile_book_nothing_and_keep_the_place_in_the_queue(
    one_place, full_days, admin_user, jobs
):
    patient = waiting_patient(one_place)
    with jobs():
        entry = _join(
            one_place,
            patient,
            one_place["two_days"],
            first=one_place["day"],
        )
        _cancel(full_days["first"], admin_user)
        _cancel(full_days["second"], admin_user)
    offer = _open_offer(entry)
    assert offer is not None and len(offer.run.solution["assignments"]) == 2
    # The front desk books the second day for someone else: the offer held nothing.
    booked(one_place, one_place["one_day"], one_place["day"] + datetime.timedelta(days=1))

    with pytest.raises(WaitlistError, match="Someone else booked one of these times"):
        waitlist_offer_accept(offer=offer, by=patient.user)

    # Nothing half-booked: not even the first day, which was still free.
    assert not TherapySession.objects.filter(patient=patient).exists()
    offer.refresh_from_db()
    entry.refresh_from_db()
    assert offer.status == OfferStatus.TAKEN
    assert entry.status == EntryStatus.WAITING
    assert entry.care_plan.status == CarePlan.Status.DRAFT


def test_an_offer_past_its_expiry_books_nothing_and_the_next_patient_is_offered(
    one_place, full_days, admin_user, jobs
):
    late = waiting_patient(one_place, first_name="Late", priority=Priority.HIGH)
    next_one = waiting_patient(one_place, first_name="Next")
    with jobs():
        late_entry = _join(one_place, late, one_place["one_day"])
        next_entry = _join(one_place, next_one, one_place["one_day"])
        _cancel(full_days["first"], admin_user)
    offer = _open_offer(late_entry)
    WaitlistOffer.objects.filter(pk=offer.pk).update(
        offered_at=timezone.now() - datetime.timedelta(hours=30),
        expires_at=timezone.now() - datetime.timedelta(hours=6),
    )

    with jobs(), pytest.raises(WaitlistError, match="expired"):
        waitlist_offer_accept(offer=offer, by=None)
    assert not TherapySession.objects.filter(patient=late).exists()

    with jobs():
        assert waitlist_offers_expire() == 0  # accepting it late already closed it
    offer.refresh_from_db()
    assert offer.status == OfferStatus.EXPIRED
    late_entry.refresh_from_db()
    assert late_entry.status == EntryStatus.WAITING
    # Its places go to the next patient; the late one waits for the next change.
    assert _open_offer(next_entry) is not None
    assert _open_offer(late_entry) is None


def test_the_expiry_job_closes_offers_past_their_time(one_place, full_days, admin_user, jobs):
    patient = waiting_patient(one_place)
    with jobs():
        entry = _join(one_place, patient, one_place["one_day"])
        _cancel(full_days["first"], admin_user)
    offer = _open_offer(entry)
    WaitlistOffer.objects.filter(pk=offer.pk).update(
        offered_at=timezone.now() - datetime.timedelta(hours=30),
        expires_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    assert waitlist_offers_expire() == 1
    offer.refresh_from_db()
    entry.refresh_from_db()
    assert offer.status == OfferStatus.EXPIRED
    assert offer.run.status == "discarded"
    assert entry.status == EntryStatus.WAITING


def test_joining_is_refused_in_words(one_place, patient, other_center):
    version = one_place["one_day"]
    with pytest.raises(WaitlistError, match="finish your intake"):
        waitlist_join(
            patient=patient,
            center=one_place["center"],
            protocol_version=version,
            earliest_start=one_place["day"],
            latest_start=one_place["day"],
            preferred_times=[],
            by=None,
        )
    ready = waiting_patient(one_place)
    cases = [
        ({"center": other_center}, "your own center"),
        ({"earliest_start": timezone.localdate() - datetime.timedelta(days=2)}, "in the past"),
        ({"latest_start": one_place["day"] - datetime.timedelta(days=1)}, "on or after"),
        ({"latest_start": one_place["day"] + datetime.timedelta(days=120)}, "90 days"),
        ({"preferred_times": ["midnight"]}, "times of day"),
    ]
    for change, message in cases:
        given = {
            "patient": ready,
            "center": one_place["center"],
            "protocol_version": version,
            "earliest_start": one_place["day"],
            "latest_start": one_place["day"],
            "preferred_times": [],
            "by": None,
        } | change
        with pytest.raises(WaitlistError, match=message):
            waitlist_join(**given)
    assert not WaitlistEntry.objects.filter(patient=ready).exists()
    waitlist_join(
        patient=ready,
        center=one_place["center"],
        protocol_version=version,
        earliest_start=one_place["day"],
        latest_start=one_place["day"],
        preferred_times=["morning"],
        by=None,
    )
    with pytest.raises(WaitlistError, match="already on the waitlist"):
        waitlist_join(
            patient=ready,
            center=one_place["center"],
            protocol_version=version,
            earliest_start=one_place["day"],
            latest_start=one_place["day"],
            preferred_times=[],
            by=None,
        )


def test_a_care_plan_ended_early_offers_what_it_gave_back(one_place, full_days, jobs):
    patient = waiting_patient(one_place)
    with jobs():
        entry = _join(one_place, patient, one_place["one_day"])
    plan = full_days["first"]
    # Ended from the admin: its sessions released in bulk (no status signal), then the plan.
    plan.sessions.update(status=SessionStatus.CANCELLED)
    with jobs():
        plan.status = CarePlan.Status.CANCELLED
        plan.save(update_fields=["status"])
    offer = _open_offer(entry)
    assert offer is not None
    assert offer.freed_text == "A care plan ended early."


def test_a_pass_out_of_time_leaves_the_rest_to_the_next_job(
    one_place, full_days, admin_user, jobs, monkeypatch
):
    day = one_place["day"]
    first = waiting_patient(one_place, first_name="First", priority=Priority.HIGH)
    second = waiting_patient(one_place, first_name="Second")
    with jobs():
        first_entry = _join(one_place, first, one_place["one_day"])
        second_entry = _join(
            one_place, second, one_place["one_day"], first=day + datetime.timedelta(days=1)
        )
    # Outside `jobs`, the matching these cancellations queue never runs: one pass is run below.
    _cancel(full_days["first"], admin_user)
    _cancel(full_days["second"], admin_user)
    monkeypatch.setattr("waitlist.services.MATCH_BUDGET", 0)

    with jobs():
        offers = waitlist_match(center=one_place["center"])
        # The pass checked one entry, the most urgent, and queued another job for the rest.
        assert [offer.entry_id for offer in offers] == [first_entry.pk]
    assert _open_offer(first_entry).start_date == day
    assert _open_offer(second_entry).start_date == day + datetime.timedelta(days=1)


def test_a_session_moved_to_another_day_offers_the_day_it_left(one_place, admin_user, jobs):
    day = one_place["day"]
    flexible = ProtocolVersionFactory(template__name="Abhyanga, any of three days")
    ProtocolStepFactory(
        version=flexible, order=1, code="d0", therapy=one_place["therapy"], slack_days=2
    )
    blocker = booked(one_place, flexible, day)
    session = blocker.sessions.get()
    assert timezone.localtime(session.starts_at, one_place["center"].tzinfo).date() == day
    patient = waiting_patient(one_place)
    with jobs():
        entry = _join(one_place, patient, one_place["one_day"])
    assert _open_offer(entry) is None

    with jobs():
        session_move(session=session, starts_at=session.starts_at + datetime.timedelta(days=2))

    offer = _open_offer(entry)
    assert offer is not None and offer.start_date == day
    assert offer.freed_text == "Sessions were re-planned."
