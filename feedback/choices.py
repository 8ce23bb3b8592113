"""Choices of the feedback app: symptoms patients score after sessions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Symptom(models.TextChoices):
    PAIN = "pain", _("Pain")
    STIFFNESS = "stiffness", _("Stiffness")
    FATIGUE = "fatigue", _("Fatigue")
    BLOATING = "bloating", _("Bloating")
    HEADACHE = "headache", _("Headache")
    ANXIETY = "anxiety", _("Anxiety")
    NAUSEA = "nausea", _("Nausea")
    OTHER = "other", _("Other")
