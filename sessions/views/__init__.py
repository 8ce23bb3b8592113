"""The practitioner's pages on the clinic floor: My day, the session runner, the offline worker."""
