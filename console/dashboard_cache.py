"""Dashboard figures are kept until something they count at their centers changes.

A year of a busy center takes the dashboards' aggregates tens of milliseconds of SQL each,
and an admin flicking between tabs and filters asks for the same figures again and again.
As for the floor pages (sessions/floor_cache.py), each center has an "analytics version"
token in the shared cache; figures are kept under the dashboard, its filter (centers, days,
language) and the tokens of every center they count, and a save or delete of what they
count gives its center a new token, at once and after commit, so that the next request
counts afresh. Figures counted from rows read while a change was committing are stored
under the old token, which no one asks for any more.

What renews a center's token: its sessions (bookings and every status change), the
reminders of its sessions and the feedback on them, and the set-up the dashboards divide by
(rooms, opening hours, closures, roster shifts, memberships, the center itself). The
dispatcher records reminders' outcomes in plain SQL, without signals, but only before the
session starts: a session is counted by the reminders dashboard once attended or missed,
which is a save of the session. Names shown beside the figures (a therapist's, a protocol's)
are rarely edited and may show for up to ANALYTICS_CACHE_SECONDS, after which kept figures
expire anyway. Without a cache shared by the web server and the job worker (Redis), the
settings turn this off (0 seconds).
"""

import hashlib
import pickle
from collections.abc import Callable, Iterable
from uuid import uuid4

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import translation

# A token unused for a day is dropped; the next request makes a new one, which no kept
# figures answer to.
VERSION_SECONDS = 24 * 60 * 60


def _version_key(center_id: int) -> str:
    return f"{settings.ANALYTICS_CACHE_NAMESPACE}:version:{center_id}"


def analytics_versions(center_ids: Iterable[int]) -> list[str]:
    """The centers' current tokens, in one round trip when they all have one."""
    keys = [_version_key(pk) for pk in center_ids]
    found = cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    for key in missing:
        # add() keeps a token another request set meanwhile; a random token, unlike a
        # counter restarting after an eviction, never meets old figures again.
        cache.add(key, uuid4().hex, timeout=VERSION_SECONDS)
    if missing:
        found |= cache.get_many(missing)
    return [found[key] for key in keys]


def analytics_changed(center_id: int | None) -> None:
    """Give the center a new token now, and again once the current transaction commits.

    The first makes the writer's own next request (inside the same transaction, as in a
    test) count afresh; the second drops whatever another request counted before commit.
    """
    if center_id is None:
        return
    _renew(center_id)
    transaction.on_commit(lambda: _renew(center_id))


def _renew(center_id: int) -> None:
    cache.set(_version_key(center_id), uuid4().hex, timeout=VERSION_SECONDS)


def kept_figures(
    dashboard: str,
    center_ids: list[int],
    filters: tuple,
    count: Callable[[], object],
    *,
    stale: Callable[[object], bool] | None = None,
    versions: list[str] | None = None,
):
    """The dashboard's figures for these centers and filters: kept ones if no center changed
    since they were counted (and `stale` does not reject them), else `count()`, kept.

    `versions`, the centers' tokens if the caller read them already (to keep its drawing of
    the figures under the same ones).
    """
    seconds = settings.ANALYTICS_CACHE_SECONDS
    if not seconds:
        return count()
    versions = versions or analytics_versions(center_ids)
    # Labels (a reminder's name, "No reminder reached them") are translated as counted.
    identity = repr((dashboard, center_ids, versions, filters, translation.get_language()))
    key = (
        f"{settings.ANALYTICS_CACHE_NAMESPACE}:figures:{dashboard}:"
        f"{hashlib.sha256(identity.encode()).hexdigest()}"
    )
    try:
        figures = cache.get(key)
    except (pickle.UnpicklingError, AttributeError, ImportError, TypeError):
        # Kept by an earlier release whose classes no longer match: counted afresh.
        figures = None
    if figures is not None and not (stale and stale(figures)):
        return figures
    figures = count()
    cache.set(key, figures, timeout=seconds)
    return figures


# --- receivers (connected in console.apps) ----------------------------------------------


def center_row_saved(sender, instance, **kwargs) -> None:
    # Sessions, rooms, opening hours, closures, roster shifts and memberships carry their center.
    analytics_changed(instance.center_id)


def center_saved(sender, instance, **kwargs) -> None:
    # Its zone and holiday calendar decide the days counted and the days open.
    analytics_changed(instance.pk)


def session_row_saved(sender, instance, **kwargs) -> None:
    """A reminder or a feedback answer: its session's center."""
    from sessions.models import TherapySession

    if instance.session_id is None:
        return
    center_id = (
        TherapySession.objects.filter(pk=instance.session_id)
        .values_list("center_id", flat=True)
        .first()
    )
    analytics_changed(center_id)
