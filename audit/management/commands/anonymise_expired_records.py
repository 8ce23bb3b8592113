"""Anonymises the records of patients whose last contact is older than the retention period.

Meant to run daily (cron or a django-q2 schedule). Each patient is done in its own
transaction and logged as an erasure on their record's audit trail.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandParser

from audit.records import patient_anonymise, patients_past_retention


class Command(BaseCommand):
    help = "Anonymise patient records past PATIENT_RECORD_RETENTION_DAYS since last contact."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Only list the records that are due."
        )

    def handle(self, *args, dry_run: bool, **options) -> None:
        days = settings.PATIENT_RECORD_RETENTION_DAYS
        due = list(patients_past_retention())
        self.stdout.write(f"{len(due)} records past the retention period of {days} days.")
        done = 0
        for patient in due:
            if dry_run:
                self.stdout.write(f"would anonymise patient {patient.pk}")
                continue
            try:
                patient_anonymise(patient=patient)
            except ValidationError as refusal:
                # A session booked since the list was made: the record is in use again.
                self.stdout.write(f"patient {patient.pk} kept: {' '.join(refusal.messages)}")
            else:
                done += 1
                self.stdout.write(f"anonymised patient {patient.pk}")
        if not dry_run:
            self.stdout.write(self.style.SUCCESS(f"Anonymised {done} records."))
