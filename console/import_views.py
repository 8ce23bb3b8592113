"""The console's set-up from CSV: check a file (every row's result), apply it, get a template."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from clinics.access import centers_for
from clinics.choices import Role
from console.imports import KINDS, import_csv, import_template


def _admin_center_for(request: HttpRequest, center_id) -> tuple:
    """Setting up is a center admin's work: the center asked for when it is one of theirs,
    else their first, and all of theirs; PermissionDenied for anyone else."""
    centers = list(centers_for(request.user, roles=[Role.CENTER_ADMIN]))
    if not centers:
        raise PermissionDenied
    wanted = str(center_id or "")
    return next((c for c in centers if str(c.pk) == wanted), centers[0]), centers


@login_required
def setup_import(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST with a file: the dry run. POST with `apply` and the checked file's
    text: the import, all rows or none."""
    source = request.POST if request.method == "POST" else request.GET
    center, centers = _admin_center_for(request, source.get("center"))
    context = {"centers": centers, "center": center, "kinds": KINDS.values(), "kind": None}
    if request.method != "POST":
        context["kind"] = KINDS.get(request.GET.get("kind", ""))
        return render(request, "console/import.html", context)

    kind = KINDS.get(request.POST.get("kind", ""))
    context["kind"] = kind
    applying = "apply" in request.POST
    if kind is None:
        context["error"] = _(
            "Choose what the file holds: staff, rooms, consumables or a staff roster."
        )
        return render(request, "console/import.html", context, status=400)
    if applying:
        data = request.POST.get("checked_file", "").encode()
    else:
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = _("Choose a CSV file to check.")
            return render(request, "console/import.html", context, status=400)
        data = upload.read()
    outcome = import_csv(kind=kind, center=center, data=data, apply=applying)
    context |= {
        "outcome": outcome,
        "applying": applying,
        "checked_file": data.decode("utf-8-sig", errors="replace"),
    }
    if outcome.applied:
        messages.success(
            request,
            _(
                "Imported %(kind)s into %(center)s: %(new)s new, %(updated)s changed, "
                "%(unchanged)s unchanged."
            )
            % {
                "kind": kind.label,
                "center": center.name,
                "new": outcome.count_new,
                "updated": outcome.count_update,
                "unchanged": outcome.count_skip,
            },
        )
    return render(request, "console/import.html", context, status=200 if outcome.ok else 400)


@require_safe
@login_required
def setup_import_template(request: HttpRequest, kind: str) -> HttpResponse:
    _admin_center_for(request, None)
    import_kind = KINDS.get(kind)
    if import_kind is None:
        raise Http404
    response = HttpResponse(import_template(import_kind), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
    return response
