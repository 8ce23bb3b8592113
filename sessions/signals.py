"""Signals the sessions app sends to the apps above it (notifications, feedback, portal)."""

from django.dispatch import Signal

# Sent once the transaction that changed a session's status has committed, so that receivers
# (post-care messages, feedback requests) never act on a change that was rolled back.
# Arguments: session (TherapySession), change (SessionStatusChange), by (User or None).
session_status_changed = Signal()

# Sent once a booking has committed: new sessions and sessions moved to a new time or place.
# Arguments: sessions (list of TherapySession), by (User or None).
sessions_booked = Signal()

# Sent once a use of stock has committed that left a consumable at or under its reorder level
# and opened a low-stock alert. Arguments: alert (StockAlert), consumable, session.
consumable_below_reorder = Signal()
