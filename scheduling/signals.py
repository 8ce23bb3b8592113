"""Signals the scheduling app sends to the apps above it (portal)."""

from django.dispatch import Signal

# Sent once a practitioner's approval or decline of a held care plan has committed.
# Arguments: plan (CarePlan), approved (bool), booked (number of sessions booked).
care_plan_reviewed = Signal()
