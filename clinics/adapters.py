"""allauth adapter: patients and staff are registered by their clinic, not by open sign-up."""

from allauth.account.adapter import DefaultAccountAdapter


class ClinicAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False
