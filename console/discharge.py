"""A care plan's discharge summary: sessions done, outcomes, after-care, signed; a page and a PDF.

Clinicians of the patient's center open it from the staff's progress page of the patient,
write (or keep the playbook's) after-care and sign; the PDF is printed in the patient's
language, for the clinician to hand over and for the patient to download once signed.
"""

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from audit.services import patient_record_read_log
from clinics.access import centers_for
from clinics.choices import Role
from feedback.choices import Symptom
from feedback.models import SessionFeedback, SymptomScore
from notifications.playbook import NotificationEvent
from notifications.services import playbook_texts
from patients.discharge import AFTERCARE_MAX_LENGTH, discharge_summary_sign, may_sign_discharge
from patients.models import CarePlan, DischargeSummary
from sessions.models import SessionStatus, TherapySession

# The after-care a summary offers before the clinician writes their own: the playbook's
# messages for the evening and the morning after the plan's last session.
AFTERCARE_EVENTS = (NotificationEvent.POST_12H, NotificationEvent.POST_24H)
CHART_WIDTH, CHART_HEIGHT, CHART_MARGIN = 520, 170, 30
# The center's admins read a summary (to print it for the patient); clinicians also sign it.
READING_ROLES = (Role.CENTER_ADMIN, Role.PRACTITIONER, Role.MEDICAL_DIRECTOR)


@dataclass(frozen=True)
class SessionLine:
    day: date
    therapy: str
    status: str
    status_label: Promise  # lazy: printed in the reader's language
    relief: int | None


@dataclass
class DischargeDocument:
    care_plan: CarePlan
    sessions: list[SessionLine]
    side_effects: list[tuple[str, int]]  # each side effect felt, with its strongest score
    summary: DischargeSummary | None

    @property
    def patient(self):
        return self.care_plan.patient

    @property
    def done(self) -> int:
        return sum(1 for s in self.sessions if s.status == SessionStatus.COMPLETED)

    @property
    def missed(self) -> int:
        return sum(1 for s in self.sessions if s.status == SessionStatus.NO_SHOW)

    @property
    def relief_points(self) -> list[SessionLine]:
        return [s for s in self.sessions if s.relief is not None]

    @property
    def relief_chart(self) -> SafeString:
        return relief_chart_svg(self.relief_points)


def discharge_document(*, care_plan: CarePlan) -> DischargeDocument:
    """What the summary says of a plan, in four queries whatever its length."""
    zone = ZoneInfo(care_plan.patient.center.timezone)
    sessions = (
        TherapySession.objects.filter(care_plan=care_plan)
        .select_related("therapy")
        .order_by("starts_at")
    )
    relief = dict(
        SessionFeedback.objects.filter(session__care_plan=care_plan).values_list(
            "session_id", "symptom_relief"
        )
    )
    strongest: dict[str, int] = {}
    scores = SymptomScore.objects.filter(feedback__session__care_plan=care_plan, score__gt=0)
    for symptom, score in scores.values_list("symptom", "score"):
        strongest[symptom] = max(score, strongest.get(symptom, 0))
    return DischargeDocument(
        care_plan=care_plan,
        sessions=[
            SessionLine(
                day=s.starts_at.astimezone(zone).date(),
                therapy=s.therapy.name,
                status=s.status,
                status_label=SessionStatus(s.status).label,
                relief=relief.get(s.pk),
            )
            for s in sessions
        ],
        side_effects=[
            (Symptom(symptom).label, score) for symptom, score in sorted(strongest.items())
        ],
        summary=DischargeSummary.objects.filter(care_plan=care_plan)
        .select_related("signed_by")
        .first(),
    )


def relief_chart_svg(points: list[SessionLine]) -> SafeString:
    """Relief 0-10 after each answered session as an inline SVG line, for the page and the PDF.

    Drawn here rather than by Plotly because the PDF has no JavaScript.
    """
    if not points:
        return SafeString("")
    inner_w = CHART_WIDTH - 2 * CHART_MARGIN
    inner_h = CHART_HEIGHT - 2 * CHART_MARGIN
    step = inner_w / max(len(points) - 1, 1)
    xy = [
        (CHART_MARGIN + i * step, CHART_MARGIN + inner_h * (1 - p.relief / 10))
        for i, p in enumerate(points)
    ]
    grid = format_html_join(
        "",
        '<line x1="{}" x2="{}" y1="{}" y2="{}" class="grid"/>'
        '<text x="{}" y="{}" class="axis">{}</text>',
        (
            (
                CHART_MARGIN,
                CHART_WIDTH - CHART_MARGIN,
                f"{y:.1f}",
                f"{y:.1f}",
                4,
                f"{y + 4:.1f}",
                level,
            )
            for level, y in ((lv, CHART_MARGIN + inner_h * (1 - lv / 10)) for lv in (0, 5, 10))
        ),
    )
    dots = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="4"><title>{}: {}</title></circle>',
        (
            (f"{x:.1f}", f"{y:.1f}", p.day.strftime("%d %b"), p.relief)
            for (x, y), p in zip(xy, points, strict=True)
        ),
    )
    # Dates under at most eight points, so that they never run into each other.
    every = -(-len(points) // 8)
    days = format_html_join(
        "",
        '<text x="{}" y="{}" class="day">{}</text>',
        (
            (f"{x - 14:.1f}", CHART_HEIGHT - 8, p.day.strftime("%d/%m"))
            for i, ((x, _y), p) in enumerate(zip(xy, points, strict=True))
            if i % every == 0
        ),
    )
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    return format_html(
        '<svg class="relief-chart" viewBox="0 0 {} {}" role="img" aria-label="{}">{}'
        '<polyline points="{}" class="line"/>{}{}</svg>',
        CHART_WIDTH,
        CHART_HEIGHT,
        _("Relief after each session, 0 to 10"),
        grid,
        line,
        dots,
        days,
    )


def default_aftercare(*, care_plan: CarePlan, locale: str) -> str:
    """The playbook's after-care for the plan's last completed session, in the patient's words."""
    last = (
        TherapySession.objects.filter(care_plan=care_plan, status=SessionStatus.COMPLETED)
        .select_related("therapy", "center", "patient", "practitioner__user", "care_plan")
        .order_by("-starts_at")
        .first()
    )
    if last is None:
        return ""
    zone = ZoneInfo(last.center.timezone)
    texts = [
        body for _subject, body in playbook_texts(last, AFTERCARE_EVENTS, locale=locale, zone=zone)
    ]
    return "\n\n".join(texts)


class DischargeForm(forms.Form):
    aftercare = forms.CharField(
        label=gettext_lazy("After-care instructions"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=AFTERCARE_MAX_LENGTH,
        help_text=gettext_lazy(
            "What the patient does at home: diet, rest, medicines, when to call. Write it in "
            "the patient's language: it is printed as you write it."
        ),
    )


def _plan_for_staff(user, plan_id: int) -> CarePlan:
    """The plan if the user is staff of its patient's center; another center's reads as absent."""
    plan = (
        CarePlan.objects.filter(
            pk=plan_id, patient__center__in=centers_for(user, roles=READING_ROLES)
        )
        .select_related("patient__center", "protocol_version__template")
        .first()
    )
    if plan is None:
        raise Http404
    return plan


@require_http_methods(["GET", "POST"])
@login_required
def care_plan_discharge(request: HttpRequest, pk: int) -> HttpResponse:
    care_plan = _plan_for_staff(request.user, pk)
    if request.method == "GET":
        # A read of the record; a refused signature must leave nothing behind.
        patient_record_read_log(
            user=request.user, patient=care_plan.patient, what="Discharge summary"
        )
    document = discharge_document(care_plan=care_plan)
    may_sign = may_sign_discharge(request.user, care_plan)
    status = 200
    if request.method == "POST":
        form = DischargeForm(request.POST)
        if form.is_valid():
            try:
                discharge_summary_sign(
                    care_plan=care_plan, by=request.user, aftercare=form.cleaned_data["aftercare"]
                )
            except PermissionDenied as refused:
                form.add_error(None, str(refused))
                status = 403
            except ValidationError as invalid:
                form.add_error(None, invalid)
            else:
                messages.success(
                    request, _("Signed. The patient can now download the summary from the portal.")
                )
                return redirect("console_care_plan_discharge", pk=care_plan.pk)
        if status == 200:
            status = 400
    else:
        aftercare = (
            document.summary.aftercare
            if document.summary
            else default_aftercare(care_plan=care_plan, locale=care_plan.patient.language)
        )
        form = DischargeForm(initial={"aftercare": aftercare})
    context = {"document": document, "form": form, "may_sign": may_sign}
    return render(request, "console/discharge.html", context, status=status)


@require_safe
@login_required
def care_plan_discharge_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    care_plan = _plan_for_staff(request.user, pk)
    patient_record_read_log(user=request.user, patient=care_plan.patient, what="Discharge PDF")
    return discharge_pdf_response(discharge_document(care_plan=care_plan))


@require_safe
@login_required
def my_discharge_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The patient's own summary, once a clinician has signed it."""
    care_plan = (
        CarePlan.objects.filter(pk=pk, patient__user=request.user, discharge_summary__isnull=False)
        .select_related("patient__center", "protocol_version__template")
        .first()
    )
    if care_plan is None:
        raise Http404
    return discharge_pdf_response(discharge_document(care_plan=care_plan))


def discharge_pdf_response(document: DischargeDocument) -> HttpResponse:
    # Imported here: WeasyPrint loads Pango when imported, which only the PDF needs, and a
    # server without it still serves every other page.
    try:
        from weasyprint import HTML
    except OSError:
        return HttpResponse(
            _(
                "This server cannot print PDFs: it lacks the Pango library (on Debian, "
                "apt-get install libpango-1.0-0 libpangoft2-1.0-0)."
            ),
            status=503,
            content_type="text/plain; charset=utf-8",
        )

    patient = document.patient
    with translation.override(patient.language):
        html = render_to_string("console/discharge_pdf.html", {"document": document})
    pdf = HTML(string=html).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"discharge-{patient.mrn}-{document.care_plan.start_date:%Y%m%d}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
