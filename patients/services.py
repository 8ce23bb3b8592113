"""Writes on patients and their care plans."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.choices import Language
from clinics.models import Center, Membership, User
from patients.dosha import DoshaProfile, dosha_profile_score
from patients.models import CarePlan, Consent, Patient, validate_weekdays, validate_windows
from protocols.models import PackageTemplate, ProtocolVersion


@transaction.atomic
def care_plan_create(
    *,
    patient: Patient,
    protocol_version: ProtocolVersion,
    start_date: date,
    created_by: User | None = None,
    record_past: bool = False,
) -> CarePlan:
    """A draft care plan: the protocol version in force on the start date, for one patient."""
    care_plan_check(
        patient=patient,
        protocol_version=protocol_version,
        start_date=start_date,
        record_past=record_past,
    )
    return CarePlan.objects.create(
        patient=patient,
        protocol_version=protocol_version,
        start_date=start_date,
        priority=patient.priority,
        status=CarePlan.Status.DRAFT,
        created_by=created_by,
    )


@transaction.atomic
def package_care_plans_create(
    *,
    patient: Patient,
    package: PackageTemplate,
    start_date: date,
    created_by: User | None = None,
) -> list[CarePlan]:
    """A draft care plan for each protocol of a package, one after another from `start_date`,
    each of the version in force on its own first day; all of them or, refused in words, none.
    """
    if package.center_id != patient.center_id:
        raise ValidationError(
            _("%(package)s is offered at %(center)s only.")
            % {"package": package.name, "center": package.center.name}
        )
    if not package.is_active:
        raise ValidationError(_("%(package)s is no longer offered.") % {"package": package.name})
    plans, first_day = [], start_date
    for item in package.items.select_related("protocol").order_by("order"):
        version = (
            ProtocolVersion.objects.effective_on(first_day)
            .filter(template=item.protocol)
            .order_by("-version")
            .first()
        )
        if version is None:
            raise ValidationError(
                _("%(protocol)s has no version in force on %(day)s.")
                % {"protocol": item.protocol.name, "day": first_day.isoformat()}
            )
        plans.append(
            care_plan_create(
                patient=patient,
                protocol_version=version,
                start_date=first_day,
                created_by=created_by,
            )
        )
        first_day += timedelta(days=item.protocol.duration_days)
    if not plans:
        raise ValidationError(_("A package includes at least one protocol."))
    return plans


def care_plan_check(
    *,
    patient: Patient,
    protocol_version: ProtocolVersion,
    start_date: date,
    record_past: bool = False,
) -> None:
    """Refuse a care plan's first day or protocol version in words, as every way in must.

    The start is checked against today in the patient's center's zone: not before it unless
    `record_past` (an admin recording a plan already under way, on purpose), and not beyond
    the settings' horizon, so that the form, the API and the admin refuse the same dates.
    """
    today = timezone.localdate(timezone=patient.center.tzinfo)
    if start_date < today and not record_past:
        raise ValidationError(
            _("The first day cannot be in the past (today is %(today)s at this center).")
            % {"today": today.isoformat()}
        )
    horizon = today + timedelta(days=settings.CARE_PLAN_START_HORIZON_DAYS)
    # A past plan recorded on purpose still reaches back no further than the horizon ahead.
    if start_date < today - timedelta(days=settings.CARE_PLAN_START_HORIZON_DAYS):
        raise ValidationError(_("The first day is too far in the past to record a care plan."))
    if start_date > horizon:
        raise ValidationError(
            _(
                "The first day must be no later than %(last)s; plans are made at most %(months)s months ahead."
            )
            % {
                "last": horizon.isoformat(),
                "months": round(settings.CARE_PLAN_START_HORIZON_DAYS / 30.4),
            }
        )
    if protocol_version.status != ProtocolVersion.Status.ACTIVE:
        raise ValidationError(_("Only an active protocol version can be prescribed."))
    if not ProtocolVersion.objects.effective_on(start_date).filter(pk=protocol_version.pk).exists():
        raise ValidationError(
            _("Version %(version)s of this protocol is not in force on %(day)s.")
            % {"version": protocol_version.version, "day": start_date.isoformat()}
        )


@transaction.atomic
def patient_create(
    *,
    center: Center,
    mrn: str,
    first_name: str,
    sex: str,
    last_name: str = "",
    date_of_birth: date | None = None,
    phone: str = "",
    email: str = "",
    language: str = "",
    consents: set[str] = frozenset(),
    consent_document_version: str = "",
    consent_signed_by: str = "",
) -> Patient:
    """A patient registered by a center's staff (the front desk, an integration), with the
    consents they signed on paper, in one transaction: a refused consent keeps no patient.

    Fields are checked as the admin checks them (choices, phone and email formats, one
    medical record number per center); errors name their field.
    """
    if not center.is_active:
        raise ValidationError({"center": _("This center does not take new patients.")})
    patient = Patient(
        center=center,
        mrn=mrn.strip(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        sex=sex,
        date_of_birth=date_of_birth,
        phone=phone,
        email=email,
        **({"language": language} if language else {}),
    )
    patient.full_clean()
    try:
        # A savepoint, so that a number taken meanwhile by a concurrent request is refused
        # like any other taken number instead of breaking the transaction.
        with transaction.atomic():
            patient.save()
    except IntegrityError as error:
        raise ValidationError(
            {"mrn": _("A patient with this medical record number is already registered here.")}
        ) from error
    if consents:
        consents_record(
            patient=patient,
            given=set(consents),
            document_version=consent_document_version,
            signed_by=consent_signed_by,
        )
    return patient


@transaction.atomic
def patient_dosha_record(*, patient: Patient, answers: dict[str, str]) -> DoshaProfile:
    """Score the intake's dosha questionnaire and keep the profile on the patient.

    An incomplete or malformed questionnaire is refused whole, keeping the profile as it was.
    """
    try:
        profile = dosha_profile_score(answers)
    except ValueError as error:
        raise ValidationError(_("Please answer every question of the questionnaire.")) from error
    patient.dosha = profile.dosha
    patient.dosha_scores = profile.scores
    patient.save(update_fields=["dosha", "dosha_scores"])
    return profile


@transaction.atomic
def consents_record(
    *,
    patient: Patient,
    given: set[str],
    document_version: str,
    signed_by: str,
    at: datetime | None = None,
) -> list[Consent]:
    """The patient's answer to the consent form: what they agree to now, at `document_version`.

    A kind given now and already in force at this version keeps its row and its time (the
    form saved twice is one consent); one in force at an older version is withdrawn and
    granted again at this one, so each row says which text was agreed to and when. A kind
    in force but not given now is withdrawn. Returns the consents in force afterwards.
    """
    unknown = given - set(Consent.Kind.values)
    if unknown:
        raise ValidationError(
            _("Unknown consent: %(kinds)s") % {"kinds": ", ".join(sorted(unknown))}
        )
    if not document_version or not signed_by:
        raise ValidationError(_("A consent needs the document's version and who signed it."))
    at = at or timezone.now()
    in_force = {
        consent.kind: consent
        for consent in Consent.objects.select_for_update().filter(
            patient=patient, withdrawn_at__isnull=True
        )
    }
    kept = []
    for kind, consent in in_force.items():
        if kind in given and consent.document_version == document_version:
            kept.append(consent)
        else:
            consent.withdrawn_at = at
            consent.save(update_fields=["withdrawn_at"])
    granted = [
        Consent.objects.create(
            patient=patient,
            kind=kind,
            document_version=document_version,
            granted_at=at,
            signed_by=signed_by,
        )
        for kind in sorted(given - {consent.kind for consent in kept})
    ]
    return sorted(kept + granted, key=lambda consent: consent.kind)


# Reminders by SMS or email need the patient's consent to that channel (notifications sends
# only with it); ticking a channel wherever the patient chooses their channels gives it.
CHANNEL_CONSENTS = {"sms": Consent.Kind.SMS_MESSAGES, "email": Consent.Kind.EMAIL_MESSAGES}


@transaction.atomic
def channel_consents_record(
    *, patient: Patient, sms: bool, email: bool, document_version: str
) -> None:
    """Give or withdraw each message channel's consent to match the patient's ticks.

    Only a change touches the consent rows: the other consents, and a channel's consent
    already in force, keep their rows and times.
    """
    in_force = set(
        Consent.objects.filter(patient=patient, withdrawn_at__isnull=True).values_list(
            "kind", flat=True
        )
    )
    ticked = {"sms": sms, "email": email}
    wanted = {kind for channel, kind in CHANNEL_CONSENTS.items() if ticked[channel]}
    channel_kinds = set(CHANNEL_CONSENTS.values())
    if in_force & channel_kinds != wanted:
        consents_record(
            patient=patient,
            given=(in_force - channel_kinds) | wanted,
            document_version=document_version,
            signed_by=patient.full_name,
        )


# What a patient may write in each health answer: a few lines, not a medical history.
HEALTH_ANSWER_MAX_CHARS = 2000


@transaction.atomic
def patient_health_record(
    *,
    patient: Patient,
    comorbidities: str,
    allergies: str,
    current_medications: str,
    at: datetime | None = None,
) -> Patient:
    """Keep the intake's health answers on the patient and when they were given.

    Blank answers are kept as "none"; an answer too long is refused whole, keeping all three.
    """
    answers = {
        "comorbidities": comorbidities.strip(),
        "allergies": allergies.strip(),
        "current_medications": current_medications.strip(),
    }
    if any(len(text) > HEALTH_ANSWER_MAX_CHARS for text in answers.values()):
        raise ValidationError(
            _("Please keep each answer under %(n)s characters.") % {"n": HEALTH_ANSWER_MAX_CHARS}
        )
    for field, text in answers.items():
        setattr(patient, field, text)
    patient.health_recorded_at = at or timezone.now()
    patient.save(update_fields=[*answers, "health_recorded_at"])
    return patient


@transaction.atomic
def patient_register(
    *,
    user: User,
    center: Center,
    first_name: str,
    last_name: str,
    sex: str,
) -> Patient:
    """The patient record of someone who signed up on the web, at the center they chose.

    Sign-up makes patients only: a user who already works at a center or in the admin, or who
    already has a patient record, is refused rather than given a second identity.
    """
    if not center.is_active:
        raise ValidationError(_("This center does not take new patients."))
    if user.is_staff or Membership.objects.filter(user=user).exists():
        raise ValidationError(_("A staff account cannot sign up as a patient."))
    if Patient.objects.filter(user=user).exists():
        raise ValidationError(_("This account already has a patient record."))
    first_name, last_name = first_name.strip(), last_name.strip()
    if not first_name:
        raise ValidationError(_("Please give your first name."))
    user.first_name, user.last_name = first_name, last_name
    user.save(update_fields=["first_name", "last_name"])
    return Patient.objects.create(
        user=user,
        center=center,
        # Web sign-ups get their own number range, apart from the clinic's own numbering.
        mrn=f"WEB-{user.pk}",
        first_name=first_name,
        last_name=last_name,
        sex=sex,
        email=user.email,
    )


@transaction.atomic
def patient_preferences_record(
    *,
    patient: Patient,
    weekdays: list[int],
    windows: list[list[str]],
    same_gender_practitioner: bool,
    language: str,
    phone: str = "",
    at: datetime | None = None,
) -> Patient:
    """Keep the intake's scheduling preferences: the days and daily windows the patient
    prefers (soft wishes for the scheduler), a same-gender practitioner, their language and,
    when given, the phone that reminders by SMS go to. Refused whole on a bad value."""
    validate_weekdays(weekdays)
    validate_windows(windows)
    if language not in Language.values:
        raise ValidationError(_("Please choose one of the languages offered."))
    patient.preferred_weekdays = sorted(weekdays)
    patient.preferred_windows = windows
    patient.same_gender_practitioner = same_gender_practitioner
    patient.language = language
    fields = [
        "preferred_weekdays",
        "preferred_windows",
        "same_gender_practitioner",
        "language",
        "preferences_recorded_at",
    ]
    if phone:
        patient.phone = phone
        fields.append("phone")
    patient.preferences_recorded_at = at or timezone.now()
    patient.full_clean(validate_unique=False, validate_constraints=False)
    patient.save(update_fields=fields)
    return patient
