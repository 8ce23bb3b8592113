"""Model fields shared by the clinic apps: AES-GCM encrypted text for PHI at rest."""

import base64
import binascii
import functools
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models.lookups import IsNull

PREFIX = "enc:"
NONCE_BYTES = 12


class DecryptionError(ValueError):
    """A stored value could not be decrypted with the key its id names."""


@functools.lru_cache(maxsize=8)
def _parse_keys(configured: tuple[str, ...]) -> tuple[tuple[str, AESGCM], ...]:
    keys = []
    for entry in configured:
        key_id, sep, encoded = entry.partition(":")
        if not sep or not key_id or ":" in key_id:
            raise ImproperlyConfigured(
                "FIELD_ENCRYPTION_KEYS entries must look like 'key_id:base64-32-bytes'."
            )
        try:
            raw = base64.b64decode(encoded, validate=True)
        except binascii.Error as error:
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEYS key {key_id!r} is not valid base64."
            ) from error
        if len(raw) != 32:
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEYS key {key_id!r} must decode to 32 bytes, not {len(raw)}."
            )
        keys.append((key_id, AESGCM(raw)))
    return tuple(keys)


def encryption_keys() -> tuple[tuple[str, AESGCM], ...]:
    """The configured keys, first one encrypts; parsed once per distinct setting value."""
    configured = getattr(settings, "FIELD_ENCRYPTION_KEYS", None) or ()
    if isinstance(configured, str):
        configured = [configured]
    keys = _parse_keys(tuple(configured))
    if not keys:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is empty: encrypted fields need at least one "
            "'key_id:base64-32-bytes' key to read or write patient data."
        )
    return keys


def encrypt_text(plaintext: str) -> str:
    key_id, aesgcm = encryption_keys()[0]
    nonce = os.urandom(NONCE_BYTES)
    # The key id is authenticated too, so a value cannot be relabelled to another key.
    ciphertext = aesgcm.encrypt(nonce, plaintext.encode(), key_id.encode())
    return f"{PREFIX}{key_id}:{base64.b64encode(nonce + ciphertext).decode()}"


def decrypt_text(stored: str) -> str:
    key_id, sep, payload = stored.removeprefix(PREFIX).partition(":")
    if not sep:
        raise DecryptionError("Encrypted value has no key id.")
    aesgcm = dict(encryption_keys()).get(key_id)
    if aesgcm is None:
        raise ImproperlyConfigured(
            f"A value was encrypted with key {key_id!r}, which is not in FIELD_ENCRYPTION_KEYS."
        )
    try:
        blob = base64.b64decode(payload, validate=True)
        plaintext = aesgcm.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], key_id.encode())
    except (binascii.Error, InvalidTag) as error:
        raise DecryptionError(f"Value encrypted with key {key_id!r} is corrupt.") from error
    return plaintext.decode()


class EncryptedTextField(models.TextField):
    """Text stored as "enc:<key_id>:<base64(nonce+ciphertext)>"; empty stays empty.

    Each write uses a fresh nonce, so equal plaintexts differ in the database and
    only `isnull` can be looked up: filtering or searching on the text is impossible
    by design.
    """

    def from_db_value(self, value, expression, connection):
        if value is None or not value.startswith(PREFIX):
            # Empty strings, and rows written before the column was encrypted.
            return value
        return decrypt_text(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_text(value)

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return IsNull
        return None

    def get_transform(self, lookup_name):
        return None


def stored_key_id(stored: str | None) -> str | None:
    """The key id a stored value was encrypted with; None for empty or not-yet-encrypted text."""
    if not stored or not stored.startswith(PREFIX):
        return None
    return stored.removeprefix(PREFIX).partition(":")[0]


def needs_reencryption(stored: str | None) -> bool:
    """Whether a stored value is plaintext, or ciphertext under a key other than the current."""
    if not stored:
        return False
    return stored_key_id(stored) != encryption_keys()[0][0]


def reencrypt(stored: str) -> str:
    """The same text encrypted with the current key (plaintext rows are encrypted as they are)."""
    plaintext = decrypt_text(stored) if stored.startswith(PREFIX) else stored
    return encrypt_text(plaintext)


def encrypted_columns() -> list[tuple[type[models.Model], EncryptedTextField]]:
    """Every encrypted column of every installed model, history tables included (a historical
    row keeps the PHI of its time and needs the same key rotation)."""
    from django.apps import apps

    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]
