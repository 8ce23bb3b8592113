"""The console's protocol editor and package templates, for a center's admins and directors.

A center's own protocols are edited by its admins and medical directors; a protocol shared
with every center changes care everywhere, so only a medical director may make its next
version. An edit is always a new version: care plans keep the version they were made from.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from clinics.access import STAFF_ROLES, centers_for, staff_center_for
from clinics.choices import Role
from clinics.models import Center
from console.protocol_forms import (
    MAX_STEPS,
    PACKAGE_PROTOCOL_SLOTS,
    NewVersionForm,
    PackageForm,
    PackageStartForm,
    StepFormSet,
    step_initial,
)
from console.protocols import (
    in_force,
    packages_for_center,
    protocol_rows,
    protocol_versions,
    version_steps,
)
from patients.services import package_care_plans_create
from protocols.models import PackageTemplate, ProtocolTemplate
from protocols.services import (
    ProtocolVersionInvalid,
    package_template_save,
    protocol_version_publish,
    protocols_for_center,
)


def _protocol_at(request: HttpRequest, pk: int) -> tuple[ProtocolTemplate, Center, list[Center]]:
    """The protocol and the center it is looked at for: its own center when it has one
    (which must be one of the user's), else the center the address asks for."""
    center, centers = staff_center_for(
        request.user, request.GET.get("center") or request.POST.get("center")
    )
    template = get_object_or_404(
        ProtocolTemplate.objects.select_related("center").filter(
            Q(center__isnull=True) | Q(center__in=centers)
        ),
        pk=pk,
    )
    # Another center's own protocol was not found above; this one is of one of the user's.
    return template, template.center or center, centers


def may_edit_protocol(user, template: ProtocolTemplate, center: Center) -> bool:
    """Admins and directors edit their center's protocols; shared ones, directors only."""
    roles = STAFF_ROLES if template.center_id else (Role.MEDICAL_DIRECTOR,)
    return (
        template.center_id in (None, center.pk)
        and centers_for(user, roles=roles).filter(pk=center.pk).exists()
    )


@login_required
@require_safe
def protocol_list(request: HttpRequest) -> HttpResponse:
    center, centers = staff_center_for(request.user, request.GET.get("center"))
    today = timezone.localdate(timezone=center.tzinfo)
    return render(
        request,
        "console/protocols/list.html",
        {
            "center": center,
            "centers": centers,
            "today": today,
            "rows": protocol_rows(center=center, today=today),
        },
    )


@login_required
@require_safe
def protocol_version_detail(request: HttpRequest, pk: int, number: int | None = None):
    """One version's steps, days, gaps, sequence rules and checklists; without a number, the
    version in force today (or the newest)."""
    template, center, centers = _protocol_at(request, pk)
    today = timezone.localdate(timezone=center.tzinfo)
    versions = protocol_versions(template=template, center=center)
    if number is None:
        version = next(
            (v for v in versions if in_force(v, today)), versions[0] if versions else None
        )
    else:
        version = next((v for v in versions if v.version == number), None)
        if version is None:
            raise Http404
    return render(
        request,
        "console/protocols/version.html",
        {
            "template": template,
            "center": center,
            "centers": centers,
            "today": today,
            "versions": versions,
            "version": version,
            "version_in_force": version is not None and in_force(version, today),
            "steps": version_steps(version) if version else [],
            "may_edit": may_edit_protocol(request.user, template, center),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def protocol_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A new version of the protocol from a chosen day, its steps started from the newest."""
    template, center, _centers = _protocol_at(request, pk)
    if not may_edit_protocol(request.user, template, center):
        raise PermissionDenied(
            _("Only a medical director may change a protocol every center shares.")
        )
    today = timezone.localdate(timezone=center.tzinfo)
    latest = template.versions.order_by("-version").first()
    adding_row = request.method == "POST" and "add_step" in request.POST
    if adding_row:
        # One more blank row, nothing saved: the page comes back with what was typed.
        data = request.POST.copy()
        rows = _int_or(data.get("steps-TOTAL_FORMS"), 0)
        data["steps-TOTAL_FORMS"] = str(min(rows + 1, MAX_STEPS))
        form = NewVersionForm(data)
        steps = StepFormSet(data, prefix="steps")
    elif request.method == "POST":
        form = NewVersionForm(request.POST)
        steps = StepFormSet(request.POST, prefix="steps")
        if form.is_valid() and steps.is_valid():
            drafts, _kept = steps.drafts()
            if drafts:
                try:
                    version = protocol_version_publish(
                        template=template,
                        center=center,
                        effective_from=form.cleaned_data["effective_from"],
                        steps=drafts,
                        notes=form.cleaned_data["notes"],
                    )
                except ProtocolVersionInvalid as invalid:
                    _show_errors(invalid, form, steps)
                else:
                    messages.success(
                        request,
                        _("Version %(version)s of %(protocol)s is in force from %(day)s.")
                        % {
                            "version": version.version,
                            "protocol": template.name,
                            "day": version.effective_from.isoformat(),
                        },
                    )
                    url = reverse("console_protocol_version", args=[template.pk, version.version])
                    return redirect(f"{url}?center={center.pk}")
    else:
        start = max(today, latest.effective_from) if latest else today
        if latest and start == latest.effective_from:
            start = start + datetime.timedelta(days=1)
        form = NewVersionForm(initial={"effective_from": start})
        latest_steps = list(latest.steps.order_by("order")) if latest else []
        steps = StepFormSet(initial=step_initial(latest_steps), prefix="steps")
    return render(
        request,
        "console/protocols/edit.html",
        {
            "template": template,
            "center": center,
            "latest": latest,
            "form": form,
            "steps": steps,
        },
        status=400 if request.method == "POST" and not adding_row else 200,
    )


def _int_or(text: str | None, default: int) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return default


def _show_errors(invalid: ProtocolVersionInvalid, form: NewVersionForm, steps) -> None:
    # The service counts only the rows kept; the page shows every row, removed ones too.
    _drafts, kept = steps.drafts()
    for field, errors in invalid.errors.items():
        for message in errors:
            if field == "effective_from":
                form.add_error(field, message)
            else:
                steps.non_form_errors().append(message)
    for index, fields in invalid.step_errors.items():
        for field, errors in fields.items():
            for message in errors:
                kept[index].add_error(field, message)


def _package_center(request: HttpRequest) -> tuple[Center, list[Center]]:
    return staff_center_for(request.user, request.GET.get("center") or request.POST.get("center"))


@login_required
@require_safe
def package_list(request: HttpRequest) -> HttpResponse:
    center, centers = _package_center(request)
    return render(
        request,
        "console/protocols/packages.html",
        {"center": center, "centers": centers, "packages": packages_for_center(center)},
    )


def _package_of_user(request: HttpRequest, pk: int) -> PackageTemplate:
    # Another center's package is 404, as if it did not exist.
    staff_centers = centers_for(request.user, roles=STAFF_ROLES)
    if not staff_centers.exists():
        raise PermissionDenied
    return get_object_or_404(
        PackageTemplate.objects.select_related("center").filter(center__in=staff_centers), pk=pk
    )


@login_required
@require_http_methods(["GET", "POST"])
def package_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a package for a patient of its center: a draft care plan per protocol, in order."""
    package = _package_of_user(request, pk)
    form = PackageStartForm(request.POST or None, center=package.center)
    if request.method == "POST" and form.is_valid():
        try:
            plans = package_care_plans_create(
                package=package, created_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _(
                    "%(package)s started for %(patient)s: %(count)s care plans to auto-schedule, "
                    "from %(day)s."
                )
                % {
                    "package": package.name,
                    "patient": form.cleaned_data["patient"].full_name,
                    "count": len(plans),
                    "day": plans[0].start_date.isoformat(),
                },
            )
            return redirect(f"{reverse('care_plans')}?center={package.center_id}")
    return render(
        request,
        "console/protocols/package_start.html",
        {
            "package": package,
            "center": package.center,
            "items": package.items.select_related("protocol").order_by("order"),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def package_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create a package of the center (no `pk`) or change one of its packages."""
    if pk is None:
        center, _centers = _package_center(request)
        package = None
        chosen = []
    else:
        package = _package_of_user(request, pk)
        center = package.center
        chosen = [item.protocol for item in package.items.select_related("protocol")]
    protocols = protocols_for_center(center).filter(is_active=True).order_by("name")
    slots = max(PACKAGE_PROTOCOL_SLOTS, len(chosen) + 1)
    if request.method == "POST":
        form = PackageForm(request.POST, protocols=protocols, slots=slots)
        if form.is_valid():
            data = form.cleaned_data
            try:
                package = package_template_save(
                    center=center,
                    package=package,
                    name=data["name"],
                    price=data["price"],
                    currency=data["currency"],
                    duration_days=data["duration_days"],
                    is_active=data["is_active"],
                    protocols=form.chosen_protocols(),
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    target = "protocol_1" if field == "protocols" else field
                    for message in errors:
                        form.add_error(target if target in form.fields else None, message)
            else:
                messages.success(request, _("Package %(name)s saved.") % {"name": package.name})
                return redirect(f"{reverse('console_packages')}?center={center.pk}")
    else:
        initial = {"currency": "GBP" if center.country == "GB" else "INR", "is_active": True}
        if package is not None:
            initial = {
                "name": package.name,
                "price": package.price,
                "currency": package.currency,
                "duration_days": package.duration_days,
                "is_active": package.is_active,
            }
        initial |= {f"protocol_{n}": p.pk for n, p in enumerate(chosen, start=1)}
        form = PackageForm(initial=initial, protocols=protocols, slots=slots)
    return render(
        request,
        "console/protocols/package_form.html",
        {"center": center, "package": package, "form": form},
        status=400 if request.method == "POST" else 200,
    )
