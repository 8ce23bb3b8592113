"""A bounded load test on loopback: 50 clients at once ask the API for the same slot.

Fifty integrations each hold a booked Abhyanga of their own patient and, released together by a
barrier, PATCH it into one slot (same start, room and practitioner) on a threaded WSGI server of
the portal, which serves every request in a thread of its own against the real PostgreSQL. The row locks of the
booking service must let exactly one through; the others must hear a clear 409, none a 5xx,
and the database must hold one booking in that slot.
"""

import datetime
import threading
import time

import pytest
import requests
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

from clinics.services import api_token_create
from sessions.models import RELEASED_STATUSES, TherapySession
from tests.api.conftest import local, one_abhyanga_plan
from tests.factories import TherapySessionFactory

CLIENTS = 50
# Everything, setup excluded, must be over well within this (loopback, two cores).
BUDGET_SECONDS = 90

TAKEN = "Another booking has just taken this time; choose another."
NO_LONGER_FITS = "This time does not fit:"


class _ManyAtOnceServer(ThreadedWSGIServer):
    # Django's live server queues 10 connections; 50 clients at once would find it full and
    # be reset before the portal ever saw them.
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def loopback_server(transactional_db):
    """The portal on a free loopback port, a thread per request; yields its base URL."""
    server = _ManyAtOnceServer(("127.0.0.1", 0), _QuietHandler)
    server.set_app(WSGIHandler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture
def fifty_bookings(clinic, one_abhyanga, admin_user):
    """Fifty patients' Abhyangas, parked one after another a week after the slot they want,
    each with the token of the integration that will move it."""
    step = one_abhyanga.steps.get()
    parked_from = local(clinic, 10, 7)
    bookings = []
    for n in range(CLIENTS):
        plan = one_abhyanga_plan(clinic, one_abhyanga)
        session = TherapySessionFactory(
            center=clinic["center"],
            patient=plan.patient,
            care_plan=plan,
            protocol_step=step,
            therapy=clinic["abhyanga"],
            room=clinic["rooms"][1],
            practitioner=clinic["practitioners"][1],
            starts_at=parked_from + n * datetime.timedelta(minutes=75),
        )
        _, secret = api_token_create(user=admin_user, name=f"Front desk {n}")
        bookings.append((session, secret))
    return bookings


def test_fifty_clients_booking_one_slot_get_one_booking_and_49_clear_refusals(
    loopback_server, clinic, fifty_bookings
):
    slot = {
        "starts_at": local(clinic, 0, 10).isoformat(),
        "room": clinic["rooms"][0].pk,
        "practitioner": clinic["practitioners"][0].pk,
    }
    barrier = threading.Barrier(CLIENTS)
    answers = [None] * CLIENTS

    def book(n, session, secret):
        with requests.Session() as http:
            http.headers["Authorization"] = f"Bearer {secret}"
            barrier.wait()
            response = http.patch(
                f"{loopback_server}/api/sessions/{session.pk}", json=slot, timeout=BUDGET_SECONDS
            )
            answers[n] = (response.status_code, response.json())

    threads = [
        threading.Thread(target=book, args=(n, session, secret))
        for n, (session, secret) in enumerate(fifty_bookings)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=BUDGET_SECONDS)
    elapsed = time.monotonic() - started

    assert None not in answers, "some clients had no answer within the budget"
    codes = sorted(code for code, _body in answers)
    assert codes == [200] + [409] * (CLIENTS - 1), codes
    refusals = [body["message"] for code, body in answers if code == 409]
    assert all(m == TAKEN or m.startswith(NO_LONGER_FITS) for m in refusals), set(refusals)
    winner = next(body for code, body in answers if code == 200)
    in_the_slot = TherapySession.objects.exclude(status__in=RELEASED_STATUSES).filter(
        starts_at=local(clinic, 0, 10), room=clinic["rooms"][0]
    )
    assert list(in_the_slot.values_list("pk", flat=True)) == [winner["id"]]
    # The 49 others are where they were.
    parked = TherapySession.objects.filter(room=clinic["rooms"][1]).count()
    assert parked == CLIENTS - 1
    assert elapsed < BUDGET_SECONDS
    taken = refusals.count(TAKEN)
    print(
        f"{CLIENTS} clients: 1 booked; 409 for {taken} at booking (row locks), "
        f"{len(refusals) - taken} at the check (already booked); {elapsed:.1f} s"
    )
