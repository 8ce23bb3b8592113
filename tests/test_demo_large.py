"""load_demo --large: a busy center's year with plausible statuses, outcomes, care plans and
scheduling runs, loaded once."""

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.db.models import Avg, F, Min, Q
from django.test import override_settings
from django.utils import timezone

from clinics.models import Center
from console.bottlenecks import bottlenecks
from demo.busy_year import SLOTS
from demo.catalog import CENTERS
from demo.management.commands.load_demo import BUSY_CENTER, BUSY_ROOMS, Command
from feedback.models import MymopAnswer, SessionFeedback, SymptomScore
from notifications.models import OutboxMessage
from patients.models import CarePlan
from scheduling.models import SchedulingRun
from sessions.models import Incident, SessionStatus, TherapySession

pytestmark = pytest.mark.django_db


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
def test_the_busy_year_loads_once_with_statuses_feedback_and_reminders():
    out = StringIO()
    command = Command(stdout=out, stderr=StringIO())
    skills = command._skills()
    therapies = command._therapies(skills)
    command._user(CENTERS["kochi"]["director"][2], "Medical", "Director")

    command._busy_year(skills, therapies, days=30, ahead=2)

    center = Center.objects.get(slug=BUSY_CENTER)
    sessions = TherapySession.objects.filter(center=center)
    assert sessions.count() == 33 * SLOTS * BUSY_ROOMS
    statuses = Counter(sessions.values_list("status", flat=True))
    past = statuses[SessionStatus.COMPLETED] + statuses[SessionStatus.NO_SHOW]
    assert 0.85 < statuses[SessionStatus.COMPLETED] / past < 0.99
    assert 0.02 < statuses[SessionStatus.CANCELLED] / sessions.count() < 0.09
    assert statuses[SessionStatus.SCHEDULED] > 0
    feedback = SessionFeedback.objects.filter(session__center=center)
    assert 0.6 < feedback.count() / statuses[SessionStatus.COMPLETED] < 0.8
    assert not feedback.exclude(session__status=SessionStatus.COMPLETED).exists()
    # Relief grows over each course and starts again with the next: a mean in the middle
    # (30 days hold the first half of most courses, so it lies low in that middle).
    assert 3 < feedback.aggregate(mean=Avg("symptom_relief"))["mean"] < 8
    orders = sorted(set(feedback.values_list("session__protocol_step__order", flat=True)))
    middle = orders[len(orders) // 2]
    early = feedback.filter(session__protocol_step__order__lt=middle)
    late = feedback.filter(session__protocol_step__order__gte=middle)
    assert (
        early.aggregate(mean=Avg("symptom_relief"))["mean"] + 1
        < late.aggregate(mean=Avg("symptom_relief"))["mean"]
    )
    assert SymptomScore.objects.filter(feedback__session__center=center).exists()
    messages = OutboxMessage.objects.filter(session__center=center)
    assert set(messages.values_list("status", flat=True)) == {"sent", "failed"}
    assert set(messages.values_list("channel", flat=True)) == {"sms", "email", "in_app"}
    # Both reminders of every session begun that was not cancelled.
    assert messages.count() == 2 * (past + statuses[SessionStatus.IN_SESSION])

    # Courses of COURSE visits, each a care plan booked by a scheduling run before it began,
    # every session a step of its plan, MYMOP forms along them and now and then an incident.
    plans = CarePlan.objects.filter(patient__center=center)
    assert plans.count() == len(set(sessions.values_list("patient", flat=True)))
    assert not sessions.filter(Q(care_plan=None) | Q(protocol_step=None)).exists()
    assert not sessions.exclude(protocol_step__version=F("care_plan__protocol_version")).exists()
    assert not sessions.exclude(protocol_step__therapy=F("therapy")).exists()
    runs = SchedulingRun.objects.filter(center=center)
    assert runs.count() == plans.count()
    first_visits = plans.annotate(first=Min("sessions__starts_at"))
    assert not first_visits.filter(created_at__gte=F("first")).exists()
    mymop = MymopAnswer.objects.filter(patient__center=center)
    assert mymop.exists() and not mymop.filter(care_plan=None).exists()
    assert Incident.objects.filter(session__center=center).exists()
    figures = bottlenecks(
        center=center,
        first_day=timezone.localdate() - timedelta(days=29),
        last_day=timezone.localdate(),
    )
    assert figures.runs > 0 and figures.resources[0].mentions > 0

    counts = (sessions.count(), feedback.count(), messages.count(), plans.count(), runs.count())
    command._busy_year(skills, therapies, days=30, ahead=2)
    assert (
        sessions.count(),
        feedback.count(),
        messages.count(),
        plans.count(),
        runs.count(),
    ) == counts
    assert "its year is loaded already; left as it is" in out.getvalue()
