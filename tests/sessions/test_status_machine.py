"""The session status machine: who may move a session, where to, and what must be done first."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sessions.models import SessionStatus, TherapySession
from sessions.services import (
    TransitionError,
    TransitionForbidden,
    checklist_item_tick,
    session_overruns_extend,
    session_transition,
)
from sessions.signals import session_status_changed
from tests.factories import (
    MembershipFactory,
    PractitionerProfileFactory,
    SOPChecklistItemFactory,
    SOPChecklistTemplateFactory,
    TherapySessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

S = SessionStatus
LIFECYCLE = [S.SCHEDULED, S.IN_PREPARATION, S.IN_SESSION, S.RECOVERY, S.COMPLETED]
ALLOWED = {
    (S.SCHEDULED, S.IN_PREPARATION),
    (S.SCHEDULED, S.CANCELLED),
    (S.SCHEDULED, S.NO_SHOW),
    (S.IN_PREPARATION, S.IN_SESSION),
    (S.IN_PREPARATION, S.CANCELLED),
    (S.IN_PREPARATION, S.NO_SHOW),
    (S.IN_SESSION, S.RECOVERY),
    (S.IN_SESSION, S.COMPLETED),
    (S.RECOVERY, S.COMPLETED),
}


@pytest.fixture
def session(center, practitioner):
    return TherapySessionFactory(center=center, practitioner=practitioner)


def walk_to(session, status, by):
    """Take a session along the lifecycle up to `status`, the only way statuses change."""
    for step in LIFECYCLE[1 : LIFECYCLE.index(status) + 1]:
        session = session_transition(session=session, to_status=step, by=by)
    return session


@pytest.mark.parametrize("source", list(S))
@pytest.mark.parametrize("target", list(S))
def test_every_move_is_allowed_or_refused_as_the_lifecycle_says(
    source, target, session, practitioner_user
):
    if source in LIFECYCLE:
        session = walk_to(session, source, practitioner_user)
    else:
        session = session_transition(session=session, to_status=source, by=practitioner_user)
    if (source, target) in ALLOWED:
        moved = session_transition(session=session, to_status=target, by=practitioner_user)
        assert TherapySession.objects.get(pk=session.pk).status == target
        assert moved.status_changes.last().to_status == target
    else:
        changes_before = session.status_changes.count()
        with pytest.raises(TransitionError, match="cannot become"):
            session_transition(session=session, to_status=target, by=practitioner_user)
        assert TherapySession.objects.get(pk=session.pk).status == source
        assert session.status_changes.count() == changes_before


def test_a_move_records_who_made_it_when_and_why(session, practitioner_user):
    before = timezone.now()
    session_transition(
        session=session, to_status=S.CANCELLED, by=practitioner_user, note="Patient has fever"
    )
    change = session.status_changes.get()
    assert (change.from_status, change.to_status) == (S.SCHEDULED, S.CANCELLED)
    assert change.changed_by == practitioner_user
    assert change.note == "Patient has fever"
    assert change.changed_at >= before
    assert session.history.first().status == S.CANCELLED


def test_completing_requires_every_required_checklist_step(session, practitioner_user):
    template = SOPChecklistTemplateFactory(therapy=session.therapy)
    oil = SOPChecklistItemFactory(template=template, order=1, text="Oil warmed to 40 °C")
    pulse = SOPChecklistItemFactory(
        template=template, order=2, text="Pulse taken", kind="measurement"
    )
    SOPChecklistItemFactory(
        template=template, order=3, text="Offer warm water", kind="step", required=False
    )
    session = walk_to(session, S.IN_SESSION, practitioner_user)
    checklist_item_tick(session=session, item=oil, by=practitioner_user)

    with pytest.raises(TransitionError, match="Pulse taken"):
        session_transition(session=session, to_status=S.COMPLETED, by=practitioner_user)
    assert TherapySession.objects.get(pk=session.pk).status == S.IN_SESSION

    checklist_item_tick(session=session, item=pulse, by=practitioner_user, value="72")
    session_transition(session=session, to_status=S.COMPLETED, by=practitioner_user)
    assert TherapySession.objects.get(pk=session.pk).status == S.COMPLETED


def test_a_step_after_a_safety_check_waits_for_the_check(session, practitioner_user):
    template = SOPChecklistTemplateFactory(therapy=session.therapy)
    check = SOPChecklistItemFactory(template=template, order=1, text="Allergy to sesame ruled out")
    massage = SOPChecklistItemFactory(template=template, order=2, text="Massage", kind="step")

    with pytest.raises(TransitionError, match="Allergy to sesame ruled out"):
        checklist_item_tick(session=session, item=massage, by=practitioner_user)
    checklist_item_tick(session=session, item=check, by=practitioner_user)
    assert checklist_item_tick(session=session, item=massage, by=practitioner_user).done


def test_another_practitioner_of_the_center_may_not_move_the_session(session, center):
    colleague = UserFactory()
    MembershipFactory(user=colleague, center=center, role="practitioner")
    PractitionerProfileFactory(user=colleague)
    with pytest.raises(TransitionForbidden):
        session_transition(session=session, to_status=S.IN_PREPARATION, by=colleague)
    assert TherapySession.objects.get(pk=session.pk).status == S.SCHEDULED


def test_an_admin_of_another_center_may_not_move_the_session(session, outsider):
    with pytest.raises(TransitionForbidden):
        session_transition(session=session, to_status=S.CANCELLED, by=outsider)
    assert TherapySession.objects.get(pk=session.pk).status == S.SCHEDULED


def test_the_centers_admin_may_move_any_session_of_it(session, admin_user):
    session_transition(session=session, to_status=S.NO_SHOW, by=admin_user)
    assert TherapySession.objects.get(pk=session.pk).status == S.NO_SHOW


def test_a_stale_page_changes_nothing(session, practitioner_user, admin_user):
    session_transition(session=session, to_status=S.CANCELLED, by=admin_user)
    with pytest.raises(TransitionError, match="already Cancelled"):
        session_transition(
            session=session,
            to_status=S.IN_PREPARATION,
            by=practitioner_user,
            expected_status=S.SCHEDULED,
        )
    assert TherapySession.objects.get(pk=session.pk).status == S.CANCELLED


def test_an_unknown_status_is_refused_in_words(session, practitioner_user):
    with pytest.raises(TransitionError, match="not a session status"):
        session_transition(session=session, to_status="teleported", by=practitioner_user)


def test_the_signal_is_sent_once_the_change_is_committed(
    session, practitioner_user, django_capture_on_commit_callbacks
):
    heard = []

    def receiver(sender, session, change, by, **kwargs):
        heard.append((session.pk, change.to_status, by))

    session_status_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            session_transition(session=session, to_status=S.IN_PREPARATION, by=practitioner_user)
        assert heard == []  # nothing before commit
        for callback in callbacks:
            callback()
    finally:
        session_status_changed.disconnect(receiver)
    assert heard == [(session.pk, S.IN_PREPARATION, practitioner_user)]


def test_a_refused_move_sends_no_signal(
    session, practitioner_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(TransitionError):
        session_transition(session=session, to_status=S.COMPLETED, by=practitioner_user)
    assert callbacks == []


def test_an_overrunning_session_moves_its_end_in_five_minute_steps(session, practitioner_user):
    session = walk_to(session, S.IN_SESSION, practitioner_user)
    planned_end = session.ends_at
    session_overruns_extend(now=planned_end + timedelta(minutes=1))
    session.refresh_from_db()
    assert session.overrun_until == planned_end + timedelta(minutes=5)
    session_overruns_extend(now=planned_end + timedelta(minutes=12))
    session.refresh_from_db()
    assert session.overrun_until == planned_end + timedelta(minutes=15)
    assert session.ends_at == planned_end  # the plan is kept; the over-run is beside it

    session_transition(session=session, to_status=S.RECOVERY, by=practitioner_user)
    session.refresh_from_db()
    assert session.overrun_until is None


def test_a_session_not_in_progress_never_overruns(session):
    assert session_overruns_extend(now=session.ends_at + timedelta(hours=1)) == []
    session.refresh_from_db()
    assert session.overrun_until is None
