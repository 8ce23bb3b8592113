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


ZERO_TO_SIX = [(n, str(n)) for n in range(7)]
MYMOP_SCALE_ERROR = _(
    "Choose a score from 0 (as good as it could be) to 6 (as bad as it could be)."
)


def _mymop_scale(label, *, required: bool) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=ZERO_TO_SIX,
        coerce=int,
        required=required,
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={"required": MYMOP_SCALE_ERROR, "invalid_choice": MYMOP_SCALE_ERROR},
    )


class MymopForm(forms.Form):
    """MYMOP on a phone: the names only at the first answer, then four 0-6 rows.

    The second symptom and the activity may be left out, as MYMOP allows; the scores are
    about the last week, as the instrument asks.
    """

    def __init__(self, *args, first=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.first = first
        if first is None:
            self.fields["symptom_1_name"] = forms.CharField(
                label=_("Which symptom bothers you most?"),
                max_length=100,
                error_messages={"required": _("Name the symptom that bothers you most.")},
            )
            self.fields["symptom_2_name"] = forms.CharField(
                label=_("A second symptom (if there is one)"), max_length=100, required=False
            )
            self.fields["activity_name"] = forms.CharField(
                label=_("An activity your problem makes hard (if there is one)"),
                help_text=_("Physical, social or mental: something that matters to you."),
                max_length=100,
                required=False,
            )
        self.fields["symptom_1"] = _mymop_scale(
            self._asked(first and first.symptom_1_name, _("Your first symptom")), required=True
        )
        if first is None or first.symptom_2_name:
            self.fields["symptom_2"] = _mymop_scale(
                self._asked(first and first.symptom_2_name, _("Your second symptom")),
                required=False,
            )
        if first is None or first.activity_name:
            self.fields["activity"] = _mymop_scale(
                self._asked(first and first.activity_name, _("Your activity")), required=False
            )
        self.fields["wellbeing"] = _mymop_scale(
            _("Your general feeling of wellbeing: how has it been this last week?"), required=True
        )

    @staticmethod
    def _asked(name: str | None, placeholder) -> str:
        return _("%(item)s: how bad has it been this last week?") % {"item": name or placeholder}

    def name_fields(self):
        return [
            self[name]
            for name in ("symptom_1_name", "symptom_2_name", "activity_name")
            if name in self.fields
        ]

    def scale_fields(self):
        return [
            self[name]
            for name in ("symptom_1", "symptom_2", "activity", "wellbeing")
            if name in self.fields
        ]

    def answers(self) -> dict:
        """What mymop_record takes: the scores, and the names when this is the first answer."""
        data = self.cleaned_data
        answers = {
            name: data.get(name) for name in ("symptom_1", "symptom_2", "activity", "wellbeing")
        }
        if self.first is None:
            answers.update(
                symptom_1_name=data["symptom_1_name"],
                symptom_2_name=data.get("symptom_2_name", ""),
                activity_name=data.get("activity_name", ""),
            )
        return answers
