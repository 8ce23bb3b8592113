"""Setting up a center from CSV files: staff, rooms, consumables and practitioners' weekly shifts.

django-import-export reads the rows; each kind has a resource scoped to one center, widgets
that refuse bad values in the admin's words, and a template file to fill in. A dry run shows
every row's result; applying runs the same import for real in one transaction that is rolled
back whole when any row is wrong. Rows are matched on their natural key (a room's code, a
consumable's name, a staff member's email and role, a practitioner's email with weekday and
start), and unchanged rows are
skipped, so importing the same file twice changes nothing.
"""

import csv
import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets
from import_export.results import RowResult

from clinics.choices import Gender, Role, RoomType, Weekday
from clinics.models import (
    Center,
    Consumable,
    Membership,
    PractitionerProfile,
    Room,
    RosterShift,
    User,
)

# A center's set-up files are a few hundred rows; anything much larger is the wrong file.
MAX_BYTES = 1_000_000
MAX_ROWS = 5000


class _Text(widgets.CharWidget):
    """Text with the spaces around it trimmed; `required` refuses an empty cell in words."""

    def __init__(self, *, required=False, max_length=None):
        super().__init__()
        self.required, self.max_length = required, max_length

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if self.required and not text:
            raise ValueError(_("This cell is empty; it must be filled in."))
        if self.max_length and len(text) > self.max_length:
            raise ValueError(
                _("Keep it to %(count)s characters (this has %(length)s).")
                % {"count": self.max_length, "length": len(text)}
            )
        return text


class _Choice(widgets.Widget):
    """One of a list of choices, by its code or its English name, in any case."""

    def __init__(self, choices, *, blank=None, allow_blank=False):
        super().__init__()
        self.choices, self.blank, self.allow_blank = choices, blank, allow_blank

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip().lower()
        if not text and self.allow_blank:
            return self.blank
        for code, label in self.choices:
            if text in (str(code).lower(), str(label).lower()):
                return code
        raise ValueError(
            _("“%(value)s” is not one of: %(options)s.")
            % {
                "value": value or "",
                "options": ", ".join(str(code) for code, _label in self.choices),
            }
        )

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class _Number(widgets.Widget):
    """A decimal number of at least `minimum` ("2.5"; a comma as the decimal mark is read too)."""

    def __init__(self, *, minimum=Decimal(0), whole=False):
        super().__init__()
        self.minimum, self.whole = minimum, whole

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip().replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise ValueError(_("“%(value)s” is not a number.") % {"value": value or ""})
        if self.whole and number != number.to_integral_value():
            raise ValueError(_("Give a whole number."))
        if number < self.minimum:
            raise ValueError(_("Give %(minimum)s or more.") % {"minimum": self.minimum})
        return int(number) if self.whole else number

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else f"{Decimal(value).normalize():f}"


class _YesNo(widgets.Widget):
    YES, NO = {"yes", "y", "true", "1", "हाँ"}, {"no", "n", "false", "0", "नहीं"}

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip().lower()
        if not text or text in self.YES:
            return True  # an empty cell keeps the room in use, as most are
        if text in self.NO:
            return False
        raise ValueError(_("Write yes or no."))

    def render(self, value, obj=None, **kwargs):
        return "yes" if value else "no"


class _Time(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        for pattern in ("%H:%M", "%H:%M:%S", "%H.%M"):
            try:
                return datetime.datetime.strptime(text, pattern).time()
            except ValueError:
                continue
        raise ValueError(
            _("“%(value)s” is not a time; write hours:minutes, e.g. 09:30.") % {"value": text}
        )

    def render(self, value, obj=None, **kwargs):
        return value.strftime("%H:%M") if value else ""


class _PractitionerByEmail(widgets.Widget):
    """A practitioner of the center, named by the email they sign in with."""

    def __init__(self, center: Center):
        super().__init__()
        self.center = center

    def clean(self, value, row=None, **kwargs):
        email = str(value or "").strip()
        practitioner = PractitionerProfile.objects.filter(
            user__email__iexact=email,
            user__memberships__center=self.center,
            user__memberships__role=Role.PRACTITIONER,
            user__memberships__is_active=True,
        ).first()
        if practitioner is None:
            raise ValueError(
                _("No practitioner of %(center)s signs in as “%(email)s”.")
                % {"center": self.center.name, "email": email}
            )
        return practitioner

    def render(self, value, obj=None, **kwargs):
        return value.user.email if value else ""


class _StaffUser(widgets.Widget):
    """The account a staff row names by email: the existing one, or a new one made on save."""

    def clean(self, value, row=None, **kwargs):
        email = User.objects.normalize_email(str(value or "").strip())
        try:
            validate_email(email)
        except ValidationError:
            raise ValueError(
                _("“%(value)s” is not an email address.") % {"value": value or ""}
            ) from None
        return User.objects.filter(email__iexact=email).first() or User(email=email)

    def render(self, value, obj=None, **kwargs):
        return value.email if value else ""


class _CenterResource(resources.ModelResource):
    """A resource whose rows all belong to one center: looked up and created there only."""

    def __init__(self, center: Center):
        super().__init__()
        self.center = center

    def get_queryset(self):
        return self._meta.model.objects.filter(center=self.center)

    def init_instance(self, row=None):
        return self._meta.model(center=self.center)

    def get_instance(self, instance_loader, row):
        # A key cell that cannot be read matches nothing: the row is then read as a new one,
        # which names that cell's problem along with every other cell's.
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:
            return None


class RoomResource(_CenterResource):
    code = fields.Field("code", "code", _Text(required=True, max_length=20))
    name = fields.Field("name", "name", _Text(required=True, max_length=100))
    room_type = fields.Field("room_type", "room_type", _Choice(RoomType.choices))
    capacity = fields.Field("capacity", "capacity", _Number(minimum=1, whole=True))
    gender = fields.Field(
        "gender", "admits_only", _Choice(Gender.choices, blank=None, allow_blank=True)
    )
    is_active = fields.Field("is_active", "active", _YesNo())

    class Meta:
        model = Room
        fields = ("code", "name", "room_type", "capacity", "gender", "is_active")
        import_id_fields = ("code",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True


class ConsumableResource(_CenterResource):
    name = fields.Field("name", "name", _Text(required=True, max_length=100))
    unit = fields.Field("unit", "unit", _Choice(Consumable.Unit.choices))
    stock_quantity = fields.Field("stock_quantity", "in_stock", _Number())
    reorder_level = fields.Field("reorder_level", "reorder_level", _Number())

    class Meta:
        model = Consumable
        fields = ("name", "unit", "stock_quantity", "reorder_level")
        import_id_fields = ("name",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True


class RosterShiftResource(_CenterResource):
    weekday = fields.Field("weekday", "weekday", _Choice(Weekday.choices))
    starts = fields.Field("starts", "starts", _Time())
    ends = fields.Field("ends", "ends", _Time())

    def __init__(self, center: Center):
        super().__init__(center)
        # The widget needs the center, which a class attribute cannot know.
        self.fields["practitioner"] = fields.Field(
            "practitioner", "practitioner_email", _PractitionerByEmail(center)
        )

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        if not errors.keys() & {"starts", "ends"} and instance.ends <= instance.starts:
            errors["ends"] = ValidationError(_("The shift must end after it starts."))
        super().validate_instance(instance, errors, validate_unique)

    class Meta:
        model = RosterShift
        fields = ("practitioner", "weekday", "starts", "ends")
        import_id_fields = ("practitioner", "weekday", "starts")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True


class StaffResource(_CenterResource):
    """Staff of the center: a membership in a role, and for someone new, their account.

    Names are written for new accounts only: an existing account may belong to someone who
    also works elsewhere, and one center's file must not rename them there.
    """

    user = fields.Field("user", "email", _StaffUser())
    first_name = fields.Field(None, "first_name", _Text(required=True, max_length=150))
    last_name = fields.Field(None, "last_name", _Text(max_length=150))
    role = fields.Field("role", "role", _Choice(Role.choices))
    gender = fields.Field(None, "gender", _Choice(Gender.choices, allow_blank=True))

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # The model's own checks would query with a user not saved yet; every cell is checked
        # here and by the widgets instead.
        errors = dict(import_validation_errors or {})
        for name in ("first_name", "last_name", "gender"):
            try:
                self.fields[name].clean(self._row)
            except ValueError as error:
                errors[name] = ValidationError(str(error))
        if not errors.keys() & {"user", "role", "gender"} and instance.role == Role.PRACTITIONER:
            practitioner = getattr(instance.user, "practitioner_profile", None)
            if practitioner is None and not self.fields["gender"].clean(self._row):
                errors["gender"] = ValidationError(
                    _("A practitioner needs a gender, F or M: patients may ask for one.")
                )
        if errors:
            raise ValidationError(errors)

    def import_instance(self, instance, row, **kwargs):
        self._row = row  # validate_instance reads the cells that belong to no model field
        super().import_instance(instance, row, **kwargs)

    def before_save_instance(self, instance, row, **kwargs):
        user = instance.user
        if user.pk is None:
            user.first_name = self.fields["first_name"].clean(row)
            user.last_name = self.fields["last_name"].clean(row)
            # They sign in by a code mailed to them, or set a password through "forgot".
            user.set_unusable_password()
            user.save()
            instance.user = user

    def after_save_instance(self, instance, row, **kwargs):
        if instance.role == Role.PRACTITIONER:
            PractitionerProfile.objects.get_or_create(
                user=instance.user, defaults={"gender": self.fields["gender"].clean(row)}
            )

    class Meta:
        model = Membership
        fields = ("user", "first_name", "last_name", "role", "gender")
        import_id_fields = ("user", "role")
        skip_unchanged = True
        report_skipped = True


@dataclass(frozen=True)
class ImportKind:
    slug: str
    label: str
    resource: type[_CenterResource]
    example: list[list[str]]  # rows of the downloadable template, below its header


KINDS = {
    kind.slug: kind
    for kind in (
        ImportKind(
            "staff",
            gettext_lazy("Staff"),
            StaffResource,
            [["asha.nair@example.org", "Asha", "Nair", "practitioner", "F"]],
        ),
        ImportKind(
            "rooms",
            gettext_lazy("Rooms"),
            RoomResource,
            [["PV1", "Abhyanga room 1", "therapy", "1", "", "yes"]],
        ),
        ImportKind(
            "consumables",
            gettext_lazy("Consumables"),
            ConsumableResource,
            [["Ksheerabala taila", "ml", "5000", "1000"]],
        ),
        ImportKind(
            "roster",
            gettext_lazy("Staff roster"),
            RosterShiftResource,
            [["vaidya@example.org", "Monday", "08:00", "14:00"]],
        ),
    )
}


def import_template(kind: ImportKind) -> str:
    """The CSV an admin fills in: the columns the import reads and an example row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_columns(kind, Center()))
    writer.writerows(kind.example)
    return out.getvalue()


def _columns(kind: ImportKind, center: Center) -> list[str]:
    resource = kind.resource(center)
    return [resource.fields[name].column_name for name in kind.resource._meta.fields]


@dataclass
class RowOutcome:
    number: int  # the line in the file, counting the header as line 1
    result: str  # new, update, skip or invalid
    cells: list[tuple[str, str]]  # (column, value as written in the file)
    problems: list[str] = field(default_factory=list)


@dataclass
class ImportOutcome:
    columns: list[str]
    rows: list[RowOutcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # about the file as a whole
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems and not any(row.problems for row in self.rows)

    def count(self, result: str) -> int:
        """Rows of one result ("new", "update", "skip") that have no problem."""
        return sum(1 for row in self.rows if row.result == result and not row.problems)

    @property
    def count_new(self) -> int:
        return self.count(RowResult.IMPORT_TYPE_NEW)

    @property
    def count_update(self) -> int:
        return self.count(RowResult.IMPORT_TYPE_UPDATE)

    @property
    def count_skip(self) -> int:
        return self.count(RowResult.IMPORT_TYPE_SKIP)

    @property
    def count_wrong(self) -> int:
        return sum(1 for row in self.rows if row.problems)


def _read(kind: ImportKind, center: Center, data: bytes) -> tuple[tablib.Dataset | None, list]:
    """The file as rows, or what is wrong with it as a whole."""
    columns = _columns(kind, center)
    if len(data) > MAX_BYTES:
        return None, [_("The file is larger than 1 MB; split it into smaller files.")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, [_("The file is not UTF-8 text; save it as “CSV UTF-8” and try again.")]
    if not text.strip():
        return None, [_("The file is empty.")]
    try:
        dataset = tablib.Dataset().load(text, format="csv")
    except Exception:  # tablib raises several kinds for text that is not CSV
        return None, [_("The file could not be read as CSV.")]
    dataset.headers = [str(header or "").strip().lower() for header in dataset.headers or []]
    missing = [column for column in columns if column not in dataset.headers]
    if missing:
        return None, [
            _("The file has no column %(missing)s. Its first line must be: %(columns)s.")
            % {"missing": ", ".join(missing), "columns": ",".join(columns)}
        ]
    if len(dataset) > MAX_ROWS:
        return None, [_("The file has more than %(count)s rows.") % {"count": MAX_ROWS}]
    return dataset, []


def _row_problems(row_result: RowResult, labels: dict[str, str]) -> list[str]:
    problems = []
    if row_result.validation_error is not None:
        error = row_result.validation_error
        by_field = error.message_dict if hasattr(error, "error_dict") else {}
        for attribute, messages in by_field.items():
            for message in messages:
                if attribute == NON_FIELD_ERRORS:
                    problems.append(message)
                else:
                    problems.append(f"{labels.get(attribute, attribute)}: {message}")
        if not by_field:
            problems.extend(error.messages)
    for error in row_result.errors:
        # Anything but our own refusals is not for the admin to read as is.
        if isinstance(error.error, ValueError | ValidationError):
            problems.append(str(error.error))
        else:
            problems.append(_("This row could not be saved; check its values."))
    return problems


def import_csv(*, kind: ImportKind, center: Center, data: bytes, apply: bool) -> ImportOutcome:
    """Check (dry run) or apply a file of `kind` at `center`. Applying writes every row or, when
    any row is wrong, none."""
    resource = kind.resource(center)
    columns = _columns(kind, center)
    outcome = ImportOutcome(columns=columns)
    dataset, outcome.problems = _read(kind, center, data)
    if dataset is None:
        return outcome
    result = resource.import_data(
        dataset,
        dry_run=not apply,
        use_transactions=True,
        rollback_on_validation_errors=True,
    )
    labels = {f.attribute: f.column_name for f in resource.fields.values()}
    outcome.problems = [str(error.error) for error in result.base_errors]
    for number, (row, row_result) in enumerate(zip(dataset, result.rows, strict=True), start=2):
        values = dict(zip(dataset.headers, row, strict=False))
        outcome.rows.append(
            RowOutcome(
                number=number,
                result=row_result.import_type,
                cells=[(column, str(values.get(column) or "")) for column in columns],
                problems=_row_problems(row_result, labels),
            )
        )
    outcome.applied = apply and outcome.ok
    return outcome
