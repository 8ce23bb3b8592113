"""The waitlist's pages: the patient joins and answers offers; the console shows a center's
queue, its offers and why, and books an offer for a patient on the phone."""

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from clinics.access import STAFF_ROLES, centers_for, staff_center_for
from patients.forms import CONSENTS_NEEDED
from patients.models import Patient
from patients.selectors import intake_progress
from waitlist.forms import WaitlistJoinForm
from waitlist.models import EntryStatus, WaitlistEntry, WaitlistOffer
from waitlist.selectors import waitlist_for_center, waitlist_for_patient
from waitlist.services import (
    OFFER_HOURS,
    WaitlistError,
    waitlist_entry_withdraw,
    waitlist_join,
    waitlist_match_queue,
    waitlist_offer_accept,
    waitlist_offer_decline,
)
from waitlist.words import words

# How long after joining the patient's page keeps asking for the first look's outcome.
LOOKING_SECONDS = 120


def _patient_of(request: HttpRequest) -> Patient:
    patient = getattr(request.user, "patient_profile", None)
    if patient is None:
        raise PermissionDenied
    return patient


def _is_staff_of(user, center_id: int) -> bool:
    return centers_for(user, roles=STAFF_ROLES).filter(pk=center_id).exists()


def _entry_for(request: HttpRequest, pk: int) -> tuple[WaitlistEntry, bool]:
    """The entry, when it is the user's own or of a center they are staff of (then True);
    anyone else's is 404, as if it did not exist."""
    entry = get_object_or_404(WaitlistEntry.objects.select_related("patient", "center"), pk=pk)
    own = getattr(request.user, "patient_profile", None)
    if own is not None and entry.patient_id == own.pk:
        return entry, False
    if _is_staff_of(request.user, entry.center_id):
        return entry, True
    raise Http404


def _offer_for(request: HttpRequest, pk: int) -> tuple[WaitlistOffer, bool]:
    offer = get_object_or_404(WaitlistOffer.objects.only("pk", "entry_id"), pk=pk)
    entry, as_staff = _entry_for(request, offer.entry_id)
    offer.entry = entry
    return offer, as_staff


def _back(entry: WaitlistEntry, as_staff: bool) -> HttpResponse:
    if as_staff:
        return redirect(f"{reverse('waitlist_console')}?center={entry.center_id}")
    return redirect("waitlist_portal")


@login_required
@require_http_methods(["GET", "POST"])
def patient_waitlist(request: HttpRequest) -> HttpResponse:
    patient = _patient_of(request)
    progress = intake_progress(patient=patient, consents_needed=CONSENTS_NEEDED)
    form = WaitlistJoinForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        try:
            waitlist_join(
                patient=patient,
                center=patient.center,
                by=request.user,
                **form.cleaned_data,
            )
        except WaitlistError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _(
                    "You are on the waitlist. When places free up for your whole package, we "
                    "offer them to you here and in your messages."
                ),
            )
            return redirect("waitlist_portal")
    rows = waitlist_for_patient(patient=patient)
    # The first look runs in the job worker within seconds of joining: the page asks again
    # until it is done, so that an offer made at once is seen without reloading. Not for
    # long, should the worker be down: the wait then shows as waiting.
    since = timezone.now() - timedelta(seconds=LOOKING_SECONDS)
    looking = any(
        row.entry.status == EntryStatus.WAITING
        and row.entry.checked_at is None
        and row.entry.created_at > since
        for row in rows
    )
    return render(
        request,
        "waitlist/portal.html",
        {
            "form": form,
            "patient": patient,
            "rows": rows,
            "looking": looking,
            "offer_hours": OFFER_HOURS,
            # Said before the form, with the way to the intake, rather than only once the
            # patient has filled the form in and been refused.
            "intake_ready": progress.health_done and progress.consents_done,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_safe
def center_waitlist(request: HttpRequest) -> HttpResponse:
    center, centers = staff_center_for(request.user, request.GET.get("center"))
    rows = waitlist_for_center(center=center)
    # After "Look for places now" the list asks for itself again until every waiting patient
    # has been looked at since (at most LOOKING_SECONDS), so that the offers show without a
    # reload.
    looking = False
    try:
        asked = parse_datetime(request.GET.get("looking", ""))
    except ValueError:  # a well-formed but impossible time: nothing to wait for
        asked = None
    if asked is not None and asked.tzinfo is not None:
        now = timezone.now()
        looking = now - timedelta(seconds=LOOKING_SECONDS) < asked <= now and any(
            row.entry.status == EntryStatus.WAITING
            and (row.entry.checked_at is None or row.entry.checked_at < asked)
            for row in rows
        )
    return render(
        request,
        "waitlist/console.html",
        {
            "center": center,
            "centers": centers,
            "rows": rows,
            "waiting": sum(1 for r in rows if r.entry.is_open),
            "offer_hours": OFFER_HOURS,
            "looking": looking,
        },
    )


@login_required
@require_POST
def center_match(request: HttpRequest, center_id: int) -> HttpResponse:
    if not _is_staff_of(request.user, center_id):
        raise Http404
    asked = timezone.now()
    waitlist_match_queue(
        center_id=center_id, freed_by=words(gettext_noop("Asked for from the console."))
    )
    messages.info(
        request,
        _("Looking for places for everyone waiting; offers appear here in a moment."),
    )
    query = urlencode({"center": center_id, "looking": asked.isoformat()})
    return redirect(f"{reverse('waitlist_console')}?{query}")


@login_required
@require_POST
def entry_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    entry, as_staff = _entry_for(request, pk)
    try:
        waitlist_entry_withdraw(entry=entry, by=request.user)
    except WaitlistError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Taken off the waitlist."))
    return _back(entry, as_staff)


@login_required
@require_POST
def offer_accept(request: HttpRequest, pk: int) -> HttpResponse:
    offer, as_staff = _offer_for(request, pk)
    try:
        outcome = waitlist_offer_accept(offer=offer, by=request.user)
    except WaitlistError as error:
        messages.error(request, str(error))
    else:
        if outcome.held_for:
            messages.info(
                request,
                _(
                    "A practitioner will look at the plan before it is booked; their answer "
                    "will show on the package's page."
                ),
            )
        else:
            messages.success(
                request,
                ngettext(
                    "Booked: %(n)s session. It is on the timeline.",
                    "Booked: %(n)s sessions. They are on the timeline.",
                    outcome.booked,
                )
                % {"n": outcome.booked},
            )
    return _back(offer.entry, as_staff)


@login_required
@require_POST
def offer_decline(request: HttpRequest, pk: int) -> HttpResponse:
    offer, as_staff = _offer_for(request, pk)
    try:
        waitlist_offer_decline(offer=offer, by=request.user)
    except WaitlistError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Declined. The wait goes on; the next places that fit are offered.")
        )
    return _back(offer.entry, as_staff)
