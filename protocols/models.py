"""Therapy types, versioned protocol templates and their steps, SOP checklists."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clinics.models import Center, RoomType, Skill


def validate_room_types(value) -> None:
    """A therapy needs a non-empty list of known room types, e.g. ["therapy", "private"]."""
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Give a list of at least one room type."), code="invalid")
    unknown = [item for item in value if item not in RoomType.values]
    if unknown:
        raise ValidationError(
            _("Unknown room types: %(unknown)s."),
            code="invalid",
            params={"unknown": ", ".join(map(str, unknown))},
        )


class TherapyCategory(models.TextChoices):
    PURVAKARMA = "purvakarma", _("Purvakarma (preparation)")
    PRADHANAKARMA = "pradhanakarma", _("Pradhanakarma (main therapy)")
    PASCHATKARMA = "paschatkarma", _("Paschatkarma (aftercare)")
    CONSULTATION = "consultation", _("Consultation")
    WELLNESS = "wellness", _("Wellness")


class TherapyType(models.Model):
    """A kind of session (abhyanga, shirodhara, virechana) and what it needs."""

    Category = TherapyCategory

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_hi = models.CharField(_("name in Hindi"), max_length=100, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"))
    required_skill = models.ForeignKey(
        Skill,
        on_delete=models.PROTECT,
        related_name="therapy_types",
        verbose_name=_("required skill"),
    )
    allowed_room_types = models.JSONField(
        _("allowed room types"),
        default=list,
        validators=[validate_room_types],
        help_text=_("Room types this therapy may take place in."),
    )
    patient_rest_after_minutes = models.PositiveIntegerField(
        _("patient rest after (minutes)"),
        default=0,
        help_text=_("The patient may start no other session until this long after this one."),
    )
    room_turnover_minutes = models.PositiveIntegerField(
        _("room turnover (minutes)"),
        default=0,
        help_text=_("The room place stays taken this long after the session (cleaning)."),
    )
    group_size = models.PositiveSmallIntegerField(
        _("group size"),
        default=1,
        help_text=_("Above 1, up to this many patients may share one occurrence."),
    )
    description = models.TextField(_("description"), blank=True)
    pre_care = models.TextField(_("before the session"), blank=True)
    post_care = models.TextField(_("after the session"), blank=True)
    contraindications = models.TextField(_("contraindications"), blank=True)
    planned_dose = models.DecimalField(
        _("planned dose"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "What one session gives, e.g. 200 (ml of oil); a protocol step may plan its own."
        ),
    )
    dose_unit = models.CharField(
        _("dose unit"), max_length=20, blank=True, help_text=_("e.g. ml, g, drops")
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("therapy type")
        verbose_name_plural = _("therapy types")
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0), name="therapy_duration_positive"
            ),
            models.CheckConstraint(
                condition=Q(group_size__gte=1), name="therapy_group_size_positive"
            ),
            models.CheckConstraint(
                condition=Q(planned_dose__isnull=True) | Q(planned_dose__gt=0),
                name="therapy_planned_dose_positive",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        validate_room_types(self.allowed_room_types)


class ProtocolTemplate(models.Model):
    """A named course of treatment (e.g. 7-day Virechana); its content lives in versions."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    duration_days = models.PositiveSmallIntegerField(_("duration (days)"))
    center = models.ForeignKey(
        Center,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="protocol_templates",
        verbose_name=_("center"),
        help_text=_("Leave empty to share the protocol with every center."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("protocol template")
        verbose_name_plural = _("protocol templates")

    def __str__(self):
        return self.name


class ProtocolVersionQuerySet(models.QuerySet):
    def effective_on(self, on_date: datetime.date):
        """Active versions in force on `on_date` (from `effective_from`, before `effective_to`)."""
        return self.filter(
            Q(effective_to__isnull=True) | Q(effective_to__gt=on_date),
            status=ProtocolVersion.Status.ACTIVE,
            effective_from__lte=on_date,
        )


class ProtocolVersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


class ProtocolVersion(models.Model):
    """One edition of a protocol; care plans pin the version they were made from."""

    Status = ProtocolVersionStatus

    template = models.ForeignKey(
        ProtocolTemplate,
        on_delete=models.CASCADE,
        related_name="versions",
        verbose_name=_("template"),
    )
    version = models.PositiveIntegerField(_("version"))
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(
        _("effective to"),
        null=True,
        blank=True,
        help_text=_("First day this version no longer applies; empty for open-ended."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = ProtocolVersionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["template_id", "-version"]
        verbose_name = _("protocol version")
        verbose_name_plural = _("protocol versions")
        constraints = [
            models.UniqueConstraint(
                fields=["template", "version"], name="protocol_version_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gt=F("effective_from")),
                name="protocol_version_effective_range",
            ),
        ]

    def __str__(self):
        return f"{self.template} v{self.version}"


class ProtocolStep(models.Model):
    """One therapy of a protocol version, placed by day offset and sequence rules."""

    version = models.ForeignKey(
        ProtocolVersion, on_delete=models.CASCADE, related_name="steps", verbose_name=_("version")
    )
    order = models.PositiveSmallIntegerField(_("order"))
    code = models.SlugField(_("code"), max_length=50, help_text=_("e.g. d3-abhyanga"))
    therapy = models.ForeignKey(
        TherapyType,
        on_delete=models.PROTECT,
        related_name="protocol_steps",
        verbose_name=_("therapy"),
    )
    day_offset = models.PositiveSmallIntegerField(
        _("day"), help_text=_("Days after the plan starts.")
    )
    slack_days = models.PositiveSmallIntegerField(
        _("slack (days)"), default=0, help_text=_("How many days later the step may slip.")
    )
    after_step = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("after step"),
    )
    min_gap_minutes = models.PositiveIntegerField(_("minimum gap (minutes)"), default=0)
    max_gap_minutes = models.PositiveIntegerField(_("maximum gap (minutes)"), null=True, blank=True)
    same_practitioner_as = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("same practitioner as"),
    )
    instructions = models.TextField(_("instructions"), blank=True)
    planned_dose = models.DecimalField(
        _("planned dose"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "This step's dose in the therapy's unit, where it differs from the therapy's own "
            "(Snehapana's ghee rises day by day)."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["version_id", "order"]
        verbose_name = _("protocol step")
        verbose_name_plural = _("protocol steps")
        constraints = [
            models.UniqueConstraint(fields=["version", "order"], name="protocol_step_unique_order"),
            models.UniqueConstraint(fields=["version", "code"], name="protocol_step_unique_code"),
            models.CheckConstraint(
                condition=Q(max_gap_minutes__isnull=True)
                | Q(max_gap_minutes__gte=F("min_gap_minutes")),
                name="protocol_step_gap_range",
            ),
            models.CheckConstraint(
                condition=Q(planned_dose__isnull=True) | Q(planned_dose__gt=0),
                name="protocol_step_planned_dose_positive",
            ),
        ]

    def __str__(self):
        return f"{self.version} #{self.order} {self.code}"

    def clean(self):
        super().clean()
        errors = {}
        for name in ("after_step", "same_practitioner_as"):
            other = getattr(self, name)
            if other is None:
                continue
            if other.version_id != self.version_id:
                errors[name] = _("Must be a step of the same protocol version.")
            elif self.order is not None and other.order >= self.order:
                errors[name] = _("Must be an earlier step.")
        if errors:
            raise ValidationError(errors)


class SOPChecklistTemplate(models.Model):
    """The standard operating procedure a practitioner follows for a therapy."""

    therapy = models.ForeignKey(
        TherapyType, on_delete=models.CASCADE, related_name="checklists", verbose_name=_("therapy")
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    title = models.CharField(_("title"), max_length=150)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["therapy_id", "-version"]
        verbose_name = _("SOP checklist")
        verbose_name_plural = _("SOP checklists")
        constraints = [
            models.UniqueConstraint(fields=["therapy", "version"], name="checklist_unique_version"),
        ]

    def __str__(self):
        return f"{self.title} v{self.version}"


class ChecklistItemKind(models.TextChoices):
    STEP = "step", _("Step")
    SAFETY_CHECK = "safety_check", _("Safety check")
    TIMER = "timer", _("Timer")
    MEASUREMENT = "measurement", _("Measurement")


class SOPChecklistItem(models.Model):
    """One line of an SOP checklist: a step, a safety check, a timer or a measurement."""

    Kind = ChecklistItemKind

    template = models.ForeignKey(
        SOPChecklistTemplate,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("checklist"),
    )
    order = models.PositiveSmallIntegerField(_("order"))
    text = models.CharField(_("text"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.STEP)
    timer_seconds = models.PositiveIntegerField(_("timer (seconds)"), null=True, blank=True)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        ordering = ["template_id", "order"]
        verbose_name = _("SOP checklist item")
        verbose_name_plural = _("SOP checklist items")
        constraints = [
            models.UniqueConstraint(
                fields=["template", "order"], name="checklist_item_unique_order"
            ),
            models.CheckConstraint(
                # isnull too: "NULL > 0" is unknown, and a CHECK lets unknown pass.
                condition=~Q(kind="timer") | Q(timer_seconds__isnull=False, timer_seconds__gt=0),
                name="checklist_timer_has_seconds",
            ),
        ]

    def __str__(self):
        return f"{self.order}. {self.text}"


class Currency(models.TextChoices):
    INR = "INR", _("Indian rupee (INR)")
    GBP = "GBP", _("Pound sterling (GBP)")
    EUR = "EUR", _("Euro (EUR)")
    USD = "USD", _("US dollar (USD)")
    AED = "AED", _("UAE dirham (AED)")


class PackageTemplate(models.Model):
    """What a center sells: one or more protocols taken in order, over some days, for a price."""

    Currency = Currency

    center = models.ForeignKey(
        Center,
        on_delete=models.CASCADE,
        related_name="package_templates",
        verbose_name=_("center"),
    )
    name = models.CharField(_("name"), max_length=150)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    duration_days = models.PositiveSmallIntegerField(
        _("duration (days)"),
        help_text=_("At least the days of its protocols, one after another."),
    )
    protocols = models.ManyToManyField(
        ProtocolTemplate,
        through="PackageProtocol",
        related_name="packages",
        verbose_name=_("protocols"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("package template")
        verbose_name_plural = _("package templates")
        constraints = [
            models.UniqueConstraint(fields=["center", "name"], name="package_unique_name"),
            models.CheckConstraint(condition=Q(price__gte=0), name="package_price_not_negative"),
            models.CheckConstraint(
                condition=Q(duration_days__gte=1), name="package_duration_positive"
            ),
        ]

    def __str__(self):
        return self.name


class PackageProtocol(models.Model):
    """One protocol of a package, in the order the patient goes through them."""

    package = models.ForeignKey(
        PackageTemplate, on_delete=models.CASCADE, related_name="items", verbose_name=_("package")
    )
    protocol = models.ForeignKey(
        ProtocolTemplate,
        on_delete=models.PROTECT,
        related_name="package_items",
        verbose_name=_("protocol"),
    )
    order = models.PositiveSmallIntegerField(_("order"))

    class Meta:
        ordering = ["package_id", "order"]
        verbose_name = _("package protocol")
        verbose_name_plural = _("package protocols")
        constraints = [
            models.UniqueConstraint(fields=["package", "order"], name="package_protocol_order"),
            models.UniqueConstraint(fields=["package", "protocol"], name="package_protocol_once"),
        ]

    def __str__(self):
        return f"{self.package} #{self.order} {self.protocol}"
