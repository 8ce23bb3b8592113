"""Admin for feedback and symptom scores, adaptation rules (versioned), firings, daily runs and
clinician tasks."""

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from clinics.access import centers_for
from clinics.choices import Role
from feedback.adaptation import rule_summary, rule_version_current
from feedback.models import (
    FEEDBACK_MEASURES,
    MEASURE_MAXIMUM,
    TREND_COMPARISONS,
    AdaptationRule,
    AdaptationRuleVersion,
    ClinicianTask,
    MymopAnswer,
    RuleFiring,
    RuleRun,
    SessionFeedback,
    SymptomScore,
)


class SymptomScoreInline(admin.TabularInline):
    model = SymptomScore
    extra = 0


@admin.register(SessionFeedback)
class SessionFeedbackAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "patient", "symptom_relief", "experience", "submitted_at")
    list_filter = ("experience",)
    search_fields = ("patient__first_name", "patient__last_name", "patient__mrn")
    autocomplete_fields = ["patient"]
    raw_id_fields = ["session"]
    date_hierarchy = "submitted_at"
    list_select_related = ["patient"]
    inlines = [SymptomScoreInline]


@admin.register(SymptomScore)
class SymptomScoreAdmin(admin.ModelAdmin):
    list_display = ("symptom", "score", "feedback")
    list_filter = ("symptom",)
    search_fields = ("feedback__patient__last_name", "feedback__patient__mrn")
    raw_id_fields = ["feedback"]


@admin.register(MymopAnswer)
class MymopAnswerAdmin(SimpleHistoryAdmin):
    list_display = ("patient", "kind", "profile", "symptom_1_name", "answered_at")
    list_filter = ("kind",)
    search_fields = ("patient__first_name", "patient__last_name", "patient__mrn")
    autocomplete_fields = ["patient"]
    raw_id_fields = ["care_plan"]
    date_hierarchy = "answered_at"
    list_select_related = ["patient"]
    # The patient's own answers: staff read them, the patient alone gives them (the portal).
    readonly_fields = ("profile",)


class AdaptationRuleForm(forms.ModelForm):
    """A rule as a medical director edits it: a condition, a threshold or trend, actions."""

    actions = forms.MultipleChoiceField(
        label=_("Actions"),
        choices=AdaptationRule.Action.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = AdaptationRule
        fields = [
            "name",
            "center",
            "measure",
            "symptom",
            "therapy",
            "comparison",
            "threshold",
            "actions",
            "intensity_lowered_by",
            "is_active",
        ]

    def clean(self):
        data = super().clean()
        measure = data.get("measure")
        threshold = data.get("threshold")
        if measure and threshold is not None and threshold > MEASURE_MAXIMUM[measure]:
            self.add_error(
                "threshold",
                _("This measure goes up to %(top)s.") % {"top": MEASURE_MAXIMUM[measure]},
            )
        if measure != AdaptationRule.Measure.SIDE_EFFECT and data.get("symptom"):
            self.add_error("symptom", _("A side effect is chosen only for a side-effect rule."))
        if measure not in FEEDBACK_MEASURES:
            # A MYMOP answer is compared with the one before; attendance has no "before".
            if (
                measure == AdaptationRule.Measure.ADHERENCE
                and data.get("comparison") in TREND_COMPARISONS
            ):
                self.add_error(
                    "comparison", _("A trend compares two feedbacks; choose a threshold.")
                )
            # These act on the session the feedback was about, which attendance and MYMOP
            # answers have not.
            needs_feedback = {AdaptationRule.Action.DIET_ALERT, AdaptationRule.Action.ESCALATE}
            chosen = needs_feedback & set(data.get("actions") or [])
            if chosen:
                refusal = (
                    _("%(actions)s follow a feedback after a session, not a MYMOP answer.")
                    if measure == AdaptationRule.Measure.MYMOP
                    else _("%(actions)s follow a feedback, not attendance.")
                )
                self.add_error(
                    "actions",
                    refusal
                    % {"actions": ", ".join(str(AdaptationRule.Action(a).label) for a in chosen)},
                )
        return data


class AdaptationRuleVersionInline(admin.TabularInline):
    model = AdaptationRuleVersion
    fields = ("number", "summary", "created_at", "created_by")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-number"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _directed_centers(request):
    return centers_for(request.user, roles=(Role.MEDICAL_DIRECTOR,))


@admin.register(AdaptationRule)
class AdaptationRuleAdmin(admin.ModelAdmin):
    """Medical directors edit their centers' rules; each save that changes what a rule does
    writes a new version, and the firings keep pointing at the version that fired."""

    form = AdaptationRuleForm
    list_display = ("name", "center", "therapy", "in_words", "version", "is_active")
    list_filter = ("is_active", "measure", "center", "therapy")
    search_fields = ("name",)
    raw_id_fields = ["therapy"]
    list_select_related = ["center", "therapy"]
    readonly_fields = ["version"]
    inlines = [AdaptationRuleVersionInline]

    @admin.display(description=_("In words"))
    def in_words(self, rule):
        return rule_summary(rule)

    def get_queryset(self, request):
        rules = super().get_queryset(request)
        if request.user.is_superuser:
            return rules
        return rules.filter(Q(center__in=_directed_centers(request)) | Q(center__isnull=True))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None or request.user.is_superuser:
            return allowed
        # A rule of every center is the organisation's; a director changes their own center's.
        return (
            obj.center_id is not None
            and _directed_centers(request).filter(pk=obj.center_id).exists()
        )

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj) and super().has_delete_permission(
            request, obj
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "center" and not request.user.is_superuser:
            kwargs["queryset"] = _directed_centers(request)
            kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        rule_version_current(rule=obj, by=request.user)


@admin.register(RuleFiring)
class RuleFiringAdmin(admin.ModelAdmin):
    list_display = ("fired_at", "rule_version", "patient", "reason", "reversed_at")
    list_filter = ("rule", "center")
    search_fields = ("patient__last_name", "patient__mrn", "reason")
    list_select_related = ["rule_version", "patient"]
    date_hierarchy = "fired_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # A firing is a record; clinicians reverse one from the task list or patient page.
        return False


@admin.register(RuleRun)
class RuleRunAdmin(admin.ModelAdmin):
    list_display = ("started_at", "status", "evaluated", "fired", "failures")
    list_filter = ("status",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ClinicianTask)
class ClinicianTaskAdmin(admin.ModelAdmin):
    list_display = ("title", "center", "patient", "status", "assigned_to", "due_at", "created_at")
    list_filter = ("status", "center")
    search_fields = ("title", "patient__last_name", "patient__mrn")
    autocomplete_fields = ["center", "patient", "rule", "assigned_to"]
    raw_id_fields = ["session"]
    list_select_related = ["center", "patient", "assigned_to"]
