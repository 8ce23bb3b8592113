"""A rendered My day and board are kept until something they show at their center changes.

Both pages draw a busy center's whole day, which costs far more in Python and templates than
in SQL; a practitioner reopening My day between sessions, or a board refreshing itself, would
pay for it again although nothing moved. Each center has a version token in the shared cache;
the pages cache their drawing under it (`{% cache %}` with the token among the keys), and every
save of what they show gives the center a new token, at once and after commit, so that the
next request draws afresh. A page that read the old rows while a change was committing stores them under the
old token, which no one asks for any more.

What changes with a save is covered by the receivers below; the one bulk write that bypasses
them (an over-run's end moving with the clock) calls `floor_changed` itself. The fragments also
expire after `FLOOR_PAGE_CACHE_SECONDS`, for what is shown but rarely edited (a therapy's
name, a practitioner's). The cache must be shared by the web server and the job worker, so
the settings turn this off (0 seconds) without Redis.
"""

from uuid import uuid4

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

# A token unused for a day is dropped; the next request makes a new one, which no stored
# drawing answers to.
VERSION_SECONDS = 24 * 60 * 60


def _version_key(center_id: int) -> str:
    return f"{settings.FLOOR_CACHE_NAMESPACE}:version:{center_id}"


def floor_version(center_id: int) -> str:
    """The center's current token; a random one if it has none (or the cache dropped it)."""
    key = _version_key(center_id)
    token = cache.get(key)
    if token is None:
        # add() keeps a token another request set meanwhile; a counter restarting after an
        # eviction would reach old tokens again, a random token cannot.
        cache.add(key, uuid4().hex, timeout=VERSION_SECONDS)
        token = cache.get(key)
    return token


def floor_changed(center_id: int | None) -> None:
    """Give the center a new token now, and again once the current transaction commits.

    The first makes the writer's own next request (inside the same transaction, as in a test)
    draw afresh; the second drops whatever another request drew from the rows before commit.
    """
    if center_id is None:
        return
    _renew(center_id)
    transaction.on_commit(lambda: _renew(center_id))


def _renew(center_id: int) -> None:
    cache.set(_version_key(center_id), uuid4().hex, timeout=VERSION_SECONDS)


def session_saved(sender, instance, **kwargs) -> None:
    floor_changed(instance.center_id)


def center_row_saved(sender, instance, **kwargs) -> None:
    # Rooms, opening hours, memberships and patients carry their center.
    floor_changed(instance.center_id)


def clinical_flag_saved(sender, instance, **kwargs) -> None:
    from patients.models import Patient

    center_id = Patient.objects.filter(pk=instance.patient_id).values_list("center_id", flat=True)
    floor_changed(center_id.first())
