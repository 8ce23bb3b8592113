"""Writes of the organisation app: a user's API tokens."""

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.models import ApiToken, User

TOKEN_PREFIX = "pk_"


def api_token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for `user` and its secret, which is not kept and cannot be shown again."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, so you can tell it apart.")})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name[:100], key_hash=api_token_hash(secret), prefix=secret[:10]
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens; another user's token is as good as missing."""
    token = ApiToken.objects.select_for_update().get(pk=token_id, user=user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
