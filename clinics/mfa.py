"""Staff must sign in with a second factor: until they set one up, staff pages send them to it.

allauth's MFA asks for the code at every sign-in of an account that has an authenticator;
what it cannot do is make a staff account have one. This middleware does: a center admin,
medical director, practitioner or Django-admin user with no TOTP authenticator is sent to
allauth's TOTP set-up page from every page but the sign-in/out and MFA pages themselves.
Patients are never asked. MFA_REQUIRED_FOR_STAFF turns it off (the demo and the tests).
"""

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from clinics.choices import Role
from clinics.models import Membership

STAFF_MFA_ROLES = (Role.CENTER_ADMIN, Role.MEDICAL_DIRECTOR, Role.PRACTITIONER)

# Pages a staff member without MFA may still reach: allauth's own (sign in and out, MFA set-up,
# recovery codes), the language switch, and what machines and browsers fetch on their own.
OPEN_PATH_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/healthz/", "/metrics", "/favicon.ico")


def is_mfa_staff(user) -> bool:
    """Whether our policy asks `user` for a second factor: Django-admin users and anyone with
    an active staff role at a center."""
    return (
        user.is_staff
        or Membership.objects.filter(user=user, is_active=True, role__in=STAFF_MFA_ROLES).exists()
    )


def needs_mfa_setup(user) -> bool:
    """Whether `user` is staff who must set up TOTP before using the portal."""
    if not user.is_authenticated:
        return False
    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        return False
    return is_mfa_staff(user)


class StaffMfaRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            getattr(settings, "MFA_REQUIRED_FOR_STAFF", False)
            and not request.path_info.startswith(OPEN_PATH_PREFIXES)
            and needs_mfa_setup(request.user)
        ):
            return self._to_setup(request)
        return self.get_response(request)

    def _to_setup(self, request: HttpRequest) -> HttpResponse:
        setup_url = reverse("mfa_activate_totp")
        if getattr(request, "htmx", False):
            # A fragment request would swap the set-up page into part of a page; go whole.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = setup_url
            return response
        messages.warning(
            request,
            _(
                "Staff accounts sign in with a code from an authenticator app as well as the "
                "password. Set up your authenticator to continue."
            ),
        )
        return redirect(setup_url)
