"""The live center board over a real WebSocket: uvicorn serving the ASGI app, Redis carrying events."""

import asyncio
import json
import socket
import threading
import time
import uuid

import pytest
import uvicorn
import websockets
from channels.layers import get_channel_layer
from django.conf import settings
from websockets.exceptions import ConnectionClosed, InvalidStatus

from sessions.consumers import board_group

pytestmark = pytest.mark.django_db(transaction=True)

RECEIVE_TIMEOUT = 5


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(autouse=True)
def private_channel_layer(settings):
    """Real Redis, under a prefix of this test's own so that parallel runs can't cross-talk."""
    assert settings.REDIS_URL, "the board tests run against real Redis (set REDIS_URL)"
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [settings.REDIS_URL], "prefix": f"test-{uuid.uuid4().hex}"},
        }
    }


@pytest.fixture
def board_server(private_channel_layer):
    """uvicorn serving config.asgi.application on a free loopback port, in a thread."""
    from config.asgi import application

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=port, lifespan="off", log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"ws://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def session_cookie(client, user) -> str:
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def board_url(server: str, center) -> str:
    return f"{server}/ws/centers/{center.pk}/board/"


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


def test_it_sends_a_member_the_centers_board_updates(board_server, client, center, admin_user):
    cookie = session_cookie(client, admin_user)
    payload = {"session": 42, "status": "in_session", "room": "PV1"}

    async def scenario():
        async with await connect(board_url(board_server, center), cookie) as socket_:
            await send_to_board(center, payload)
            return json.loads(await asyncio.wait_for(socket_.recv(), RECEIVE_TIMEOUT))

    assert asyncio.run(scenario()) == payload


def test_a_practitioner_of_the_center_receives_updates_too(
    board_server, client, center, practitioner_user
):
    cookie = session_cookie(client, practitioner_user)

    async def scenario():
        async with await connect(board_url(board_server, center), cookie) as socket_:
            await send_to_board(center, {"session": 7, "status": "recovery"})
            return json.loads(await asyncio.wait_for(socket_.recv(), RECEIVE_TIMEOUT))

    assert asyncio.run(scenario()) == {"session": 7, "status": "recovery"}


def test_it_does_not_send_another_centers_updates(
    board_server, client, center, other_center, admin_user
):
    cookie = session_cookie(client, admin_user)

    async def scenario():
        async with await connect(board_url(board_server, center), cookie) as socket_:
            await send_to_board(other_center, {"session": 1, "status": "completed"})
            await send_to_board(center, {"session": 2, "status": "completed"})
            return json.loads(await asyncio.wait_for(socket_.recv(), RECEIVE_TIMEOUT))

    # The first message to arrive is this center's own; the other center's never came.
    assert asyncio.run(scenario()) == {"session": 2, "status": "completed"}


def test_it_disconnects_a_member_whose_membership_is_withdrawn(
    board_server, client, center, admin_user
):
    cookie = session_cookie(client, admin_user)

    async def scenario():
        async with await connect(board_url(board_server, center), cookie) as socket_:
            await send_to_board(center, {"session": 1, "status": "scheduled"})
            first = json.loads(await asyncio.wait_for(socket_.recv(), RECEIVE_TIMEOUT))
            await asyncio.to_thread(admin_user.memberships.update, is_active=False)
            await send_to_board(center, {"session": 1, "status": "in_preparation"})
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(socket_.recv(), RECEIVE_TIMEOUT)
            return first, closed.value.rcvd.code

    first, close_code = asyncio.run(scenario())
    assert first == {"session": 1, "status": "scheduled"}
    assert close_code == 4403
