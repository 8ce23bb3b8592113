"""EncryptedTextField keeps PHI unreadable in the database and survives key rotation."""

import base64

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from clinics.fields import DecryptionError, decrypt_text, encrypt_text
from patients.models import CarePlan
from tests.factories import CarePlanFactory

OLD_KEY = "old:" + base64.b64encode(b"o" * 32).decode()
NEW_KEY = "new:" + base64.b64encode(b"n" * 32).decode()
SECRET = "Hypertension; reacts badly to sesame oil"


def raw_notes(plan: CarePlan) -> str:
    table = CarePlan._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT notes FROM {table} WHERE id = %s", [plan.pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_it_round_trips_through_the_database():
    plan = CarePlanFactory(notes=SECRET)
    assert CarePlan.objects.get(pk=plan.pk).notes == SECRET


@pytest.mark.django_db
def test_the_column_holds_ciphertext_not_plaintext(settings):
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    plan = CarePlanFactory(notes=SECRET)
    stored = raw_notes(plan)
    assert stored.startswith("enc:new:")
    assert "sesame" not in stored
    assert SECRET not in stored


@pytest.mark.django_db
def test_empty_text_stays_empty():
    plan = CarePlanFactory(notes="")
    assert raw_notes(plan) == ""
    assert CarePlan.objects.get(pk=plan.pk).notes == ""


@pytest.mark.django_db
def test_a_value_written_with_an_old_key_reads_after_rotation(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    plan = CarePlanFactory(notes=SECRET)
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    reloaded = CarePlan.objects.get(pk=plan.pk)
    assert reloaded.notes == SECRET
    reloaded.save()
    # Saving again re-encrypts with the newest key.
    assert raw_notes(reloaded).startswith("enc:new:")


def test_equal_plaintexts_encrypt_differently(settings):
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    assert encrypt_text(SECRET) != encrypt_text(SECRET)


def test_it_refuses_to_work_without_a_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS"):
        encrypt_text(SECRET)


def test_it_names_a_missing_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    stored = encrypt_text(SECRET)
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    with pytest.raises(ImproperlyConfigured, match="'old'"):
        decrypt_text(stored)


def test_it_rejects_a_malformed_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["short:" + base64.b64encode(b"x" * 16).decode()]
    with pytest.raises(ImproperlyConfigured, match="32 bytes"):
        encrypt_text(SECRET)


def test_it_detects_tampering(settings):
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    stored = encrypt_text(SECRET)
    prefix, payload = stored.rsplit(":", 1)
    blob = bytearray(base64.b64decode(payload))
    blob[-1] ^= 1
    with pytest.raises(DecryptionError):
        decrypt_text(f"{prefix}:{base64.b64encode(bytes(blob)).decode()}")


@pytest.mark.django_db
def test_only_isnull_can_be_looked_up():
    from django.core.exceptions import FieldError

    with pytest.raises(FieldError):
        list(CarePlan.objects.filter(notes=SECRET))
    assert not CarePlan.objects.filter(notes__isnull=True).exists()
