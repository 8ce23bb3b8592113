"""Real servers on loopback for the channel tests: an SMTP server and a fake of Twilio's API."""

import base64
import datetime
import itertools
import json
import socket
import threading
import time
from email import message_from_bytes, policy
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller
from django.utils import timezone

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpInbox:
    """aiosmtpd handler that keeps every message it accepts, parsed."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def smtp_server():
    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, inbox


class FakeTwilio(ThreadingHTTPServer):
    """Enough of Twilio's REST API for `client.messages.create`: records each message.

    `fail_next` makes the next n requests fail with Twilio's error shape (HTTP 500);
    `delay` makes each send take that many seconds. Listing a recipient's messages (GET, with
    Twilio's To and DateSent> filters) answers newest first in one page.
    """

    daemon_threads = True
    # Dispatchers send a chunk's SMS on several threads at once; Twilio takes them all.
    request_queue_size = 128

    def __init__(self):
        super().__init__(("127.0.0.1", free_port()), _TwilioHandler)
        self.sent = []
        self.fail_next = 0
        self.delay = 0.0
        self.lock = threading.Lock()
        self.sids = (f"SM{n:032x}" for n in itertools.count(1))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _TwilioHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _reply(self, status: int, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _refused(self) -> bool:
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        if urlsplit(self.path).path != f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json":
            self._reply(404, {"code": 20404, "message": "Not found", "status": 404})
            return True
        if self.headers.get("Authorization") != expected:
            self._reply(401, {"code": 20003, "message": "Authenticate", "status": 401})
            return True
        return False

    def do_GET(self):
        if self._refused():
            return
        server: FakeTwilio = self.server
        query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
        after = query.get("DateSent>")
        since = (
            datetime.datetime.strptime(after, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC)
            if after
            else None
        )
        with server.lock:
            found = [
                m
                for m in reversed(server.sent)
                if m.get("To") == query.get("To") and (since is None or m["created"] >= since)
            ]
        page = [
            {
                "sid": m["sid"],
                "to": m["To"],
                "from": m.get("From"),
                "body": m.get("Body"),
                "status": "sent",
                "date_created": format_datetime(m["created"], usegmt=True),
                "date_sent": format_datetime(m["created"], usegmt=True),
            }
            for m in found
        ]
        self._reply(
            200,
            {
                "messages": page,
                "uri": self.path,
                "first_page_uri": self.path,
                "next_page_uri": None,
                "previous_page_uri": None,
                "page": 0,
                "page_size": len(page),
                "start": 0,
                "end": len(page),
            },
        )

    def do_POST(self):
        if self._refused():
            return
        server: FakeTwilio = self.server
        if server.delay:
            time.sleep(server.delay)
        length = int(self.headers.get("Content-Length", 0))
        raw = self.rfile.read(length)
        if len(raw) < length:
            # The sender died mid-request (a worker killed by SIGKILL): Twilio would create no
            # message from half a request, and there is nobody left to answer.
            return
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        with server.lock:
            if server.fail_next:
                server.fail_next -= 1
                return self._reply(
                    500, {"code": 20500, "message": "Internal Server Error", "status": 500}
                )
            sid = next(server.sids)
            server.sent.append({"sid": sid, "created": timezone.now(), **form})
        return self._reply(
            201,
            {
                "sid": sid,
                "account_sid": ACCOUNT_SID,
                "to": form.get("To"),
                "from": form.get("From"),
                "body": form.get("Body"),
                "status": "queued",
            },
        )


def twilio_server() -> FakeTwilio:
    server = FakeTwilio()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class FakePushService(ThreadingHTTPServer):
    """A browser vendor's push service on loopback: keeps each push as it arrived (headers and
    the encrypted body); `gone` answers 410 for every push, as for a withdrawn subscription."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", free_port()), _PushHandler)
        self.received = []
        self.gone = False
        self.ids = itertools.count(1)

    def endpoint(self, name: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/push/{name}"


class _PushHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        server: FakePushService = self.server
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if server.gone:
            self.send_response(410)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        number = next(server.ids)
        server.received.append(
            {
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
            }
        )
        self.send_response(201)
        self.send_header("Location", f"{self.path}/messages/{number}")
        self.send_header("Content-Length", "0")
        self.end_headers()


def push_service() -> FakePushService:
    server = FakePushService()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
