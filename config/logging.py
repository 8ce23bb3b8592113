"""One JSON object per log line on stdout, so that any log shipper can read the portal's logs."""

import json
import logging
from datetime import UTC, datetime


class RefusalWithoutTraceback(logging.Filter):
    """A refused request (4xx: a PermissionDenied, a 404, a bad form) is the portal working as
    meant; Django's request logger attaches the exception to it all the same. Keep the one
    line and drop the traceback, so that real errors (5xx) stand out in the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "user_id", "center_id", "status_code"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)
