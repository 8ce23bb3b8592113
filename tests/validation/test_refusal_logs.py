"""A refused request logs one line without a traceback; a server error keeps its traceback."""

import json
import logging
import sys

from django.urls import reverse

from config.logging import JsonFormatter, RefusalWithoutTraceback
from tests.factories import SchedulingRunFactory


def _line(status_code: int) -> dict:
    try:
        raise PermissionError("not yours")
    except PermissionError:
        record = logging.getLogger("django.request").makeRecord(
            "django.request",
            logging.WARNING,
            __file__,
            1,
            "Forbidden (Permission denied): /scheduling/runs/1/retry/",
            (),
            exc_info=sys.exc_info(),
            extra={"status_code": status_code},
        )
    RefusalWithoutTraceback().filter(record)
    return json.loads(JsonFormatter().format(record))


def test_a_refusal_is_one_line_without_a_traceback():
    entry = _line(403)

    assert entry["message"].startswith("Forbidden")
    assert "exception" not in entry


def test_a_server_error_keeps_its_traceback():
    assert "PermissionError: not yours" in _line(500)["exception"]


def test_a_403_through_the_portal_logs_one_line_on_the_configured_handler(
    client, outsider, center, caplog
):
    run = SchedulingRunFactory(center=center, status="failed")
    client.force_login(outsider)

    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.post(reverse("scheduling_run_discard", args=[run.pk]))

    assert response.status_code == 403
    (refusal,) = [r for r in caplog.records if r.name == "django.request"]
    # The handler the settings give the root logger: its filter drops the traceback.
    stdout = next(h for h in logging.getLogger().handlers if h.filters)
    assert stdout.filter(refusal)
    line = stdout.format(refusal)
    assert "\n" not in line and "Traceback" not in line
