"""What the runner records: ticks and timers, vitals, dosage, materials, notes and incidents."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from clinics.models import Consumable
from sessions.models import (
    ChecklistItemResult,
    Incident,
    MaterialUsage,
    SessionLog,
    SessionNote,
    SessionStatus,
    StockAlert,
    VitalsReading,
)
from sessions.services import (
    TransitionError,
    TransitionForbidden,
    checklist_item_tick,
    checklist_timer_pause,
    checklist_timer_start,
    incident_report,
    incident_resolve,
    incident_review_start,
    material_use,
    session_note_add,
    session_transition,
    vitals_record,
)
from sessions.signals import consumable_below_reorder
from tests.factories import ConsumableFactory, ProtocolStepFactory, SOPChecklistItemFactory

pytestmark = pytest.mark.django_db

S = SessionStatus


def post(client, name, session, data):
    """A write as the runner's HTMX form sends it; the answer is the section it changed."""
    return client.post(reverse(name, args=[session.pk]), data, HTTP_HX_REQUEST="true")


@pytest.fixture
def signed_in(client, practitioner_user):
    client.force_login(practitioner_user)
    return client


@pytest.fixture
def in_session(todays_session, practitioner_user):
    for status in (S.IN_PREPARATION, S.IN_SESSION):
        todays_session = session_transition(
            session=todays_session, to_status=status, by=practitioner_user
        )
    return todays_session


# --- checklist and timers ---------------------------------------------------------------------


def test_a_tick_marks_the_step_done(signed_in, in_session, abhyanga_sop):
    response = post(signed_in, "runner_tick", in_session, {"item": abhyanga_sop[0].pk, "done": "1"})

    assert response.status_code == 200
    assert 'id="checklist"' in response.content.decode()
    assert ChecklistItemResult.objects.get(item=abhyanga_sop[0]).done


def test_a_step_after_an_unconfirmed_safety_check_is_refused(signed_in, in_session, abhyanga_sop):
    response = post(signed_in, "runner_tick", in_session, {"item": abhyanga_sop[1].pk, "done": "1"})

    assert "Confirm the safety check “Check blood pressure and ask about fever” first." in (
        response.content.decode()
    )
    assert not ChecklistItemResult.objects.filter(item=abhyanga_sop[1], done=True).exists()


def test_a_step_of_another_checklist_is_refused(signed_in, in_session, abhyanga_sop):
    stranger = SOPChecklistItemFactory()

    response = post(signed_in, "runner_tick", in_session, {"item": stranger.pk, "done": "1"})

    assert "This step is not on the session&#x27;s checklist." in response.content.decode()
    assert not ChecklistItemResult.objects.exists()


def test_a_timer_runs_on_the_server_and_survives_a_reload(
    client, signed_in, practitioner_user, in_session, abhyanga_sop
):
    massage = abhyanga_sop[2]
    checklist_item_tick(session=in_session, item=abhyanga_sop[0], by=practitioner_user)
    post(signed_in, "runner_timer", in_session, {"item": massage.pk, "action": "start"})
    # Ten minutes later on the server's clock...
    ChecklistItemResult.objects.filter(item=massage).update(
        timer_started_at=timezone.now() - timedelta(minutes=10)
    )

    # ...a reload, or the same session on a second tablet, shows the same running timer.
    page = client.get(reverse("session_runner", args=[in_session.pk])).content.decode()

    timer = re.search(
        r'data-timer data-duration="2700" data-elapsed="(\d+)" data-running="1"', page
    )
    assert timer and 600 <= int(timer.group(1)) <= 605
    assert ">35:00<" in page or ">34:59<" in page
    assert "Pause" in page


def test_a_paused_timer_keeps_its_time_and_a_reset_clears_it(
    signed_in, practitioner_user, in_session, abhyanga_sop
):
    massage = abhyanga_sop[2]
    checklist_item_tick(session=in_session, item=abhyanga_sop[0], by=practitioner_user)
    start = timezone.now() - timedelta(minutes=5)
    checklist_timer_start(session=in_session, item=massage, by=practitioner_user, at=start)
    checklist_timer_pause(
        session=in_session, item=massage, by=practitioner_user, at=start + timedelta(seconds=90)
    )
    result = ChecklistItemResult.objects.get(item=massage)
    assert (result.timer_started_at, result.timer_elapsed_seconds) == (None, 90)

    page = post(signed_in, "runner_timer", in_session, {"item": massage.pk, "action": "reset"})

    result.refresh_from_db()
    assert result.timer_elapsed_seconds == 0
    assert ">45:00<" in page.content.decode()


def test_a_timer_waits_for_the_safety_check_before_it(signed_in, in_session, abhyanga_sop):
    response = post(
        signed_in, "runner_timer", in_session, {"item": abhyanga_sop[2].pk, "action": "start"}
    )

    assert "Confirm the safety check" in response.content.decode()
    assert not ChecklistItemResult.objects.filter(timer_started_at__isnull=False).exists()


def test_ticking_a_timed_step_done_stops_its_timer(practitioner_user, in_session, abhyanga_sop):
    massage = abhyanga_sop[2]
    checklist_item_tick(session=in_session, item=abhyanga_sop[0], by=practitioner_user)
    start = timezone.now() - timedelta(minutes=45)
    checklist_timer_start(session=in_session, item=massage, by=practitioner_user, at=start)

    checklist_item_tick(session=in_session, item=massage, by=practitioner_user)

    result = ChecklistItemResult.objects.get(item=massage)
    assert result.done and result.timer_started_at is None
    assert result.timer_elapsed_seconds >= 45 * 60


# --- vitals -----------------------------------------------------------------------------------


def test_vitals_in_range_are_recorded(signed_in, practitioner_user, in_session):
    response = post(
        signed_in,
        "runner_vitals",
        in_session,
        {
            "bp_systolic": "128",
            "bp_diastolic": "82",
            "pulse": "74",
            "temperature_c": "36.8",
            "weight_kg": "64.5",
        },
    )

    reading = VitalsReading.objects.get()
    assert (reading.bp_systolic, reading.pulse, reading.weight_kg) == (128, 74, Decimal("64.5"))
    assert reading.recorded_by == practitioner_user
    assert "BP 128/82" in response.content.decode()


@pytest.mark.parametrize(
    "data, message",
    [
        (
            {"bp_systolic": "400", "bp_diastolic": "80"},
            "Systolic blood pressure of 400 mmHg is outside the plausible 60–260 mmHg",
        ),
        ({"pulse": "12"}, "Pulse of 12 /min is outside the plausible 25–220 /min"),
        ({"temperature_c": "48.0"}, "Temperature of 48.0 °C is outside the plausible"),
        ({"weight_kg": "0.5"}, "Weight of 0.5 kg is outside the plausible"),
        ({"bp_systolic": "120"}, "Give both blood pressure figures"),
        ({"bp_systolic": "80", "bp_diastolic": "90"}, "Systolic pressure must be above diastolic"),
        ({}, "Enter at least one reading."),
    ],
)
def test_implausible_vitals_are_refused_in_words(signed_in, in_session, data, message):
    response = post(signed_in, "runner_vitals", in_session, data)

    assert message in response.content.decode()
    assert not VitalsReading.objects.exists()


def test_the_vitals_service_checks_the_ranges_too(practitioner_user, in_session):
    with pytest.raises(ValidationError, match="outside the plausible"):
        vitals_record(session=in_session, by=practitioner_user, pulse=400)
    assert not VitalsReading.objects.exists()


def test_implausible_vitals_without_script_show_the_page_with_the_error(signed_in, in_session):
    response = signed_in.post(reverse("runner_vitals", args=[in_session.pk]), {"pulse": "500"})

    assert response.status_code == 400
    assert "<html" in response.content.decode()
    assert "Pulse of 500 /min is outside the plausible" in response.content.decode()


# --- dosage -----------------------------------------------------------------------------------


def test_the_dose_given_is_recorded_beside_the_planned_one(signed_in, in_session):
    response = post(
        signed_in, "runner_dosage", in_session, {"dose_given": "180", "dose_unit": "ml"}
    )

    page = response.content.decode()
    assert "Planned: <strong>200 ml</strong>" in page
    assert "Given: <strong>180 ml</strong>" in page
    assert in_session.log.dose_given == Decimal("180")


def test_a_protocol_step_plans_its_own_dose(client, practitioner_user, center, in_session):
    in_session.protocol_step = ProtocolStepFactory(
        therapy=in_session.therapy, planned_dose=Decimal("90")
    )
    in_session.save(update_fields=["protocol_step"])
    client.force_login(practitioner_user)

    page = client.get(reverse("session_runner", args=[in_session.pk])).content.decode()

    assert "Planned: <strong>90 ml</strong>" in page


@pytest.mark.parametrize("dose", ["0", "-5", "lots"])
def test_a_dose_that_is_not_a_positive_number_is_refused(signed_in, in_session, dose):
    response = post(signed_in, "runner_dosage", in_session, {"dose_given": dose})

    assert 'class="errorlist' in response.content.decode()
    assert not SessionLog.objects.filter(session=in_session).exists()


# --- materials --------------------------------------------------------------------------------


def test_materials_used_lower_the_stock(signed_in, practitioner_user, in_session):
    oil = ConsumableFactory(center=in_session.center, stock_quantity=Decimal("5000"))

    response = post(
        signed_in, "runner_materials", in_session, {"consumable": oil.pk, "quantity": "250"}
    )

    oil.refresh_from_db()
    assert oil.stock_quantity == Decimal("4750")
    assert MaterialUsage.objects.get().recorded_by == practitioner_user
    assert "250 millilitre" in response.content.decode()


def test_more_than_is_in_stock_is_refused_and_nothing_changes(signed_in, in_session, ksheerabala):
    response = post(
        signed_in,
        "runner_materials",
        in_session,
        {"consumable": ksheerabala.pk, "quantity": "1500"},
    )

    assert "Only 1200 millilitre of Ksheerabala taila is in stock, less than 1500" in (
        response.content.decode()
    )
    ksheerabala.refresh_from_db()
    assert ksheerabala.stock_quantity == Decimal("1200")
    assert not MaterialUsage.objects.exists()


def test_going_under_the_reorder_level_raises_one_alert_for_the_admins(
    practitioner_user, in_session, ksheerabala, django_capture_on_commit_callbacks
):
    heard = []
    consumable_below_reorder.connect(lambda **kw: heard.append(kw), weak=False, dispatch_uid="t")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            material_use(
                session=in_session,
                consumable=ksheerabala,
                quantity=Decimal("150"),
                by=practitioner_user,
            )
        assert not StockAlert.objects.exists()  # 1050 left: still above 1000
        with django_capture_on_commit_callbacks(execute=True):
            material_use(
                session=in_session,
                consumable=ksheerabala,
                quantity=Decimal("100"),
                by=practitioner_user,
            )
            material_use(
                session=in_session,
                consumable=ksheerabala,
                quantity=Decimal("100"),
                by=practitioner_user,
            )
    finally:
        consumable_below_reorder.disconnect(dispatch_uid="t")

    alert = StockAlert.objects.get()
    assert (alert.center, alert.consumable, alert.session) == (
        in_session.center,
        ksheerabala,
        in_session,
    )
    assert alert.stock_quantity == Decimal("950")
    assert [h["alert"] for h in heard] == [alert]
    assert Consumable.objects.get(pk=ksheerabala.pk).stock_quantity == Decimal("850")


def test_the_console_shows_the_open_stock_alert(
    client, admin_user, practitioner_user, in_session, ksheerabala
):
    material_use(
        session=in_session, consumable=ksheerabala, quantity=Decimal("300"), by=practitioner_user
    )
    client.force_login(admin_user)

    page = client.get(reverse("console")).content.decode()

    assert "Ksheerabala taila" in page and "went under its reorder level" in page


def test_a_material_of_another_center_is_refused(signed_in, in_session, other_center):
    theirs = ConsumableFactory(center=other_center)

    response = post(
        signed_in, "runner_materials", in_session, {"consumable": theirs.pk, "quantity": "10"}
    )

    assert "This material is not stocked at this center." in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.stock_quantity == Decimal("5000")


# --- notes ------------------------------------------------------------------------------------


def test_a_note_is_kept_encrypted_at_rest(signed_in, in_session):
    response = post(
        signed_in,
        "runner_notes",
        in_session,
        {"note_kind": "note", "text": "Mild sweating on the forehead at 20 minutes"},
    )

    assert "Mild sweating on the forehead at 20 minutes" in response.content.decode()
    note = SessionNote.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM therapy_sessions_sessionnote WHERE id = %s", [note.pk])
        stored = cursor.fetchone()[0]
    assert "sweating" not in stored
    assert stored.startswith("enc:")


def test_a_deviation_is_recorded_as_such(signed_in, in_session):
    post(
        signed_in,
        "runner_notes",
        in_session,
        {"note_kind": "deviation", "text": "Oil warmed twice: the first batch cooled"},
    )

    assert SessionNote.objects.get().kind == SessionNote.Kind.DEVIATION


def test_an_empty_note_is_refused(signed_in, in_session):
    response = post(signed_in, "runner_notes", in_session, {"note_kind": "note", "text": "  "})

    assert "This field is required." in response.content.decode()
    assert not SessionNote.objects.exists()


def test_nothing_more_is_recorded_in_a_cancelled_session(admin_user, todays_session):
    session_transition(session=todays_session, to_status=S.CANCELLED, by=admin_user)

    with pytest.raises(TransitionError, match="This session is Cancelled"):
        session_note_add(session=todays_session, by=admin_user, text="Late note")
    with pytest.raises(TransitionError, match="This session is Cancelled"):
        vitals_record(session=todays_session, by=admin_user, pulse=70)


# --- incidents --------------------------------------------------------------------------------


def test_an_incident_goes_from_open_through_review_to_resolved(
    client, signed_in, practitioner_user, admin_user, in_session
):
    post(
        signed_in,
        "runner_incidents",
        in_session,
        {
            "severity": "moderate",
            "near_miss": "on",
            "description": "Steam pipe touched the patient's calf; moved before a burn",
            "action_taken": "Pipe clamped",
        },
    )
    incident = Incident.objects.get()
    assert (incident.status, incident.near_miss, incident.reported_by) == (
        Incident.Status.OPEN,
        True,
        practitioner_user,
    )
    client.force_login(admin_user)

    response = client.post(
        reverse("runner_incident_step", args=[in_session.pk, incident.pk]),
        {"action": "review"},
        HTTP_HX_REQUEST="true",
    )
    assert "Review by Anjali Nair" in response.content.decode()
    response = client.post(
        reverse("runner_incident_step", args=[in_session.pk, incident.pk]),
        {"action": "resolve", "resolution": "Pipe guard fitted to every steam box"},
        HTTP_HX_REQUEST="true",
    )

    incident.refresh_from_db()
    assert incident.status == Incident.Status.RESOLVED
    assert incident.reviewed_by == incident.resolved_by == admin_user
    assert incident.review_started_at <= incident.resolved_at
    assert "Resolved by Anjali Nair" in response.content.decode()
    assert "Pipe guard fitted to every steam box" in response.content.decode()


def test_the_practitioner_cannot_review_their_own_incident(practitioner_user, in_session):
    incident = incident_report(
        session=in_session, by=practitioner_user, severity="minor", description="Slipped"
    )

    with pytest.raises(TransitionForbidden):
        incident_review_start(incident=incident, by=practitioner_user)
    incident.refresh_from_db()
    assert incident.status == Incident.Status.OPEN


def test_an_incident_is_not_resolved_before_its_review(admin_user, practitioner_user, in_session):
    incident = incident_report(
        session=in_session, by=practitioner_user, severity="minor", description="Slipped"
    )

    with pytest.raises(TransitionError, match="Only an incident under review can be resolved"):
        incident_resolve(incident=incident, by=admin_user, resolution="Mat replaced")
    incident_review_start(incident=incident, by=admin_user)
    with pytest.raises(ValidationError, match="Say how it was resolved"):
        incident_resolve(incident=incident, by=admin_user, resolution=" ")


def test_an_admin_of_another_center_cannot_review(outsider, practitioner_user, in_session):
    incident = incident_report(
        session=in_session, by=practitioner_user, severity="severe", description="Fainted"
    )

    with pytest.raises(TransitionForbidden):
        incident_review_start(incident=incident, by=outsider)


def test_an_incident_may_be_reported_after_the_session_is_cancelled(
    admin_user, practitioner_user, todays_session
):
    session_transition(session=todays_session, to_status=S.CANCELLED, by=admin_user)

    incident = incident_report(
        session=todays_session,
        by=practitioner_user,
        severity="severe",
        description="Fainted in the waiting room; session called off",
    )

    assert incident.status == Incident.Status.OPEN
