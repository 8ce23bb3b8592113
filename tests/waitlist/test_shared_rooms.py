"""The waitlist counts the places of a shared room as the problem builder does: two patients
waiting for a Swedana at the only time they can come are offered the two places of the steam
room side by side, and a third is told that those times went to patients ranked higher."""

import datetime

import pytest
from django.urls import reverse

from tests.factories import PatientFactory, ProtocolStepFactory, ProtocolVersionFactory
from tests.portal.intake import with_intake_done
from tests.scheduling.builders import KOLKATA, fill_class, yoga_class
from tests.scheduling.conftest import clinic  # noqa: F401 (the two-place steam room)
from waitlist.models import EntryStatus, OfferStatus, WaitlistEntry
from waitlist.services import waitlist_join

pytestmark = pytest.mark.django_db


def _steam_waits(clinic, names):  # noqa: F811
    """A one-Swedana package, and a patient per name who can come only 09:00-09:30, each
    waiting for it on the clinic's first day (joined in the order given, a day apart)."""
    version = ProtocolVersionFactory(template__name="One Swedana")
    ProtocolStepFactory(version=version, order=1, code="swedana", therapy=clinic["swedana"])
    entries = []
    for waited, name in enumerate(reversed(names)):
        patient = with_intake_done(
            PatientFactory(
                center=clinic["center"],
                first_name=name,
                last_name="Waiting",
                available_windows=[["09:00", "09:30"]],
            )
        )
        entry = waitlist_join(
            patient=patient,
            center=clinic["center"],
            protocol_version=version,
            earliest_start=clinic["start"],
            latest_start=clinic["start"],
            preferred_times=[],
            by=None,
        )
        WaitlistEntry.objects.filter(pk=entry.pk).update(
            created_at=entry.created_at - datetime.timedelta(days=waited + 1)
        )
        entries.append(entry)
    return list(reversed(entries))


def test_two_waiting_patients_are_offered_the_two_places_of_the_steam_room(
    client,
    clinic,  # noqa: F811
    admin_user,
    jobs,
):
    with jobs():
        first, second = _steam_waits(clinic, ["Asha", "Bina"])

    nine = datetime.datetime.combine(clinic["start"], datetime.time(9), tzinfo=KOLKATA)
    offered = []
    for entry in (first, second):
        entry.refresh_from_db()
        assert entry.status == EntryStatus.OFFERED, entry.check_text
        offer = entry.offers.get(status=OfferStatus.OPEN)
        (assignment,) = offer.run.solution["assignments"]
        offered.append(assignment)
    assert {a["room"] for a in offered} == {"ST1"}
    assert {datetime.datetime.fromisoformat(a["start"]) for a in offered} == {nine}
    assert offered[0]["practitioner"] != offered[1]["practitioner"]
    # The second proposal saw the first offer's session as one place of the room taken.
    second_offer = second.offers.get()
    assert {
        "resource": "ST1",
        "start": nine.isoformat(),
        "end": (nine + datetime.timedelta(minutes=30)).isoformat(),
        "places": 1,
    } in second_offer.run.problem["busy"]

    client.force_login(admin_user)
    page = client.get(reverse("waitlist_console")).content.decode()
    assert page.count("Places offered from") == 2
    assert "ranked higher" not in page


def test_a_third_patient_is_told_the_places_went_to_patients_ranked_higher(
    client,
    clinic,  # noqa: F811
    admin_user,
    jobs,
):
    with jobs():
        first, second, third = _steam_waits(clinic, ["Asha", "Bina", "Chitra"])

    statuses = []
    for entry in (first, second, third):
        entry.refresh_from_db()
        statuses.append(entry.status)
    assert statuses == [EntryStatus.OFFERED, EntryStatus.OFFERED, EntryStatus.WAITING]
    client.force_login(admin_user)
    page = client.get(reverse("waitlist_console")).content.decode()
    assert page.count("Places offered from") == 2
    card = page[page.index("Chitra Waiting") :]
    assert "offered to a patient ranked higher" in card


def test_a_patient_waiting_for_a_full_class_is_told_it_is_full(
    client,
    clinic,  # noqa: F811
    admin_user,
    jobs,
):
    center, start = clinic["center"], clinic["start"]
    yoga = yoga_class(center, start)
    fill_class(center, yoga)
    patient = with_intake_done(
        PatientFactory(
            center=center,
            first_name="Deepa",
            last_name="Waiting",
            available_windows=[["10:00", "11:00"]],
        )
    )
    with jobs():
        entry = waitlist_join(
            patient=patient,
            center=center,
            protocol_version=yoga["version"],
            earliest_start=start,
            latest_start=start,
            preferred_times=[],
            by=None,
        )

    entry.refresh_from_db()
    assert entry.status == EntryStatus.WAITING
    client.force_login(admin_user)
    page = client.get(reverse("waitlist_console")).content.decode()
    card = page[page.index("Deepa Waiting") :]
    ten = yoga["ten"]
    assert f"The Yoga class on {ten:%a} {ten.day} {ten:%b} at 10:00 with Lakshmi Teacher" in card
    assert "is full: all 4 places are taken, so it cannot be joined." in card
