"""The waitlist's pages and API: the patient joins and answers offers; the console shows a
center's queue with its reasons and books an offer; each sees only what is theirs."""

import datetime

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_noop

from clinics.choices import Role
from sessions.models import SessionStatus, TherapySession
from sessions.services import session_transition
from tests.factories import (
    MembershipFactory,
    PatientFactory,
    UserFactory,
    WaitlistEntryFactory,
    WaitlistOfferFactory,
)
from tests.portal.intake import with_intake_done
from tests.waitlist.conftest import booked, waiting_patient
from waitlist.models import EntryStatus, OfferStatus, WaitlistEntry, WaitlistOffer
from waitlist.services import waitlist_join
from waitlist.words import words

pytestmark = pytest.mark.django_db


def test_a_patient_joins_from_the_page_and_sees_their_place(client, one_place, patient, jobs):
    with_intake_done(patient)
    client.force_login(patient.user)
    day = one_place["day"]
    with jobs():
        response = client.post(
            reverse("waitlist_portal"),
            {
                "protocol_version": one_place["two_days"].pk,
                "earliest_start": day.isoformat(),
                "latest_start": (day + datetime.timedelta(days=3)).isoformat(),
                "preferred_times": ["morning"],
            },
            follow=True,
        )
    assert "You are on the waitlist." in response.content.decode()
    entry = WaitlistEntry.objects.get(patient=patient)
    assert entry.preferred_times == ["morning"]
    # Nothing was booked at that center yet: the package fits at once and is offered.
    page = client.get(reverse("waitlist_portal")).content.decode()
    assert "Two-day Abhyanga" in page
    assert "Places offered from" in page
    assert "Accept and book" in page


def test_joining_with_a_bad_window_says_why_and_writes_nothing(client, one_place, patient):
    with_intake_done(patient)
    client.force_login(patient.user)
    day = one_place["day"]
    response = client.post(
        reverse("waitlist_portal"),
        {
            "protocol_version": one_place["one_day"].pk,
            "earliest_start": day.isoformat(),
            "latest_start": (day - datetime.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "The latest first day must be on or after the earliest." in response.content.decode()
    assert not WaitlistEntry.objects.exists()


def test_the_patient_accepts_an_offer_after_a_cancellation_and_is_booked(
    client, one_place, admin_user, jobs
):
    blocker = booked(one_place, one_place["one_day"], one_place["day"])
    user = UserFactory(email="waiting@example.org")
    patient = waiting_patient(one_place, user=user, first_name="Devi")
    client.force_login(user)
    day = one_place["day"].isoformat()
    with jobs():
        client.post(
            reverse("waitlist_portal"),
            {
                "protocol_version": one_place["one_day"].pk,
                "earliest_start": day,
                "latest_start": day,
            },
        )
    assert "Nothing has freed up" in client.get(reverse("waitlist_portal")).content.decode()
    with jobs(), transaction.atomic():
        session_transition(
            session=blocker.sessions.get(), to_status=SessionStatus.CANCELLED, by=admin_user
        )
    offer = WaitlistOffer.objects.get(entry__patient=patient, status=OfferStatus.OPEN)
    page = client.get(reverse("waitlist_portal")).content.decode()
    assert "Why this patient:" in page and "Why this time:" in page

    with jobs():
        response = client.post(reverse("waitlist_offer_accept", args=[offer.pk]), follow=True)
    assert "Booked: 1 session." in response.content.decode()
    assert (
        TherapySession.objects.filter(patient=patient, status=SessionStatus.SCHEDULED).count() == 1
    )


def test_the_console_shows_the_queue_with_reasons_and_books_an_offer(
    client, one_place, admin_user, jobs
):
    blocker = booked(one_place, one_place["one_day"], one_place["day"])
    patient = waiting_patient(one_place, first_name="Kavya", last_name="Pillai")
    with jobs():
        waitlist_join(
            patient=patient,
            center=one_place["center"],
            protocol_version=one_place["one_day"],
            earliest_start=one_place["day"],
            latest_start=one_place["day"],
            preferred_times=[],
            by=admin_user,
        )
    with jobs(), transaction.atomic():
        session_transition(
            session=blocker.sessions.get(), to_status=SessionStatus.CANCELLED, by=admin_user
        )
    client.force_login(admin_user)
    page = client.get(reverse("waitlist_console")).content.decode()
    assert "Kavya Pillai" in page
    assert "Routine priority" in page
    assert "What freed the places:" in page and "A session was cancelled" in page
    # In words a reader uses: one first day, not a window from it to itself; the day of the
    # cancelled session as a day; a patient who joined today, not one "waiting 0 days".
    day = f"{one_place['day'].day} {one_place['day']:%b %Y}"
    assert f"first day {day}" in page and "first day between" not in page
    assert f"A session was cancelled (Abhyanga, {day} at 07:00)." in page
    assert "joined today" in page and "waiting 0 days" not in page
    offer = WaitlistOffer.objects.get(entry__patient=patient)
    with jobs():
        response = client.post(reverse("waitlist_offer_accept", args=[offer.pk]), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("waitlist_console"))
    assert "Booked: 1 session." in response.content.decode()
    assert WaitlistEntry.objects.get(patient=patient).status == EntryStatus.BOOKED


def test_a_patient_sees_and_answers_only_their_own_waits(client, center, patient):
    mine = WaitlistEntryFactory(patient=patient)
    neighbour = WaitlistOfferFactory(entry__patient=PatientFactory(center=center, first_name="Zed"))
    client.force_login(patient.user)
    page = client.get(reverse("waitlist_portal")).content.decode()
    assert f'id="entry-{mine.pk}"' in page
    assert f'id="entry-{neighbour.entry_id}"' not in page
    assert client.post(reverse("waitlist_offer_accept", args=[neighbour.pk])).status_code == 404
    assert client.post(reverse("waitlist_offer_decline", args=[neighbour.pk])).status_code == 404
    response = client.post(reverse("waitlist_entry_withdraw", args=[neighbour.entry_id]))
    assert response.status_code == 404
    neighbour.refresh_from_db()
    assert neighbour.status == OfferStatus.OPEN


def test_an_admin_sees_only_their_own_centers_queue(client, center, other_center, outsider):
    here = WaitlistEntryFactory(patient=PatientFactory(center=center, first_name="Here"))
    there = WaitlistOfferFactory(
        entry__patient=PatientFactory(center=other_center, first_name="There")
    )
    client.force_login(outsider)
    page = client.get(reverse("waitlist_console"), {"center": center.pk}).content.decode()
    assert "London Ayurveda Clinic" in page
    assert f'id="entry-{here.pk}"' not in page
    assert f'id="entry-{there.entry_id}"' in page
    assert client.post(reverse("waitlist_match", args=[center.pk])).status_code == 404
    assert client.post(reverse("waitlist_entry_withdraw", args=[here.pk])).status_code == 404


@pytest.mark.parametrize("waiting", [2, 8])
def test_the_console_list_costs_the_same_queries_whatever_its_length(
    client, center, admin_user, django_assert_max_num_queries, waiting
):
    for n in range(waiting):
        offer = WaitlistOfferFactory(entry__patient=PatientFactory(center=center))
        if n % 2:
            offer.status = OfferStatus.DECLINED
            offer.save()
            WaitlistEntry.objects.filter(pk=offer.entry_id).update(status=EntryStatus.WAITING)
    client.force_login(admin_user)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("waitlist_console"))
    assert response.content.decode().count('class="card" id="entry-') == waiting


def test_the_patient_page_costs_a_fixed_number_of_queries(
    client, patient, django_assert_max_num_queries
):
    for _n in range(5):
        WaitlistOfferFactory(entry__patient=patient)
    client.force_login(patient.user)
    with django_assert_max_num_queries(18):
        response = client.get(reverse("waitlist_portal"))
    assert response.content.decode().count("Accept and book") == 5


def test_the_api_lists_own_waits_and_joins(client, one_place, patient, admin_user, jobs):
    with_intake_done(patient)
    other = WaitlistEntryFactory(patient=PatientFactory(center=one_place["center"]))
    client.force_login(patient.user)
    day = one_place["day"].isoformat()
    with jobs():
        response = client.post(
            "/api/waitlist",
            {
                "protocol": one_place["one_day"].template_id,
                "earliest_start": day,
                "latest_start": day,
                "preferred_times": ["evening"],
            },
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    assert response.json()["preferred_times"] == ["evening"]
    listed = client.get("/api/waitlist").json()
    assert [e["id"] for e in listed["results"]] == [response.json()["id"]]

    bad = client.post(
        "/api/waitlist",
        {"protocol": one_place["one_day"].template_id, "earliest_start": day, "latest_start": day},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert "already on the waitlist" in bad.json()["message"]

    client.force_login(admin_user)
    staff_view = {e["id"] for e in client.get("/api/waitlist").json()["results"]}
    assert staff_view == {response.json()["id"], other.pk}


def test_the_api_refuses_a_practitioner_and_a_stranger_patient(client, center, other_center):
    practitioner = UserFactory(email="only-practitioner@example.org")
    MembershipFactory(user=practitioner, center=center, role=Role.PRACTITIONER)
    client.force_login(practitioner)
    refused = client.get("/api/waitlist")
    assert refused.status_code == 403
    assert refused.json()["message"]
    admin = UserFactory(email="london-admin@example.org")
    MembershipFactory(user=admin, center=other_center, role=Role.CENTER_ADMIN)
    client.force_login(admin)
    stranger = PatientFactory(center=center)
    response = client.post(
        "/api/waitlist",
        {
            "patient": stranger.pk,
            "protocol": 1,
            "earliest_start": "2030-01-07",
            "latest_start": "2030-01-08",
        },
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not WaitlistEntry.objects.exists()


def test_the_reasons_are_shown_in_the_readers_language(client, center, admin_user):
    entry = WaitlistOfferFactory(entry__patient=PatientFactory(center=center)).entry
    WaitlistEntry.objects.filter(pk=entry.pk).update(
        check_note=words(
            gettext_noop("Offered: the whole package fits from %(day)s."),
            day=datetime.date(2026, 12, 7),
        )
    )
    client.force_login(admin_user)
    client.post(reverse("set_language"), {"language": "hi"})
    page = client.get(reverse("waitlist_console")).content.decode()
    assert "प्रस्तावित: पूरा पैकेज" in page
    assert "सामान्य प्राथमिकता" in page
    assert "3 दिन से प्रतीक्षा में" in page


def test_a_patient_whose_intake_is_not_done_is_shown_the_way_to_it_first(client, patient):
    client.force_login(patient.user)

    page = client.get(reverse("waitlist_portal")).content.decode()

    callout = page.index("Please finish your intake first")
    assert callout < page.index("Join the waitlist</h2>")
    assert f'href="{reverse("patient_intake")}"' in page[callout:]
    with_intake_done(patient)
    assert (
        "Please finish your intake first"
        not in client.get(reverse("waitlist_portal")).content.decode()
    )


def test_the_history_says_an_offer_was_declined_once_and_when_in_the_centers_time(client, patient):
    offered_at = datetime.datetime(2026, 12, 5, 7, 13, tzinfo=datetime.UTC)
    WaitlistOfferFactory(
        entry__patient=patient,
        entry__center=patient.center,
        entry__status=EntryStatus.WAITING,
        status=OfferStatus.DECLINED,
        outcome=words(gettext_noop("Declined.")),
        offered_at=offered_at,
    )
    client.force_login(patient.user)

    page = client.get(reverse("waitlist_portal")).content.decode()

    # 07:13 UTC is 12:43 at the patient's center in Kochi.
    assert "(made 5 Dec 12:43): Declined</li>" in page
    assert "Declined — Declined" not in page


def test_the_page_asks_again_until_the_first_look_is_done(client, one_place, patient, jobs):
    with_intake_done(patient)
    client.force_login(patient.user)
    day = one_place["day"].isoformat()
    form = {
        "protocol_version": one_place["one_day"].pk,
        "earliest_start": day,
        "latest_start": day,
    }
    # The job worker has not looked yet: the patient is told it is looking, and the list of
    # waits asks for itself again in a moment.
    page = client.post(reverse("waitlist_portal"), form, follow=True).content.decode()
    assert "Looking for places for your whole package now…" in page
    assert 'hx-trigger="load delay:2s"' in page and 'hx-select="#waits"' in page

    with jobs():
        waitlist_join(
            patient=with_intake_done(PatientFactory(center=one_place["center"])),
            center=one_place["center"],
            protocol_version=one_place["one_day"],
            earliest_start=one_place["day"],
            latest_start=one_place["day"],
            preferred_times=[],
            by=None,
        )

    # The look is done (the package fits at once): the offer shows, and the asking stops.
    page = client.get(reverse("waitlist_portal")).content.decode()
    assert "Places offered from" in page
    assert "Looking for places" not in page and "hx-trigger" not in page


def test_after_look_for_places_now_the_console_asks_again_until_everyone_was_looked_at(
    client, one_place, admin_user, jobs
):
    waiting = waiting_patient(one_place, first_name="Kavya", last_name="Pillai")
    WaitlistEntryFactory(
        patient=waiting,
        center=one_place["center"],
        protocol_version=one_place["one_day"],
        earliest_start=one_place["day"],
        latest_start=one_place["day"],
    )
    client.force_login(admin_user)

    response = client.post(reverse("waitlist_match", args=[one_place["center"].pk]))
    page = client.get(response["Location"]).content.decode()
    assert "Looking for places for everyone waiting" in page
    assert 'id="queue" hx-get=' in page and 'hx-select="#queue"' in page

    with jobs():
        client.post(reverse("waitlist_match", args=[one_place["center"].pk]))
    # Everyone was looked at: the offer is there and the list stops asking.
    page = client.get(response["Location"]).content.decode()
    assert "Places offered from" in page
    assert "hx-select" not in page
    bad = client.get(reverse("waitlist_console"), {"looking": "2026-02-30T10:00:00+00:00"})
    assert bad.status_code == 200 and "hx-select" not in bad.content.decode()
