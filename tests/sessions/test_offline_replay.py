"""Writes a tablet queued offline: sent again and again they apply once; late ones are refused."""

import json
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from sessions.models import (
    ChecklistItemResult,
    RunnerWrite,
    SessionNote,
    SessionStatus,
    VitalsReading,
)
from sessions.services import checklist_item_tick, runner_write_apply, session_transition
from tests.factories import TherapySessionFactory
from tests.sessions.floor import today_at

pytestmark = pytest.mark.django_db

S = SessionStatus


def send(client, session, kind, data, *, key=None, taken_at="2026-12-02T04:41:00Z"):
    """What runner.js sends for one queued write when the network is back."""
    body = {"key": str(key or uuid.uuid4()), "kind": kind, "taken_at": taken_at, "data": data}
    return client.post(
        reverse("runner_queued_write", args=[session.pk]),
        json.dumps(body),
        content_type="application/json",
    )


@pytest.fixture
def signed_in(client, practitioner_user):
    client.force_login(practitioner_user)
    return client


def test_a_queued_note_sent_twice_is_recorded_once(signed_in, todays_session):
    key = uuid.uuid4()

    first = send(signed_in, todays_session, "note", {"note_kind": "note", "text": "Calm"}, key=key)
    again = send(signed_in, todays_session, "note", {"note_kind": "note", "text": "Calm"}, key=key)

    assert first.json() == {"outcome": "applied", "repeat": False, "message": ""}
    assert again.json() == {"outcome": "applied", "repeat": True, "message": ""}
    assert SessionNote.objects.get().text == "Calm"
    assert RunnerWrite.objects.get().key == key


def test_a_queued_note_keeps_the_time_it_was_written(signed_in, todays_session):
    send(
        signed_in,
        todays_session,
        "note",
        {"note_kind": "deviation", "text": "Oil too hot; cooled"},
        taken_at="2026-01-05T04:41:00Z",
    )

    note = SessionNote.objects.get()
    assert note.kind == SessionNote.Kind.DEVIATION
    assert note.taken_at.isoformat() == "2026-01-05T04:41:00+00:00"
    assert note.recorded_at > note.taken_at


def test_queued_ticks_and_vitals_arrive_in_order_once(
    signed_in, practitioner_user, todays_session, abhyanga_sop
):
    writes = [
        ("tick", {"item": abhyanga_sop[0].pk, "done": "1"}),
        ("tick", {"item": abhyanga_sop[1].pk, "done": "1"}),
        ("vitals", {"bp_systolic": "126", "bp_diastolic": "84", "pulse": "70"}),
    ]
    keys = [uuid.uuid4() for _ in writes]
    for _replay in range(2):
        answers = [
            send(signed_in, todays_session, kind, data, key=key).json()["outcome"]
            for (kind, data), key in zip(writes, keys, strict=True)
        ]
        assert answers == ["applied"] * 3

    assert ChecklistItemResult.objects.filter(done=True).count() == 2
    assert VitalsReading.objects.count() == 1
    assert RunnerWrite.objects.count() == 3


def test_a_tick_out_of_order_in_the_queue_is_refused_and_kept_refused(
    signed_in, todays_session, abhyanga_sop
):
    key = uuid.uuid4()
    # The step after the safety check, sent before the check itself was ticked.
    later_step = {"item": abhyanga_sop[1].pk, "done": "1"}
    first = send(signed_in, todays_session, "tick", later_step, key=key)
    send(signed_in, todays_session, "tick", {"item": abhyanga_sop[0].pk, "done": "1"})
    again = send(signed_in, todays_session, "tick", later_step, key=key)

    assert first.json()["outcome"] == "conflict"
    assert again.json() == {**first.json(), "repeat": True}


def test_a_note_queued_before_a_cancel_comes_back_as_a_conflict(
    signed_in, admin_user, todays_session
):
    # The tablet was offline when the front desk cancelled the session.
    session_transition(session=todays_session, to_status=S.CANCELLED, by=admin_user)

    response = send(
        signed_in, todays_session, "note", {"note_kind": "note", "text": "Patient asked for water"}
    )

    assert response.status_code == 200
    assert response.json()["outcome"] == "conflict"
    assert (
        "This session is Cancelled; nothing more can be recorded in it."
        in (response.json()["message"])
    )
    assert not SessionNote.objects.exists()
    assert RunnerWrite.objects.get().outcome == RunnerWrite.Outcome.CONFLICT


def test_a_tick_queued_before_completion_comes_back_as_a_conflict(
    signed_in, practitioner_user, todays_session, abhyanga_sop
):
    for item in abhyanga_sop:
        checklist_item_tick(session=todays_session, item=item, by=practitioner_user)
    for status in (S.IN_PREPARATION, S.IN_SESSION, S.COMPLETED):
        todays_session = session_transition(
            session=todays_session, to_status=status, by=practitioner_user
        )

    response = send(signed_in, todays_session, "tick", {"item": abhyanga_sop[3].pk, "done": "0"})

    assert response.json()["outcome"] == "conflict"
    assert "its checklist can no longer change" in response.json()["message"]
    assert ChecklistItemResult.objects.get(item=abhyanga_sop[3]).done


def test_implausible_queued_vitals_are_refused_in_words(signed_in, todays_session):
    response = send(signed_in, todays_session, "vitals", {"pulse": "700"})

    assert response.status_code == 400
    assert response.json()["outcome"] == "invalid"
    assert "Pulse of 700 /min is outside the plausible" in response.json()["message"]
    assert not RunnerWrite.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"kind": "note"}',
        b'{"kind": "teleport", "key": "6d1f0f53-7d6e-4cf0-a4a9-1f0f8e2f6c11", "data": {}}',
        b'{"kind": "note", "key": "not-a-uuid", "data": {"text": "x", "note_kind": "note"}}',
        b'["a", "list"]',
    ],
)
def test_an_unreadable_queued_write_is_refused_in_words(signed_in, todays_session, body):
    response = signed_in.post(
        reverse("runner_queued_write", args=[todays_session.pk]),
        body,
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["outcome"] == "invalid"
    assert response.json()["message"]
    assert not RunnerWrite.objects.exists()


def test_a_key_reused_for_another_session_is_refused(
    signed_in, practitioner, center, abhyanga, todays_session
):
    other = TherapySessionFactory(
        center=center, practitioner=practitioner, therapy=abhyanga, starts_at=today_at(center, 14)
    )
    key = uuid.uuid4()
    send(signed_in, todays_session, "note", {"note_kind": "note", "text": "A"}, key=key)

    response = send(signed_in, other, "note", {"note_kind": "note", "text": "B"}, key=key)

    assert response.status_code == 400
    assert "already used for another session" in response.json()["message"]
    assert SessionNote.objects.count() == 1


def test_another_practitioner_cannot_replay_into_the_session(
    client, colleague_user, todays_session
):
    client.force_login(colleague_user)

    response = send(client, todays_session, "note", {"note_kind": "note", "text": "Not mine"})

    assert response.status_code == 403
    assert response.json()["outcome"] == "forbidden"
    assert not SessionNote.objects.exists() and not RunnerWrite.objects.exists()


def test_another_center_and_a_patient_cannot_replay(client, outsider, patient_user, todays_session):
    for user in (outsider, patient_user):
        client.force_login(user)

        response = send(client, todays_session, "note", {"note_kind": "note", "text": "No"})

        assert response.status_code == 403
    assert not SessionNote.objects.exists()


def test_an_anonymous_replay_is_sent_to_sign_in(client, todays_session):
    response = send(client, todays_session, "note", {"note_kind": "note", "text": "No"})

    assert response.status_code == 302
    assert not SessionNote.objects.exists()


def test_the_replay_needs_the_csrf_token(practitioner_user, todays_session):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(practitioner_user)

    response = send(strict, todays_session, "note", {"note_kind": "note", "text": "Forged"})

    assert response.status_code == 403
    assert not SessionNote.objects.exists()


def test_an_online_form_with_a_key_is_applied_once_too(signed_in, todays_session):
    # The network dropped after the request left: runner.js queued it with the same key.
    key = str(uuid.uuid4())
    data = {"note_kind": "note", "text": "Pulse steady", "idempotency_key": key}
    signed_in.post(reverse("runner_notes", args=[todays_session.pk]), data, HTTP_HX_REQUEST="true")

    send(signed_in, todays_session, "note", {"note_kind": "note", "text": "Pulse steady"}, key=key)

    assert SessionNote.objects.count() == 1


def test_the_service_answers_a_repeat_with_the_first_receipt(practitioner_user, todays_session):
    key = uuid.uuid4()
    values = {"text": "Calm", "note_kind": "note", "taken_at": None}

    first, applied = runner_write_apply(
        session=todays_session, by=practitioner_user, key=key, kind="note", values=values
    )
    second, again = runner_write_apply(
        session=todays_session, by=practitioner_user, key=key, kind="note", values=values
    )

    assert (applied, again) == (True, False)
    assert first.pk == second.pk
    assert SessionNote.objects.count() == 1


def test_the_service_worker_is_served_for_the_floor_pages(client):
    response = client.get(reverse("floor_service_worker"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    body = response.content.decode()
    assert "/static/js/runner.js" in body or "/static/js/runner." in body
    assert 'const PAGES = "/my-day/"' in body
