"""Which saves make the bottlenecks and outcome trends dashboards count afresh, beyond the
sessions, feedback and set-up that console.dashboard_cache already watches: scheduling runs and
incidents, care plans and MYMOP answers (their patient's center) and side-effect scores (their
feedback's session's center)."""

from django.db.models.signals import post_delete, post_save

from console import dashboard_cache


def patient_row_saved(sender, instance, **kwargs) -> None:
    """A care plan or a MYMOP answer: its patient's center."""
    from patients.models import Patient

    center_id = Patient.objects.filter(pk=instance.patient_id).values_list("center_id", flat=True)
    dashboard_cache.analytics_changed(center_id.first())


def symptom_score_saved(sender, instance, **kwargs) -> None:
    """A side effect's score: the center of the session its feedback is on."""
    from feedback.models import SessionFeedback

    center_id = SessionFeedback.objects.filter(pk=instance.feedback_id).values_list(
        "session__center_id", flat=True
    )
    dashboard_cache.analytics_changed(center_id.first())


def connect() -> None:
    """Called from console.apps, so that the job worker's saves (scheduling runs) count too."""
    from feedback.models import MymopAnswer, SymptomScore
    from patients.models import CarePlan
    from scheduling.models import SchedulingRun
    from sessions.models import Incident

    receivers = (
        (SchedulingRun, dashboard_cache.center_row_saved),
        (Incident, dashboard_cache.session_row_saved),
        (CarePlan, patient_row_saved),
        (MymopAnswer, patient_row_saved),
        (SymptomScore, symptom_score_saved),
    )
    for signal in (post_save, post_delete):
        kind = "save" if signal is post_save else "delete"
        for model, receiver in receivers:
            signal.connect(receiver, sender=model, dispatch_uid=f"insight-{model.__name__}-{kind}")
