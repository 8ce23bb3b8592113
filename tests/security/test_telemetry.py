"""Tracing (OTLP/HTTP) and Sentry are off by default; set on, they reach a loopback receiver.

Each case runs the portal in a fresh process (manage.py shell), since both hook into Django
and a process-wide tracer provider once started; the receiver is a small HTTP server here.
"""

import gzip
import json
import os
import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# One request through the whole middleware stack, then flush what telemetry holds.
REQUEST_AND_FLUSH = """
from django.test import Client
Client().get("/favicon.ico")
from opentelemetry import trace
provider = trace.get_tracer_provider()
print("tracing:", type(provider).__name__)
if hasattr(provider, "force_flush"):
    provider.force_flush()
"""

# A view that fails, served through the real handler, then Sentry's queue flushed.
FAILING_REQUEST_AND_FLUSH = """
import os, sys, types
from django.test import Client, override_settings
from django.urls import path

def broken(request):
    raise RuntimeError("loopback check of error reporting")

urls = types.ModuleType("broken_urls")
urls.urlpatterns = [path("broken/", broken)]
sys.modules["broken_urls"] = urls
with override_settings(ROOT_URLCONF="broken_urls"):
    status = Client(raise_request_exception=False).post(
        "/broken/", {"allergies": os.environ["PATIENT_TEXT"]}
    ).status_code
print("status:", status)
import sentry_sdk
print("sentry:", sentry_sdk.is_initialized())
sentry_sdk.flush(timeout=10)
"""


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":
            # Sentry compresses with brotli when the brotli package is installed.
            import brotli

            body = brotli.decompress(body)
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.server.received.append((self.path, headers, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _run_portal(script: str, **env: str) -> subprocess.CompletedProcess:
    base = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=BASE_DIR,
        env={**base, "DATABASE_URL": "sqlite:///:memory:", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_nothing_is_traced_or_reported_by_default(receiver):
    result = _run_portal(REQUEST_AND_FLUSH)

    assert "tracing: ProxyTracerProvider" in result.stdout
    assert receiver.received == []


def test_requests_are_traced_to_the_otlp_endpoint(receiver):
    endpoint = f"http://127.0.0.1:{receiver.server_port}"

    result = _run_portal(REQUEST_AND_FLUSH, OTEL_EXPORTER_OTLP_ENDPOINT=endpoint)

    assert "tracing: TracerProvider" in result.stdout
    [(path, headers, body)] = receiver.received
    assert path == "/v1/traces"
    assert headers["content-type"] == "application/x-protobuf"
    export = ExportTraceServiceRequest.FromString(body)
    [resource_spans] = export.resource_spans
    service = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
    assert service["service.name"] == "clinic-portal"
    spans = [span for scope in resource_spans.scope_spans for span in scope.spans]
    [request_span] = [span for span in spans if span.name.startswith("GET")]
    attributes = {a.key: a.value for a in request_span.attributes}
    status_code = attributes.get("http.status_code") or attributes["http.response.status_code"]
    assert status_code.int_value == 301


def test_errors_are_reported_to_sentry_without_health_data(receiver):
    dsn = f"http://publickey@127.0.0.1:{receiver.server_port}/42"

    # Through the environment: the script itself is reported (sys.argv) and must not hold it.
    result = _run_portal(FAILING_REQUEST_AND_FLUSH, SENTRY_DSN=dsn, PATIENT_TEXT="sesame oil")

    assert "status: 500" in result.stdout
    assert "sentry: True" in result.stdout
    [(path, headers, body)] = [r for r in receiver.received if r[0].endswith("/envelope/")]
    assert path == "/api/42/envelope/"
    assert "sentry_key=publickey" in headers["x-sentry-auth"]
    items = [json.loads(line) for line in body.splitlines() if line.strip()]
    [event] = [item for item in items if "exception" in item]
    [exception] = event["exception"]["values"]
    assert exception["type"] == "RuntimeError"
    assert exception["value"] == "loopback check of error reporting"
    assert event["transaction"] == "/broken/"
    # What the patient typed never leaves the clinic.
    assert b"sesame" not in body
    assert not event.get("request", {}).get("data")
