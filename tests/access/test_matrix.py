"""The access matrix: every URL the portal serves × every role × own / other center (or patient).

The URL list comes from the URL conf itself (tests/urlwalk.py), so a URL added anywhere shows up
here; one without an entry in ACCESS fails `test_every_url_has_an_entry` naming it. Each cell
(URL, role, whose object) is its own test id, e.g. `session_runner-practitioner-other_center`.

A cell is *allowed* when the page answers 2xx, or 3xx anywhere but the sign-in page; a POST-only
view (GET answers 405) is POSTed with an empty body, where a 4xx form error (400/409/422) also
counts as reaching it. A cell is *refused* on 401/403/404, or a redirect to the sign-in page.
An object URL has three columns: the signed-in user's own object (own center, own patient, own
practitioner), a neighbour's (same center, another patient and practitioner) and another
center's. Objects of another center are refused to everyone: that column is not declared per URL
because no URL may ever open one. The API is reached with the browser's session here; a token
acts as its user (clinics.authentication), so it reaches the same cells.
"""

from dataclasses import dataclass, field

import pytest
from django.urls import reverse
from django.utils import timezone

from clinics.choices import Role
from clinics.services import api_token_create
from integrations.models import CalendarFeed
from notifications.models import OutboxStatus
from patients.models import DischargeSummary
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
    PractitionerProfileFactory,
    ProtocolVersionFactory,
    RuleFiringFactory,
    SchedulingRunFactory,
    StockAlertFactory,
    TherapySessionFactory,
    UserFactory,
    WaitlistEntryFactory,
    WaitlistOfferFactory,
)

ROLES = ("admin", "director", "practitioner", "patient", "anonymous")
STAFF = frozenset({"admin", "director"})
NOBODY = frozenset()
# Whose object a cell opens: the signed-in user's own (own center, own patient, own
# practitioner), a neighbour's (same center, another patient and practitioner), another center's.
OWN, NEIGHBOUR, OTHER_CENTER = "own", "neighbour", "other_center"

# Besides the routes that are not our views (tests.urlwalk.NOT_OURS), these, and why.
SKIPPED_NAMES = {
    "healthz": "the load balancer's liveness probe: public by design, no data",
    "favicon": "an image: public by design",
    "metrics": "gated by the caller's address or a bearer token, not by role "
    "(tests/observability covers it)",
    "calendar_feed": "a calendar app's feed: its secret address is the key, not a sign-in "
    "(tests/console/test_feeds.py: unknown or revoked 404, another user's holds none of theirs)",
}


@dataclass(frozen=True)
class Access:
    """Who reaches one URL.

    `allow`: roles that reach it (for an object URL: on their own object). `neighbour`: roles
    that reach a same-center object of another patient/practitioner (object URLs only).
    `obj`: which object fills the URL's kwargs (None for a URL without any). `post`: a
    POST-only view, exercised with an empty POST, or with `{body: object id}` for an API
    that names its object in the body rather than the URL.
    """

    allow: frozenset = NOBODY
    obj: str | None = None
    neighbour: frozenset = NOBODY
    post: bool = False
    kwargs: dict = field(default_factory=dict)
    body: str | None = None
    body_extra: dict = field(default_factory=dict)


def _a(*roles):
    return frozenset(roles)


ALL_SIGNED_IN = _a("admin", "director", "practitioner", "patient")
EVERYONE = _a(*ROLES)

# The one table: URL name -> who may reach it. Keep it sorted by app, as the URL conf is.
ACCESS = {
    # clinics
    # A redirect to each role's landing page; the anonymous are sent to sign in.
    "home": Access(allow=ALL_SIGNED_IN),
    "no_role": Access(allow=ALL_SIGNED_IN),
    "api_tokens": Access(allow=ALL_SIGNED_IN),
    "api_token_revoke": Access(allow=ALL_SIGNED_IN, obj="token", post=True),
    # integrations: the account page with its calendar feeds
    "account": Access(allow=ALL_SIGNED_IN),
    # audit: a patient's download of their own whole record
    "patient_record_export": Access(allow=_a("patient")),
    "calendar_feed_revoke": Access(allow=ALL_SIGNED_IN, obj="calendar_feed", post=True),
    # console
    "console": Access(allow=STAFF),
    "console_analytics": Access(allow=STAFF),
    "console_analytics_csv": Access(allow=STAFF),
    "console_utilisation": Access(allow=STAFF),
    "console_reminders": Access(allow=STAFF),
    "console_centers": Access(allow=STAFF),
    "console_adherence": Access(allow=STAFF),
    "console_bottlenecks": Access(allow=STAFF),
    "console_outcome_trends": Access(allow=STAFF),
    "console_calendar": Access(allow=STAFF),
    "console_inventory": Access(allow=STAFF),
    "console_inventory_reorder": Access(allow=STAFF),
    "console_stock_alert_reordered": Access(
        allow=STAFF, obj="stock_alert", neighbour=STAFF, post=True
    ),
    # Setting a center up is its admin's work, not the medical director's.
    "console_import": Access(allow=_a("admin")),
    "console_import_template": Access(allow=_a("admin"), kwargs={"kind": "rooms"}),
    "console_calendar_session": Access(allow=STAFF, obj="session", neighbour=STAFF),
    # Protocols and packages: the center's admins and directors, on the center's own.
    "console_protocols": Access(allow=STAFF),
    "console_protocol": Access(allow=STAFF, obj="protocol", neighbour=STAFF),
    "console_protocol_version": Access(allow=STAFF, obj="protocol_version", neighbour=STAFF),
    "console_protocol_edit": Access(allow=STAFF, obj="protocol", neighbour=STAFF),
    "console_packages": Access(allow=STAFF),
    "console_package_new": Access(allow=STAFF),
    "console_package_edit": Access(allow=STAFF, obj="package", neighbour=STAFF),
    "console_package_start": Access(allow=STAFF, obj="package", neighbour=STAFF),
    # Practitioners follow their center's patients' outcomes as directors do.
    "console_outcomes": Access(allow=_a("admin", "director", "practitioner")),
    # Admins read and print a discharge summary; clinicians also sign it (tested in
    # tests/console/test_discharge.py).
    "console_care_plan_discharge": Access(
        allow=_a("admin", "director", "practitioner"),
        obj="care_plan",
        neighbour=_a("admin", "director", "practitioner"),
    ),
    "console_care_plan_discharge_pdf": Access(
        allow=_a("admin", "director", "practitioner"),
        obj="care_plan",
        neighbour=_a("admin", "director", "practitioner"),
    ),
    "console_patient_progress": Access(
        allow=_a("admin", "director", "practitioner"),
        obj="patient",
        neighbour=_a("admin", "director", "practitioner"),
    ),
    # sessions: the practitioner's day and runner
    "my_day": Access(allow=_a("practitioner")),
    "floor_service_worker": Access(allow=EVERYONE),
    "session_runner": Access(
        allow=_a("admin", "practitioner"), obj="session", neighbour=_a("admin")
    ),
    "runner_status": Access(
        allow=_a("admin", "practitioner"), obj="session", neighbour=_a("admin"), post=True
    ),
    "runner_tick": Access(
        allow=_a("admin", "practitioner"), obj="session", neighbour=_a("admin"), post=True
    ),
    "runner_timer": Access(
        allow=_a("admin", "practitioner"), obj="session", neighbour=_a("admin"), post=True
    ),
    "runner_vitals": Access(
        allow=_a("admin", "practitioner"), obj="session", neighbour=_a("admin"), post=True
    ),
    "runner_dosage": Access(
        allow=_a("admin", "practitioner"), obj="session", neighbour=_a("admin"), post=True
    ),
    "runner_materials": Access(
        allow=_a("admin", "practitioner"), obj="session", neighbour=_a("admin"), post=True
    ),
    "runner_notes": Access(
        allow=_a("admin", "practitioner"), obj="session", neighbour=_a("admin"), post=True
    ),
    "runner_incidents": Access(
        allow=_a("admin", "practitioner"), obj="session", neighbour=_a("admin"), post=True
    ),
    "runner_incident_step": Access(
        allow=_a("admin", "practitioner"), obj="incident", neighbour=_a("admin"), post=True
    ),
    "runner_queued_write": Access(
        allow=_a("admin", "practitioner"), obj="session", neighbour=_a("admin"), post=True
    ),
    # The practitioners of a center watch its board too (tests/sessions/test_board.py).
    "center_board": Access(allow=_a("admin", "director", "practitioner")),
    # notifications
    "notifications_inbox": Access(allow=_a("patient")),
    "notifications_inbox_read": Access(allow=_a("patient"), obj="in_app", post=True),
    "notifications_inbox_read_all": Access(allow=_a("patient"), post=True),
    "notifications_preferences": Access(allow=_a("patient")),
    "notifications_session_messages": Access(
        allow=_a("admin", "director", "practitioner"), obj="session", neighbour=STAFF
    ),
    "notifications_failed": Access(allow=STAFF),
    "notifications_failed_retry": Access(
        allow=STAFF, obj="failed_message", neighbour=STAFF, post=True
    ),
    "api_notifications_test": Access(allow=STAFF, post=True),
    # Twilio's webhooks: only a request signed with the account's token gets in (none here).
    "twilio_inbound_sms": Access(post=True),
    "twilio_delivery_status": Access(post=True),
    # feedback: practitioners make the calls, so they work the tasks as admins and directors do
    "clinician_tasks": Access(allow=_a("admin", "director", "practitioner")),
    # A patient's phone subscribes itself (409 while Web Push is not set up, 400 for a body
    # that is no subscription); staff alerts are each staff member's own.
    "notifications_push_subscribe": Access(allow=_a("patient"), post=True),
    "notifications_push_unsubscribe": Access(allow=_a("patient"), post=True),
    "notifications_alerts": Access(allow=_a("admin", "director", "practitioner")),
    "notifications_alerts_read": Access(allow=_a("admin", "director", "practitioner"), post=True),
    "clinician_task_done": Access(
        allow=_a("admin", "director", "practitioner"),
        obj="task",
        neighbour=_a("admin", "director", "practitioner"),
        post=True,
    ),
    "my_day_clinician_tasks": Access(allow=_a("admin", "director", "practitioner")),
    "patient_adaptations": Access(
        allow=_a("admin", "director", "practitioner"),
        obj="patient",
        neighbour=_a("admin", "director", "practitioner"),
    ),
    "rule_firing_reverse": Access(
        allow=_a("admin", "director", "practitioner"),
        obj="firing",
        neighbour=_a("admin", "director", "practitioner"),
        post=True,
    ),
    # A whole answer, so that only whose session it is can refuse it (not a missing field).
    "api_feedback": Access(
        allow=_a("patient"),
        obj="session",
        post=True,
        body="session_id",
        body_extra={"symptom_relief": 6, "experience": "yes_definitely"},
    ),
    # portal and intake
    "portal_home": Access(allow=_a("patient")),
    "portal_timeline": Access(allow=_a("patient")),
    "portal_progress": Access(allow=_a("patient")),
    # Once signed: a draft stays with the clinicians.
    "portal_discharge_pdf": Access(allow=_a("patient"), obj="signed_care_plan"),
    "portal_session_feedback": Access(allow=_a("patient"), obj="session"),
    # MYMOP is the patient's own measure: staff neither read nor answer it here.
    "portal_mymop": Access(allow=_a("patient")),
    "patient_intake": Access(allow=_a("patient")),
    "patient_intake_dosha": Access(allow=_a("patient")),
    "patient_intake_health": Access(allow=_a("patient")),
    "patient_intake_consents": Access(allow=_a("patient")),
    "patient_intake_preferences": Access(allow=_a("patient")),
    # A patient books for themselves; staff book through the console's care plans.
    "portal_book": Access(allow=_a("patient")),
    "portal_book_plan": Access(allow=_a("patient"), obj="care_plan"),
    "portal_book_confirm": Access(allow=_a("patient"), obj="care_plan", post=True),
    # scheduling
    "care_plans": Access(allow=STAFF),
    "care_plan_detail": Access(allow=STAFF, obj="care_plan", neighbour=STAFF),
    "care_plan_auto_schedule": Access(allow=STAFF, obj="care_plan", neighbour=STAFF, post=True),
    "care_plan_earliest_start": Access(allow=STAFF, obj="care_plan", neighbour=STAFF),
    "care_plan_book_remaining": Access(allow=STAFF, obj="care_plan", neighbour=STAFF, post=True),
    # Approving a held plan is a clinical decision: practitioners and directors, not admins.
    "care_plans_held": Access(allow=_a("director", "practitioner")),
    "care_plan_held_approve": Access(
        allow=_a("director", "practitioner"),
        obj="care_plan",
        neighbour=_a("director", "practitioner"),
        post=True,
    ),
    "care_plan_held_decline": Access(
        allow=_a("director", "practitioner"),
        obj="care_plan",
        neighbour=_a("director", "practitioner"),
        post=True,
    ),
    "scheduling_run": Access(allow=STAFF, obj="run", neighbour=STAFF),
    "scheduling_run_apply": Access(allow=STAFF, obj="run", neighbour=STAFF, post=True),
    "scheduling_run_retry": Access(allow=STAFF, obj="run", neighbour=STAFF, post=True),
    "scheduling_run_discard": Access(allow=STAFF, obj="run", neighbour=STAFF, post=True),
    "scheduling_run_problem": Access(allow=STAFF, obj="run", neighbour=STAFF),
    "scheduling_run_solution": Access(allow=STAFF, obj="solved_run", neighbour=STAFF),
    "session_reschedule": Access(allow=STAFF, obj="session", neighbour=STAFF),
    "session_cancel": Access(allow=STAFF, obj="session", neighbour=STAFF, post=True),
    "sick_leave": Access(allow=STAFF),
    "center_replan_today": Access(allow=STAFF, obj="center", neighbour=STAFF, post=True),
    # waitlist: a patient's own waits and offers; a center's staff see and answer all of its
    "waitlist_portal": Access(allow=_a("patient")),
    "waitlist_console": Access(allow=STAFF),
    "waitlist_match": Access(allow=STAFF, obj="center", neighbour=STAFF, post=True),
    "waitlist_entry_withdraw": Access(
        allow=_a("admin", "director", "patient"), obj="waitlist_entry", neighbour=STAFF, post=True
    ),
    "waitlist_offer_accept": Access(
        allow=_a("admin", "director", "patient"), obj="waitlist_offer", neighbour=STAFF, post=True
    ),
    "waitlist_offer_decline": Access(
        allow=_a("admin", "director", "patient"), obj="waitlist_offer", neighbour=STAFF, post=True
    ),
    # A patient's own waits, or their centers' to staff; practitioners book nothing here.
    "api_waitlist": Access(allow=_a("admin", "director", "patient")),
    # API
    "api_schema": Access(allow=EVERYONE),
    "api_docs": Access(allow=EVERYONE),
    "api_schedule_auto": Access(
        allow=STAFF, obj="care_plan", neighbour=STAFF, post=True, body="care_plan"
    ),
    "api_schedule_run": Access(allow=STAFF, obj="run", neighbour=STAFF),
    "api_care_plan_book_remaining": Access(
        allow=STAFF, obj="care_plan", neighbour=STAFF, post=True
    ),
    # Lists answer everyone signed in, each with what the caller may see (maybe nothing).
    "api_schedule_runs": Access(allow=ALL_SIGNED_IN),
    "api_sessions": Access(allow=ALL_SIGNED_IN),
    "api_session": Access(allow=ALL_SIGNED_IN, obj="session", neighbour=STAFF),
    "api_centers": Access(allow=ALL_SIGNED_IN),
    "api_rooms": Access(allow=ALL_SIGNED_IN),
    "api_practitioners": Access(allow=ALL_SIGNED_IN),
    "api_protocols": Access(allow=ALL_SIGNED_IN),
    "api_patients": Access(allow=STAFF, post=True),
    # An unknown protocol: the patient is looked up first, so only whose patient it is refuses.
    "api_care_plans": Access(
        allow=STAFF,
        obj="patient",
        neighbour=STAFF,
        post=True,
        body="patient",
        body_extra={"protocol": 2**31 - 1, "start_date": "2030-01-07"},
    ),
    # The patient's own, and any patient of the center to its staff and practitioners.
    "api_progress": Access(
        allow=ALL_SIGNED_IN, obj="patient", neighbour=_a("admin", "director", "practitioner")
    ),
}


def served_urls():
    """name -> the URL (its first pattern of that name) for every URL the matrix covers."""
    found = {}
    for url in urlwalk.served_urls(skip_names=SKIPPED_NAMES):
        found.setdefault(url.name, url)
    return found


URLS = served_urls()


def test_every_url_has_an_entry():
    missing = sorted(name for name in URLS if name not in ACCESS)
    assert not missing, f"URLs without an entry in tests/access/test_matrix.py ACCESS: {missing}"


def _cells():
    for name in URLS:
        access = ACCESS.get(name)
        if access is None:
            continue  # test_every_url_has_an_entry names it
        whose = (OWN, NEIGHBOUR, OTHER_CENTER) if access.obj else (None,)
        for role in ROLES:
            for owner in whose:
                cell_id = f"{name}-{role}" + (f"-{owner}" if owner else "")
                yield pytest.param(name, role, owner, id=cell_id)


class World:
    """The rows one cell needs, made on first use: a cell builds only its own objects."""

    # conftest's fixture for each role; the director has none there.
    FIXTURES = {
        "admin": "admin_user",
        "practitioner": "practitioner_user",
        "patient": "patient_user",
    }

    def __init__(self, request):
        self.request = request
        self.center = request.getfixturevalue("center")

    def user(self, role):
        """The user signed in as `role` (None for the anonymous), made only when asked for."""
        if role == "anonymous":
            return None
        if role == "director":
            director = UserFactory(email="director@kerala.example.org")
            if not director.memberships.exists():
                MembershipFactory(user=director, center=self.center, role=Role.MEDICAL_DIRECTOR)
            return director
        return self.request.getfixturevalue(self.FIXTURES[role])

    def _center_of(self, owner):
        if owner == OTHER_CENTER:
            return self.request.getfixturevalue("other_center")
        return self.center

    def patient(self, owner):
        if owner == OWN:
            return self.user("patient").patient_profile
        user = UserFactory(email=f"{owner}-patient@example.org")
        return PatientFactory(user=user, center=self._center_of(owner))

    def practitioner(self, owner):
        if owner == OWN:
            return self.user("practitioner").practitioner_profile
        user = UserFactory(email=f"{owner}-vaidya@example.org")
        MembershipFactory(user=user, center=self._center_of(owner), role=Role.PRACTITIONER)
        return PractitionerProfileFactory(user=user)

    def session(self, owner, **extra):
        return TherapySessionFactory(
            center=self._center_of(owner),
            patient=self.patient(owner),
            practitioner=self.practitioner(owner),
            **extra,
        )

    def kwargs(self, obj, owner, role):  # noqa: C901 (one short branch per object kind)
        """The URL kwargs naming an object of `obj` kind that belongs to `owner`."""
        if obj == "session":
            return {"pk": self.session(owner).pk}
        if obj == "incident":
            incident = IncidentFactory(session=self.session(owner))
            return {"pk": incident.session_id, "incident_pk": incident.pk}
        if obj == "patient":
            return {"pk": self.patient(owner).pk}
        if obj == "care_plan":
            return {"pk": CarePlanFactory(patient=self.patient(owner)).pk}
        if obj == "signed_care_plan":
            plan = CarePlanFactory(patient=self.patient(owner))
            DischargeSummary.objects.create(
                care_plan=plan,
                aftercare="Rest and warm water.",
                signed_by=UserFactory(email=f"{owner}-signer@example.org"),
                signed_at=timezone.now(),
            )
            return {"pk": plan.pk}
        if obj == "run":
            return {"pk": SchedulingRunFactory(center=self._center_of(owner)).pk}
        if obj == "solved_run":
            # Only the file's being there matters to its download, not what it holds.
            run = SchedulingRunFactory(center=self._center_of(owner), solution={"plans": []})
            return {"pk": run.pk}
        if obj == "center":
            return {"center_id": self._center_of(owner).pk}
        if obj == "task":
            task = ClinicianTaskFactory(center=self._center_of(owner), patient=self.patient(owner))
            return {"pk": task.pk}
        if obj == "firing":
            firing = RuleFiringFactory(center=self._center_of(owner), patient=self.patient(owner))
            return {"pk": firing.pk}
        if obj == "in_app":
            return {"pk": InAppNotificationFactory(patient=self.patient(owner)).pk}
        if obj == "failed_message":
            message = OutboxMessageFactory(patient=self.patient(owner), status=OutboxStatus.FAILED)
            return {"pk": message.pk}
        if obj == "token":
            # A user's own token, else someone else's (of the same or the other center).
            owner_user = self.user(role) if owner == OWN else None
            if owner_user is None:
                owner_user = UserFactory(email=f"{owner}-token@example.org")
            token, _secret = api_token_create(user=owner_user, name="Lab integration")
            return {"pk": token.pk}
        if obj == "stock_alert":
            consumable = ConsumableFactory(center=self._center_of(owner), stock_quantity=900)
            return {"pk": StockAlertFactory(consumable=consumable).pk}
        if obj == "calendar_feed":
            # A user's own feed, else someone else's (of the same or the other center).
            owner_user = self.user(role) if owner == OWN else None
            if owner_user is None:
                owner_user = UserFactory(email=f"{owner}-feed@example.org")
            feed = CalendarFeed.objects.create(
                user=owner_user, kind=CalendarFeed.Kind.PATIENT, key_hash=owner + role
            )
            return {"pk": feed.pk}
        if obj == "waitlist_entry":
            return {"pk": WaitlistEntryFactory(patient=self.patient(owner)).pk}
        if obj == "waitlist_offer":
            return {"pk": WaitlistOfferFactory(entry__patient=self.patient(owner)).pk}
        if obj in ("protocol", "protocol_version"):
            # A protocol of the owner's center (a shared one would be every center's).
            version = ProtocolVersionFactory(template__center=self._center_of(owner), version=1)
            named = {"pk": version.template_id}
            return named | {"number": 1} if obj == "protocol_version" else named
        if obj == "package":
            return {"pk": PackageTemplateFactory(center=self._center_of(owner)).pk}
        raise AssertionError(f"no builder for object kind {obj!r}")


def _is_login_redirect(response):
    return response.status_code in (301, 302, 303, 307, 308) and response.url.startswith(
        reverse("account_login")
    )


def _verdict(response, *, posted):
    """'allowed' or 'refused', or the unexpected status as text."""
    code = response.status_code
    if code in (401, 403, 404) or _is_login_redirect(response):
        return "refused"
    if 200 <= code < 400:
        return "allowed"
    if posted and code in (400, 409, 422):
        return "allowed"  # reached the view: it refused the empty form, not the user
    return f"unexpected {code}"


@pytest.mark.parametrize(("name", "role", "owner"), list(_cells()))
def test_access(db, client, request, name, role, owner):
    access = ACCESS[name]
    world = World(request)
    kwargs, body = dict(access.kwargs), {}
    if access.obj:
        named = world.kwargs(access.obj, owner, role)
        converters = URLS[name].keywords
        if access.body:
            body = {access.body: named["pk"], **access.body_extra}
        elif "pk" in named and "pk" not in converters and len(converters) == 1:
            kwargs[converters[0]] = named["pk"]  # e.g. <int:session_id>
        else:
            kwargs.update(named)
    url = reverse(name, kwargs=kwargs or None)
    user = world.user(role)
    if user is not None:
        client.force_login(user)

    if owner in (None, OWN):
        expected = "allowed" if role in access.allow else "refused"
    elif owner == NEIGHBOUR:
        expected = "allowed" if role in access.neighbour else "refused"
    else:
        expected = "refused"

    response = client.get(url)
    posted = False
    if response.status_code == 405:
        assert access.post, f"{name}: GET answers 405; mark it post=True in ACCESS"
        response = client.post(url, body)
        posted = True
    got = _verdict(response, posted=posted)
    location = f" -> {response.url}" if 300 <= response.status_code < 400 else ""
    assert got == expected, (
        f"{name} as {role} on {owner or 'no object'}: expected {expected}, "
        f"got {got} ({response.status_code}{location}) for {url}"
    )
