"""Re-encrypts every encrypted column under the current key, in batches, while the portal runs.

Rotation without downtime:
  1. put the new key first in FIELD_ENCRYPTION_KEYS, keeping the old one after it, and deploy:
     new writes use the new key and old rows still read;
  2. run this command: it re-encrypts rows under any other key (and rows written as plaintext
     before their column was encrypted), one batch per transaction;
  3. when it reports nothing left under the old key, take the old key out.

Each row is written back only if it still holds what was read (compare and swap), so that a
page saving the same row meanwhile, already under the new key, is never overwritten.
"""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from clinics.fields import DecryptionError, encrypted_columns, encryption_keys, reencrypt


class Command(BaseCommand):
    help = "Re-encrypt every encrypted column with the first key of FIELD_ENCRYPTION_KEYS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=500, help="Rows per transaction (default 500)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count the rows that need re-encrypting."
        )

    def handle(self, *args, batch_size: int, dry_run: bool, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            current_key_id = encryption_keys()[0][0]
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Current key: {current_key_id!r}")
        total_done = total_left = 0
        for model, field in encrypted_columns():
            if model._meta.proxy or not model._meta.managed:
                continue
            column = EncryptedColumn(model, field, current_key_id)
            label = f"{model._meta.label}.{field.name}"
            pending = column.pending_count()
            if not pending:
                continue
            if dry_run:
                self.stdout.write(f"{label}: {pending} rows to re-encrypt")
                total_left += pending
                continue
            done = 0
            for batch_done in column.reencrypt_batches(batch_size):
                done += batch_done
                self.stdout.write(f"{label}: {done}/{pending}")
            total_done += done
        if dry_run:
            self.stdout.write(f"{total_left} rows would be re-encrypted.")
        else:
            self.stdout.write(
                self.style.SUCCESS(f"Re-encrypted {total_done} rows under key {current_key_id!r}.")
            )


class EncryptedColumn:
    """One encrypted column, read and written with plain SQL so that no value is decrypted
    into a model instance and saved with side effects (history rows, signals)."""

    def __init__(self, model, field, current_key_id: str) -> None:
        quote = connection.ops.quote_name
        self.table = quote(model._meta.db_table)
        self.pk = quote(model._meta.pk.column)
        self.column = quote(field.column)
        escaped = current_key_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        self.current_pattern = f"enc:{escaped}:%"
        # Rows that hold text not yet under the current key.
        self.pending_where = (
            f"{self.column} IS NOT NULL AND {self.column} <> '' "
            f"AND {self.column} NOT LIKE %s ESCAPE '\\'"
        )

    def pending_count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*) FROM {self.table} WHERE {self.pending_where}",
                [self.current_pattern],
            )
            return cursor.fetchone()[0]

    def reencrypt_batches(self, batch_size: int):
        """Yields how many rows each batch re-encrypted, one transaction per batch."""
        last_pk = None
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                after = "" if last_pk is None else f"AND {self.pk} > %s "
                cursor.execute(
                    f"SELECT {self.pk}, {self.column} FROM {self.table} "
                    f"WHERE {self.pending_where} {after}ORDER BY {self.pk} LIMIT %s",
                    [self.current_pattern, *([] if last_pk is None else [last_pk]), batch_size],
                )
                rows = cursor.fetchall()
                if not rows:
                    return
                written = 0
                for pk, stored in rows:
                    try:
                        new_value = reencrypt(stored)
                    except (ImproperlyConfigured, DecryptionError) as error:
                        raise CommandError(f"{self.table} row {pk}: {error}") from error
                    cursor.execute(
                        f"UPDATE {self.table} SET {self.column} = %s "
                        f"WHERE {self.pk} = %s AND {self.column} = %s",
                        [new_value, pk, stored],
                    )
                    written += cursor.rowcount
                last_pk = rows[-1][0]
            yield written
