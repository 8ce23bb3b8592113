"""The inbox over a real WebSocket: uvicorn serving the ASGI app, Redis between."""

import asyncio
import datetime
import json

import pytest
import websockets
from django.conf import settings
from django.db import connection
from django.utils import timezone
from websockets.exceptions import InvalidStatus

from notifications.backends import ConsoleSms
from notifications.dispatch import outbox_dispatch
from notifications.models import Channel
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 5


def inbox_url(server: str) -> str:
    return server.replace("http://", "ws://") + "/ws/inbox/"


def session_cookie(client, user) -> str:
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


async def connect(url: str, cookie: str | None = None):
    headers = {"Cookie": cookie} if cookie else {}
    return await websockets.connect(url, additional_headers=headers, open_timeout=TIMEOUT)


def dispatch_in_worker() -> None:
    try:
        outbox_dispatch(sms=ConsoleSms())
    finally:
        connection.close()


def test_a_message_sent_in_app_arrives_in_the_open_inbox(asgi_server, client, patient_user):
    patient = patient_user.patient_profile
    factories.OutboxMessageFactory(
        patient=patient,
        channel=Channel.IN_APP,
        recipient=f"patient:{patient.pk}",
        subject="Rest after Abhyanga",
        body="Warm water only <b>today</b>.",
        due_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    cookie = session_cookie(client, patient_user)

    async def scenario():
        async with await connect(inbox_url(asgi_server), cookie) as socket_:
            await asyncio.to_thread(dispatch_in_worker)
            return json.loads(await asyncio.wait_for(socket_.recv(), TIMEOUT))

    event = asyncio.run(scenario())
    assert event["type"] == "inbox.message"
    assert event["title"] == "Rest after Abhyanga"
    assert event["body"] == "Warm water only <b>today</b>."
    assert event["read"] is False


@pytest.mark.parametrize("who", ["anonymous", "staff"])
def test_only_a_signed_in_patient_may_open_an_inbox(asgi_server, client, admin_user, who):
    cookie = session_cookie(client, admin_user) if who == "staff" else None

    async def scenario():
        with pytest.raises(InvalidStatus) as refused:
            await connect(inbox_url(asgi_server), cookie)
        return refused.value.response.status_code

    assert asyncio.run(scenario()) == 403
