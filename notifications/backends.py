"""How a message leaves the portal: email (Django's backends), SMS (Twilio or console), Web
Push to phones; in-app messages are rows (dispatch.py)."""

import datetime
import json
import sys
import uuid
from email.utils import make_msgid

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from pywebpush import WebPushException, webpush
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

# A request to Twilio that hangs must not hold a claimed batch past its lease.
TWILIO_TIMEOUT_SECONDS = 10
# How far Twilio's clock may be behind ours, when asking it what an interrupted send did.
CLOCK_SKEW = datetime.timedelta(minutes=1)


class SendError(Exception):
    """A send the provider refused or that could not reach it; the text is kept on the row."""


def email_send(*, to: str, subject: str, text: str, locale: str, connection) -> str:
    """Send one email with a plain-text and an HTML part; returns its Message-ID."""
    message_id = make_msgid(domain="panchakarma.portal")
    with translation.override(locale):
        html = render_to_string(
            "notifications/email.html", {"subject": subject, "text": text, "locale": locale}
        )
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[to],
        connection=connection,
        headers={"Message-ID": message_id},
    )
    email.attach_alternative(html, "text/html")
    email.send()
    return message_id


class ConsoleSms:
    """Prints each SMS instead of sending it: the demo's and development's SMS backend."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, *, to: str, body: str) -> str:
        sid = f"console-{uuid.uuid4().hex}"
        self.stream.write(f"SMS to {to} ({sid}):\n{body}\n\n")
        self.stream.flush()
        return sid

    def find_sent(self, *, to: str, body: str, since: datetime.datetime) -> str | None:
        # Printed messages leave no record to look up: the message is printed again.
        return None


class TwilioSms:
    """Sends SMS through Twilio's REST API with the official client.

    TWILIO_BASE_URL points the client at another host (the tests' fake Twilio on loopback).
    """

    def __init__(self):
        if not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN):
            raise ImproperlyConfigured(
                "SMS_BACKEND is twilio but TWILIO_ACCOUNT_SID or TWILIO_AUTH_TOKEN is not set."
            )
        self.client = Client(
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_AUTH_TOKEN,
            http_client=TwilioHttpClient(timeout=TWILIO_TIMEOUT_SECONDS),
        )
        if settings.TWILIO_BASE_URL:
            self.client.api.base_url = settings.TWILIO_BASE_URL

    def send(self, *, to: str, body: str) -> str:
        options = {}
        if settings.TWILIO_STATUS_CALLBACK_URL:
            options["status_callback"] = settings.TWILIO_STATUS_CALLBACK_URL
        try:
            message = self.client.messages.create(
                to=to, from_=settings.TWILIO_FROM_NUMBER, body=body, **options
            )
        except TwilioRestException as error:
            raise SendError(
                f"Twilio refused it ({error.status}, code {error.code}): {error.msg}"
            ) from error
        except (TwilioException, OSError) as error:
            raise SendError(f"Could not reach Twilio: {error}") from error
        return message.sid

    def find_sent(self, *, to: str, body: str, since: datetime.datetime) -> str | None:
        """The sid of a message Twilio has for `to` with this text, sent since `since`, if any.

        Asked only for a message whose earlier send may have reached Twilio before its worker
        stopped; that is at least a claim lease ago, time enough for Twilio to have sent it.
        """
        after = (since - CLOCK_SKEW).astimezone(datetime.UTC)
        try:
            recent = self.client.messages.stream(
                to=to, from_=settings.TWILIO_FROM_NUMBER, date_sent_after=after
            )
            return next((m.sid for m in recent if m.body == body), None)
        except (TwilioException, OSError) as error:
            raise SendError(f"Could not ask Twilio what it has sent: {error}") from error


def sms_backend():
    """The SMS backend the settings name: "twilio", or "console" (the default without keys)."""
    if settings.SMS_BACKEND == "twilio":
        return TwilioSms()
    if settings.SMS_BACKEND == "console":
        return ConsoleSms()
    raise ImproperlyConfigured(
        f"SMS_BACKEND must be 'twilio' or 'console', not {settings.SMS_BACKEND!r}."
    )


# A phone that stays offline longer than this gets no stale reminder when it comes back.
PUSH_TTL_SECONDS = 12 * 60 * 60
PUSH_TIMEOUT_SECONDS = 10


class SubscriptionGone(Exception):
    """The push service says this browser's subscription no longer exists (404 or 410)."""


def web_push_send(subscription: dict, *, payload: dict) -> str:
    """Encrypt `payload` for one browser subscription and post it to its push service with our
    VAPID signature; returns the push service's id for the message (its Location)."""
    try:
        response = webpush(
            subscription_info=subscription,
            data=json.dumps(payload, ensure_ascii=False),
            vapid_private_key=settings.VAPID_PRIVATE_KEY,
            # pywebpush fills in the audience and expiry in this dict: a fresh one each time.
            vapid_claims={"sub": settings.VAPID_SUBJECT},
            ttl=PUSH_TTL_SECONDS,
            timeout=PUSH_TIMEOUT_SECONDS,
        )
    except WebPushException as error:
        status = error.response.status_code if error.response is not None else None
        if status in (404, 410):
            raise SubscriptionGone(subscription["endpoint"]) from error
        raise SendError(f"The push service refused it ({status}): {error.message}") from error
    except OSError as error:
        raise SendError(f"Could not reach the push service: {error}") from error
    return response.headers.get("Location", "")[:100]
