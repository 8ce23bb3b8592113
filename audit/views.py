"""The patient's download of their whole record."""

from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from audit.records import patient_record_export
from patients.models import Patient


@require_GET
@never_cache
@login_required
def patient_record_download(request: HttpRequest) -> HttpResponse:
    """The signed-in patient's own record as a JSON file; staff export nothing from here."""
    patient = Patient.objects.filter(user=request.user).first()
    if patient is None:
        return HttpResponseForbidden(
            _("Only patients can download their own record here."),
            content_type="text/plain; charset=utf-8",
        )
    data = patient_record_export(patient=patient, user=request.user)
    response = JsonResponse(
        data, encoder=DjangoJSONEncoder, json_dumps_params={"indent": 2, "ensure_ascii": False}
    )
    response["Content-Disposition"] = f'attachment; filename="health-record-{patient.mrn}.json"'
    return response
