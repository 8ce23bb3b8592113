"""DRF authentication by a user's API token: `Authorization: Bearer <secret>`."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from clinics.models import ApiToken
from clinics.services import api_token_hash

# Marking the use on every request would write once per call; a minute is close enough to
# tell an owner whether a token is still in use.
LAST_USED_GRANULARITY = timedelta(minutes=1)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("The Authorization header takes one token."))
        try:
            secret = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("This API token is not valid.")) from None
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=api_token_hash(secret), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This API token is not valid or was revoked."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_GRANULARITY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        # Answer 401 (not 403) to a request without credentials, naming the scheme.
        return self.keyword


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Documents the token in the OpenAPI schema as HTTP bearer authentication."""

    target_class = "clinics.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
