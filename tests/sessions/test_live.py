"""The live board and timeline over real WebSockets: uvicorn serving the ASGI app, Redis between."""

import asyncio
import json
from datetime import timedelta

import pytest
import websockets
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import timezone
from websockets.exceptions import ConnectionClosed, InvalidStatus

from sessions import consumers
from sessions.live import board_group
from sessions.models import SessionStatus
from sessions.services import session_transition
from tests.factories import PatientFactory, TherapySessionFactory, tomorrow_at

pytestmark = pytest.mark.django_db(transaction=True)

RECEIVE_TIMEOUT = 5


@pytest.fixture
def board_server(asgi_server):
    return asgi_server.replace("http://", "ws://")


def session_cookie(client, user) -> str:
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def board_url(server: str, center) -> str:
    return f"{server}/ws/center/{center.pk}/board/"


def timeline_url(server: str, patient) -> str:
    return f"{server}/ws/patient/{patient.pk}/timeline/"


async def receive(socket_) -> dict:
    return json.loads(await asyncio.wait_for(socket_.recv(), RECEIVE_TIMEOUT))


def todays_session(center, practitioner, **kwargs):
    """A session today in the center's own day, so that it is on today's board."""
    now = timezone.now()
    return TherapySessionFactory(
        center=center,
        practitioner=practitioner,
        starts_at=kwargs.pop("starts_at", now.replace(second=0, microsecond=0)),
        **kwargs,
    )


async def connect(url: str, cookie: str | None = None):
    headers = {"Cookie": cookie} if cookie else {}
    return await websockets.connect(url, additional_headers=headers, open_timeout=RECEIVE_TIMEOUT)


async def send_to_board(center, payload: dict) -> None:
    await get_channel_layer().group_send(
        board_group(center.pk), {"type": "board.update", "payload": payload}
    )


def test_it_refuses_an_anonymous_visitor(board_server, center):
    async def scenario():
        with pytest.raises(InvalidStatus) as refused:
            await connect(board_url(board_server, center))
        return refused.value.response.status_code

    assert asyncio.run(scenario()) == 403


def test_it_refuses_a_user_of_another_center(board_server, client, center, outsider):
    cookie = session_cookie(client, outsider)

    async def scenario():
        with pytest.raises(InvalidStatus) as refused:
            await connect(board_url(board_server, center), cookie)
        return refused.value.response.status_code

    assert asyncio.run(scenario()) == 403


def test_a_member_gets_todays_board_on_connect(
    board_server, client, center, admin_user, practitioner
):
    session = todays_session(center, practitioner)
    tomorrows = TherapySessionFactory(
        center=center, practitioner=practitioner, starts_at=tomorrow_at(9) + timedelta(days=1)
    )
    cookie = session_cookie(client, admin_user)

    async def scenario():
        async with await connect(board_url(board_server, center), cookie) as socket_:
            return await receive(socket_)

    snapshot = asyncio.run(scenario())
    assert snapshot["type"] == "snapshot"
    ids = [s["id"] for s in snapshot["sessions"]]
    assert session.pk in ids
    assert tomorrows.pk not in ids
    first = snapshot["sessions"][ids.index(session.pk)]
    assert first["status"] == "scheduled"
    assert first["room"] == session.room.code
    assert first["patient"] == session.patient.full_name


def test_a_transition_reaches_the_board_and_the_patients_timeline(
    board_server, client, center, admin_user, practitioner_user, practitioner, patient_user
):
    session = todays_session(center, practitioner, patient=patient_user.patient_profile)
    board_cookie = session_cookie(client, admin_user)
    timeline_cookie = session_cookie(client.__class__(), patient_user)

    async def scenario():
        async with (
            await connect(board_url(board_server, center), board_cookie) as board,
            await connect(timeline_url(board_server, session.patient), timeline_cookie) as timeline,
        ):
            await receive(board)  # the snapshots
            await receive(timeline)
            await asyncio.to_thread(
                session_transition,
                session=session,
                to_status=SessionStatus.IN_PREPARATION,
                by=practitioner_user,
            )
            return await receive(board), await receive(timeline)

    on_board, on_timeline = asyncio.run(scenario())
    for event in (on_board, on_timeline):
        assert event["type"] == "session.status"
        assert event["id"] == session.pk
        assert event["status"] == "in_preparation"
        assert event["room"] == session.room.code
        assert event["starts_at"] == session.starts_at.isoformat()
    assert on_board["patient"] == session.patient.full_name
    assert "patient" not in on_timeline


def test_a_patient_may_not_watch_another_patients_timeline(board_server, client, patient_user):
    someone_else = PatientFactory(center=patient_user.patient_profile.center)
    cookie = session_cookie(client, patient_user)

    async def scenario():
        with pytest.raises(InvalidStatus) as refused:
            await connect(timeline_url(board_server, someone_else), cookie)
        return refused.value.response.status_code

    assert asyncio.run(scenario()) == 403


def test_staff_may_not_watch_a_patients_timeline(board_server, client, admin_user, patient):
    cookie = session_cookie(client, admin_user)

    async def scenario():
        with pytest.raises(InvalidStatus) as refused:
            await connect(timeline_url(board_server, patient), cookie)
        return refused.value.response.status_code

    assert asyncio.run(scenario()) == 403


def test_a_practitioner_of_the_center_receives_updates_too(
    board_server, client, center, practitioner_user
):
    cookie = session_cookie(client, practitioner_user)

    async def scenario():
        async with await connect(board_url(board_server, center), cookie) as socket_:
            await receive(socket_)
            await send_to_board(center, {"id": 7, "status": "recovery"})
            return await receive(socket_)

    assert asyncio.run(scenario()) == {"id": 7, "status": "recovery"}


def test_it_does_not_send_another_centers_updates(
    board_server, client, center, other_center, admin_user
):
    cookie = session_cookie(client, admin_user)

    async def scenario():
        async with await connect(board_url(board_server, center), cookie) as socket_:
            await receive(socket_)
            await send_to_board(other_center, {"id": 1, "status": "completed"})
            await send_to_board(center, {"id": 2, "status": "completed"})
            return await receive(socket_)

    # The first message to arrive is this center's own; the other center's never came.
    assert asyncio.run(scenario()) == {"id": 2, "status": "completed"}


def test_a_client_that_reconnects_catches_up_on_what_it_missed(
    board_server, client, center, admin_user, practitioner_user, practitioner
):
    session = todays_session(center, practitioner)
    cookie = session_cookie(client, admin_user)

    async def scenario():
        async with await connect(board_url(board_server, center), cookie) as socket_:
            await receive(socket_)
        # While the tablet is offline, the session moves on.
        await asyncio.to_thread(
            session_transition,
            session=session,
            to_status=SessionStatus.CANCELLED,
            by=practitioner_user,
        )
        async with await connect(board_url(board_server, center), cookie) as socket_:
            return await receive(socket_)

    snapshot = asyncio.run(scenario())
    statuses = {s["id"]: s["status"] for s in snapshot["sessions"]}
    assert statuses[session.pk] == "cancelled"


def test_a_client_may_ask_for_a_fresh_snapshot(board_server, client, center, admin_user):
    cookie = session_cookie(client, admin_user)

    async def scenario():
        async with await connect(board_url(board_server, center), cookie) as socket_:
            await receive(socket_)
            await socket_.send(json.dumps({"type": "resync"}))
            return await receive(socket_)

    assert asyncio.run(scenario())["type"] == "snapshot"


def withdraw_memberships(user) -> None:
    # As the Django admin does it: one save per membership, which announces the change.
    for membership in user.memberships.all():
        membership.is_active = False
        membership.save()


def test_it_disconnects_a_member_whose_membership_is_withdrawn(
    board_server, client, center, admin_user
):
    cookie = session_cookie(client, admin_user)

    async def scenario():
        async with await connect(board_url(board_server, center), cookie) as socket_:
            await receive(socket_)
            await send_to_board(center, {"id": 1, "status": "scheduled"})
            first = await receive(socket_)
            await asyncio.to_thread(withdraw_memberships, admin_user)
            # No board event is needed: the withdrawal itself reaches the open board.
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(socket_.recv(), RECEIVE_TIMEOUT)
            return first, closed.value.rcvd.code

    first, close_code = asyncio.run(scenario())
    assert first == {"id": 1, "status": "scheduled"}
    assert close_code == 4403


def test_a_withdrawal_made_around_the_signals_is_caught_at_the_next_event_after_the_recheck_interval(
    board_server, client, center, admin_user, monkeypatch
):
    monkeypatch.setattr(consumers, "ACCESS_RECHECK_SECONDS", 0)
    cookie = session_cookie(client, admin_user)

    async def scenario():
        async with await connect(board_url(board_server, center), cookie) as socket_:
            await receive(socket_)
            # A bulk update sends no signal.
            await asyncio.to_thread(admin_user.memberships.update, is_active=False)
            await send_to_board(center, {"id": 1, "status": "in_preparation"})
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(socket_.recv(), RECEIVE_TIMEOUT)
            return closed.value.rcvd.code

    assert asyncio.run(scenario()) == 4403


def test_a_member_keeps_receiving_events_without_a_check_per_event(
    board_server, client, center, admin_user
):
    cookie = session_cookie(client, admin_user)

    async def scenario():
        async with await connect(board_url(board_server, center), cookie) as socket_:
            await receive(socket_)
            # Memberships withdrawn around the signals are not seen before the re-check
            # interval: proof that events cost no access query.
            await asyncio.to_thread(admin_user.memberships.update, is_active=False)
            await send_to_board(center, {"id": 1, "status": "in_preparation"})
            return await receive(socket_)

    assert asyncio.run(scenario()) == {"id": 1, "status": "in_preparation"}
