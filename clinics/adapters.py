"""allauth adapter: anyone may sign up as a patient; staff accounts are made by their clinic."""

from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class ClinicAccountAdapter(DefaultAccountAdapter):
    # Open sign-up only ever makes patients: the sign-up form (patients.forms.PatientSignupForm)
    # gives the new user a patient record and nothing else, never a membership or staff flag.
    def is_open_for_signup(self, request) -> bool:
        return True

    def get_signup_redirect_url(self, request) -> str:
        # A new patient starts with the intake their clinic needs before any treatment.
        return reverse("patient_intake")
