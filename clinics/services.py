"""Writes of the organisation app: a user's API tokens, a center's closures."""

import hashlib
import secrets
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.horizons import period_check
from clinics.models import ApiToken, Center, Closure, User

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


@transaction.atomic
def center_closures_record(
    *, center: Center, first_day: date, last_day: date, reason: str = ""
) -> list[Closure]:
    """Close the center every day from `first_day` to `last_day`, both included.

    The period is refused in words if it ends before it starts, lasts longer than the
    settings allow or lies beyond the planning horizon. A day already closed keeps its row
    and takes the new reason. Returns the period's closures in date order.
    """
    period_check(first_day=first_day, last_day=last_day, center=center, kind="closure")
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    existing = Closure.objects.select_for_update().filter(center=center, date__in=days)
    existing.exclude(reason=reason).update(reason=reason)
    closed = set(existing.values_list("date", flat=True))
    Closure.objects.bulk_create(
        [Closure(center=center, date=day, reason=reason) for day in days if day not in closed]
    )
    return list(Closure.objects.filter(center=center, date__in=days).order_by("date"))
