"""The intake's preferences step: it writes the patient's wishes, their message consents and
their notification preferences together, so it lives above patients and notifications."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from notifications.models import NotificationPreference
from patients.models import Consent
from patients.services import CHANNEL_CONSENTS
from portal.forms import TIMES_OF_DAY, IntakePreferencesForm
from portal.services import intake_preferences_record


def _initial(patient, preference) -> dict:
    """What the form shows: the saved answers, or the defaults for a first visit."""
    in_force = set(
        Consent.objects.filter(patient=patient, withdrawn_at__isnull=True).values_list(
            "kind", flat=True
        )
    )
    return {
        "weekdays": patient.preferred_weekdays,
        "times": [
            key for key, (_l, window) in TIMES_OF_DAY.items() if window in patient.preferred_windows
        ],
        "practitioner": "same" if patient.same_gender_practitioner else "any",
        "language": patient.language,
        "phone": patient.phone,
        "sms": preference.sms and CHANNEL_CONSENTS["sms"] in in_force,
        "email": preference.email and CHANNEL_CONSENTS["email"] in in_force,
        "in_app": preference.in_app,
        "quiet_hours_start": preference.quiet_hours_start,
        "quiet_hours_end": preference.quiet_hours_end,
    }


@login_required
@require_http_methods(["GET", "POST"])
def intake_preferences(request: HttpRequest) -> HttpResponse:
    patient = getattr(request.user, "patient_profile", None)
    if patient is None:
        raise PermissionDenied
    # Read, not created: a first look at the form writes nothing (unsaved defaults instead).
    preference = NotificationPreference.objects.filter(
        patient=patient
    ).first() or NotificationPreference(patient=patient)
    form = IntakePreferencesForm(
        request.POST or None, patient=patient, initial=_initial(patient, preference)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            intake_preferences_record(
                patient=patient,
                weekdays=data["weekdays"],
                windows=form.windows(),
                same_gender_practitioner=data["practitioner"] == "same",
                language=data["language"],
                phone=str(data["phone"] or ""),
                sms=data["sms"],
                email=data["email"],
                in_app=data["in_app"],
                quiet_hours_start=data["quiet_hours_start"],
                quiet_hours_end=data["quiet_hours_end"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your preferences are saved."))
            return redirect("patient_intake")
    return render(
        request,
        "portal/intake_preferences.html",
        {"form": form, "patient": patient},
        status=400 if form.errors else 200,
    )
