"""Choices shared by every app: languages, genders and weekdays."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    HINDI = "hi", _("Hindi")


class Gender(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class RoomType(models.TextChoices):
    THERAPY = "therapy", _("Therapy room")
    PRIVATE = "private", _("Private room")
    STEAM = "steam", _("Steam room")
    CONSULT = "consult", _("Consultation room")
    YOGA_HALL = "yoga_hall", _("Yoga hall")
    RECOVERY = "recovery", _("Recovery room")


class Role(models.TextChoices):
    CENTER_ADMIN = "center_admin", _("Center admin")
    PRACTITIONER = "practitioner", _("Practitioner")
    MEDICAL_DIRECTOR = "medical_director", _("Medical director")
