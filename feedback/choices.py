"""Choices of the feedback app: symptoms patients score after sessions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Symptom(models.TextChoices):
    """Symptoms and side effects a patient may score; the first four are asked after a session."""

    PAIN = "pain", _("Pain")
    STIFFNESS = "stiffness", _("Stiffness")
    FATIGUE = "fatigue", _("Fatigue")
    BLOATING = "bloating", _("Bloating")
    HEADACHE = "headache", _("Headache")
    ANXIETY = "anxiety", _("Anxiety")
    NAUSEA = "nausea", _("Nausea")
    DIZZINESS = "dizziness", _("Dizziness")
    WEAKNESS = "weakness", _("Weakness")
    OTHER = "other", _("Other")


# The side effects the feedback page asks about after every session, in the order shown.
SIDE_EFFECTS_ASKED = (Symptom.NAUSEA, Symptom.DIZZINESS, Symptom.WEAKNESS, Symptom.OTHER)
