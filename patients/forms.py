"""The patient's sign-up and intake forms: dosha questionnaire, health answers and consents."""

from django import forms
from django.utils.translation import gettext_lazy as _

from clinics.models import Center
from patients.dosha import QUESTIONS
from patients.models import Consent, Patient
from patients.services import HEALTH_ANSWER_MAX_CHARS, patient_register

# The consent text the portal shows; a new text gets a new version so that every consent
# row says which words the patient agreed to (consents_record asks again on a change).
CONSENT_DOCUMENT_VERSION = "2026.1"

# Without these two the clinic cannot plan treatment; the step counts as done when both hold.
CONSENTS_NEEDED = (Consent.Kind.TREATMENT, Consent.Kind.DATA_PROCESSING)

CONSENT_WORDING = {
    Consent.Kind.TREATMENT: _(
        "I agree to Panchakarma treatment as my practitioner plans it with me, and I will "
        "tell the clinic about any change in my health."
    ),
    Consent.Kind.DATA_PROCESSING: _(
        "I agree that the clinic keeps and uses my health records to plan and give my care."
    ),
    Consent.Kind.SMS_MESSAGES: _("Send me reminders and care guidance by SMS."),
    Consent.Kind.EMAIL_MESSAGES: _("Send me reminders and care guidance by email."),
    Consent.Kind.PHOTOGRAPHY: _("The clinic may photograph my treatment for my record."),
}


class DoshaQuestionnaireForm(forms.Form):
    """One radio group per Prakriti question; every one must be answered."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for question in QUESTIONS:
            self.fields[question.key] = forms.ChoiceField(
                label=question.text,
                choices=list(question.answers.items()),
                widget=forms.RadioSelect,
                error_messages={"required": _("Please choose the answer closest to you.")},
            )


class HealthForm(forms.Form):
    comorbidities = forms.CharField(
        label=_("Health conditions you have"),
        help_text=_("For example diabetes, high blood pressure, asthma. Leave empty if none."),
        required=False,
        max_length=HEALTH_ANSWER_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    allergies = forms.CharField(
        label=_("Allergies"),
        help_text=_("Foods, medicines, oils or anything else. Leave empty if none."),
        required=False,
        max_length=HEALTH_ANSWER_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    current_medications = forms.CharField(
        label=_("Medicines you take now"),
        help_text=_("Name and how often, including herbal ones. Leave empty if none."),
        required=False,
        max_length=HEALTH_ANSWER_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ConsentsForm(forms.Form):
    """A tick per consent kind, and the name of who signs (the patient or a guardian)."""

    signed_by = forms.CharField(
        label=_("Your full name, as your signature"),
        max_length=150,
        error_messages={"required": _("Please type your name to sign.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in Consent.Kind:
            self.fields[kind.value] = forms.BooleanField(
                label=CONSENT_WORDING[kind], required=False
            )

    def consent_fields(self):
        return [self[kind.value] for kind in Consent.Kind]

    def given(self) -> set[str]:
        return {kind.value for kind in Consent.Kind if self.cleaned_data.get(kind.value)}


class PatientSignupForm(forms.Form):
    """What allauth's sign-up asks besides email and password: who the patient is and where.

    allauth calls `signup()` once the user is saved; the patient record is made there, so that
    every account made by sign-up is a patient's and never a staff member's.
    """

    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=Patient.Sex.choices)
    center = forms.ModelChoiceField(
        label=_("Your center"),
        queryset=Center.objects.none(),
        empty_label=_("Choose the center you will visit"),
        error_messages={"required": _("Please choose the center you will visit.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        centers = Center.objects.filter(is_active=True).order_by("name")
        self.fields["center"].queryset = centers
        self.fields["center"].label_from_instance = lambda center: (
            f"{center.name}, {center.city}" if center.city else center.name
        )

    def signup(self, request, user) -> None:
        patient_register(
            user=user,
            center=self.cleaned_data["center"],
            first_name=self.cleaned_data["first_name"],
            last_name=self.cleaned_data["last_name"],
            sex=self.cleaned_data["sex"],
        )
