"""Reads of the protocol and package pages: protocols with their versions, a version's steps
and checklists, and packages, each in a fixed number of queries."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from clinics.models import Center
from protocols.models import (
    PackageProtocol,
    PackageTemplate,
    ProtocolStep,
    ProtocolTemplate,
    ProtocolVersion,
    SOPChecklistItem,
    SOPChecklistTemplate,
)
from protocols.services import protocols_for_center


def in_force(version: ProtocolVersion, today: datetime.date) -> bool:
    return (
        version.status == ProtocolVersion.Status.ACTIVE
        and version.effective_from <= today
        and (version.effective_to is None or version.effective_to > today)
    )


@dataclass(frozen=True)
class ProtocolRow:
    template: ProtocolTemplate
    versions: list[ProtocolVersion]  # newest first, each with `plans` and `steps_count`
    in_force: ProtocolVersion | None


def _versions_with_counts(center: Center) -> QuerySet[ProtocolVersion]:
    # Plans of this center's patients only: another center's figures are not its staff's.
    return ProtocolVersion.objects.annotate(
        plans=Count("care_plans", filter=Q(care_plans__patient__center=center), distinct=True),
        steps_count=Count("steps", distinct=True),
    ).order_by("-version")


def protocol_rows(*, center: Center, today: datetime.date) -> list[ProtocolRow]:
    """Every protocol the center may use (its own and the shared ones), with its versions,
    the care plans of the center on each, and the version in force `today`."""
    templates = (
        protocols_for_center(center)
        .select_related("center")
        .prefetch_related(Prefetch("versions", queryset=_versions_with_counts(center)))
        .order_by("-is_active", "name")
    )
    rows = []
    for template in templates:
        versions = list(template.versions.all())
        current = next((v for v in versions if in_force(v, today)), None)
        rows.append(ProtocolRow(template=template, versions=versions, in_force=current))
    return rows


def protocol_versions(*, template: ProtocolTemplate, center: Center) -> list[ProtocolVersion]:
    return list(_versions_with_counts(center).filter(template=template))


def version_steps(version: ProtocolVersion) -> list[ProtocolStep]:
    """A version's steps in order, each with its therapy's active SOP checklist (or None) as
    `checklist`, its items prefetched."""
    steps = list(
        version.steps.select_related(
            "therapy", "after_step__therapy", "same_practitioner_as__therapy"
        ).order_by("order")
    )
    checklists = SOPChecklistTemplate.objects.filter(
        therapy__in={step.therapy_id for step in steps}, is_active=True
    ).prefetch_related(Prefetch("items", queryset=SOPChecklistItem.objects.order_by("order")))
    # The newest active checklist of a therapy is the one its sessions run.
    newest = {}
    for checklist in checklists.order_by("therapy_id", "version"):
        newest[checklist.therapy_id] = checklist
    for step in steps:
        step.checklist = newest.get(step.therapy_id)
    return steps


def packages_for_center(center: Center) -> QuerySet[PackageTemplate]:
    """A center's packages, each with its protocols in order."""
    return (
        PackageTemplate.objects.filter(center=center)
        .prefetch_related(
            Prefetch(
                "items",
                queryset=PackageProtocol.objects.select_related("protocol").order_by("order"),
            )
        )
        .order_by("-is_active", "name")
    )
