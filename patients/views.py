"""The patient's intake pages: an overview of the steps and one page per step, each saved alone."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from patients.dosha import QUESTIONS
from patients.forms import (
    CONSENT_DOCUMENT_VERSION,
    CONSENTS_NEEDED,
    ConsentsForm,
    DoshaQuestionnaireForm,
    HealthForm,
)
from patients.models import Patient
from patients.selectors import intake_progress
from patients.services import consents_record, patient_dosha_record, patient_health_record


def _patient_of(request: HttpRequest) -> Patient:
    # Only a signed-in patient has an intake; staff and strangers are refused, not redirected.
    patient = getattr(request.user, "patient_profile", None)
    if patient is None:
        raise PermissionDenied
    return patient


def _step_page(request, template, form, patient, **extra) -> HttpResponse:
    return render(
        request,
        template,
        {"form": form, "patient": patient, **extra},
        status=400 if form.errors else 200,
    )


@login_required
@require_safe
def intake(request: HttpRequest) -> HttpResponse:
    patient = _patient_of(request)
    return render(
        request,
        "patients/intake.html",
        {
            "patient": patient,
            "progress": intake_progress(patient=patient, consents_needed=CONSENTS_NEEDED),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def intake_dosha(request: HttpRequest) -> HttpResponse:
    patient = _patient_of(request)
    form = DoshaQuestionnaireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            patient_dosha_record(patient=patient, answers=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Your answers are saved. Your constitution: %(dosha)s.")
                % {"dosha": patient.get_dosha_display()},
            )
            return redirect("patient_intake")
    return _step_page(
        request,
        "patients/intake_dosha.html",
        form,
        patient,
        questions=[form[question.key] for question in QUESTIONS],
    )


@login_required
@require_http_methods(["GET", "POST"])
def intake_health(request: HttpRequest) -> HttpResponse:
    patient = _patient_of(request)
    initial = {
        "comorbidities": patient.comorbidities,
        "allergies": patient.allergies,
        "current_medications": patient.current_medications,
    }
    form = HealthForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            patient_health_record(patient=patient, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your health answers are saved."))
            return redirect("patient_intake")
    return _step_page(request, "patients/intake_health.html", form, patient)


@login_required
@require_http_methods(["GET", "POST"])
def intake_consents(request: HttpRequest) -> HttpResponse:
    patient = _patient_of(request)
    progress = intake_progress(patient=patient, consents_needed=CONSENTS_NEEDED)
    initial = {"signed_by": patient.full_name, **dict.fromkeys(progress.consents_in_force, True)}
    form = ConsentsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            consents_record(
                patient=patient,
                given=form.given(),
                document_version=CONSENT_DOCUMENT_VERSION,
                signed_by=form.cleaned_data["signed_by"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your consents are saved."))
            return redirect("patient_intake")
    return _step_page(
        request,
        "patients/intake_consents.html",
        form,
        patient,
        version=CONSENT_DOCUMENT_VERSION,
        needed=CONSENTS_NEEDED,
    )
