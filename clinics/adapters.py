"""allauth adapters: who may sign up (patients, openly) and who may sign in through a clinic's
identity provider (only an existing, active account with the provider's verified email)."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter, _build_apps_from_settings
from allauth.socialaccount.providers.base import AuthError, AuthProcess
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from clinics.mfa import is_mfa_staff
from clinics.models import User


class ClinicAccountAdapter(DefaultAccountAdapter):
    # Open sign-up only ever makes patients: the sign-up form (patients.forms.PatientSignupForm)
    # gives the new user a patient record and nothing else, never a membership or staff flag.
    def is_open_for_signup(self, request) -> bool:
        return True

    def get_signup_redirect_url(self, request) -> str:
        # A new patient starts with the intake their clinic needs before any treatment.
        return reverse("patient_intake")


class ClinicSocialAccountAdapter(DefaultSocialAccountAdapter):
    """How an identity from the clinic's OpenID Connect provider maps onto our users.

    The provider only vouches for who someone is, never for what they may do: it signs in the
    existing, active account whose email it reports as verified, and nothing else. It never
    makes an account (a patient signs up first, staff are added by their clinic), so it never
    grants a role. The sign-in then goes through allauth's login stages like a password
    sign-in: staff with an authenticator are asked for its code (allauth.mfa), staff without
    one are sent to set it up (clinics.mfa). A failed or refused sign-in returns to the sign-in
    page saying why.
    """

    def is_open_for_signup(self, request, sociallogin) -> bool:
        return False

    def list_apps(self, request, provider=None, client_id=None) -> list:
        # The provider comes from the environment only (config/settings.py, OIDC_*). allauth
        # would also read SocialApp rows from the database: not doing so keeps the sign-in page
        # free of queries and lets no row added in the admin open a second way in.
        by_provider = _build_apps_from_settings(provider=provider, client_id=client_id)
        return [app for apps in by_provider.values() for app in apps]

    def authenticate_by_email(self, sociallogin):
        # An account has one email (User.email, unique whatever its case). allauth would look
        # the lower-cased address up exactly and miss an account saved with capitals.
        for address in sociallogin.email_addresses:
            if address.verified and self.can_authenticate_by_email(sociallogin, address.email):
                account = User.objects.filter(email__iexact=address.email).first()
                if account is not None:
                    return account, address.email
        return None

    def pre_social_login(self, request, sociallogin) -> None:
        provider = sociallogin.provider.name
        verified = [address.email for address in sociallogin.email_addresses if address.verified]
        if not verified:
            self._refuse(
                request,
                _(
                    "%(provider)s did not confirm an email address for you, so the portal "
                    "cannot tell which account is yours. Sign in with your email address instead."
                )
                % {"provider": provider},
            )
        email = verified[0]
        if sociallogin.state.get("process") == AuthProcess.CONNECT:
            if request.user.email.lower() not in {address.lower() for address in verified}:
                self._refuse(
                    request,
                    _(
                        "%(provider)s confirmed %(email)s, which is not the email address of "
                        "your portal account, so it was not linked."
                    )
                    % {"provider": provider, "email": email},
                    to="socialaccount_connections",
                )
            return
        # allauth found the account by the verified email, or by an earlier link to this
        # identity; either way its email must be one the provider verifies today.
        account = sociallogin.user if sociallogin.is_existing else None
        if account is None or account.email.lower() not in {a.lower() for a in verified}:
            self._refuse(
                request,
                _(
                    "No portal account uses %(email)s, and signing in with %(provider)s never "
                    "makes one. Patients sign up first; staff accounts are made by their clinic."
                )
                % {"provider": provider, "email": email},
            )
        if not account.is_active:
            self._refuse(
                request,
                _(
                    "The portal account for %(email)s is switched off. Ask your clinic to "
                    "switch it back on."
                )
                % {"email": account.email},
            )
        if is_mfa_staff(account):
            self._keep_staff_password(account)

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ) -> None:
        if error == AuthError.CANCELLED:
            return  # allauth's own "sign-in cancelled" page says so already.
        self._refuse(
            request,
            _(
                "Signing in with %(provider)s did not work: it did not answer, or its answer "
                "could not be checked. Try again, or sign in with your email address."
            )
            % {"provider": provider.name},
        )

    @staticmethod
    def _keep_staff_password(account) -> None:
        # allauth wipes the password of an account it finds by an email address it has not
        # itself seen verified, against someone who signed up with another's address first
        # (allauth.socialaccount.internal.flows.email_authentication). Staff accounts are made
        # by their clinic, never by open sign-up, and staff need their password to confirm
        # themselves before adding an authenticator; the clinic's provider has just verified
        # the address, so record it as verified. Patients' (self-made) accounts keep allauth's
        # protection: after their first such sign-in they use the provider or an email code.
        address = EmailAddress.objects.filter(user=account, email__iexact=account.email).first()
        if address is None:
            EmailAddress.objects.create(user=account, email=account.email, verified=True)
        elif not address.verified:
            address.verified = True
            address.save(update_fields=["verified"])

    @staticmethod
    def _refuse(request, message: str, to: str = "account_login"):
        messages.error(request, message)
        raise ImmediateHttpResponse(redirect(to))
