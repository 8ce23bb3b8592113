"""Reads of the waitlist that the console, the portal and the API share, each a fixed number
of queries whatever the number of entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from clinics.models import Center
from patients.models import ClinicalFlag, Patient
from scheduling.selectors import runs_rows
from waitlist.models import (
    OPEN_ENTRY_STATUSES,
    OfferStatus,
    TimeOfDay,
    WaitlistEntry,
    WaitlistOffer,
    rank_reason,
)
from waitlist.services import queue_key, urgency_of, waited_days

# How far back the console lists waits that ended (booked, withdrawn).
CLOSED_SHOWN_DAYS = 30
CLOSED_SHOWN = 20


def _entries() -> QuerySet[WaitlistEntry]:
    return (
        WaitlistEntry.objects.select_related("patient", "protocol_version__template", "center")
        .annotate(
            open_flag=Exists(
                ClinicalFlag.objects.filter(patient=OuterRef("patient"), cleared_at__isnull=True)
            )
        )
        .prefetch_related(
            Prefetch(
                "offers",
                queryset=WaitlistOffer.objects.select_related("run__center").order_by(
                    "-offered_at", "-pk"
                ),
            )
        )
    )


@dataclass
class EntryRow:
    """One wait as a page shows it: the entry, its place in the queue and why."""

    entry: WaitlistEntry
    urgency: int
    waited: int
    reason: str
    position: int | None
    offers: list[WaitlistOffer]
    live_offer: WaitlistOffer | None
    # The live offer's placements (scheduling.selectors.runs_rows), with their reasons.
    placed: list[dict] = field(default_factory=list)

    @property
    def times_label(self) -> str:
        return ", ".join(str(TimeOfDay(t).label) for t in self.entry.preferred_times)


def _rows(entries: list[WaitlistEntry], now: datetime) -> list[EntryRow]:
    rows = []
    for entry in entries:
        urgency = urgency_of(entry.patient, open_flag=entry.open_flag)
        waited = waited_days(entry, now)
        offers = list(entry.offers.all())
        live = next((o for o in offers if o.is_live(now)), None)
        rows.append(
            EntryRow(
                entry=entry,
                urgency=urgency,
                waited=waited,
                reason=rank_reason(
                    urgency=urgency,
                    open_flag=entry.open_flag,
                    waited=waited,
                    fit=None,
                    times=entry.preferred_times,
                ),
                position=None,
                offers=offers,
                live_offer=live,
            )
        )
    # The queue: what the matching offers places in, without the preference fit that only an
    # offer's times can tell.
    open_rows = sorted(
        (r for r in rows if r.entry.is_open),
        key=lambda r: queue_key(urgency=r.urgency, waited=r.waited, fit=0, entry=r.entry),
    )
    for position, row in enumerate(open_rows, start=1):
        row.position = position
    live_runs = [r.live_offer.run for r in rows if r.live_offer]
    placed = runs_rows(live_runs) if live_runs else {}
    for row in rows:
        if row.live_offer:
            row.placed = placed[row.live_offer.run_id].placed
            for place in row.placed:
                # The engine's explanation restates the time, room and practitioner first
                # ("Mon 7 Dec 07:00-08:00 with T3 in R1; slipped a day: ..."); the page shows
                # those already, so only the reason after them, if the time was not its first
                # choice.
                place["reason"] = place["explanation"].partition("; ")[2]
    closed = [r for r in rows if not r.entry.is_open]
    return open_rows + closed


def waitlist_for_center(*, center: Center, now: datetime | None = None) -> list[EntryRow]:
    """The center's queue in the order places are offered, then the waits that ended lately."""
    now = now or timezone.now()
    entries = list(
        _entries()
        .filter(center=center, status__in=OPEN_ENTRY_STATUSES)
        .order_by("created_at", "pk")
    ) + list(
        _entries()
        .filter(center=center, closed_at__gte=now - timedelta(days=CLOSED_SHOWN_DAYS))
        .exclude(status__in=OPEN_ENTRY_STATUSES)
        .order_by("-closed_at", "-pk")[:CLOSED_SHOWN]
    )
    return _rows(entries, now)


def waitlist_for_patient(*, patient: Patient, now: datetime | None = None) -> list[EntryRow]:
    """The patient's own waits, open ones with their place in their center's queue."""
    now = now or timezone.now()
    own = list(_entries().filter(patient=patient).order_by("-created_at", "-pk")[:20])
    queue = list(
        WaitlistEntry.objects.filter(center_id=patient.center_id, status__in=OPEN_ENTRY_STATUSES)
        .select_related("patient")
        .annotate(
            open_flag=Exists(
                ClinicalFlag.objects.filter(patient=OuterRef("patient"), cleared_at__isnull=True)
            )
        )
    )
    order = sorted(
        queue,
        key=lambda e: queue_key(
            urgency=urgency_of(e.patient, open_flag=e.open_flag),
            waited=waited_days(e, now),
            fit=0,
            entry=e,
        ),
    )
    positions = {e.pk: n for n, e in enumerate(order, start=1)}
    rows = _rows(own, now)
    for row in rows:
        row.position = positions.get(row.entry.pk)
    return sorted(rows, key=lambda r: (not r.entry.is_open, -r.entry.created_at.timestamp()))


def offer_status_for(offer: WaitlistOffer, now: datetime | None = None) -> str:
    """An offer's state as a page shows it: an open one past its expiry is expired already."""
    if offer.status == OfferStatus.OPEN and not offer.is_live(now):
        return OfferStatus.EXPIRED.label
    return offer.get_status_display()
