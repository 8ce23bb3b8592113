"""Schemathesis against the schema the portal serves: generated calls to every operation.

The schema is read from /api/schema/ of the WSGI application, as an integrator would read it,
and every operation is called with cases generated from it (valid and invalid), as a center
admin signed in by API token, over a small clinic with a booked plan. No answer may be a 5xx,
and every answer must match the schema: a documented status code, content type and body.
The example budget is fixed and derandomized, so that the run is repeatable and bounded.
"""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from clinics.services import api_token_create
from config.wsgi import application

# Generated cases per operation (besides the coverage phase's): 15 operations, about two
# minutes on PostgreSQL with the database made.
EXAMPLES_PER_OPERATION = 15
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Called straight through WSGI, each request would end by closing the test's connection
    (it is inside the test's transaction); Django's own test client unhooks it the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(admin_user, booked_plan):
    """The token of a center admin whose center has rooms, practitioners and a booked plan."""
    _token, secret = api_token_create(user=admin_user, name="Schemathesis")
    return secret


# Read once, when the tests are collected: the schema is public and needs no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_within_its_schema_and_never_5xx(db, case, admin_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {admin_token}"}, checks=CHECKS)
