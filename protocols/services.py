"""Writes on protocols: a new version of a protocol, and package templates."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.choices import Role
from clinics.models import Center, Room, Skill
from protocols.models import (
    PackageProtocol,
    PackageTemplate,
    ProtocolStep,
    ProtocolTemplate,
    ProtocolVersion,
    TherapyType,
)


@dataclass(frozen=True)
class StepDraft:
    """One step of a version being written; `after` and `same_practitioner_as` name earlier
    steps by their number in the list, from 1."""

    therapy: TherapyType
    day_offset: int
    slack_days: int = 0
    code: str = ""
    after: int | None = None
    min_gap_minutes: int = 0
    max_gap_minutes: int | None = None
    same_practitioner_as: int | None = None
    instructions: str = ""
    planned_dose: Decimal | None = None


class ProtocolVersionInvalid(Exception):
    """What is wrong with a new version, in words: for the version (by field: "steps" or
    "effective_from") and per step (by index from 0, then field), so that a form can put
    each error by its field."""

    def __init__(self, errors: dict[str, list[str]], step_errors: dict[int, dict[str, list[str]]]):
        super().__init__(str(errors or step_errors))
        self.errors = errors
        self.step_errors = step_errors


def therapy_not_offered_reason(*, therapy: TherapyType, center: Center) -> str:
    """Why `center` cannot give `therapy` (no room of its kinds, no practitioner with its
    skill), or "" when it can."""
    if not therapy.is_active:
        return _("%(therapy)s is no longer given.") % {"therapy": therapy.name}
    has_room = Room.objects.filter(
        center=center, is_active=True, room_type__in=therapy.allowed_room_types
    ).exists()
    if not has_room:
        return _("%(therapy)s is not offered at %(center)s: it has no room for it.") % {
            "therapy": therapy.name,
            "center": center.name,
        }
    has_practitioner = Skill.objects.filter(
        pk=therapy.required_skill_id,
        practitioners__user__memberships__center=center,
        practitioners__user__memberships__role=Role.PRACTITIONER,
        practitioners__user__memberships__is_active=True,
    ).exists()
    if not has_practitioner:
        return _(
            "%(therapy)s is not offered at %(center)s: none of its practitioners has the skill "
            "%(skill)s."
        ) % {"therapy": therapy.name, "center": center.name, "skill": therapy.required_skill.name}
    return ""


def _step_errors(
    *, template: ProtocolTemplate, center: Center, steps: list[StepDraft]
) -> dict[int, dict[str, list[str]]]:
    errors: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    reasons: dict[int, str] = {}
    codes: set[str] = set()
    for index, step in enumerate(steps):
        number = index + 1
        for field in ("after", "same_practitioner_as"):
            other = getattr(step, field)
            if other is None:
                continue
            if other == number:
                errors[index][field].append(_("A step cannot refer to itself."))
            elif not 1 <= other < number:
                errors[index][field].append(
                    _("Choose an earlier step: a step can only follow one that comes before it.")
                )
        if step.after is None and (step.min_gap_minutes or step.max_gap_minutes is not None):
            errors[index]["after"].append(_("A gap needs the step it is counted from."))
        if index and step.day_offset < steps[index - 1].day_offset:
            errors[index]["day_offset"].append(
                _("Days cannot go back: the step before this one is on day %(day)s.")
                % {"day": steps[index - 1].day_offset}
            )
        if step.day_offset + step.slack_days >= template.duration_days:
            errors[index]["day_offset"].append(
                _(
                    "Day %(day)s (with slack) is past the protocol's %(days)s days (days 0 to %(last)s)."
                )
                % {
                    "day": step.day_offset + step.slack_days,
                    "days": template.duration_days,
                    "last": template.duration_days - 1,
                }
            )
        if step.therapy.pk not in reasons:
            reasons[step.therapy.pk] = therapy_not_offered_reason(
                therapy=step.therapy, center=center
            )
        if reasons[step.therapy.pk]:
            errors[index]["therapy"].append(reasons[step.therapy.pk])
        code = _step_code(step, number)
        if code in codes:
            errors[index]["code"].append(
                _("Another step already has the code %(code)s.") % {"code": code}
            )
        codes.add(code)
    return {index: dict(fields) for index, fields in errors.items()}


def _step_code(step: StepDraft, number: int) -> str:
    # Given codes are the admin's; a step without one is named by its place, which is unique.
    return step.code or f"s{number}-d{step.day_offset}-{step.therapy.code}"[:50]


@transaction.atomic
def protocol_version_publish(
    *,
    template: ProtocolTemplate,
    center: Center,
    effective_from: datetime.date,
    steps: list[StepDraft],
    notes: str = "",
) -> ProtocolVersion:
    """A new active version of `template` (its number one above the last) from
    `effective_from`, closing the versions open on that day at it; care plans keep the
    version they were made from. `center` is where the steps must be given.

    All or nothing: ProtocolVersionInvalid, with every reason, and nothing written.
    """
    # One edit at a time per protocol, so that two editors cannot both make version N+1.
    template = ProtocolTemplate.objects.select_for_update().get(pk=template.pk)
    versions = list(template.versions.order_by("version"))
    errors: dict[str, list[str]] = defaultdict(list)
    if not steps:
        errors["steps"].append(_("A version needs at least one step."))
    today = timezone.localdate(timezone=center.tzinfo)
    if effective_from < today:
        errors["effective_from"].append(
            _("A new version cannot start in the past (today is %(today)s at %(center)s).")
            % {"today": today.isoformat(), "center": center.name}
        )
    # Versions still in force on the new start, or starting later, which it would overlap.
    overlapping = [
        v
        for v in versions
        if v.status == ProtocolVersion.Status.ACTIVE
        and (v.effective_to is None or v.effective_to > effective_from)
    ]
    for version in overlapping:
        if version.effective_from >= effective_from:
            errors["effective_from"].append(
                _("The new version must start after %(day)s, the day version %(version)s started.")
                % {"day": version.effective_from.isoformat(), "version": version.version}
            )
    step_errors = _step_errors(template=template, center=center, steps=steps)
    if errors or step_errors:
        raise ProtocolVersionInvalid(dict(errors), step_errors)

    for version in overlapping:
        version.effective_to = effective_from
        version.save(update_fields=["effective_to"])
    new = ProtocolVersion.objects.create(
        template=template,
        version=max((v.version for v in versions), default=0) + 1,
        effective_from=effective_from,
        status=ProtocolVersion.Status.ACTIVE,
        notes=notes,
    )
    made: list[ProtocolStep] = []
    for number, step in enumerate(steps, start=1):
        made.append(
            ProtocolStep.objects.create(
                version=new,
                order=number,
                code=_step_code(step, number),
                therapy=step.therapy,
                day_offset=step.day_offset,
                slack_days=step.slack_days,
                after_step=made[step.after - 1] if step.after else None,
                min_gap_minutes=step.min_gap_minutes,
                max_gap_minutes=step.max_gap_minutes,
                same_practitioner_as=(
                    made[step.same_practitioner_as - 1] if step.same_practitioner_as else None
                ),
                instructions=step.instructions,
                planned_dose=step.planned_dose,
            )
        )
    return new


def _package_check(
    *, center: Center, name: str, duration_days: int, protocols: list[ProtocolTemplate], package
) -> None:
    errors: dict[str, list[str]] = defaultdict(list)
    if not protocols:
        errors["protocols"].append(_("A package includes at least one protocol."))
    if len({p.pk for p in protocols}) != len(protocols):
        errors["protocols"].append(_("Each protocol can be included once."))
    foreign = [p.name for p in protocols if p.center_id not in (None, center.pk)]
    if foreign:
        errors["protocols"].append(
            _("Not offered at %(center)s: %(protocols)s.")
            % {"center": center.name, "protocols": ", ".join(foreign)}
        )
    needed = sum(p.duration_days for p in protocols)
    if protocols and duration_days < needed:
        errors["duration_days"].append(
            _("Its protocols take %(days)s days one after another; give at least that many.")
            % {"days": needed}
        )
    taken = PackageTemplate.objects.filter(center=center, name__iexact=name.strip())
    if package is not None:
        taken = taken.exclude(pk=package.pk)
    if taken.exists():
        errors["name"].append(_("This center already has a package of that name."))
    if errors:
        raise ValidationError(dict(errors))


@transaction.atomic
def package_template_save(
    *,
    center: Center,
    name: str,
    price: Decimal,
    currency: str,
    duration_days: int,
    protocols: list[ProtocolTemplate],
    is_active: bool = True,
    package: PackageTemplate | None = None,
) -> PackageTemplate:
    """Create a package of `center` (or change `package`) with `protocols` in that order.

    ValidationError by field, and nothing written, when a protocol is another center's, is
    twice in it, or the days are fewer than its protocols take.
    """
    if package is not None:
        package = PackageTemplate.objects.select_for_update().get(pk=package.pk, center=center)
    _package_check(
        center=center,
        name=name,
        duration_days=duration_days,
        protocols=protocols,
        package=package,
    )
    package = package or PackageTemplate(center=center)
    package.name = name.strip()
    package.price = price
    package.currency = currency
    package.duration_days = duration_days
    package.is_active = is_active
    package.full_clean(exclude=["protocols"])
    package.save()
    package.items.all().delete()
    PackageProtocol.objects.bulk_create(
        PackageProtocol(package=package, protocol=protocol, order=order)
        for order, protocol in enumerate(protocols, start=1)
    )
    return package


def protocols_for_center(center: Center):
    """Protocols a center may use: its own and those shared with every center."""
    return ProtocolTemplate.objects.filter(Q(center__isnull=True) | Q(center=center))
