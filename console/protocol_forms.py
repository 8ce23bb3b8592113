"""Forms of the protocol editor (a new version: its start and its steps) and of packages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from patients.models import Patient
from protocols.models import Currency, ProtocolStep, ProtocolTemplate, TherapyType
from protocols.services import StepDraft

# Enough for the longest course a center gives (a 21-day course has about 60 steps).
MAX_STEPS = 80
# How many protocols a package form offers at once; one more than it holds, at least this.
PACKAGE_PROTOCOL_SLOTS = 3


class NewVersionForm(forms.Form):
    effective_from = forms.DateField(
        label=_("In force from"),
        help_text=_(
            "Care plans starting on or after this day follow the new version; plans already "
            "made keep theirs."
        ),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("Please choose the day the new version comes into force."),
            "invalid": _("Please give the day as a date, e.g. 2026-12-24."),
        },
    )
    notes = forms.CharField(
        label=_("What changed"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class StepForm(forms.Form):
    """One row of the steps: `after` and `same_practitioner_as` name another row's number."""

    therapy = forms.ModelChoiceField(
        label=_("Therapy"),
        queryset=TherapyType.objects.filter(is_active=True).order_by("name"),
        error_messages={
            "required": _("Please choose the therapy."),
            "invalid_choice": _("Please choose one of the therapies listed."),
        },
    )
    day_offset = forms.IntegerField(
        label=_("Day"),
        min_value=0,
        max_value=365,
        help_text=_("0 is the plan's first day."),
        error_messages={"required": _("Please give the day.")},
    )
    slack_days = forms.IntegerField(label=_("Slack (days)"), min_value=0, max_value=30, initial=0)
    after = forms.TypedChoiceField(
        label=_("After step"), coerce=int, empty_value=None, required=False
    )
    min_gap_minutes = forms.IntegerField(
        label=_("Gap at least (min)"), min_value=0, max_value=7 * 24 * 60, initial=0
    )
    max_gap_minutes = forms.IntegerField(
        label=_("Gap at most (min)"), min_value=0, max_value=7 * 24 * 60, required=False
    )
    same_practitioner_as = forms.TypedChoiceField(
        label=_("Same practitioner as step"), coerce=int, empty_value=None, required=False
    )
    code = forms.SlugField(
        label=_("Code"),
        max_length=50,
        required=False,
        help_text=_("Left empty, one is made from the day and therapy."),
    )
    planned_dose = forms.DecimalField(
        label=_("Planned dose"), min_value=0.01, max_digits=8, decimal_places=2, required=False
    )
    instructions = forms.CharField(
        label=_("Instructions"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 1}),
    )

    def __init__(self, *args, rows: int, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(str(n), _("Step %(n)s") % {"n": n}) for n in range(1, rows + 1)]
        self.fields["after"].choices = choices
        self.fields["same_practitioner_as"].choices = choices
        self.fields["after"].error_messages["invalid_choice"] = _(
            "Please choose one of the steps listed."
        )
        self.fields["same_practitioner_as"].error_messages["invalid_choice"] = _(
            "Please choose one of the steps listed."
        )

    def clean(self):
        data = super().clean()
        low, high = data.get("min_gap_minutes"), data.get("max_gap_minutes")
        if low is not None and high is not None and high < low:
            self.add_error("max_gap_minutes", _("The longest gap cannot be below the shortest."))
        return data


class BaseStepFormSet(forms.BaseFormSet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form_kwargs["rows"] = self.total_form_count()

    def clean(self):
        if any(self.errors):
            return
        if not self.kept_forms():
            raise forms.ValidationError(_("A version needs at least one step."))

    def kept_forms(self) -> list[StepForm]:
        """The rows that will be steps, in order: filled in and not marked for removal."""
        # A row of the version being followed counts even unchanged; a blank one only if filled.
        return [
            form
            for index, form in enumerate(self.forms)
            if (index < self.initial_form_count() or form.has_changed())
            and not self._should_delete_form(form)
        ]

    def drafts(self) -> tuple[list[StepDraft], list[StepForm]]:
        """The kept rows as steps, with references renumbered past the removed rows; a row
        that refers to a removed one gets the error by its field, and no drafts are made."""
        kept = self.kept_forms()
        # Row numbers as the page shows them (1 for the first form) to positions among kept.
        position = {self.forms.index(form) + 1: n for n, form in enumerate(kept, start=1)}
        drafts, valid = [], True
        for form in kept:
            data = form.cleaned_data
            refs = {}
            for field in ("after", "same_practitioner_as"):
                row = data.get(field)
                if row is not None and row not in position:
                    form.add_error(field, _("That step is being removed or left empty."))
                    valid = False
                refs[field] = position.get(row) if row is not None else None
            drafts.append(
                StepDraft(
                    therapy=data["therapy"],
                    day_offset=data["day_offset"],
                    slack_days=data.get("slack_days") or 0,
                    code=data.get("code") or "",
                    after=refs["after"],
                    min_gap_minutes=data.get("min_gap_minutes") or 0,
                    max_gap_minutes=data.get("max_gap_minutes"),
                    same_practitioner_as=refs["same_practitioner_as"],
                    instructions=data.get("instructions") or "",
                    planned_dose=data.get("planned_dose"),
                )
            )
        return (drafts if valid else []), kept


StepFormSet = forms.formset_factory(
    StepForm,
    formset=BaseStepFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_STEPS,
    validate_max=True,
    absolute_max=MAX_STEPS,
)


def step_initial(steps: list[ProtocolStep]) -> list[dict]:
    """Rows of the form for an existing version's steps (to start the next one from)."""
    row_of = {step.pk: n for n, step in enumerate(steps, start=1)}
    return [
        {
            "therapy": step.therapy_id,
            "day_offset": step.day_offset,
            "slack_days": step.slack_days,
            "after": row_of.get(step.after_step_id),
            "min_gap_minutes": step.min_gap_minutes,
            "max_gap_minutes": step.max_gap_minutes,
            "same_practitioner_as": row_of.get(step.same_practitioner_as_id),
            "code": step.code,
            "planned_dose": step.planned_dose,
            "instructions": step.instructions,
        }
        for step in steps
    ]


class PackageForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    price = forms.DecimalField(label=_("Price"), min_value=0, max_digits=10, decimal_places=2)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    duration_days = forms.IntegerField(label=_("Duration (days)"), min_value=1, max_value=365)
    is_active = forms.BooleanField(label=_("Offered (active)"), required=False, initial=True)

    def __init__(self, *args, protocols, slots: int, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for n in range(1, slots + 1):
            self.fields[f"protocol_{n}"] = forms.ModelChoiceField(
                label=_("Protocol %(n)s") % {"n": n},
                queryset=protocols,
                required=n == 1,
                empty_label="—",
                error_messages={
                    "required": _("Please choose at least one protocol."),
                    "invalid_choice": _("Please choose one of the protocols listed."),
                },
            )

    @property
    def protocol_fields(self):
        return [self[name] for name in self.fields if name.startswith("protocol_")]

    def chosen_protocols(self) -> list[ProtocolTemplate]:
        """The protocols chosen, in the order of their fields, empty ones left out."""
        return [
            self.cleaned_data[name]
            for name in self.fields
            if name.startswith("protocol_") and self.cleaned_data.get(name)
        ]


class PackageStartForm(forms.Form):
    """A patient of the center and the first day: the package's care plans follow on."""

    patient = forms.ModelChoiceField(
        label=_("Patient"),
        queryset=Patient.objects.none(),
        error_messages={
            "required": _("Please choose the patient."),
            "invalid_choice": _("Please choose one of the center's patients listed."),
        },
    )
    start_date = forms.DateField(
        label=_("First day"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("Please choose the first day."),
            "invalid": _("Please give the day as a date, e.g. 2026-12-24."),
        },
    )

    def __init__(self, *args, center, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["patient"].queryset = Patient.objects.filter(
            center=center, is_active=True
        ).order_by("first_name", "last_name")
