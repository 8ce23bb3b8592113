"""Organisation: users, centers, rooms, stock, practitioners, rosters and memberships."""

import re
import zoneinfo
from decimal import Decimal

import holidays
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from clinics.choices import Gender, Language, Role, RoomType, Weekday
from clinics.managers import UserManager

__all__ = [
    "Center",
    "Closure",
    "Consumable",
    "Equipment",
    "Gender",
    "Language",
    "Leave",
    "Membership",
    "OpeningHours",
    "PractitionerProfile",
    "Role",
    "Room",
    "RoomType",
    "RosterShift",
    "Skill",
    "User",
    "Weekday",
    "validate_timezone",
]


def validate_timezone(value: str) -> None:
    """Accept only IANA zone names that zoneinfo can load, e.g. "Asia/Kolkata"."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(
            _("%(value)s is not a known time zone (use an IANA name such as Asia/Kolkata)."),
            code="invalid_timezone",
            params={"value": value},
        ) from error


class User(AbstractUser):
    """Anyone who signs in: staff and patients alike, identified by email."""

    username = None
    email = models.EmailField(_("email address"), unique=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=Language.choices, default=Language.ENGLISH
    )
    phone = PhoneNumberField(_("phone"), blank=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="clinics_user_email_ci_unique"),
        ]

    def __str__(self):
        return self.full_name or self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email)


class Center(models.Model):
    """A Panchakarma center: its own time zone, hours, holidays and resources."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Asia/Kolkata",
        validators=[validate_timezone],
        help_text=_("IANA time zone name, e.g. Asia/Kolkata or Europe/London."),
    )
    address = models.TextField(_("address"), blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(
        _("country"), max_length=2, default="IN", help_text=_("ISO 3166-1 alpha-2 code.")
    )
    phone = PhoneNumberField(_("phone"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    holiday_country = models.CharField(
        _("holiday country"),
        max_length=2,
        blank=True,
        help_text=_("Country whose public holidays close the center (ISO code, e.g. IN)."),
    )
    holiday_subdivision = models.CharField(
        _("holiday subdivision"),
        max_length=10,
        blank=True,
        help_text=_("State or region for regional holidays, e.g. KL for Kerala."),
    )
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length (minutes)"),
        default=15,
        validators=[MinValueValidator(1)],
        help_text=_("Sessions start on this grid of local minutes."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("center")
        verbose_name_plural = _("centers")
        constraints = [
            models.CheckConstraint(condition=Q(slot_minutes__gte=1), name="center_slot_positive"),
        ]

    def __str__(self):
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def clean(self):
        super().clean()
        self.country = (self.country or "").upper()
        self.holiday_country = (self.holiday_country or "").upper()
        self.holiday_subdivision = (self.holiday_subdivision or "").upper()
        # The time zone is checked by the field's validator (which full_clean, model
        # forms and DRF serializers all run); repeating it here would show it twice.
        if self.holiday_country:
            supported = holidays.list_supported_countries()
            if self.holiday_country not in supported:
                raise ValidationError(
                    {"holiday_country": _("No holiday calendar is known for this country.")}
                )
            if (
                self.holiday_subdivision
                and self.holiday_subdivision not in supported[self.holiday_country]
            ):
                raise ValidationError(
                    {"holiday_subdivision": _("Not a subdivision of the holiday country.")}
                )
        elif self.holiday_subdivision:
            raise ValidationError({"holiday_subdivision": _("Set the holiday country first.")})


class OpeningHours(models.Model):
    """One opening window of a weekday; several rows make a split day (lunch break)."""

    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="opening_hours", verbose_name=_("center")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["center_id", "weekday", "opens"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__gt=F("opens")), name="opening_closes_after_opens"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="opening_weekday_valid"),
        ]

    def __str__(self):
        return f"{self.center} {self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class Closure(models.Model):
    """A date the center is closed beyond the public holiday calendar."""

    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="closures", verbose_name=_("center")
    )
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["center_id", "date"]
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        constraints = [
            models.UniqueConstraint(fields=["center", "date"], name="closure_unique_center_date"),
        ]

    def __str__(self):
        return f"{self.center}: {self.date:%Y-%m-%d}"


class Room(models.Model):
    """A treatment room; capacity above 1 means several places (e.g. a yoga hall)."""

    RoomType = RoomType

    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="rooms", verbose_name=_("center")
    )
    code = models.CharField(_("code"), max_length=20, help_text=_("Short code, e.g. PV1."))
    name = models.CharField(_("name"), max_length=100)
    room_type = models.CharField(_("room type"), max_length=20, choices=RoomType.choices)
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=1)
    # NULL rather than "" for "anyone", as in the scheduling format's room `gender`.
    gender = models.CharField(  # noqa: DJ001
        _("admits only"),
        max_length=1,
        choices=Gender.choices,
        null=True,
        blank=True,
        help_text=_("Leave empty when patients of any gender may use the room."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["center_id", "code"]
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        constraints = [
            models.UniqueConstraint(fields=["center", "code"], name="room_unique_center_code"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="room_capacity_positive"),
        ]

    def __str__(self):
        return f"{self.code} · {self.name}"

    @property
    def name_says_code(self) -> bool:
        """Whether the name already reads out the code as a word ("Room R1" for R1, not
        "Room R10"), so that a page showing both would say it twice."""
        return re.search(rf"(?<!\w){re.escape(self.code)}(?!\w)", self.name, re.I) is not None


class EquipmentStatus(models.TextChoices):
    OK = "ok", _("In service")
    MAINTENANCE = "maintenance", _("Under maintenance")
    RETIRED = "retired", _("Retired")


class Equipment(models.Model):
    """A piece of equipment (droni table, steam box) and its service state."""

    Status = EquipmentStatus

    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="equipment", verbose_name=_("center")
    )
    room = models.ForeignKey(
        Room,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="equipment",
        verbose_name=_("room"),
    )
    name = models.CharField(_("name"), max_length=100)
    serial = models.CharField(_("serial number"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OK)
    last_serviced = models.DateField(_("last serviced"), null=True, blank=True)

    class Meta:
        ordering = ["center_id", "name"]
        verbose_name = _("equipment")
        verbose_name_plural = _("equipment")

    def __str__(self):
        return f"{self.name} ({self.serial})" if self.serial else self.name


class ConsumableUnit(models.TextChoices):
    ML = "ml", _("millilitre")
    LITRE = "litre", _("litre")
    G = "g", _("gram")
    KG = "kg", _("kilogram")
    PIECE = "piece", _("piece")
    PACK = "pack", _("pack")


class Consumable(models.Model):
    """A stocked material (oils, powders, linen) used up in sessions."""

    Unit = ConsumableUnit

    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="consumables", verbose_name=_("center")
    )
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.ML)
    stock_quantity = models.DecimalField(
        _("in stock"), max_digits=12, decimal_places=3, default=Decimal(0)
    )
    reorder_level = models.DecimalField(
        _("reorder level"), max_digits=12, decimal_places=3, default=Decimal(0)
    )

    class Meta:
        ordering = ["center_id", "name"]
        verbose_name = _("consumable")
        verbose_name_plural = _("consumables")
        constraints = [
            models.CheckConstraint(
                condition=Q(stock_quantity__gte=0), name="consumable_stock_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(reorder_level__gte=0), name="consumable_reorder_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_unit_display()})"

    @property
    def needs_reorder(self) -> bool:
        return self.stock_quantity <= self.reorder_level


class Skill(models.Model):
    """What a practitioner is trained to give, e.g. abhyanga or shirodhara."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A staff role of a user at a center; patients are never members."""

    Role = Role

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("center")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["center_id", "user_id", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "center", "role"], name="membership_unique_user_center_role"
            ),
        ]

    def __str__(self):
        return f"{self.user}: {self.get_role_display()} @ {self.center}"


class PractitionerProfile(models.Model):
    """What the scheduler needs to know about a practitioner: skills, gender, daily load."""

    user = models.OneToOneField(
        User,
        on_delete=models.CASCADE,
        related_name="practitioner_profile",
        verbose_name=_("user"),
    )
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    license_number = models.CharField(_("license number"), max_length=50, blank=True)
    skills = models.ManyToManyField(
        Skill, blank=True, related_name="practitioners", verbose_name=_("skills")
    )
    soft_daily_minutes = models.PositiveIntegerField(
        _("soft daily limit (minutes)"),
        null=True,
        blank=True,
        default=360,
        help_text=_(
            "Minutes of sessions per day above which the scheduler avoids overtime; empty for no limit."
        ),
    )
    bio = models.TextField(_("bio"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["user__first_name", "user__last_name", "user__email"]
        verbose_name = _("practitioner profile")
        verbose_name_plural = _("practitioner profiles")

    def __str__(self):
        return str(self.user)


class RosterShift(models.Model):
    """A weekly working window of a practitioner at a center."""

    practitioner = models.ForeignKey(
        PractitionerProfile,
        on_delete=models.CASCADE,
        related_name="shifts",
        verbose_name=_("practitioner"),
    )
    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="roster_shifts", verbose_name=_("center")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    starts = models.TimeField(_("starts"))
    ends = models.TimeField(_("ends"))
    # Rosters change with the season; open ends mean "until further notice".
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        ordering = ["practitioner_id", "weekday", "starts"]
        verbose_name = _("roster shift")
        verbose_name_plural = _("roster shifts")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends__gt=F("starts")), name="shift_ends_after_starts"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="shift_weekday_valid"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="shift_valid_range",
            ),
        ]

    def __str__(self):
        return f"{self.practitioner} {self.get_weekday_display()} {self.starts:%H:%M}-{self.ends:%H:%M}"


class LeaveKind(models.TextChoices):
    VACATION = "vacation", _("Vacation")
    SICK = "sick", _("Sick leave")
    TRAINING = "training", _("Training")
    OTHER = "other", _("Other")


class Leave(models.Model):
    """Time a practitioner is away; instants are stored in UTC."""

    Kind = LeaveKind

    practitioner = models.ForeignKey(
        PractitionerProfile,
        on_delete=models.CASCADE,
        related_name="leaves",
        verbose_name=_("practitioner"),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.VACATION)
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("leave")
        verbose_name_plural = _("leaves")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="leave_ends_after_starts"
            ),
        ]

    def __str__(self):
        return f"{self.practitioner}: {self.get_kind_display()} {self.starts_at:%Y-%m-%d}"


class ApiToken(models.Model):
    """A user's key for integrations: acts as the user, so it reaches what their roles reach.

    Only a hash of the secret is kept; the secret itself is shown once, when it is created.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100)
    # SHA-256 is enough here (no slow hash): the secret is 256 random bits, not a password.
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    # The secret's first characters, so that the owner can tell their tokens apart.
    prefix = models.CharField(_("prefix"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.user}: {self.name} ({self.prefix}…)"
