"""Scheduling writes, one module per job.

- `runs`: storing runs (queue one for the job worker, solve a problem into one).
- `booking`: a solved run's placements become sessions, all or nothing.
- `care_plans`: place and book a care plan's steps (the one solve-and-apply path).
- `replanning`: move booked sessions (other times, sick leave, a day's over-runs).
"""
