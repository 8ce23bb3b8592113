"""A patient's package: proposed whole, booked whole on confirmation, held on a clinical concern,
then approved or declined by a practitioner."""

import threading
from datetime import datetime

import pytest
from django.db import connection

from patients.models import CarePlan
from scheduling.models import SchedulingRun
from scheduling.services.booking import ScheduleClash
from scheduling.services.proposals import (
    care_plan_approve,
    care_plan_confirm,
    care_plan_decline,
    care_plan_propose,
    care_plans_held,
    proposal_for,
)
from scheduling.services.runs import SchedulingError
from sessions.models import TherapySession
from tests.factories import (
    CarePlanFactory,
    ClinicalFlagFactory,
    PatientFactory,
    ProtocolVersionFactory,
    UserFactory,
)
from tests.portal.intake import with_intake_done
from tests.scheduling.builders import active, overlaps

pytestmark = pytest.mark.django_db

STEPS = 6


def _patient(clinic, **fields):
    user = UserFactory()
    return with_intake_done(PatientFactory(center=clinic["center"], user=user, **fields))


def _propose(clinic, patient, **overrides):
    arguments = {
        "patient": patient,
        "center": clinic["center"],
        "protocol_version": clinic["version"],
        "start_date": clinic["start"],
        "requested_by": patient.user,
        **overrides,
    }
    return care_plan_propose(**arguments)


def test_a_proposal_places_every_step_with_its_reasons_and_books_nothing(clinic):
    patient = _patient(clinic)

    run = _propose(clinic, patient)

    assert run.status == SchedulingRun.Status.SUCCEEDED
    assert len(run.solution["assignments"]) == STEPS
    assert run.solution["unscheduled"] == []
    assert all(a["explanation"] for a in run.solution["assignments"])
    assert run.care_plan.status == CarePlan.Status.DRAFT
    assert not TherapySession.objects.filter(patient=patient).exists()


def test_asking_again_leaves_one_draft(clinic):
    patient = _patient(clinic)
    first = _propose(clinic, patient).care_plan

    second = _propose(clinic, patient).care_plan

    first.refresh_from_db()
    assert first.status == CarePlan.Status.CANCELLED
    assert proposal_for(first) is None
    assert list(patient.care_plans.filter(status=CarePlan.Status.DRAFT)) == [second]


def test_confirming_books_the_whole_plan(clinic):
    patient = _patient(clinic)
    run = _propose(clinic, patient)

    outcome = care_plan_confirm(plan=run.care_plan, run_id=run.pk, by=patient.user)

    assert outcome.booked == STEPS and outcome.held_for == []
    assert outcome.plan.status == CarePlan.Status.SCHEDULED
    sessions = TherapySession.objects.filter(patient=patient)
    assert sorted(s.starts_at for s in sessions) == sorted(
        datetime.fromisoformat(a["start"]) for a in run.solution["assignments"]
    )
    run.refresh_from_db()
    assert run.status == SchedulingRun.Status.APPLIED


def test_confirming_twice_books_once(clinic):
    patient = _patient(clinic)
    run = _propose(clinic, patient)
    care_plan_confirm(plan=run.care_plan, run_id=run.pk, by=patient.user)

    with pytest.raises(SchedulingError):
        care_plan_confirm(plan=run.care_plan, run_id=run.pk, by=patient.user)

    assert TherapySession.objects.filter(patient=patient).count() == STEPS


def test_a_stale_proposal_cannot_be_confirmed(clinic):
    patient = _patient(clinic)
    old = _propose(clinic, patient)
    new = _propose(clinic, patient)

    with pytest.raises(SchedulingError):
        care_plan_confirm(plan=old.care_plan, run_id=old.pk, by=patient.user)
    with pytest.raises(SchedulingError):
        care_plan_confirm(plan=new.care_plan, run_id=old.pk, by=patient.user)

    assert not TherapySession.objects.filter(patient=patient).exists()


def test_a_slot_taken_since_the_proposal_fails_cleanly_and_books_nothing(clinic):
    """Two patients shown the same times: the second to confirm gets a clash, no sessions."""
    # One practitioner left, so that both proposals want the same person at the same times.
    for profile in clinic["practitioners"][1:]:
        profile.shifts.all().delete()
    first, second = _patient(clinic), _patient(clinic)
    first_run, second_run = _propose(clinic, first), _propose(clinic, second)
    assert (
        first_run.solution["assignments"][0]["start"]
        == (second_run.solution["assignments"][0]["start"])
    )
    care_plan_confirm(plan=first_run.care_plan, run_id=first_run.pk, by=first.user)

    with pytest.raises(ScheduleClash):
        care_plan_confirm(plan=second_run.care_plan, run_id=second_run.pk, by=second.user)

    assert not TherapySession.objects.filter(patient=second).exists()
    second_run.refresh_from_db()
    assert second_run.status == SchedulingRun.Status.DISCARDED
    plan = CarePlan.objects.get(pk=second_run.care_plan_id)
    assert plan.status == CarePlan.Status.DRAFT
    # Asked again, the second patient is offered times around the first one's sessions.
    retry = _propose(clinic, second)
    care_plan_confirm(plan=retry.care_plan, run_id=retry.pk, by=second.user)
    sessions = list(active(TherapySession.objects.all()))
    assert len(sessions) == 2 * STEPS
    assert overlaps(sessions, lambda s: s.practitioner_id, "ends_at") == []


def test_a_contraindication_in_the_intake_holds_the_plan(clinic):
    clinic["abhyanga"].contraindications = "Fever, uncontrolled hypertension; pregnancy"
    clinic["abhyanga"].save()
    patient = _patient(clinic, comorbidities="Hypertension", allergies="none")
    run = _propose(clinic, patient)

    outcome = care_plan_confirm(plan=run.care_plan, run_id=run.pk, by=patient.user)

    assert outcome.booked == 0
    assert outcome.plan.status == CarePlan.Status.HELD
    assert outcome.held_for == [
        "Abhyanga is contraindicated with hypertension, named in the intake."
    ]
    assert not TherapySession.objects.filter(patient=patient).exists()
    assert care_plans_held(center_ids=[clinic["center"].pk]) == [outcome.plan]


def test_nothing_declared_holds_nothing(clinic):
    clinic["abhyanga"].contraindications = "Fever, none of the above"
    clinic["abhyanga"].save()
    patient = _patient(clinic, comorbidities="none", allergies="None\nnil")
    run = _propose(clinic, patient)

    outcome = care_plan_confirm(plan=run.care_plan, run_id=run.pk, by=patient.user)

    assert outcome.plan.status == CarePlan.Status.SCHEDULED


def test_an_open_clinical_flag_holds_the_plan(clinic):
    patient = _patient(clinic)
    ClinicalFlagFactory(patient=patient, reason="Dizzy after the last course")
    run = _propose(clinic, patient)

    outcome = care_plan_confirm(plan=run.care_plan, run_id=run.pk, by=patient.user)

    assert outcome.held_for == ["Open clinical flag: Dizzy after the last course"]


def _held(clinic):
    patient = _patient(clinic)
    ClinicalFlagFactory(patient=patient)
    run = _propose(clinic, patient)
    return care_plan_confirm(plan=run.care_plan, run_id=run.pk, by=patient.user).plan


def test_approval_books_the_proposal_the_patient_confirmed(clinic):
    plan = _held(clinic)
    run = proposal_for(plan)
    director = UserFactory()

    outcome = care_plan_approve(plan=plan, by=director)

    assert outcome.booked == STEPS
    assert outcome.plan.status == CarePlan.Status.SCHEDULED
    assert outcome.plan.reviewed_by == director
    run.refresh_from_db()
    assert run.status == SchedulingRun.Status.APPLIED


def test_approval_after_the_times_were_taken_books_fresh_times(clinic):
    for profile in clinic["practitioners"][1:]:
        profile.shifts.all().delete()
    plan = _held(clinic)
    other = _patient(clinic)
    other_run = _propose(clinic, other)
    care_plan_confirm(plan=other_run.care_plan, run_id=other_run.pk, by=other.user)

    outcome = care_plan_approve(plan=plan, by=UserFactory())

    assert outcome.booked == STEPS
    sessions = list(active(TherapySession.objects.all()))
    assert len(sessions) == 2 * STEPS
    assert overlaps(sessions, lambda s: s.practitioner_id, "ends_at") == []


def test_approval_when_nothing_fits_changes_nothing(clinic):
    plan = _held(clinic)
    for profile in clinic["practitioners"]:
        profile.shifts.all().delete()
    SchedulingRun.objects.filter(care_plan=plan).update(status=SchedulingRun.Status.DISCARDED)

    with pytest.raises(SchedulingError, match="decline it with a reason"):
        care_plan_approve(plan=plan, by=UserFactory())

    plan.refresh_from_db()
    assert plan.status == CarePlan.Status.HELD and plan.reviewed_by is None
    assert not TherapySession.objects.filter(care_plan=plan).exists()


def test_declining_needs_a_reason_and_books_nothing(clinic):
    plan = _held(clinic)
    director = UserFactory()

    with pytest.raises(SchedulingError):
        care_plan_decline(plan=plan, by=director, reason="   ")
    declined = care_plan_decline(plan=plan, by=director, reason="Let us talk about your BP first.")

    assert declined.status == CarePlan.Status.CANCELLED
    assert declined.review_note == "Let us talk about your BP first."
    assert not TherapySession.objects.filter(care_plan=plan).exists()
    with pytest.raises(SchedulingError):
        care_plan_approve(plan=declined, by=director)


def test_only_a_held_plan_is_approved_or_declined(clinic):
    plan = CarePlanFactory(patient=_patient(clinic), protocol_version=clinic["version"])

    with pytest.raises(SchedulingError):
        care_plan_approve(plan=plan, by=UserFactory())
    with pytest.raises(SchedulingError):
        care_plan_decline(plan=plan, by=UserFactory(), reason="No")


def test_a_patient_with_nothing_booked_may_choose_another_center(clinic, other_center):
    patient = _patient(clinic)
    version = ProtocolVersionFactory()

    run = _propose(clinic, patient, center=other_center, protocol_version=version)

    patient.refresh_from_db()
    assert patient.center == other_center
    assert run.center == other_center


def test_a_patient_with_a_booked_package_stays_at_their_center(clinic, other_center):
    patient = _patient(clinic)
    run = _propose(clinic, patient)
    care_plan_confirm(plan=run.care_plan, run_id=run.pk, by=patient.user)

    with pytest.raises(SchedulingError, match="ask your clinic"):
        _propose(clinic, patient, center=other_center)

    patient.refresh_from_db()
    assert patient.center == clinic["center"]


def test_another_centers_protocol_is_refused(clinic, other_center):
    patient = _patient(clinic)
    theirs = ProtocolVersionFactory(template__center=other_center)

    with pytest.raises(SchedulingError, match="not offered"):
        _propose(clinic, patient, protocol_version=theirs)

    assert not patient.care_plans.exists()


@pytest.mark.django_db(transaction=True)
def test_two_patients_confirming_the_same_times_at_once_book_one_plan_whole(clinic):
    """Two requests in two threads, released together: one books all six sessions, the other
    is refused with a clash and books none (nothing half-booked)."""
    for profile in clinic["practitioners"][1:]:
        profile.shifts.all().delete()
    first, second = _patient(clinic), _patient(clinic)
    runs = [_propose(clinic, first), _propose(clinic, second)]
    assert (
        runs[0].solution["assignments"][0]["start"] == runs[1].solution["assignments"][0]["start"]
    )
    barrier = threading.Barrier(2)
    outcomes = {}

    def confirm(run):
        barrier.wait()
        try:
            outcomes[run.pk] = care_plan_confirm(
                plan=run.care_plan, run_id=run.pk, by=run.care_plan.created_by
            ).booked
        except ScheduleClash:
            outcomes[run.pk] = "clash"
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes.values(), key=str) == [STEPS, "clash"]
    for run in runs:
        booked = TherapySession.objects.filter(care_plan=run.care_plan).count()
        assert booked == (STEPS if outcomes[run.pk] == STEPS else 0)


def test_booking_waits_for_the_health_answers_and_the_consent(clinic):
    patient = PatientFactory(center=clinic["center"], user=UserFactory())

    with pytest.raises(SchedulingError, match="finish your intake first"):
        _propose(clinic, patient)

    assert not patient.care_plans.exists()
