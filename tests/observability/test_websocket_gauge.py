"""The WebSocket gauge over real sockets: uvicorn serving the ASGI app, /metrics read over HTTP."""

import asyncio
import json
import time
import urllib.request

import pytest
import websockets
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families
from websockets.exceptions import InvalidStatus

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 5
BOARD = frozenset({("consumer", "CenterBoardConsumer")})


def open_board_sockets(base_url: str) -> float:
    with urllib.request.urlopen(f"{base_url}/metrics", timeout=TIMEOUT) as response:
        body = response.read().decode()
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if (
                sample.name == "portal_websocket_connections"
                and frozenset(sample.labels.items()) == BOARD
            ):
                return sample.value
    return 0.0


def wait_for(base_url: str, expected: float) -> float:
    """The server notices a closed socket a moment after the client: poll briefly."""
    deadline = time.monotonic() + TIMEOUT
    value = open_board_sockets(base_url)
    while value != expected and time.monotonic() < deadline:
        time.sleep(0.05)
        value = open_board_sockets(base_url)
    return value


def test_open_board_sockets_are_counted_and_uncounted(asgi_server, client, center, admin_user):
    ws_url = f"{asgi_server.replace('http://', 'ws://')}/ws/center/{center.pk}/board/"
    client.force_login(admin_user)
    member = {
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    }
    before = open_board_sockets(asgi_server)

    async def scenario():
        seen = {}
        async with await websockets.connect(
            ws_url, additional_headers=member, open_timeout=TIMEOUT
        ) as socket_:
            json.loads(await asyncio.wait_for(socket_.recv(), TIMEOUT))  # the snapshot
            seen["open"] = await asyncio.to_thread(wait_for, asgi_server, before + 1)
        seen["closed"] = await asyncio.to_thread(wait_for, asgi_server, before)
        # A refused socket (no session cookie) is never counted, nor uncounted.
        with pytest.raises(InvalidStatus):
            await websockets.connect(ws_url, open_timeout=TIMEOUT)
        seen["refused"] = await asyncio.to_thread(wait_for, asgi_server, before)
        return seen

    seen = asyncio.run(scenario())

    assert seen == {"open": before + 1, "closed": before, "refused": before}
