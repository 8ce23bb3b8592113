"""A patient books a package: a proposed plan, booked whole on confirmation or held for a
practitioner's approval when the intake raises a clinical concern."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clinics.models import Center
from patients.forms import CONSENTS_NEEDED
from patients.models import CarePlan, Patient
from patients.selectors import clinical_concerns, intake_progress
from patients.services import care_plan_create
from protocols.models import ProtocolVersion
from scheduling.models import SchedulingRun
from scheduling.problems import build_problem, horizon_for_plans, plans_with_steps
from scheduling.services.booking import ScheduleClash, scheduling_run_apply
from scheduling.services.runs import (
    SchedulingError,
    scheduling_run_discard,
    scheduling_run_solve,
)
from scheduling.signals import care_plan_reviewed

if TYPE_CHECKING:
    from clinics.models import User

# Seconds the engine may take for a patient waiting on a phone; a package is a few steps.
PROPOSAL_TIME_LIMIT = 1.0

INTAKE_FIRST = gettext_lazy(
    "Please finish your intake first: your health answers and your consent to treatment come "
    "before booking."
)

# The longest reason a practitioner may give for declining (it is shown to the patient).
DECLINE_REASON_MAX_CHARS = 500


def _solve(plan: CarePlan, *, requested_by: User | None) -> SchedulingRun:
    """A stored run placing every step of `plan` from now on, not booked."""
    loaded = plans_with_steps(CarePlan.objects.filter(pk=plan.pk))
    start, days = horizon_for_plans(loaded)
    problem, refs = build_problem(
        center=plan.patient.center,
        plans=loaded,
        start=start,
        days=days,
        not_before=timezone.now(),
    )
    return scheduling_run_solve(
        center=plan.patient.center,
        kind=SchedulingRun.Kind.AUTO_SCHEDULE,
        problem=problem,
        refs=refs,
        time_limit=PROPOSAL_TIME_LIMIT,
        requested_by=requested_by,
        care_plan=plan,
    )


def care_plan_propose(
    *,
    patient: Patient,
    center: Center,
    protocol_version: ProtocolVersion,
    start_date: date,
    requested_by: User | None,
) -> SchedulingRun:
    """A draft plan for the patient and the scheduler's proposal for all of it, not booked.

    The patient's earlier proposals that were never booked are cancelled, so that asking for
    another date leaves one draft. A patient who has booked nothing yet may choose another
    center, which moves their record there; otherwise the center must be their own.
    """
    with transaction.atomic():
        patient = Patient.objects.select_for_update().select_related("center").get(pk=patient.pk)
        # Without the health answers no contraindication can be seen, and without consent no
        # treatment can be given: both come before a booking.
        progress = intake_progress(patient=patient, consents_needed=CONSENTS_NEEDED)
        if not (progress.health_done and progress.consents_done):
            raise SchedulingError(INTAKE_FIRST)
        if center.pk != patient.center_id:
            _move_to(patient, center)
        template_center = protocol_version.template.center_id
        if template_center is not None and template_center != center.pk:
            raise SchedulingError(
                _("This protocol is not offered at %(center)s.") % {"center": center}
            )
        earlier = CarePlan.objects.filter(
            patient=patient, status=CarePlan.Status.DRAFT, created_by=requested_by
        )
        # Their proposals go too, so that no page offers to book them any more.
        SchedulingRun.objects.filter(
            care_plan__in=earlier, status=SchedulingRun.Status.SUCCEEDED
        ).update(status=SchedulingRun.Status.DISCARDED)
        earlier.update(status=CarePlan.Status.CANCELLED)
        plan = care_plan_create(
            patient=patient,
            protocol_version=protocol_version,
            start_date=start_date,
            created_by=requested_by,
        )
    return _solve(plan, requested_by=requested_by)


def _move_to(patient: Patient, center: Center) -> None:
    if not center.is_active:
        raise SchedulingError(_("This center does not take new patients."))
    if patient.care_plans.exclude(
        status__in=[CarePlan.Status.DRAFT, CarePlan.Status.CANCELLED]
    ).exists():
        raise SchedulingError(
            _(
                "You have a package at %(center)s already; please ask your clinic to move your "
                "care to another center."
            )
            % {"center": patient.center}
        )
    if Patient.objects.filter(center=center, mrn=patient.mrn).exists():
        raise SchedulingError(_("Please ask %(center)s to register you.") % {"center": center})
    patient.center = center
    patient.save(update_fields=["center"])


def care_plan_proposal_refresh(*, plan: CarePlan, requested_by: User | None) -> SchedulingRun:
    """A new proposal for a draft plan whose last one was set aside (its times were taken)."""
    if plan.status != CarePlan.Status.DRAFT:
        raise SchedulingError(_("This package has already been booked or withdrawn."))
    return _solve(plan, requested_by=requested_by)


def proposal_for(plan: CarePlan) -> SchedulingRun | None:
    """The proposal a draft or held plan would be booked from: its newest solved run."""
    return (
        SchedulingRun.objects.filter(care_plan=plan, status=SchedulingRun.Status.SUCCEEDED)
        .select_related("center")
        .order_by("-started_at", "-pk")
        .first()
    )


def proposals_for(plans: list[CarePlan]) -> dict[int, SchedulingRun]:
    """By plan id, each plan's current proposal (as `proposal_for`), in one query."""
    runs = {}
    for run in (
        SchedulingRun.objects.filter(care_plan__in=plans, status=SchedulingRun.Status.SUCCEEDED)
        .select_related("center")
        .order_by("-started_at", "-pk")
    ):
        runs.setdefault(run.care_plan_id, run)
    return runs


@dataclass(frozen=True)
class BookingOutcome:
    """What confirming did: booked (the sessions), or held for approval (the reasons)."""

    plan: CarePlan
    booked: int
    held_for: list[str]


def care_plan_confirm(*, plan: CarePlan, run_id: int, by: User | None) -> BookingOutcome:
    """Book the proposal the patient saw, all of it, or hold it for a practitioner.

    Refused (SchedulingError, nothing changed) when the plan is no longer a draft, the run is
    not its current proposal or leaves steps out. When another booking took one of its slots
    since it was proposed, nothing is booked, the proposal is set aside and ScheduleClash is
    raised, so that the patient is shown a fresh proposal.
    """
    with transaction.atomic():
        plan = (
            CarePlan.objects.select_for_update()
            .select_related("patient", "protocol_version")
            .get(pk=plan.pk)
        )
        if plan.status != CarePlan.Status.DRAFT:
            raise SchedulingError(_("This package has already been booked or withdrawn."))
        run = proposal_for(plan)
        if run is None or run.pk != run_id:
            raise SchedulingError(
                _("The times shown are no longer the current proposal; please look again.")
            )
        if run.solution["unscheduled"]:
            raise SchedulingError(
                _("Not every session fits at these dates; choose another start first.")
            )
        concerns = clinical_concerns(patient=plan.patient, protocol_version=plan.protocol_version)
        if concerns:
            plan.status = CarePlan.Status.HELD
            plan.hold_reason = "\n".join(concerns)
            plan.save(update_fields=["status", "hold_reason"])
            return BookingOutcome(plan=plan, booked=0, held_for=concerns)
        # The plan stays locked until the booking commits, so that a second tap on Confirm
        # waits and then finds it booked instead of booking it twice.
        try:
            booked = scheduling_run_apply(run=run, applied_by=by)
        except ScheduleClash as error:
            clash = error
            scheduling_run_discard(
                run=run,
                error=_("Another booking took these slots first: %(clash)s") % {"clash": error},
            )
        else:
            clash = None
    if clash is not None:
        raise clash
    plan.refresh_from_db(fields=["status"])
    return BookingOutcome(plan=plan, booked=len(booked), held_for=[])


def care_plans_held(*, center_ids) -> list[CarePlan]:
    """Plans waiting for a clinician's approval at these centers, oldest first."""
    return list(
        CarePlan.objects.filter(status=CarePlan.Status.HELD, patient__center_id__in=center_ids)
        .select_related("patient__center", "protocol_version__template", "created_by")
        .order_by("created_at", "pk")
    )


def care_plan_approve(*, plan: CarePlan, by: User) -> BookingOutcome:
    """A practitioner's approval of a held plan books it: the proposal the patient confirmed,
    or, when its times were taken meanwhile, a fresh one that places every step.

    Refused (SchedulingError, nothing changed) when the plan is not held or no complete plan
    fits any more: then the practitioner declines it so that the patient chooses a new date.
    """
    with transaction.atomic():
        plan = CarePlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != CarePlan.Status.HELD:
            raise SchedulingError(_("This plan is not waiting for approval."))
        run = proposal_for(plan)
        # A draft again for the booking service, which schedules drafts; all of this is
        # rolled back when no complete plan fits.
        plan.status = CarePlan.Status.DRAFT
        plan.reviewed_by, plan.reviewed_at = by, timezone.now()
        plan.save(update_fields=["status", "reviewed_by", "reviewed_at"])
        booked = None
        if run is not None and not run.solution["unscheduled"]:
            try:
                booked = scheduling_run_apply(run=run, applied_by=by)
            except ScheduleClash:
                scheduling_run_discard(run=run, error=_("Its times were taken before approval."))
        if booked is None:
            fresh = _solve(plan, requested_by=by)
            if fresh.solution["unscheduled"]:
                raise SchedulingError(
                    _(
                        "The plan no longer fits the calendar from %(day)s; decline it with a "
                        "reason so that the patient chooses another date."
                    )
                    % {"day": plan.start_date.isoformat()}
                )
            try:
                booked = scheduling_run_apply(run=fresh, applied_by=by)
            except ScheduleClash as clash:
                raise SchedulingError(
                    _("The center's calendar kept changing; please try again.")
                ) from clash
        count = len(booked)
        transaction.on_commit(
            lambda: care_plan_reviewed.send(
                sender=CarePlan, plan=plan, approved=True, booked=count
            ),
            # A failed message must not turn a committed review into an error page.
            robust=True,
        )
    plan.refresh_from_db()
    return BookingOutcome(plan=plan, booked=len(booked), held_for=[])


def care_plan_decline(*, plan: CarePlan, by: User, reason: str) -> CarePlan:
    """A practitioner declines a held plan with a reason the patient reads; nothing is booked."""
    reason = reason.strip()
    if not reason:
        raise SchedulingError(_("Please give the patient a reason for declining."))
    if len(reason) > DECLINE_REASON_MAX_CHARS:
        raise SchedulingError(
            _("Please keep the reason under %(n)s characters.") % {"n": DECLINE_REASON_MAX_CHARS}
        )
    with transaction.atomic():
        plan = CarePlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != CarePlan.Status.HELD:
            raise SchedulingError(_("This plan is not waiting for approval."))
        plan.status = CarePlan.Status.CANCELLED
        plan.reviewed_by, plan.reviewed_at, plan.review_note = by, timezone.now(), reason
        plan.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
        SchedulingRun.objects.filter(care_plan=plan, status=SchedulingRun.Status.SUCCEEDED).update(
            status=SchedulingRun.Status.DISCARDED
        )
        transaction.on_commit(
            lambda: care_plan_reviewed.send(sender=CarePlan, plan=plan, approved=False, booked=0),
            # A failed message must not turn a committed review into an error page.
            robust=True,
        )
    return plan
