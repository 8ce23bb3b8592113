"""Web Push: a phone subscribes, and pywebpush posts encrypted, VAPID-signed pushes to its push
service (a real HTTP server on loopback) that only that phone's keys can read."""

import base64
import datetime
import json
import os

import http_ece
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from notifications.backends import ConsoleSms
from notifications.dispatch import outbox_dispatch
from notifications.models import Channel, OutboxMessage, OutboxStatus, PushSubscription
from notifications.playbook import NotificationEvent
from notifications.services import reminders_plan
from tests import factories
from tests.notifications.servers import push_service

pytestmark = pytest.mark.django_db


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Phone:
    """What a browser holds for a push subscription: its P-256 key pair and auth secret."""

    def __init__(self, endpoint: str):
        self.endpoint = endpoint
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)

    def subscription_json(self) -> dict:
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)},
        }

    def read(self, body: bytes) -> dict:
        return json.loads(
            http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth, version="aes128gcm")
        )


@pytest.fixture
def vapid(settings, capsys):
    """Web Push set up with a key pair made by `manage.py vapid_keys`."""
    call_command("vapid_keys")
    keys = dict(line.split("=", 1) for line in capsys.readouterr().out.split())
    settings.VAPID_PUBLIC_KEY = keys["VAPID_PUBLIC_KEY"]
    settings.VAPID_PRIVATE_KEY = keys["VAPID_PRIVATE_KEY"]
    settings.VAPID_SUBJECT = "mailto:care@example.org"
    settings.WEB_PUSH_ENABLED = True
    return keys


@pytest.fixture
def pushes():
    server = push_service()
    yield server
    server.shutdown()
    server.server_close()


def subscribe(client, patient_user, phone: Phone):
    client.force_login(patient_user)
    return client.post(
        reverse("notifications_push_subscribe"),
        data=json.dumps(phone.subscription_json()),
        content_type="application/json",
        HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) Chrome/131 Mobile",
    )


def test_a_phone_that_allowed_notifications_gets_the_message_encrypted_for_it_alone(
    client, vapid, pushes, consenting_patient, patient_user
):
    phone = Phone(pushes.endpoint("meera-phone"))
    response = subscribe(client, patient_user, phone)
    assert response.status_code == 201
    assert response.json() == {"message": "Notifications are on for this phone."}
    message = factories.OutboxMessageFactory(
        patient=consenting_patient,
        channel=Channel.PUSH,
        recipient=f"patient:{consenting_patient.pk}",
        subject="Rest after your Virechana",
        body="Warm water only, नमस्ते.",
        due_at=timezone.now() - datetime.timedelta(minutes=1),
    )

    assert outbox_dispatch(sms=ConsoleSms()).counts == {OutboxStatus.SENT: 1}

    (push,) = pushes.received
    assert push["path"] == "/push/meera-phone"
    assert push["headers"]["content-encoding"] == "aes128gcm"
    assert int(push["headers"]["ttl"]) > 0
    # The push service sees ciphertext only; the phone's own keys open it.
    assert b"Warm water" not in push["body"]
    assert phone.read(push["body"]) == {
        "title": "Rest after your Virechana",
        "body": "Warm water only, नमस्ते.",
        "url": "/portal/messages/",
        "tag": f"outbox-{message.pk}",
    }
    # Signed with our VAPID key, for this push service's origin.
    scheme, _space, fields = push["headers"]["authorization"].partition(" ")
    signed = dict(part.strip().split("=", 1) for part in fields.split(","))
    token, key = signed["t"], signed["k"]
    assert scheme == "vapid"
    assert key == vapid["VAPID_PUBLIC_KEY"]
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
    claims = jwt.decode(token, public, algorithms=["ES256"], audience=pushes.endpoint("")[:-6])
    assert claims["sub"] == "mailto:care@example.org"
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.provider_message_id == "/push/meera-phone/messages/1"


def test_a_subscribed_phone_gets_the_playbooks_reminders_planned_for_it(
    client, vapid, pushes, center, consenting_patient, patient_user
):
    session = factories.TherapySessionFactory(
        center=center,
        patient=consenting_patient,
        starts_at=timezone.now() + datetime.timedelta(days=3),
    )
    factories.NotificationTemplateFactory(
        event=NotificationEvent.PRE_24H,
        channel=Channel.PUSH,
        subject="{therapy} tomorrow",
        body="See you at {time}.",
    )
    reminders_plan(session=session)
    assert not OutboxMessage.objects.filter(channel=Channel.PUSH).exists()

    subscribe(client, patient_user, Phone(pushes.endpoint("phone")))
    planned = OutboxMessage.objects.get(session=session, channel=Channel.PUSH)
    assert planned.status == OutboxStatus.PLANNED


def test_a_withdrawn_subscription_is_forgotten_and_the_message_not_retried(
    client, vapid, pushes, consenting_patient, patient_user
):
    subscribe(client, patient_user, Phone(pushes.endpoint("old-phone")))
    pushes.gone = True
    message = factories.OutboxMessageFactory(
        patient=consenting_patient,
        channel=Channel.PUSH,
        recipient=f"patient:{consenting_patient.pk}",
        subject="Reminder",
        due_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    outbox_dispatch(sms=ConsoleSms())
    message.refresh_from_db()
    assert message.status == OutboxStatus.CANCELLED
    assert message.note == "Cancelled: the patient's phones withdrew their permission."
    assert not PushSubscription.objects.exists()


def test_without_vapid_keys_push_is_off_and_the_preferences_page_offers_nothing(
    client, consenting_patient, patient_user
):
    client.force_login(patient_user)
    page = client.get(reverse("notifications_preferences")).content.decode()
    assert "push-panel" not in page and 'name="push"' not in page
    response = client.post(
        reverse("notifications_push_subscribe"),
        data=json.dumps(Phone("https://push.example.org/x").subscription_json()),
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["message"] == "Phone notifications are not set up at this clinic."
    assert not PushSubscription.objects.exists()


def test_the_preferences_page_offers_this_phone_with_our_key_and_worker(
    client, vapid, consenting_patient, patient_user
):
    client.force_login(patient_user)
    page = client.get(reverse("notifications_preferences")).content.decode()
    assert f'data-key="{vapid["VAPID_PUBLIC_KEY"]}"' in page
    assert "/static/js/push_sw" in page and 'name="push"' in page


@pytest.mark.parametrize(
    "body",
    ["not json", json.dumps({"endpoint": "https://push.example.org/x"}), json.dumps([1, 2])],
)
def test_a_body_that_is_not_a_subscription_is_refused_in_words(
    client, vapid, consenting_patient, patient_user, body
):
    client.force_login(patient_user)
    response = client.post(
        reverse("notifications_push_subscribe"), data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["message"] == "This is not a browser's push subscription."
    assert not PushSubscription.objects.exists()


def test_staff_have_no_push_subscription(client, vapid, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("notifications_push_subscribe"),
        data=json.dumps(Phone("https://push.example.org/x").subscription_json()),
        content_type="application/json",
    )
    assert response.status_code == 403
