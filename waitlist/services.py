"""Writes on the waitlist: join, withdraw, match freed capacity to waiting patients, offer,
accept (booking the whole package atomically), decline and expire."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_q.tasks import async_task

from clinics.models import Center
from notifications.services import patient_message_queue
from patients.forms import CONSENTS_NEEDED
from patients.models import CarePlan, ClinicalFlag, Patient, Priority
from patients.selectors import intake_progress
from patients.services import care_plan_create
from protocols.models import ProtocolVersion
from scheduling.engine import problem_from_dict, solution_to_dict, solve
from scheduling.engine.checker import check
from scheduling.models import SchedulingRun
from scheduling.problems import (
    build_problem,
    horizon_for_plans,
    plans_with_steps,
    unscheduled_explain,
)
from scheduling.services.booking import ScheduleClash
from scheduling.services.proposals import (
    PROPOSAL_TIME_LIMIT,
    BookingOutcome,
    care_plan_confirm,
)
from scheduling.services.runs import (
    SchedulingError,
    scheduling_run_discard,
    scheduling_run_solve,
)
from waitlist.models import (
    OPEN_ENTRY_STATUSES,
    TIME_OF_DAY_HOURS,
    EntryStatus,
    OfferStatus,
    TimeOfDay,
    WaitlistEntry,
    WaitlistOffer,
)
from waitlist.words import say, words

if TYPE_CHECKING:
    from clinics.models import User

logger = logging.getLogger(__name__)

# How long an offer stays open: long enough to answer from a phone, short enough that the
# next patient is not kept waiting for places someone does not want.
OFFER_HOURS = 24

# The widest window a patient may give between their earliest and latest first day.
MAX_WINDOW_DAYS = 90

# Seconds a matching pass spends checking entries (each up to FIT_BUDGET and a proposal's
# second) before it leaves the rest to another job: the worker stops a job at 120 s.
MATCH_BUDGET = 60.0

# Seconds the engine may spend looking for a first day at which one entry's whole package
# fits, all candidate days together; the matching runs in the job worker, not a page.
FIT_BUDGET = 1.0


class WaitlistError(Exception):
    """A waitlist request that cannot be carried out, with a message for the user."""


# --- joining and leaving --------------------------------------------------------------


def waitlist_join(
    *,
    patient: Patient,
    center: Center,
    protocol_version: ProtocolVersion,
    earliest_start: date,
    latest_start: date,
    preferred_times: list[str],
    by: User | None,
) -> WaitlistEntry:
    """Put the patient on the center's waitlist for a package, to start within the window.

    Refused in words (WaitlistError, nothing written) when the intake is not done, the
    center is not the patient's, the package is not offered there, the window is wrong, or
    they already wait for this package. The matching runs once the entry is committed: the
    package may fit at once.
    """
    progress = intake_progress(patient=patient, consents_needed=CONSENTS_NEEDED)
    if not (progress.health_done and progress.consents_done):
        raise WaitlistError(
            _(
                "Please finish your intake first: your health answers and your consent to "
                "treatment come before joining a waitlist."
            )
        )
    if center.pk != patient.center_id:
        raise WaitlistError(
            _("You can join the waitlist of your own center, %(center)s.")
            % {"center": patient.center}
        )
    template_center = protocol_version.template.center_id
    if template_center is not None and template_center != center.pk:
        raise WaitlistError(_("This package is not offered at %(center)s.") % {"center": center})
    today = timezone.localdate(timezone=center.tzinfo)
    if earliest_start < today:
        raise WaitlistError(
            _("The earliest first day cannot be in the past (today is %(today)s here).")
            % {"today": today.isoformat()}
        )
    if latest_start < earliest_start:
        raise WaitlistError(_("The latest first day must be on or after the earliest."))
    if (latest_start - earliest_start).days > MAX_WINDOW_DAYS:
        raise WaitlistError(
            _("Please keep the window to %(days)s days at most.") % {"days": MAX_WINDOW_DAYS}
        )
    unknown = set(preferred_times) - set(TimeOfDay.values)
    if unknown:
        raise WaitlistError(_("Please choose the times of day from those listed."))
    try:
        with transaction.atomic():
            entry = WaitlistEntry.objects.create(
                patient=patient,
                center=center,
                protocol_version=protocol_version,
                earliest_start=earliest_start,
                latest_start=latest_start,
                preferred_times=[t for t in TimeOfDay.values if t in preferred_times],
                created_by=by,
            )
    except IntegrityError as error:
        raise WaitlistError(
            _("You are already on the waitlist for this package; withdraw that wait first.")
        ) from error
    waitlist_match_queue(
        center_id=center.pk, freed_by=words(gettext_noop("A patient joined the waitlist."))
    )
    return entry


def waitlist_entry_withdraw(*, entry: WaitlistEntry, by: User | None) -> WaitlistEntry:
    """Leave the waitlist: an open offer is withdrawn and its draft plan cancelled."""
    with transaction.atomic():
        entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if not entry.is_open:
            raise WaitlistError(_("This wait has already ended."))
        offered = entry.status == EntryStatus.OFFERED
        for offer in entry.offers.select_for_update().filter(status=OfferStatus.OPEN):
            _offer_close(
                offer,
                OfferStatus.WITHDRAWN,
                by=by,
                outcome=words(gettext_noop("Withdrawn from the waitlist.")),
            )
        if entry.care_plan_id:
            CarePlan.objects.filter(pk=entry.care_plan_id, status=CarePlan.Status.DRAFT).update(
                status=CarePlan.Status.CANCELLED
            )
        entry.status = EntryStatus.WITHDRAWN
        entry.closed_at = timezone.now()
        entry.save(update_fields=["status", "closed_at"])
    if offered:
        # The places this patient was offered are free for the next one.
        waitlist_match_queue(
            center_id=entry.center_id, freed_by=words(gettext_noop("An offer was withdrawn."))
        )
    return entry


# --- ranking --------------------------------------------------------------------------


def urgency_of(patient: Patient, *, open_flag: bool) -> int:
    """Medical urgency: the patient's priority, one step higher with an open clinical flag
    (something got worse and a clinician should see them sooner)."""
    return min(patient.priority + (1 if open_flag else 0), Priority.URGENT)


def waited_days(entry: WaitlistEntry, now: datetime) -> int:
    return max((now - entry.created_at).days, 0)


def queue_key(*, urgency: int, waited: int, fit: float, entry: WaitlistEntry) -> tuple:
    """The order places are offered in: medical urgency first, then the longest wait, then
    how well the offered times suit the patient, then who joined first."""
    return (-urgency, -waited, -fit, entry.created_at, entry.pk)


def preference_fit(assignments: list[dict], times: list[str], zone: ZoneInfo) -> float:
    """The share of placed sessions that start in one of the preferred parts of the day."""
    if not times or not assignments:
        return 1.0
    windows = [TIME_OF_DAY_HOURS[TimeOfDay(t)] for t in times]
    inside = 0
    for assignment in assignments:
        hour = datetime.fromisoformat(assignment["start"]).astimezone(zone).hour
        inside += any(first <= hour < last for first, last in windows)
    return inside / len(assignments)


# --- matching -------------------------------------------------------------------------


def waitlist_match_queue(*, center_id: int, freed_by: dict, since: datetime | None = None) -> None:
    """Look for places for the center's waiting patients in the job worker, after commit.

    Entries checked at or after `since` (default: now) are left out of that look.
    """
    queued_at = (since or timezone.now()).isoformat()
    transaction.on_commit(
        lambda: async_task(
            "waitlist.tasks.waitlist_match_task",
            center_id,
            freed_by,
            queued_at,
            task_name=f"waitlist-match-{center_id}",
        )
    )


@dataclass
class _Candidate:
    entry: WaitlistEntry
    urgency: int
    open_flag: bool
    waited: int
    start: date
    fit: float

    def key(self) -> tuple:
        return queue_key(urgency=self.urgency, waited=self.waited, fit=self.fit, entry=self.entry)


def waitlist_match(
    *, center: Center, freed_by: dict | None = None, since: datetime | None = None
) -> list[WaitlistOffer]:
    """Offer freed capacity to the waiting patients whose whole package now fits.

    Each waiting entry is checked against the center's calendar as it is now: a first day in
    its window at which every step of the package can be placed. Those that fit are ranked
    (`queue_key`) and offered in that order, each a stored proposal with the engine's reasons;
    a proposal that would need times already offered to a patient ranked higher is not made,
    so that one free place is offered to one patient at a time. Nothing is held: accepting
    books the proposal only if it still fits then.

    Entries checked after `since` (when the capacity was freed) are skipped: a later pass
    already saw what was freed. The entries are locked, so that two passes never offer twice.
    """
    started = timezone.now()
    offers = []
    with transaction.atomic():
        waiting = list(
            WaitlistEntry.objects.select_for_update(of=("self",))
            .filter(center=center, status=EntryStatus.WAITING)
            .select_related("patient__center", "protocol_version__template", "care_plan")
            .order_by("created_at", "pk")
        )
        if since is not None:
            waiting = [e for e in waiting if e.checked_at is None or e.checked_at < since]
        if not waiting:
            return []
        flagged = set(
            ClinicalFlag.objects.filter(
                patient__in=[e.patient_id for e in waiting], cleared_at__isnull=True
            ).values_list("patient_id", flat=True)
        )
        zone = ZoneInfo(center.timezone)
        # Checked in queue order, so that a pass cut short by its budget leaves the patients
        # ranked lowest for the next one rather than someone more urgent.
        waiting.sort(
            key=lambda e: queue_key(
                urgency=urgency_of(e.patient, open_flag=e.patient_id in flagged),
                waited=waited_days(e, started),
                fit=0,
                entry=e,
            )
        )
        deadline = time.perf_counter() + MATCH_BUDGET
        candidates, left_over = [], False
        for checked, entry in enumerate(waiting):
            if checked and time.perf_counter() > deadline:
                left_over = True
                break
            candidate = _fit_check(
                entry, zone=zone, open_flag=entry.patient_id in flagged, now=started
            )
            if candidate is not None:
                candidates.append(candidate)
        held = _holds_of_open_offers(center)
        for rank, candidate in enumerate(sorted(candidates, key=_Candidate.key), start=1):
            offer = _offer_make(candidate, rank=rank, held=held, freed_by=freed_by, now=started)
            if offer is not None:
                offers.append(offer)
        if left_over:
            # The rest in another job: those checked in this pass (at `started`) are skipped.
            waitlist_match_queue(center_id=center.pk, freed_by=freed_by or {}, since=started)
    return offers


def _fit_check(
    entry: WaitlistEntry, *, zone: ZoneInfo, open_flag: bool, now: datetime
) -> _Candidate | None:
    """The entry as a candidate when its whole package fits a first day in its window; else
    None, with why kept on the entry."""
    today = timezone.localdate(timezone=zone)
    first = max(entry.earliest_start, today)
    entry.checked_at = now
    if entry.latest_start < today:
        entry.check_note = words(
            gettext_noop("The latest first day has passed; change the dates or withdraw.")
        )
        entry.save(update_fields=["checked_at", "check_note"])
        return None
    plan = entry.care_plan
    # The engine places a care plan, so an entry without one gets a draft for the check; it
    # is kept only when the package fits (then an offer is made from it).
    savepoint = transaction.savepoint()
    try:
        if plan is None or plan.status != CarePlan.Status.DRAFT:
            plan = care_plan_create(
                patient=entry.patient,
                protocol_version=entry.protocol_version,
                start_date=first,
                created_by=None,
            )
        day, assignments, why = _first_fitting_start(
            plan, first=first, last=entry.latest_start, now=now, times=entry.preferred_times
        )
    except (ValidationError, SchedulingError) as error:
        day, why = (
            None,
            "; ".join(error.messages) if isinstance(error, ValidationError) else str(error),
        )
        entry.check_note = words(gettext_noop("Cannot be planned: %(why)s"), why=why)
    else:
        if day is None and first == entry.latest_start:
            entry.check_note = words(
                gettext_noop(
                    "The whole package does not fit with the first day on %(first)s: %(why)s"
                ),
                first=first,
                why=why,
            )
        elif day is None:
            entry.check_note = words(
                gettext_noop(
                    "The whole package does not fit with a first day from %(first)s to "
                    "%(last)s: %(why)s"
                ),
                first=first,
                last=entry.latest_start,
                why=why,
            )
    if day is None:
        transaction.savepoint_rollback(savepoint)
        if entry.care_plan is not None and entry.care_plan.pk != plan.pk:
            entry.care_plan = None
        entry.save(update_fields=["checked_at", "check_note", "care_plan"])
        return None
    transaction.savepoint_commit(savepoint)
    plan.start_date = day
    plan.save(update_fields=["start_date"])
    entry.care_plan = plan
    entry.save(update_fields=["checked_at", "care_plan"])
    return _Candidate(
        entry=entry,
        urgency=urgency_of(entry.patient, open_flag=open_flag),
        open_flag=open_flag,
        waited=waited_days(entry, now),
        start=day,
        fit=preference_fit(assignments, entry.preferred_times, zone),
    )


def _first_fitting_start(
    plan: CarePlan, *, first: date, last: date, now: datetime, times: list[str]
) -> tuple[date | None, list[dict], str | dict]:
    """The first day from `first` to `last` at which the engine places every step of the
    plan into the center as booked now, with its placements; else None and the engine's
    reason for the last day tried. One problem covers the whole window (the database is read
    once); each try moves the plan's first day, as `care_plan_earliest_fit` does."""
    loaded = plans_with_steps(CarePlan.objects.filter(pk=plan.pk))[0]
    loaded.start_date = first
    _start, plan_days = horizon_for_plans([loaded])
    span = (last - first).days
    problem, _refs = build_problem(
        center=plan.patient.center,
        plans=[loaded],
        start=first,
        days=plan_days + span,
        not_before=now,
    )
    _prefer(problem, times)
    if not problem["plans"][0]["steps"]:
        return None, [], words(gettext_noop("the package has no sessions to place"))
    deadline = time.perf_counter() + FIT_BUDGET
    why = ""
    for shift in range(span + 1):
        left = deadline - time.perf_counter()
        if left <= 0:
            why = why or words(gettext_noop("the search ran out of time"))
            break
        candidate = first + timedelta(days=shift)
        problem["horizon"] = {"start": candidate.isoformat(), "days": plan_days}
        problem["plans"][0]["start"] = candidate.isoformat()
        solution = solve(problem_from_dict(problem), time_limit=left / (span - shift + 1))
        if not solution.unscheduled:
            return candidate, [{"start": a.start} for a in solution.assignments], ""
        missing = solution_to_dict(solution)["unscheduled"][:1]
        # A class already booked full says so, not only that its practitioner is busy.
        unscheduled_explain(problem, missing)
        reasons = missing[0]["reasons"]
        why = reasons[0]["message"] if reasons else missing[0]["step"]
    return None, [], why


def _prefer(problem: dict, times: list[str]) -> None:
    """Ask the engine to place the patient in their preferred parts of the day (a soft goal
    it weighs, as it does the intake's preferred windows, which these replace here)."""
    if times:
        windows = [TIME_OF_DAY_HOURS[TimeOfDay(t)] for t in times]
        for patient in problem["patients"]:
            patient["preferred"] = [[f"{a:02d}:00", f"{b:02d}:00"] for a, b in windows]


def _proposal_solve(entry: WaitlistEntry, *, held: list[_Hold], now: datetime) -> SchedulingRun:
    """The stored proposal an offer books: the plan placed from its first day, as the
    portal's proposal is (scheduling.services.proposals), with the patient's preferred times
    and with the times already offered to patients ranked higher taken as busy, so that one
    free place is offered to one patient at a time."""
    plan = entry.care_plan
    loaded = plans_with_steps(CarePlan.objects.filter(pk=plan.pk))
    start, days = horizon_for_plans(loaded)
    problem, refs = build_problem(
        center=entry.center, plans=loaded, start=start, days=days, not_before=now
    )
    _prefer(problem, entry.preferred_times)
    problem["busy"].extend(h.as_busy() for h in held)
    return scheduling_run_solve(
        center=entry.center,
        kind=SchedulingRun.Kind.AUTO_SCHEDULE,
        problem=problem,
        refs=refs,
        time_limit=PROPOSAL_TIME_LIMIT,
        care_plan=plan,
    )


@dataclass(frozen=True)
class _Hold:
    resource: str
    starts_at: datetime
    ends_at: datetime
    # In a room of several places, the places held (one per offered session), as the problem
    # builder counts a booked session there; None holds the whole resource.
    places: int | None = None

    def as_busy(self) -> dict:
        """The hold as a busy interval of the engine's format (FORMAT.md, "Busy intervals")."""
        busy = {
            "resource": self.resource,
            "start": self.starts_at.isoformat(),
            "end": self.ends_at.isoformat(),
        }
        return busy if self.places is None else {**busy, "places": self.places}


def _holds(run: SchedulingRun) -> list[_Hold]:
    """The rooms and practitioners a proposal would take, and for how long: a room of several
    places (a steam room, a hall) only one place per session, so that the next patient can be
    offered the other places at the same time."""
    therapies = run.problem.get("therapies", {})
    capacity = {room["id"]: room.get("capacity", 1) for room in run.problem.get("rooms", [])}
    step_therapy = {
        (plan["id"], step["id"]): step["therapy"]
        for plan in run.problem.get("plans", [])
        for step in plan["steps"]
    }
    holds = []
    for a in run.solution.get("assignments", []):
        therapy = therapies.get(step_therapy.get((a["plan"], a["step"])), {})
        starts_at = datetime.fromisoformat(a["start"])
        ends_at = starts_at + timedelta(minutes=therapy.get("duration_min", 0))
        turnover = timedelta(minutes=therapy.get("room_turnover_min", 0))
        # A group class offered to one patient holds its practitioner whole: another waiting
        # patient is not offered a seat in it until this offer is answered.
        holds.append(_Hold(a["practitioner"], starts_at, ends_at))
        shared = capacity.get(a["room"], 1) > 1
        holds.append(_Hold(a["room"], starts_at, ends_at + turnover, 1 if shared else None))
    return holds


def _fits_beside(run: SchedulingRun) -> bool:
    """Whether the proposal keeps to the places left by the offers ranked higher: its problem
    holds them as busy intervals, so the format's checker counts each room's places (a
    two-place steam room takes two sessions at once) and each practitioner's time."""
    return check(run.problem, run.solution).valid


def _holds_of_open_offers(center: Center) -> list[_Hold]:
    holds = []
    for offer in WaitlistOffer.objects.filter(
        entry__center=center, status=OfferStatus.OPEN, expires_at__gt=timezone.now()
    ).select_related("run"):
        holds.extend(_holds(offer.run))
    return holds


def _offer_make(
    candidate: _Candidate, *, rank: int, held: list[_Hold], freed_by: dict | None, now: datetime
) -> WaitlistOffer | None:
    entry = candidate.entry
    try:
        run = _proposal_solve(entry, held=held, now=now)
    except SchedulingError as error:
        entry.check_note = words(gettext_noop("Cannot be planned: %(why)s"), why=str(error))
        entry.save(update_fields=["check_note"])
        return None
    if run.solution["unscheduled"]:
        scheduling_run_discard(run=run, error=_("Not every session fitted on a second look."))
        entry.check_note = (
            words(
                gettext_noop(
                    "Fits from %(day)s only in times offered to a patient ranked higher; "
                    "offered here if they decline or their offer expires."
                ),
                day=candidate.start,
            )
            if held
            else words(
                gettext_noop(
                    "Almost fits: the stored proposal left a session out; tried again at the "
                    "next change."
                )
            )
        )
        entry.save(update_fields=["check_note"])
        return None
    if _declined_before(entry, run):
        scheduling_run_discard(run=run, error=_("The patient declined these times before."))
        entry.check_note = words(
            gettext_noop("Fits from %(day)s at the times declined before; waits for other places."),
            day=candidate.start,
        )
        entry.save(update_fields=["check_note"])
        return None
    mine = _holds(run)
    if held and not _fits_beside(run):
        scheduling_run_discard(
            run=run, error=_("These times are offered to a patient ranked higher.")
        )
        entry.check_note = words(
            gettext_noop(
                "Fits from %(day)s, but those times are offered to a patient ranked higher; "
                "offered here if they decline or their offer expires."
            ),
            day=candidate.start,
        )
        entry.save(update_fields=["check_note"])
        return None
    held.extend(mine)
    # The ranking's figures, put in words in the reader's language (WaitlistOffer.reason_text).
    reason = {
        "urgency": candidate.urgency,
        "open_flag": candidate.open_flag,
        "waited": candidate.waited,
        "fit": candidate.fit,
        "times": entry.preferred_times,
    }
    zone = ZoneInfo(entry.center.timezone)
    # The first session's day: the engine may slip a step within its slack past the plan's.
    first_day = min(
        datetime.fromisoformat(a["start"]).astimezone(zone).date()
        for a in run.solution["assignments"]
    )
    offer = WaitlistOffer.objects.create(
        entry=entry,
        run=run,
        start_date=first_day,
        rank=rank,
        reason=reason,
        freed_by=freed_by or {},
        offered_at=now,
        expires_at=now + timedelta(hours=OFFER_HOURS),
    )
    entry.status = EntryStatus.OFFERED
    entry.check_note = words(
        gettext_noop("Offered: the whole package fits from %(day)s."), day=first_day
    )
    entry.save(update_fields=["status", "check_note"])
    transaction.on_commit(lambda: waitlist_offer_tell(offer=offer), robust=True)
    return offer


def _times(run: SchedulingRun) -> set[tuple[str, str, str]]:
    return {(a["start"], a["room"], a["practitioner"]) for a in run.solution["assignments"]}


def _declined_before(entry: WaitlistEntry, run: SchedulingRun) -> bool:
    """Whether the patient already said no to exactly these times."""
    times = _times(run)
    return any(
        _times(offer.run) == times
        for offer in entry.offers.filter(status=OfferStatus.DECLINED).select_related("run")
    )


def _day(value: date) -> str:
    return formats.date_format(value, "j M Y")


def waitlist_offer_tell(*, offer: WaitlistOffer) -> None:
    """Tell the patient of an offer in the portal's inbox (and by SMS where they agreed to it),
    in their language."""
    patient = offer.entry.patient
    with translation.override(patient.language):
        subject = _("A place for your package")
        body = _(
            "Places have opened for %(package)s from %(day)s. Open Waitlist in the portal to "
            "see the times and accept them before %(expires)s; until then they are not held."
        ) % {
            "package": offer.entry.protocol_version.template.name,
            "day": _day(offer.start_date),
            "expires": formats.date_format(
                timezone.localtime(offer.expires_at, offer.entry.center.tzinfo), "j M H:i"
            ),
        }
    patient_message_queue(
        patient=patient, key=f"waitlist-offer-{offer.pk}", subject=subject, body=body
    )


# --- answering an offer ---------------------------------------------------------------


def _offer_close(offer: WaitlistOffer, status: str, *, by: User | None, outcome: dict) -> None:
    offer.status = status
    offer.decided_at = timezone.now()
    offer.decided_by = by
    offer.outcome = outcome
    offer.save(update_fields=["status", "decided_at", "decided_by", "outcome"])
    if offer.run.status == SchedulingRun.Status.SUCCEEDED:
        scheduling_run_discard(run=offer.run, error=say(outcome))


def _back_to_waiting(entry: WaitlistEntry, note: dict, *, now: datetime | None = None) -> None:
    """The entry waits again. With `now`, it counts as checked then: the look for the places it
    gave back (queued with `since=now`) offers them to the next patient, not to it again."""
    entry.status = EntryStatus.WAITING
    entry.check_note = note
    entry.checked_at = now or entry.checked_at
    entry.save(update_fields=["status", "check_note", "checked_at"])


_NOT_OPEN = {
    OfferStatus.ACCEPTED: _("This offer has already been accepted."),
    OfferStatus.DECLINED: _("This offer was declined."),
    OfferStatus.EXPIRED: _("This offer has expired."),
    OfferStatus.TAKEN: _("These times were booked by someone else."),
    OfferStatus.WITHDRAWN: _("This offer was withdrawn."),
}


def _locked_offer(offer: WaitlistOffer) -> WaitlistOffer:
    return (
        WaitlistOffer.objects.select_for_update(of=("self", "entry"))
        .select_related("entry__patient", "entry__care_plan", "entry__center", "run")
        .get(pk=offer.pk)
    )


def waitlist_offer_accept(*, offer: WaitlistOffer, by: User | None) -> BookingOutcome:
    """Book the offered proposal, whole, or nothing.

    The offer held nothing, so the proposal is checked again now: when someone else booked
    one of its times meanwhile, nothing is booked, the offer is marked taken, the patient
    keeps their place on the waitlist and the matching looks again (WaitlistError says so).
    A plan that a practitioner must approve first (an open flag, a contraindication) is held
    for them, as a booking from the portal would be.
    """
    failure = None
    with transaction.atomic():
        offer = _locked_offer(offer)
        entry = offer.entry
        if offer.status != OfferStatus.OPEN:
            raise WaitlistError(str(_NOT_OPEN.get(offer.status, _("This offer is closed."))))
        if not offer.is_live():
            now = timezone.now()
            _offer_close(
                offer,
                OfferStatus.EXPIRED,
                by=None,
                outcome=words(gettext_noop("Not accepted in time.")),
            )
            _back_to_waiting(
                entry,
                words(gettext_noop("The last offer expired; waiting for the next places.")),
                now=now,
            )
            waitlist_match_queue(
                center_id=entry.center_id,
                freed_by=words(gettext_noop("An offer expired.")),
                since=now,
            )
            failure = _(
                "This offer expired at %(when)s, so nothing was booked. You are still on the "
                "waitlist."
            ) % {
                "when": formats.date_format(
                    timezone.localtime(offer.expires_at, entry.center.tzinfo), "j M H:i"
                )
            }
        elif entry.care_plan is None or not offer.run.solution.get("assignments"):
            failure = _("This offer has no sessions to book; please ask the clinic.")
        else:
            try:
                outcome = care_plan_confirm(plan=entry.care_plan, run_id=offer.run_id, by=by)
            except ScheduleClash:
                offer.refresh_from_db(fields=["run"])
                _offer_close(
                    offer,
                    OfferStatus.TAKEN,
                    by=by,
                    outcome=words(gettext_noop("Someone else booked these times first.")),
                )
                _back_to_waiting(
                    entry,
                    words(
                        gettext_noop(
                            "The offered times were booked by someone else first; waiting for "
                            "the next places."
                        )
                    ),
                )
                waitlist_match_queue(
                    center_id=entry.center_id,
                    freed_by=words(gettext_noop("An offer's times were taken.")),
                )
                failure = _(
                    "Someone else booked one of these times a moment ago, so nothing was booked. "
                    "You keep your place on the waitlist; we will offer you the next places "
                    "that fit."
                )
            except SchedulingError as error:
                # The draft plan was booked, withdrawn or replaced elsewhere: nothing to book.
                failure = str(error)
                transaction.set_rollback(True)
            else:
                offer.refresh_from_db(fields=["run"])
                _offer_close(
                    offer, OfferStatus.ACCEPTED, by=by, outcome=words(gettext_noop("Booked."))
                )
                entry.status = EntryStatus.HELD if outcome.held_for else EntryStatus.BOOKED
                entry.closed_at = timezone.now()
                entry.check_note = {}
                entry.save(update_fields=["status", "closed_at", "check_note"])
    if failure is not None:
        raise WaitlistError(failure)
    return outcome


def waitlist_offer_decline(*, offer: WaitlistOffer, by: User | None) -> WaitlistOffer:
    """Say no to these times; the patient keeps waiting and the places go to the next one."""
    with transaction.atomic():
        offer = _locked_offer(offer)
        if offer.status != OfferStatus.OPEN:
            raise WaitlistError(str(_NOT_OPEN.get(offer.status, _("This offer is closed."))))
        now = timezone.now()
        _offer_close(offer, OfferStatus.DECLINED, by=by, outcome=words(gettext_noop("Declined.")))
        _back_to_waiting(
            offer.entry,
            words(gettext_noop("Declined the last offer; waiting for other places.")),
            now=now,
        )
        waitlist_match_queue(
            center_id=offer.entry.center_id,
            freed_by=words(gettext_noop("An offer was declined.")),
            since=now,
        )
    return offer


def waitlist_offers_expire(*, now: datetime | None = None) -> int:
    """Close the open offers past their expiry and look again for the places they named."""
    now = now or timezone.now()
    expired = 0
    with transaction.atomic():
        due = list(
            WaitlistOffer.objects.select_for_update(of=("self", "entry"), skip_locked=True)
            .filter(status=OfferStatus.OPEN, expires_at__lte=now)
            .select_related("entry", "run")
        )
        for offer in due:
            _offer_close(
                offer,
                OfferStatus.EXPIRED,
                by=None,
                outcome=words(gettext_noop("Not accepted in time.")),
            )
            if offer.entry.status in OPEN_ENTRY_STATUSES:
                _back_to_waiting(
                    offer.entry,
                    words(gettext_noop("The last offer expired; waiting for the next places.")),
                    now=now,
                )
            expired += 1
        for center_id in sorted({offer.entry.center_id for offer in due}):
            waitlist_match_queue(
                center_id=center_id, freed_by=words(gettext_noop("An offer expired."))
            )
    return expired
