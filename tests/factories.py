"""factory_boy factories for every model, chained so that related rows share one center."""

import datetime
import uuid
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory, Password

from clinics.choices import Gender, Role, RoomType, Weekday
from clinics.models import (
    Center,
    Closure,
    Consumable,
    Equipment,
    Leave,
    Membership,
    OpeningHours,
    PractitionerProfile,
    Room,
    RosterShift,
    Skill,
    User,
)
from feedback.choices import Symptom
from feedback.models import (
    AdaptationRule,
    AdaptationRuleVersion,
    ClinicianTask,
    MymopAnswer,
    RuleFiring,
    RuleRun,
    SessionFeedback,
    SymptomScore,
)
from notifications.models import (
    Channel,
    Escalation,
    InAppNotification,
    InboundMessage,
    NotificationEvent,
    NotificationPreference,
    NotificationTemplate,
    OutboxMessage,
)
from patients.models import CarePlan, ClinicalFlag, Consent, Patient
from protocols.models import (
    PackageProtocol,
    PackageTemplate,
    ProtocolStep,
    ProtocolTemplate,
    ProtocolVersion,
    SOPChecklistItem,
    SOPChecklistTemplate,
    TherapyType,
)
from scheduling.models import SchedulingRun
from sessions.models import (
    ChecklistItemResult,
    ChecklistRun,
    Incident,
    MaterialUsage,
    RunnerWrite,
    SessionLog,
    SessionNote,
    SessionStatus,
    SessionStatusChange,
    StockAlert,
    TherapySession,
    VitalsReading,
)
from waitlist.models import WaitlistEntry, WaitlistOffer


def tomorrow_at(hour: int, minute: int = 0) -> datetime.datetime:
    """An aware UTC instant tomorrow, so that new sessions are always in the future."""
    day = timezone.now().date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=datetime.UTC)


def local_today_at(center, hour: int, minute: int = 0, days: int = 0) -> datetime.datetime:
    """An aware instant on the center's own calendar day (today + `days`), as its pages see it."""
    today = timezone.now().astimezone(center.tzinfo).date() + datetime.timedelta(days=days)
    return datetime.datetime.combine(today, datetime.time(hour, minute), tzinfo=center.tzinfo)


# --- clinics ----------------------------------------------------------------------------


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    # Unusable unless a test asks for one: hashing is the slowest part of making a user.
    password = Password(None)


class SuperuserFactory(UserFactory):
    is_staff = True
    is_superuser = True


class CenterFactory(DjangoModelFactory):
    class Meta:
        model = Center
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Ayurveda Center {n}")
    slug = factory.Sequence(lambda n: f"center-{n}")
    timezone = "Asia/Kolkata"
    city = "Kochi"
    country = "IN"
    holiday_country = "IN"
    holiday_subdivision = "KL"
    email = factory.LazyAttribute(lambda o: f"care@{o.slug}.example.org")


class OpeningHoursFactory(DjangoModelFactory):
    class Meta:
        model = OpeningHours

    center = factory.SubFactory(CenterFactory)
    weekday = Weekday.MONDAY
    opens = datetime.time(7, 0)
    closes = datetime.time(19, 0)


class ClosureFactory(DjangoModelFactory):
    class Meta:
        model = Closure

    center = factory.SubFactory(CenterFactory)
    date = factory.Sequence(lambda n: datetime.date(2026, 12, 25) + datetime.timedelta(days=n))
    reason = "Staff training day"


class RoomFactory(DjangoModelFactory):
    class Meta:
        model = Room

    center = factory.SubFactory(CenterFactory)
    code = factory.Sequence(lambda n: f"R{n}")
    name = factory.LazyAttribute(lambda o: f"Room {o.code}")
    room_type = RoomType.THERAPY
    capacity = 1


class EquipmentFactory(DjangoModelFactory):
    class Meta:
        model = Equipment

    center = factory.SubFactory(CenterFactory)
    room = factory.SubFactory(RoomFactory, center=factory.SelfAttribute("..center"))
    name = "Droni table"
    serial = factory.Sequence(lambda n: f"DT-{n:04d}")


class ConsumableFactory(DjangoModelFactory):
    class Meta:
        model = Consumable

    center = factory.SubFactory(CenterFactory)
    name = factory.Sequence(lambda n: f"Ksheerabala taila {n}")
    unit = Consumable.Unit.ML
    stock_quantity = Decimal("5000")
    reorder_level = Decimal("1000")


class SkillFactory(DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"skill-{n}")
    name = factory.LazyAttribute(lambda o: o.code.replace("-", " ").title())


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    center = factory.SubFactory(CenterFactory)
    role = Role.PRACTITIONER


class PractitionerProfileFactory(DjangoModelFactory):
    class Meta:
        model = PractitionerProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    gender = Gender.FEMALE
    license_number = factory.Sequence(lambda n: f"KL-AYU-{n:05d}")

    @factory.post_generation
    def skills(self, create, extracted, **kwargs):
        if create and extracted:
            self.skills.set(extracted)


class RosterShiftFactory(DjangoModelFactory):
    class Meta:
        model = RosterShift

    practitioner = factory.SubFactory(PractitionerProfileFactory)
    center = factory.SubFactory(CenterFactory)
    weekday = Weekday.MONDAY
    starts = datetime.time(8, 0)
    ends = datetime.time(16, 0)


def practitioner_every_day(
    center, *, first_name: str, last_name: str, gender: str, skills, starts, ends
) -> PractitionerProfile:
    """A practitioner of `center` with `skills`, on shift from `starts` to `ends` every day."""
    user = UserFactory(first_name=first_name, last_name=last_name)
    MembershipFactory(user=user, center=center, role=Role.PRACTITIONER)
    profile = PractitionerProfileFactory(user=user, gender=gender, skills=skills)
    for weekday in range(7):
        RosterShiftFactory(
            practitioner=profile, center=center, weekday=weekday, starts=starts, ends=ends
        )
    return profile


class LeaveFactory(DjangoModelFactory):
    class Meta:
        model = Leave

    practitioner = factory.SubFactory(PractitionerProfileFactory)
    starts_at = factory.LazyFunction(lambda: tomorrow_at(0))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(days=1))
    kind = Leave.Kind.VACATION


# --- protocols --------------------------------------------------------------------------


class TherapyTypeFactory(DjangoModelFactory):
    class Meta:
        model = TherapyType
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"abhyanga-{n}")
    name = factory.Sequence(lambda n: f"Abhyanga {n}")
    name_hi = "अभ्यंग"
    category = TherapyType.Category.PURVAKARMA
    duration_minutes = 60
    required_skill = factory.SubFactory(SkillFactory)
    allowed_room_types = factory.LazyFunction(lambda: [RoomType.THERAPY.value])
    pre_care = "Light breakfast at least two hours before."
    post_care = "Warm water bath after an hour; avoid cold drinks."


class ProtocolTemplateFactory(DjangoModelFactory):
    class Meta:
        model = ProtocolTemplate

    code = factory.Sequence(lambda n: f"virechana-{n}")
    name = factory.Sequence(lambda n: f"Virechana course {n}")
    duration_days = 7
    center = None


class ProtocolVersionFactory(DjangoModelFactory):
    class Meta:
        model = ProtocolVersion

    template = factory.SubFactory(ProtocolTemplateFactory)
    version = factory.Sequence(lambda n: n + 1)
    effective_from = datetime.date(2026, 1, 1)
    status = ProtocolVersion.Status.ACTIVE


class ProtocolStepFactory(DjangoModelFactory):
    class Meta:
        model = ProtocolStep

    version = factory.SubFactory(ProtocolVersionFactory)
    order = factory.Sequence(lambda n: n + 1)
    therapy = factory.SubFactory(TherapyTypeFactory)
    day_offset = 0
    code = factory.LazyAttribute(lambda o: f"d{o.day_offset + 1}-{o.therapy.code}-{o.order}")


class SOPChecklistTemplateFactory(DjangoModelFactory):
    class Meta:
        model = SOPChecklistTemplate

    therapy = factory.SubFactory(TherapyTypeFactory)
    version = factory.Sequence(lambda n: n + 1)
    title = factory.LazyAttribute(lambda o: f"{o.therapy.name} SOP")


class SOPChecklistItemFactory(DjangoModelFactory):
    class Meta:
        model = SOPChecklistItem

    template = factory.SubFactory(SOPChecklistTemplateFactory)
    order = factory.Sequence(lambda n: n + 1)
    text = "Check the oil temperature on the inner wrist"
    kind = SOPChecklistItem.Kind.SAFETY_CHECK


class PackageTemplateFactory(DjangoModelFactory):
    class Meta:
        model = PackageTemplate

    center = factory.SubFactory(CenterFactory)
    name = factory.Sequence(lambda n: f"Detox week {n}")
    price = Decimal("42000.00")
    currency = PackageTemplate.Currency.INR
    duration_days = 7


class PackageProtocolFactory(DjangoModelFactory):
    class Meta:
        model = PackageProtocol

    package = factory.SubFactory(PackageTemplateFactory)
    protocol = factory.SubFactory(ProtocolTemplateFactory)
    order = factory.Sequence(lambda n: n + 1)


# --- patients ---------------------------------------------------------------------------


class PatientFactory(DjangoModelFactory):
    class Meta:
        model = Patient

    user = None
    center = factory.SubFactory(CenterFactory)
    mrn = factory.Sequence(lambda n: f"MRN{n:06d}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    date_of_birth = datetime.date(1980, 5, 17)
    sex = Patient.Sex.FEMALE
    phone = factory.Sequence(lambda n: f"+9198470{n % 100000:05d}")
    email = factory.LazyAttribute(lambda o: f"{o.mrn.lower()}@patients.example.org")


class ConsentFactory(DjangoModelFactory):
    class Meta:
        model = Consent

    patient = factory.SubFactory(PatientFactory)
    kind = Consent.Kind.TREATMENT
    document_version = "2026.1"
    signed_by = factory.LazyAttribute(lambda o: o.patient.full_name)


class CarePlanFactory(DjangoModelFactory):
    class Meta:
        model = CarePlan

    patient = factory.SubFactory(PatientFactory)
    protocol_version = factory.SubFactory(ProtocolVersionFactory)
    start_date = factory.LazyFunction(lambda: timezone.now().date() + datetime.timedelta(days=1))
    status = CarePlan.Status.DRAFT


# --- sessions ---------------------------------------------------------------------------


class TherapySessionFactory(DjangoModelFactory):
    """A session whose patient, room and practitioner fit its center and therapy."""

    class Meta:
        model = TherapySession
        skip_postgeneration_save = True

    center = factory.SubFactory(CenterFactory)
    patient = factory.SubFactory(PatientFactory, center=factory.SelfAttribute("..center"))
    therapy = factory.SubFactory(TherapyTypeFactory)
    practitioner = factory.SubFactory(PractitionerProfileFactory)
    room = factory.SubFactory(
        RoomFactory,
        center=factory.SelfAttribute("..center"),
        room_type=factory.LazyAttribute(lambda o: o.factory_parent.therapy.allowed_room_types[0]),
    )
    occurrence = factory.LazyFunction(uuid.uuid4)
    starts_at = factory.LazyFunction(lambda: tomorrow_at(9))
    ends_at = factory.LazyAttribute(
        lambda o: o.starts_at + datetime.timedelta(minutes=o.therapy.duration_minutes)
    )
    status = SessionStatus.SCHEDULED

    @factory.post_generation
    def practitioner_skill(self, create, extracted, **kwargs):
        # The practitioner can give the therapy, as the booking service would insist.
        if create and self.practitioner is not None:
            self.practitioner.skills.add(self.therapy.required_skill)


class SessionStatusChangeFactory(DjangoModelFactory):
    class Meta:
        model = SessionStatusChange

    session = factory.SubFactory(TherapySessionFactory)
    from_status = SessionStatus.SCHEDULED
    to_status = SessionStatus.IN_PREPARATION


class SessionLogFactory(DjangoModelFactory):
    class Meta:
        model = SessionLog

    session = factory.SubFactory(TherapySessionFactory, status=SessionStatus.COMPLETED)
    vitals = factory.LazyFunction(
        lambda: {"bp_systolic": 122, "bp_diastolic": 78, "pulse": 72, "temperature_c": 36.7}
    )
    dosage = "200 ml warm Dhanwantharam taila"
    notes = "Tolerated well; mild sweating."


class MaterialUsageFactory(DjangoModelFactory):
    class Meta:
        model = MaterialUsage

    session = factory.SubFactory(TherapySessionFactory)
    consumable = factory.SubFactory(
        ConsumableFactory, center=factory.SelfAttribute("..session.center")
    )
    quantity = Decimal("200")


class ChecklistRunFactory(DjangoModelFactory):
    class Meta:
        model = ChecklistRun

    session = factory.SubFactory(TherapySessionFactory)
    template = factory.SubFactory(
        SOPChecklistTemplateFactory, therapy=factory.SelfAttribute("..session.therapy")
    )


class ChecklistItemResultFactory(DjangoModelFactory):
    class Meta:
        model = ChecklistItemResult

    run = factory.SubFactory(ChecklistRunFactory)
    item = factory.SubFactory(
        SOPChecklistItemFactory, template=factory.SelfAttribute("..run.template")
    )
    done = True
    done_at = factory.LazyFunction(timezone.now)


class IncidentFactory(DjangoModelFactory):
    class Meta:
        model = Incident

    session = factory.SubFactory(TherapySessionFactory)
    severity = Incident.Severity.MINOR
    description = "Patient felt dizzy when getting up from the droni."
    action_taken = "Rested ten minutes with warm water; recovered."


class ClinicalFlagFactory(DjangoModelFactory):
    class Meta:
        model = ClinicalFlag

    patient = factory.SubFactory(PatientFactory)
    reason = "Nausea score rose from 2 to 7 after Virechana"
    source = ClinicalFlag.Source.FEEDBACK


class VitalsReadingFactory(DjangoModelFactory):
    class Meta:
        model = VitalsReading

    session = factory.SubFactory(TherapySessionFactory)
    bp_systolic = 124
    bp_diastolic = 80
    pulse = 72


class SessionNoteFactory(DjangoModelFactory):
    class Meta:
        model = SessionNote

    session = factory.SubFactory(TherapySessionFactory)
    text = "Mild sweating on the forehead at 20 minutes."


class StockAlertFactory(DjangoModelFactory):
    class Meta:
        model = StockAlert

    consumable = factory.SubFactory(ConsumableFactory, stock_quantity=Decimal("900"))
    center = factory.SelfAttribute("consumable.center")
    stock_quantity = Decimal("900")
    reorder_level = Decimal("1000")


class RunnerWriteFactory(DjangoModelFactory):
    class Meta:
        model = RunnerWrite

    key = factory.LazyFunction(uuid.uuid4)
    session = factory.SubFactory(TherapySessionFactory)
    kind = "note"
    outcome = RunnerWrite.Outcome.APPLIED


# --- scheduling -------------------------------------------------------------------------


class SchedulingRunFactory(DjangoModelFactory):
    class Meta:
        model = SchedulingRun

    center = factory.SubFactory(CenterFactory)
    kind = SchedulingRun.Kind.AUTO_SCHEDULE
    problem = factory.LazyFunction(lambda: {"format": "panchakarma-schedule/1", "plans": []})
    status = SchedulingRun.Status.RUNNING


# --- notifications ----------------------------------------------------------------------


class NotificationTemplateFactory(DjangoModelFactory):
    class Meta:
        model = NotificationTemplate

    event = NotificationEvent.PRE_24H
    therapy = None
    channel = Channel.SMS
    locale = "en"
    body = "Reminder: {therapy} tomorrow at {time}."


class OutboxMessageFactory(DjangoModelFactory):
    class Meta:
        model = OutboxMessage

    patient = factory.SubFactory(PatientFactory)
    session = None
    channel = Channel.SMS
    recipient = factory.LazyAttribute(lambda o: str(o.patient.phone))
    body = "Reminder: your session is tomorrow."
    due_at = factory.LazyFunction(lambda: tomorrow_at(3))
    idempotency_key = factory.Sequence(lambda n: f"test:{n}")


class NotificationPreferenceFactory(DjangoModelFactory):
    class Meta:
        model = NotificationPreference

    patient = factory.SubFactory(PatientFactory)


class InAppNotificationFactory(DjangoModelFactory):
    class Meta:
        model = InAppNotification

    patient = factory.SubFactory(PatientFactory)
    title = "Your session tomorrow"
    body = "Please arrive 15 minutes early."


class InboundMessageFactory(DjangoModelFactory):
    class Meta:
        model = InboundMessage

    provider_message_id = factory.Sequence(lambda n: f"SM{n:032d}")
    patient = factory.SubFactory(PatientFactory)
    from_number = factory.LazyAttribute(lambda o: str(o.patient.phone))
    body = "Feeling better today"
    kind = InboundMessage.Kind.OTHER


class EscalationFactory(DjangoModelFactory):
    class Meta:
        model = Escalation

    patient = factory.SubFactory(PatientFactory)
    center = factory.SelfAttribute("patient.center")
    source = Escalation.Source.HELP_REPLY
    detail = "HELP"


# --- feedback ---------------------------------------------------------------------------


class SessionFeedbackFactory(DjangoModelFactory):
    class Meta:
        model = SessionFeedback

    session = factory.SubFactory(TherapySessionFactory, status=SessionStatus.COMPLETED)
    patient = factory.SelfAttribute("session.patient")
    symptom_relief = 6
    experience = SessionFeedback.Experience.YES_DEFINITELY


class SymptomScoreFactory(DjangoModelFactory):
    class Meta:
        model = SymptomScore

    feedback = factory.SubFactory(SessionFeedbackFactory)
    symptom = Symptom.STIFFNESS
    score = 3


class AdaptationRuleFactory(DjangoModelFactory):
    class Meta:
        model = AdaptationRule

    center = None
    name = "Severe pain needs a clinician"
    symptom = Symptom.PAIN
    threshold = 7
    comparison = AdaptationRule.Comparison.GTE
    actions = factory.LazyFunction(lambda: [AdaptationRule.Action.ALERT_CLINICIAN])


class AdaptationRuleVersionFactory(DjangoModelFactory):
    class Meta:
        model = AdaptationRuleVersion

    rule = factory.SubFactory(AdaptationRuleFactory)
    number = 1
    name = factory.SelfAttribute("rule.name")
    definition = factory.LazyAttribute(lambda o: {**o.rule.definition(), "name": o.rule.name})
    summary = "pain at least 7/10 → Clinician call task, due within 24 h"


class RuleFiringFactory(DjangoModelFactory):
    class Meta:
        model = RuleFiring

    rule_version = factory.SubFactory(AdaptationRuleVersionFactory)
    rule = factory.SelfAttribute("rule_version.rule")
    center = factory.SubFactory(CenterFactory)
    patient = factory.SubFactory(PatientFactory, center=factory.SelfAttribute("..center"))
    subject = factory.Sequence(lambda n: f"session:{n}")
    trigger = factory.LazyFunction(lambda: {"measure": "side_effect", "value": 8})
    reason = "Pain 8/10 reported after Abhyanga."


class MymopAnswerFactory(DjangoModelFactory):
    """An intake MYMOP: back pain 4, walking 3, wellbeing 2; its profile is their mean."""

    class Meta:
        model = MymopAnswer

    patient = factory.SubFactory(PatientFactory)
    kind = MymopAnswer.Kind.INTAKE
    symptom_1_name = "Lower back pain"
    symptom_1 = 4
    activity_name = "Walking to the market"
    activity = 3
    wellbeing = 2
    profile = Decimal("3.00")


class RuleRunFactory(DjangoModelFactory):
    """A finished daily run of the adaptation rules."""

    class Meta:
        model = RuleRun

    finished_at = factory.LazyFunction(timezone.now)
    status = RuleRun.Status.SUCCEEDED
    evaluated = 12
    fired = 1


class ClinicianTaskFactory(DjangoModelFactory):
    class Meta:
        model = ClinicianTask

    center = factory.SubFactory(CenterFactory)
    patient = factory.SubFactory(PatientFactory, center=factory.SelfAttribute("..center"))
    title = "Review reported pain"


# --- waitlist ---------------------------------------------------------------------------


class WaitlistEntryFactory(DjangoModelFactory):
    """A patient waiting for a package at their center, with the draft plan offers are for."""

    class Meta:
        model = WaitlistEntry

    patient = factory.SubFactory(PatientFactory)
    center = factory.SelfAttribute("patient.center")
    protocol_version = factory.SubFactory(ProtocolVersionFactory)
    earliest_start = factory.LazyFunction(
        lambda: timezone.now().date() + datetime.timedelta(days=7)
    )
    latest_start = factory.LazyAttribute(lambda o: o.earliest_start + datetime.timedelta(days=7))
    care_plan = factory.SubFactory(
        CarePlanFactory,
        patient=factory.SelfAttribute("..patient"),
        protocol_version=factory.SelfAttribute("..protocol_version"),
        start_date=factory.SelfAttribute("..earliest_start"),
    )


class WaitlistOfferFactory(DjangoModelFactory):
    """An open offer of places to a waiting patient, from a stored proposal."""

    class Meta:
        model = WaitlistOffer

    entry = factory.SubFactory(WaitlistEntryFactory, status=WaitlistEntry.Status.OFFERED)
    run = factory.SubFactory(
        SchedulingRunFactory,
        center=factory.SelfAttribute("..entry.center"),
        care_plan=factory.SelfAttribute("..entry.care_plan"),
        status=SchedulingRun.Status.SUCCEEDED,
        solution=factory.LazyFunction(lambda: {"assignments": [], "unscheduled": []}),
    )
    start_date = factory.SelfAttribute("entry.earliest_start")
    rank = 1
    reason = factory.LazyFunction(
        lambda: {"urgency": 0, "open_flag": False, "waited": 3, "fit": 1.0, "times": []}
    )
    offered_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.offered_at + datetime.timedelta(hours=24))
