"""Scheduling pages for clinic admins, one module per subject: care plans, runs, re-planning."""
