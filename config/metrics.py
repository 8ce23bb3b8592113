"""The portal's own Prometheus metrics that code anywhere may update.

Only prometheus_client here and no app imports, so that any app (the WebSocket consumers in
sessions, low in the stack) may import it without importing an app above it. Figures read
from the database at scrape time live in observability.collectors; the receivers that feed
these counters are connected in observability.apps.
"""

from prometheus_client import Counter, Gauge

session_transitions = Counter(
    "portal_session_transitions",
    "Therapy session status changes that committed, by the status moved to.",
    ["to_status"],
)

# Per process: each ASGI worker counts the sockets it holds open.
websocket_connections = Gauge(
    "portal_websocket_connections",
    "WebSocket connections open now (live board and timeline), by consumer.",
    ["consumer"],
    multiprocess_mode="livesum",
)
