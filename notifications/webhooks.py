"""Twilio's webhooks: SMS that patients send us, and delivery reports of the SMS we sent.

Each request must carry Twilio's signature of its URL and parameters, made with our auth
token; anything else is refused with 403 before a single row is written.
"""

from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from notifications.services import delivery_status_record, inbound_sms_receive


def twilio_signed(view):
    @wraps(view)
    def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        token = settings.TWILIO_AUTH_TOKEN
        signature = request.headers.get("X-Twilio-Signature", "")
        # Without a token nothing can be verified, so nothing is accepted.
        if not token or not RequestValidator(token).validate(
            request.build_absolute_uri(), request.POST.dict(), signature
        ):
            return HttpResponseForbidden("Twilio signature missing or invalid.")
        return view(request, *args, **kwargs)

    return checked


@csrf_exempt
@require_POST
@twilio_signed
def inbound_sms(request: HttpRequest) -> HttpResponse:
    sid = request.POST.get("MessageSid", "")
    sender = request.POST.get("From", "")
    if not sid or not sender:
        return HttpResponse("MessageSid and From are required.", status=400)
    _inbound, reply = inbound_sms_receive(
        provider_message_id=sid, from_number=sender, body=request.POST.get("Body", "")
    )
    twiml = MessagingResponse()
    if reply:
        twiml.message(reply)
    return HttpResponse(str(twiml), content_type="text/xml")


@csrf_exempt
@require_POST
@twilio_signed
def delivery_status(request: HttpRequest) -> HttpResponse:
    sid = request.POST.get("MessageSid", "")
    if not sid:
        return HttpResponse("MessageSid is required.", status=400)
    delivery_status_record(
        provider_message_id=sid,
        report=request.POST.get("MessageStatus", ""),
        error_code=request.POST.get("ErrorCode", ""),
    )
    return HttpResponse(status=204)
