"""The scheduling fixtures (a center with rooms, practitioners and a protocol) for these tests."""

from tests.scheduling.conftest import clinic, jobs  # noqa: F401
