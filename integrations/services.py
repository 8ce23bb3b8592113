"""Writes of calendar feeds: make one (its address shown once) and revoke one."""

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.models import Membership, Role, User
from integrations.models import CalendarFeed, CalendarFeedKind

FEED_SECRET_PREFIX = "cal_"


def calendar_feed_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def calendar_feed_kinds_for(user: User) -> list[CalendarFeedKind]:
    """The feeds a user has sessions for: as a practitioner of some center, as a patient."""
    kinds = []
    if (
        hasattr(user, "practitioner_profile")
        and Membership.objects.filter(user=user, role=Role.PRACTITIONER, is_active=True).exists()
    ):
        kinds.append(CalendarFeedKind.PRACTITIONER)
    if hasattr(user, "patient_profile"):
        kinds.append(CalendarFeedKind.PATIENT)
    return kinds


@transaction.atomic
def calendar_feed_create(*, user: User, kind: str) -> tuple[CalendarFeed, str]:
    """A new feed of `user`'s sessions and its secret, which is not kept and cannot be shown
    again."""
    if kind not in calendar_feed_kinds_for(user):
        raise ValidationError({"kind": _("Choose a calendar of sessions you have.")})
    secret = FEED_SECRET_PREFIX + secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(
        user=user, kind=kind, key_hash=calendar_feed_hash(secret), prefix=secret[:10]
    )
    return feed, secret


@transaction.atomic
def calendar_feed_revoke(*, user: User, feed_id: int) -> CalendarFeed:
    """Revoke one of the user's own feeds; another user's feed is as good as missing."""
    feed = CalendarFeed.objects.select_for_update().get(pk=feed_id, user=user)
    if feed.revoked_at is None:
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])
    return feed
