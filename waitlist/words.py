"""Sentences the waitlist stores (why an entry waits, what freed places, how an offer ended),
kept as their English message and values, so that each reader sees them in their language.

The job worker writes them with no reader in mind; a page renders them with `say` in the
language of whoever looks, dates in that language's format.
"""

from datetime import date

from django.utils import formats
from django.utils.translation import gettext


def words(message: str, **values) -> dict:
    """A sentence to store: `message` is marked with gettext_noop where it is written, and
    each value is a date, a number, a plain text or another sentence made by `words`."""
    return {"msg": message, "values": {k: _stored(v) for k, v in values.items()}}


def _stored(value):
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, dict | int | float):
        return value
    return str(value)


def say(stored: dict | None) -> str:
    """The stored sentence in the active language ("" for none)."""
    if not stored:
        return ""
    values = {key: _shown(value) for key, value in stored.get("values", {}).items()}
    text = gettext(stored["msg"])
    return text % values if values else text


def _shown(value):
    if isinstance(value, dict) and "date" in value:
        return formats.date_format(date.fromisoformat(value["date"]), "j M Y")
    if isinstance(value, dict) and "msg" in value:
        return say(value)
    return value
