"""The patient's feedback form after a session: relief, side effects, the PREM question, a note."""

from django import forms
from django.utils.translation import gettext_lazy as _

from feedback.choices import SIDE_EFFECTS_ASKED
from feedback.models import SessionFeedback

ZERO_TO_TEN = [(n, str(n)) for n in range(11)]


class SessionFeedbackForm(forms.Form):
    symptom_relief = forms.TypedChoiceField(
        label=_("How much relief did this session give you?"),
        help_text=_("0 = none, 10 = complete relief"),
        choices=ZERO_TO_TEN,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how much relief you felt, from 0 to 10.")},
    )
    experience = forms.ChoiceField(
        label=_("Did you feel listened to and treated with respect?"),
        choices=SessionFeedback.Experience.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Tell us whether you were listened to and treated with respect.")
        },
    )
    comment = forms.CharField(
        label=_("Anything else you want your practitioner to know?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One 0-10 row per side effect; 0 (not felt) is chosen until the patient says otherwise.
        for symptom in SIDE_EFFECTS_ASKED:
            self.fields[f"side_{symptom.value}"] = forms.TypedChoiceField(
                label=symptom.label,
                choices=ZERO_TO_TEN,
                coerce=int,
                initial=0,
                widget=forms.RadioSelect,
            )

    def side_effect_fields(self):
        return [self[f"side_{symptom.value}"] for symptom in SIDE_EFFECTS_ASKED]

    def side_effects(self) -> dict[str, int]:
        return {s.value: self.cleaned_data[f"side_{s.value}"] for s in SIDE_EFFECTS_ASKED}

    @classmethod
    def initial_from(cls, feedback: SessionFeedback | None) -> dict:
        if feedback is None:
            return {}
        initial = {
            "symptom_relief": feedback.symptom_relief,
            "experience": feedback.experience,
            "comment": feedback.comment,
        }
        for score in feedback.symptom_scores.all():
            initial[f"side_{score.symptom}"] = score.score
        return initial
