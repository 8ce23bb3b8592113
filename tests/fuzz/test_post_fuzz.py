"""A fuzz test of every POST in the URL conf, as every role, with hypothesis-generated values.

The URL patterns come from the URL conf (tests/urlwalk.py, shared with the access matrix) rather
than a hand-written list, so a new view is fuzzed (or fails here, naming itself) without anyone
remembering to add it. For each pattern the test fills the URL's ids with real objects of the
own center, sends an empty POST as each role (a 405 from any role marks the view GET-only) and
then hypothesis-generated bodies built from the field names of the page's form (or the API's
OpenAPI request schema). It asserts what a user relies on: no answer is a 5xx, a 4xx says
something, a read-only page answers POST with 405 rather than with itself, and a refused request
(4xx, a redirect to the login page, or a form re-rendered with its errors) leaves every table
exactly as it was (row count and checksum).
"""

import functools
import json
import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.shortcuts import resolve_url
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from clinics.choices import Role
from clinics.services import api_token_create
from integrations.services import calendar_feed_create
from notifications.models import OutboxStatus
from tests import urlwalk
from tests.factories import (
    CarePlanFactory,
    ClinicianTaskFactory,
    ConsumableFactory,
    InAppNotificationFactory,
    IncidentFactory,
    MembershipFactory,
    OutboxMessageFactory,
    PackageTemplateFactory,
    PatientFactory,
    ProtocolVersionFactory,
    RuleFiringFactory,
    SchedulingRunFactory,
    StockAlertFactory,
    TherapySessionFactory,
    UserFactory,
    WaitlistEntryFactory,
    WaitlistOfferFactory,
)

pytestmark = pytest.mark.django_db

# Where each URL keyword's value comes from, per URL name: an object of the own center, made by
# `own_objects` below. A POST URL whose keyword is missing here fails the test, naming itself.
KWARG_SOURCES = {
    ("api_token_revoke", "pk"): "api_token",
    ("calendar_feed_revoke", "pk"): "calendar_feed",
    # A calendar app's feed is addressed by its secret rather than an id (GET only).
    ("calendar_feed", "secret"): "calendar_feed_secret",
    ("console_import_template", "kind"): "import_kind",
    ("console_stock_alert_reordered", "pk"): "stock_alert",
    ("console_calendar_session", "pk"): "session",
    ("console_protocol", "pk"): "protocol",
    ("console_protocol_version", "pk"): "protocol",
    ("console_protocol_version", "number"): "protocol_version_number",
    ("console_protocol_edit", "pk"): "protocol",
    ("console_package_edit", "pk"): "package",
    ("console_package_start", "pk"): "package",
    ("session_runner", "pk"): "session",
    ("runner_status", "pk"): "session",
    ("runner_tick", "pk"): "session",
    ("runner_timer", "pk"): "session",
    ("runner_vitals", "pk"): "session",
    ("runner_dosage", "pk"): "session",
    ("runner_materials", "pk"): "session",
    ("runner_notes", "pk"): "session",
    ("runner_incidents", "pk"): "session",
    ("runner_incident_step", "pk"): "session",
    ("runner_incident_step", "incident_pk"): "incident",
    ("runner_queued_write", "pk"): "session",
    ("notifications_inbox_read", "pk"): "in_app_notification",
    ("notifications_session_messages", "session_id"): "session",
    ("notifications_failed_retry", "pk"): "failed_message",
    ("portal_session_feedback", "session_id"): "finished_session",
    ("care_plan_detail", "pk"): "care_plan",
    ("console_care_plan_discharge", "pk"): "care_plan",
    ("console_care_plan_discharge_pdf", "pk"): "care_plan",
    ("portal_discharge_pdf", "pk"): "care_plan",
    ("care_plan_auto_schedule", "pk"): "care_plan",
    ("care_plan_earliest_start", "pk"): "care_plan",
    ("care_plan_book_remaining", "pk"): "care_plan",
    ("api_care_plan_book_remaining", "pk"): "care_plan",
    ("care_plan_held_approve", "pk"): "care_plan",
    ("care_plan_held_decline", "pk"): "care_plan",
    ("portal_book_plan", "pk"): "care_plan",
    ("portal_book_confirm", "pk"): "care_plan",
    ("scheduling_run", "pk"): "run",
    ("scheduling_run_apply", "pk"): "run",
    ("scheduling_run_retry", "pk"): "run",
    ("scheduling_run_discard", "pk"): "run",
    ("scheduling_run_problem", "pk"): "run",
    ("scheduling_run_solution", "pk"): "run",
    ("session_reschedule", "pk"): "session",
    ("session_cancel", "pk"): "session",
    ("center_replan_today", "center_id"): "center",
    ("api_schedule_run", "pk"): "run",
    ("api_session", "pk"): "session",
    ("clinician_task_done", "pk"): "clinician_task",
    ("rule_firing_reverse", "pk"): "rule_firing",
    ("patient_adaptations", "patient_id"): "patient",
    ("console_patient_progress", "patient_id"): "patient",
    ("api_progress", "patient_id"): "patient",
    ("waitlist_match", "center_id"): "center",
    ("waitlist_entry_withdraw", "pk"): "waitlist_entry",
    ("waitlist_offer_accept", "pk"): "waitlist_offer",
    ("waitlist_offer_decline", "pk"): "waitlist_offer",
}

# Field names sent when a page shows no form and the API declares no request body.
GENERIC_FIELDS = [
    "id",
    "pk",
    "center",
    "patient",
    "session",
    "care_plan",
    "practitioner",
    "room",
    "status",
    "start_date",
    "starts_at",
    "ends_at",
    "date",
    "note",
    "reason",
    "value",
]

NOT_EXISTING_ID = "999999999"
NASTY_TEXT = [
    "",
    " ",
    "x" * 5000,
    "0001-01-01",
    "9999-12-31",
    "9999-12-31T23:59:59",
    "1900-02-29",
    "2026-13-45",
    "25:61",
    NOT_EXISTING_ID,
    "-1",
    "0",
    "2147483648",
    "1e309",
    "NaN",
    "true",
    "null",
    "[]",
    "{}",
    "अभ्यंग स्वेदन 🌿",
    "\u202e\u0000",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
]
EXAMPLES_PER_ROLE = 3
ROLES = ["admin", "director", "practitioner", "patient", "outsider", "anonymous"]
FIELD_NAME = re.compile(r"<(?:input|select|textarea)\b[^>]*\bname=\"([^\"]+)\"", re.IGNORECASE)
NOT_FIELDS = {"csrfmiddlewaretoken"}
FORM_TAG = re.compile(r"<form\b[^>]*>", re.IGNORECASE)
ATTRIBUTE = re.compile(r"\b([\w-]+)=\"([^\"]*)\"")
HX_POST = re.compile(r"\bhx-post=\"([^\"]*)\"")


@pytest.fixture
def director(center):
    user = UserFactory(email="director@kerala.example.org", first_name="Lakshmi", last_name="Das")
    MembershipFactory(user=user, center=center, role=Role.MEDICAL_DIRECTOR)
    return user


@pytest.fixture
def own_objects(center, practitioner, patient, patient_user, admin_user):
    """One object of each kind a URL can name, all in the own center."""
    session = TherapySessionFactory(center=center, patient=patient, practitioner=practitioner)
    finished = TherapySessionFactory(
        center=center,
        patient=patient,
        practitioner=practitioner,
        therapy=session.therapy,
        room=session.room,
        starts_at=session.starts_at.replace(year=session.starts_at.year - 1),
        ends_at=session.ends_at.replace(year=session.ends_at.year - 1),
        status="completed",
    )
    token, _secret = api_token_create(user=admin_user, name="Lab integration")
    feed, feed_secret = calendar_feed_create(user=patient_user, kind="patient")
    return {
        "session": session,
        "finished_session": finished,
        "incident": IncidentFactory(session=session),
        "care_plan": CarePlanFactory(patient=patient),
        "run": SchedulingRunFactory(center=center),
        "in_app_notification": InAppNotificationFactory(patient=patient),
        "failed_message": OutboxMessageFactory(patient=patient, status=OutboxStatus.FAILED),
        "api_token": token,
        "calendar_feed": feed,
        "calendar_feed_secret": feed_secret,
        "import_kind": "rooms",
        "stock_alert": StockAlertFactory(consumable=ConsumableFactory(center=center)),
        "clinician_task": ClinicianTaskFactory(center=center, patient=patient),
        "rule_firing": RuleFiringFactory(center=center, patient=patient),
        "center": center,
        "patient": patient,
        "waitlist_entry": WaitlistEntryFactory(patient=patient),
        "waitlist_offer": WaitlistOfferFactory(entry__patient=patient),
        "protocol": ProtocolVersionFactory(template__center=center, version=1).template,
        "protocol_version_number": 1,
        "package": PackageTemplateFactory(center=center),
    }


@pytest.fixture
def foreign_ids(other_center):
    """Ids of the other center's objects: sending them must never reach into that center."""
    foreign_patient = PatientFactory(center=other_center)
    session = TherapySessionFactory(center=other_center, patient=foreign_patient)
    plan = CarePlanFactory(patient=foreign_patient)
    run = SchedulingRunFactory(center=other_center)
    return [str(pk) for pk in (other_center.pk, foreign_patient.pk, session.pk, plan.pk, run.pk)]


@pytest.fixture
def clients(admin_user, director, practitioner_user, patient_user, outsider):
    users = {
        "admin": admin_user,
        "director": director,
        "practitioner": practitioner_user,
        "patient": patient_user,
        "outsider": outsider,
        "anonymous": None,
    }
    result = {}
    for role, user in users.items():
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        result[role] = client
    return result


def _table_fingerprints():
    """Row count and an order-independent checksum of every table, in one query."""
    # The session table changes on every request (login, messages); it holds no clinic data.
    tables = [t for t in connection.introspection.table_names() if t != "django_session"]
    parts = [
        f"SELECT '{table}', count(*), coalesce(sum(hashtext(t::text)::bigint), 0) "
        f'FROM "{table}" t'
        for table in tables
    ]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def _changed(before, after):
    return sorted(t for t in after if before.get(t) != after[t])


@functools.cache
def _schema():
    """The OpenAPI schema drf-spectacular makes of the API, made once per run."""
    return SchemaGenerator().get_schema(request=None, public=True)


def _api_fields(path):
    """Field names of an API POST's request body, from the OpenAPI schema."""
    operation = _schema()["paths"].get(path, {}).get("post", {})
    content = operation.get("requestBody", {}).get("content", {})
    schema = next(iter(content.values()), {}).get("schema", {})
    if "$ref" in schema:
        schema = _schema()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return sorted(schema.get("properties", {}))


def _page_fields(client, url):
    """Names of the inputs on the page (or, for an action URL, on the page it belongs to)."""
    names = set()
    for candidate in (url, url.rstrip("/").rsplit("/", 1)[0] + "/"):
        response = client.get(candidate)
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            names |= set(FIELD_NAME.findall(response.content.decode(errors="replace")))
    return sorted(names - NOT_FIELDS)


def _is_login_redirect(response):
    return response.status_code in (301, 302, 303) and response.url.startswith(
        resolve_url(settings.LOGIN_URL)
    )


def _is_refusal(response):
    if 400 <= response.status_code < 500 or _is_login_redirect(response):
        return True
    body = response.content.decode(errors="replace") if response.status_code == 200 else ""
    return 'class="errorlist' in body


def _offers_a_post_here(client, url, as_json):
    """Whether the URL takes POST by design: the API declares it in its schema; a page shows a
    form (or an htmx control) that posts to the URL itself."""
    if as_json:
        return "post" in _schema()["paths"].get(url, {})
    response = client.get(url)
    if response.status_code != 200:
        return True  # a POST-only action (GET 405) or a redirect: nothing to compare with
    html = response.content.decode(errors="replace")
    for form in FORM_TAG.finditer(html):
        attributes = dict(ATTRIBUTE.findall(form.group(0)))
        if attributes.get("method", "get").lower() == "post":
            action = urlsplit(attributes.get("action", "")).path
            if action in ("", ".", url):
                return True
    return any(urlsplit(target).path == url for target in HX_POST.findall(html))


def _check_read_only(response, client, url, role, as_json):
    """A page that offers nothing to POST must not answer a POST as if it were a GET."""
    if response.status_code != 200 or _is_refusal(response):
        return
    assert _offers_a_post_here(client, url, as_json), (
        f"POST {url} as {role} answered 200, but nothing on the page posts to it: a read-only "
        "view must answer POST with 405 (require_GET or require_safe on a function view, "
        "http_method_names on a class view)"
    )


def _check(response, before, url, role, body):
    where = f"POST {url} as {role} with {body!r:.300}"
    assert response.status_code < 500, f"{where} answered {response.status_code}"
    if 400 <= response.status_code < 500 and response.status_code != 405:
        # A 405 is the method check itself; any other refusal must tell the person why.
        assert response.content.strip(), f"{where} was refused ({response.status_code}) in silence"
    if _is_refusal(response):
        changed = _changed(before, _table_fingerprints())
        assert not changed, f"{where} was refused ({response.status_code}) but changed {changed}"


def _post(client, url, body, as_json):
    if as_json:
        return client.post(url, json.dumps(body), content_type="application/json")
    return client.post(url, body)


@pytest.mark.parametrize("route", urlwalk.served_urls(), ids=lambda r: r.name)
def test_every_post_survives_bad_input_as_every_role(route, own_objects, foreign_ids, clients):
    kwargs = {}
    for keyword in route.keywords:
        source = KWARG_SOURCES.get((route.name, keyword))
        assert source, (
            f"URL {route.route!r} ({route.name}) has <{keyword}> with no object to fill it: "
            "add it to KWARG_SOURCES in tests/fuzz/test_post_fuzz.py so the view is fuzzed"
        )
        source_object = own_objects[source]
        kwargs[keyword] = getattr(source_object, "pk", source_object)
    url = route.path(kwargs)
    as_json = route.is_api

    # The empty POST, as every role: a probe for POST support and the first fuzz case too.
    accepts_post = True
    shut_out = set()
    for role in ROLES:
        before = _table_fingerprints()
        response = _post(clients[role], url, {}, as_json)
        _check(response, before, url, role, {})
        _check_read_only(response, clients[role], url, role, as_json)
        accepts_post &= response.status_code != 405
        if response.status_code in (401, 403, 404) or _is_login_redirect(response):
            shut_out.add(role)
    if not accepts_post:
        return

    if as_json:
        names = _api_fields("/" + route.route)
    else:
        names = _page_fields(clients["admin"], url) or _page_fields(clients["patient"], url)
    names = names or GENERIC_FIELDS
    values = st.one_of(
        st.sampled_from(NASTY_TEXT + foreign_ids),
        st.text(max_size=40),
        st.integers(min_value=-(2**63), max_value=2**63).map(str),
    )
    if as_json:
        # JSON bodies can carry real wrong types, not only strings.
        values = st.one_of(values, st.integers(), st.none(), st.booleans(), st.lists(values))
    bodies = st.fixed_dictionaries({}, optional=dict.fromkeys(names, values))

    for role in ROLES:
        # A role kept out of the URL altogether gets one body (enough to see that no value lets
        # it in); the fixed budget goes to the roles whose input is actually read.
        examples = 1 if role in shut_out else EXAMPLES_PER_ROLE
        _fuzz_as(role, clients[role], url, bodies, as_json, examples)()


def _fuzz_as(role, client, url, bodies, as_json, examples):
    """A hypothesis test of one URL as one role (a fresh one per role: @given takes no defaults)."""

    @hypothesis_settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(body=bodies)
    def fuzz(body):
        before = _table_fingerprints()
        _check(_post(client, url, body, as_json), before, url, role, body)

    return fuzz
