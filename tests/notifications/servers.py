"""Real servers on loopback for the channel tests: an SMTP server and a fake of Twilio's API."""

import base64
import itertools
import json
import socket
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller

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

    `fail_next` makes the next n requests fail with Twilio's error shape (HTTP 500).
    """

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", free_port()), _TwilioHandler)
        self.sent = []
        self.fail_next = 0
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

    def do_POST(self):
        server: FakeTwilio = self.server
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        if self.path != f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json":
            return self._reply(404, {"code": 20404, "message": "Not found", "status": 404})
        if self.headers.get("Authorization") != expected:
            return self._reply(401, {"code": 20003, "message": "Authenticate", "status": 401})
        length = int(self.headers.get("Content-Length", 0))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        with server.lock:
            if server.fail_next:
                server.fail_next -= 1
                return self._reply(
                    500, {"code": 20500, "message": "Internal Server Error", "status": 500}
                )
            sid = next(server.sids)
            server.sent.append({"sid": sid, **form})
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
