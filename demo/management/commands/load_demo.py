"""Builds the demo clinic: two centers, staff, therapies, protocols, patients and their sessions.

Idempotent: every row is looked up by its natural key first, and care plans that already
have sessions are not scheduled again, so running it twice leaves the same rows.

--large adds a third center with a year of full days (demo/busy_year.py), for the dashboards
under /console/analytics/ to show; a center that has its year already is left as it is.
"""

import hashlib
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_noop

from clinics.choices import Role
from clinics.models import (
    Center,
    Closure,
    Consumable,
    Leave,
    Membership,
    OpeningHours,
    PractitionerProfile,
    Room,
    RosterShift,
    Skill,
    User,
)
from demo.busy_year import PATIENTS_PER_PLACE, SLOTS, book_history, progress_bar
from demo.catalog import (
    CENTER_PROTOCOLS,
    CENTERS,
    CHECKLISTS,
    DEMO_PASSWORD,
    PACKAGES,
    PATIENTS,
    PROTOCOLS,
    SKILLS,
    THERAPIES,
)
from feedback.adaptation import rule_version_current
from feedback.choices import Symptom
from feedback.models import AdaptationRule, MymopAnswer, SessionFeedback
from feedback.services import feedback_record, mymop_record
from notifications.models import NotificationPreference, OutboxMessage, OutboxStatus
from notifications.playbook import PRE_SESSION
from notifications.services import starter_playbook_load
from notifications.starter_playbook import STARTER_PLAYBOOK
from patients.models import CarePlan, Consent, Patient
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
from scheduling.problems import closed_dates
from scheduling.services.care_plans import care_plans_book
from sessions.models import (
    FINISHED_STATUSES,
    Incident,
    MaterialUsage,
    SessionLog,
    SessionStatus,
    TherapySession,
    VitalsReading,
)
from sessions.services import (
    checklist_for,
    checklist_item_tick,
    incident_report,
    material_use,
    session_overruns_extend,
    session_transition,
)
from waitlist.models import WaitlistEntry
from waitlist.services import waitlist_match
from waitlist.words import words

SUPERUSER_EMAIL = "staff@demo.clinic"
# Patients waiting at Kochi for a package: (first, last, sex, priority, protocol, days waited,
# preferred times of day), so that the waitlist shows a queue in its order, with reasons.
WAITLIST = (
    ("Rohan", "Kapoor", "M", Patient.Priority.URGENT, "nasya-7", 1, ["morning"]),
    ("Sunita", "Rao", "F", Patient.Priority.ROUTINE, "shirodhara-7", 12, []),
    ("Imran", "Sheikh", "M", Patient.Priority.RAISED, "virechana-7", 5, ["afternoon"]),
    ("Lata", "Menon", "F", Patient.Priority.ROUTINE, "basti-8", 20, ["morning"]),
)
DEMO_PRACTITIONER = "practitioner@demo.clinic"
# What a finished demo session used, by therapy: (consumable, quantity in its unit). Sized so
# that the demo's weeks bring some stock under its reorder level but never run it out.
MATERIALS = {
    "abhyanga": (("Ksheerabala taila", Decimal(100)), ("Cotton towels", Decimal(1))),
    "shirodhara": (("Dhanwantaram taila", Decimal(150)), ("Brahmi taila", Decimal(150))),
    "nasya": (("Anu taila", Decimal(2)),),
    "snehapana": (("Mahatiktaka ghrita", Decimal(60)),),
    "basti": (("Dashamoola kwatha", Decimal(400)),),
    "virechana": (("Trivrit lehya", Decimal(30)),),
    "swedana": (("Cotton towels", Decimal(1)),),
}
# Finished sessions that ran over their planned end, and by how long; and that had a minor
# incident reported: a few of each, for the bottlenecks and outcome trends dashboards.
OVERRUN_SHARE = 0.08
OVERRUN = timedelta(minutes=12)
INCIDENT_SHARE = 0.08
# Past sessions whose reminders the provider refused: most of the no-shows' (see _reminded).
REMINDER_FAILED_IF_NO_SHOW = 0.6
DRAFT_AFTER_DAYS = 20
BUSY_CENTER = "thrissur-busy-year"
BUSY_ADMIN = "busy-admin@demo.clinic"
BUSY_ROOMS = 12
# Therapies that fit a 90-minute slot with their turnover, in an ordinary therapy room.
BUSY_THERAPIES = ("abhyanga", "shirodhara", "nasya")


def _upsert(model, defaults: dict, **lookup):
    """update_or_create that saves only when a value differs, so that loading the demo again
    writes no audit history for rows it leaves as they were."""
    row, created = model.objects.get_or_create(**lookup, defaults=defaults)
    changed = [name for name, value in defaults.items() if getattr(row, name) != value]
    if changed and not created:
        for name in changed:
            setattr(row, name, defaults[name])
        row.save(update_fields=changed)
    return row, created


def _demo_sessions():
    """Sessions the replay and the outcomes history fill in: not the busy year's, which were
    bulk-inserted with their statuses and outcomes (and would take an hour one by one)."""
    return TherapySession.objects.exclude(center__slug=BUSY_CENTER)


def _parse(hhmm: str) -> time:
    return time.fromisoformat(hhmm)


def _stable_fraction(*parts) -> float:
    """A number in [0, 1) fixed by its inputs: demo outcomes that don't change between runs."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


class Command(BaseCommand):
    help = "Create (or complete) the demo clinic and print its logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--time-limit",
            type=float,
            default=2.0,
            help="Seconds the scheduler may take per center.",
        )
        parser.add_argument(
            "--large",
            action="store_true",
            help="Also a busy center's year of sessions, feedback and reminders (a few minutes).",
        )

    def handle(self, *args, **options):
        today = timezone.localdate()
        with transaction.atomic():
            skills = self._skills()
            therapies = self._therapies(skills)
            versions = self._protocols(therapies, today)
            self._checklists(therapies)
            centers = {key: self._center(key, spec, skills, today) for key, spec in CENTERS.items()}
            self._packages(centers, therapies, today)
            plans = {
                key: self._patients(centers[key], PATIENTS[key], versions, today) for key in CENTERS
            }
            self._notification_playbooks(therapies, centers)
            self._adaptation_rules(therapies, centers)
            self._directors_edit_rules()
            self._superuser()
        for key, center in centers.items():
            self._schedule(center, plans[key], options["time_limit"])
        # Before the replay, which then finds the next session due and starts preparing it.
        # (Laid before the scheduling, the scene's sessions made its bookings clash at commit.)
        self._running_late(centers["kochi"])
        self._replay_the_day(today)
        self._outcomes_history()
        self._mymop_history()
        self._waitlist(centers["kochi"], versions, today)
        if options["large"]:
            self._busy_year(skills, therapies)
        self._print_logins(large=options["large"])

    # --- catalog -------------------------------------------------------------------

    def _skills(self) -> dict[str, Skill]:
        return {
            code: _upsert(Skill, code=code, defaults={"name": name})[0]
            for code, name in SKILLS.items()
        }

    def _therapies(self, skills) -> dict[str, TherapyType]:
        # What one session gives, for the runner to show beside the dose recorded.
        doses = {
            "snehapana": ("60", "ml"),
            "abhyanga": ("200", "ml"),
            "shirodhara": ("1500", "ml"),
            "nasya": ("8", "drops"),
            "basti": ("480", "ml"),
            "virechana": ("30", "g"),
        }
        therapies = {}
        for code, spec in THERAPIES.items():
            dose, dose_unit = doses.get(code, (None, ""))
            therapies[code], _ = _upsert(
                TherapyType,
                code=code,
                defaults={
                    "name": spec.name,
                    "name_hi": spec.name_hi,
                    "category": spec.category,
                    "duration_minutes": spec.minutes,
                    "required_skill": skills["consult" if code == "consult" else code],
                    "allowed_room_types": spec.room_types,
                    "patient_rest_after_minutes": spec.patient_rest_min,
                    "room_turnover_minutes": spec.room_turnover_min,
                    "group_size": spec.group_size,
                    "pre_care": spec.pre_care,
                    "post_care": spec.post_care,
                    "contraindications": spec.contraindications,
                    "planned_dose": Decimal(dose) if dose else None,
                    "dose_unit": dose_unit,
                },
            )
        return therapies

    def _protocols(
        self, therapies, today, catalog=PROTOCOLS, center=None
    ) -> dict[str, ProtocolVersion]:
        versions = {}
        for code, (name, description, days, steps) in catalog.items():
            template, _ = _upsert(
                ProtocolTemplate,
                code=code,
                defaults={
                    "name": name,
                    "description": description,
                    "duration_days": days,
                    "center": center,
                },
            )
            version, created = ProtocolVersion.objects.get_or_create(
                template=template,
                version=1,
                defaults={
                    "effective_from": date(today.year - 1, 1, 1),
                    "status": ProtocolVersion.Status.ACTIVE,
                },
            )
            if created:
                by_code = {}
                for order, step in enumerate(steps, start=1):
                    after = step.get("after")
                    by_code[step["code"]] = ProtocolStep.objects.create(
                        version=version,
                        order=order,
                        code=step["code"],
                        therapy=therapies[step["therapy"]],
                        day_offset=step["day"],
                        slack_days=step["slack"],
                        after_step=by_code[after[0]] if after else None,
                        min_gap_minutes=after[1] if after else 0,
                        max_gap_minutes=after[2] if after else None,
                        same_practitioner_as=by_code.get(step.get("same_as")),
                    )
            versions[code] = version
        return versions

    def _packages(self, centers, therapies, today) -> None:
        """Each center's own protocols, then the packages it sells."""
        for key, catalog in CENTER_PROTOCOLS.items():
            self._protocols(therapies, today, catalog=catalog, center=centers[key])
        for key, packages in PACKAGES.items():
            for name, price, currency, days, codes in packages:
                package, _ = _upsert(
                    PackageTemplate,
                    center=centers[key],
                    name=name,
                    defaults={"price": Decimal(price), "currency": currency, "duration_days": days},
                )
                for order, code in enumerate(codes, start=1):
                    _upsert(
                        PackageProtocol,
                        package=package,
                        order=order,
                        defaults={"protocol": ProtocolTemplate.objects.get(code=code)},
                    )

    def _checklists(self, therapies) -> None:
        for code, items in CHECKLISTS.items():
            template, created = SOPChecklistTemplate.objects.get_or_create(
                therapy=therapies[code],
                version=1,
                defaults={"title": f"{therapies[code].name} SOP"},
            )
            if created:
                for order, (text, kind, timer, required) in enumerate(items, start=1):
                    SOPChecklistItem.objects.create(
                        template=template,
                        order=order,
                        text=text,
                        kind=kind,
                        timer_seconds=timer,
                        required=required,
                    )

    # --- centers and people ----------------------------------------------------------

    @cached_property
    def _password_hash(self) -> str:
        # Hashing is deliberately slow; every demo account shares one password, so hash once.
        return make_password(DEMO_PASSWORD)

    def _user(self, email, first, last, language="en") -> User:
        user, _ = User.objects.get_or_create(
            email=email,
            defaults={
                "first_name": first,
                "last_name": last,
                "preferred_language": language,
                "password": self._password_hash,
            },
        )
        return user

    def _center(self, key, spec, skills, today) -> Center:
        center, _ = _upsert(
            Center,
            slug=key,
            defaults={
                field: spec[field]
                for field in (
                    "name",
                    "timezone",
                    "address",
                    "city",
                    "country",
                    "holiday_country",
                    "holiday_subdivision",
                )
            },
        )
        for weekday, (opens, closes) in spec["hours"].items():
            _upsert(
                OpeningHours,
                center=center,
                weekday=weekday,
                defaults={"opens": _parse(opens), "closes": _parse(closes)},
            )
        # A staff training day next month: the kind of closure holidays don't cover.
        Closure.objects.get_or_create(
            center=center,
            date=date(today.year + (today.month == 12), today.month % 12 + 1, 15),
            defaults={"reason": "Staff training day"},
        )
        for code, name, room_type, capacity, gender in spec["rooms"]:
            _upsert(
                Room,
                center=center,
                code=code,
                defaults={
                    "name": name,
                    "room_type": room_type,
                    "capacity": capacity,
                    "gender": gender,
                },
            )
        for name, unit, stock, reorder in spec["consumables"]:
            # The stock is counted once, when the material is first stocked: the demo's sessions
            # then use it (_replay_the_day), and a second load must not count it back.
            _consumable, created = Consumable.objects.get_or_create(
                center=center,
                name=name,
                defaults={
                    "unit": unit,
                    "stock_quantity": Decimal(stock),
                    "reorder_level": Decimal(reorder),
                },
            )
            if not created:
                _upsert(
                    Consumable,
                    center=center,
                    name=name,
                    defaults={"unit": unit, "reorder_level": Decimal(reorder)},
                )
        first, last, email = spec["admin"]
        Membership.objects.get_or_create(
            user=self._user(email, first, last), center=center, role=Role.CENTER_ADMIN
        )
        if spec["director"]:
            first, last, email = spec["director"]
            Membership.objects.get_or_create(
                user=self._user(email, first, last), center=center, role=Role.MEDICAL_DIRECTOR
            )
        zone = ZoneInfo(spec["timezone"])
        for index, prac in enumerate(spec["practitioners"]):
            user = self._user(prac.email, prac.first_name, prac.last_name)
            profile, _ = PractitionerProfile.objects.get_or_create(
                user=user,
                defaults={
                    "gender": prac.gender,
                    "license_number": f"{key.upper()}-AY-{1001 + index}",
                },
            )
            profile.skills.set([skills[code] for code in prac.skills])
            Membership.objects.get_or_create(user=user, center=center, role=Role.PRACTITIONER)
            starts, ends = prac.shift
            for weekday in prac.weekdays:
                RosterShift.objects.get_or_create(
                    practitioner=profile,
                    center=center,
                    weekday=weekday,
                    defaults={"starts": _parse(starts), "ends": _parse(ends)},
                )
            if index == 2 and not profile.leaves.exists():
                # One practitioner away for a training course later this month.
                leave_start = datetime.combine(today + timedelta(days=9), time.min, tzinfo=zone)
                Leave.objects.create(
                    practitioner=profile,
                    starts_at=leave_start,
                    ends_at=leave_start + timedelta(days=3),
                    kind=Leave.Kind.TRAINING,
                    note="Marma therapy course",
                )
        return center

    def _patients(self, center, rows, versions, today) -> list[CarePlan]:
        plans = []
        closed = {
            date.fromisoformat(day) for day in closed_dates(center, today - timedelta(days=30), 90)
        }
        for index, row in enumerate(rows, start=1):
            first, last, language = row.first_name, row.last_name, row.language
            mrn = f"{center.slug[:3].upper()}-{1000 + index}"
            patient, created = Patient.objects.get_or_create(
                center=center,
                mrn=mrn,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "sex": row.sex,
                    "date_of_birth": date(row.birth_year, 1 + index % 12, 1 + index % 27),
                    "language": language,
                    "dosha": row.dosha,
                    "same_gender_practitioner": row.same_gender_practitioner,
                    "preferred_windows": (
                        [list(row.preferred_window)] if row.preferred_window else []
                    ),
                    "priority": row.priority,
                    # Basti days hold three sessions; a slipped day must still fit beside them.
                    "max_daily_sessions": 4,
                    "comorbidities": row.comorbidities,
                    "allergies": row.allergies,
                    "email": f"{first.lower()}.{last.lower()}@patients.demo.clinic",
                    # Numbers for drama and tests (India's 98470 0xxxx here, Ofcom's 07700
                    # 900xxx in London), so that SMS reminders and HELP replies can be shown.
                    "phone": (
                        f"+9198470{index:05d}"
                        if center.country == "IN"
                        else f"+447700900{index:03d}"
                    ),
                },
            )
            if created:
                Consent.objects.create(
                    patient=patient,
                    kind=Consent.Kind.TREATMENT,
                    document_version="2026-1",
                    signed_by=patient.full_name,
                )
                NotificationPreference.objects.create(
                    patient=patient, sms=True, email=True, in_app=True
                )
            if index == 1:
                # The demo patient login.
                login = self._user(
                    "patient@demo.clinic"
                    if center.slug == "kochi"
                    else "london-patient@demo.clinic",
                    first,
                    last,
                    language,
                )
                if patient.user_id != login.pk:
                    patient.user = login
                    patient.save(update_fields=["user"])
            start = today + timedelta(days=row.start_offset_days)
            while (
                start in closed or not center.opening_hours.filter(weekday=start.weekday()).exists()
            ):
                # Nobody starts a protocol on a day the center is shut.
                start += timedelta(days=1)
            plan, _ = CarePlan.objects.get_or_create(
                patient=patient,
                protocol_version=versions[row.protocol],
                defaults={
                    "start_date": start,
                    "priority": row.priority,
                    "status": CarePlan.Status.DRAFT,
                },
            )
            plans.append(plan)
        return plans

    def _superuser(self) -> None:
        user = self._user(SUPERUSER_EMAIL, "Clinic", "Staff")
        if not user.is_superuser:
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])

    def _notification_playbooks(self, therapies, centers) -> None:
        """The starter playbook in English and Hindi, and the demo patients' messaging consents.

        Loaded before scheduling, so that booking the demo's sessions plans their reminders.
        """
        count = starter_playbook_load(entries=STARTER_PLAYBOOK, therapies=therapies)
        # The demo's patients signed the SMS and email consent at intake, so that its console
        # shows every channel; a real patient's consent is recorded by the front desk.
        for patient in Patient.objects.filter(center__in=centers.values()):
            for kind in (Consent.Kind.SMS_MESSAGES, Consent.Kind.EMAIL_MESSAGES):
                Consent.objects.get_or_create(
                    patient=patient,
                    kind=kind,
                    defaults={"document_version": "2026-1", "signed_by": patient.full_name},
                )
        self.stdout.write(f"Notification playbook: {count} templates")

    def _adaptation_rules(self, therapies, centers) -> None:
        """The seed rules, a copy for each center so that its medical director can tune them;
        each written as its first version."""
        Action = AdaptationRule.Action
        seeds = {
            "Nausea after Virechana": {
                "measure": AdaptationRule.Measure.SIDE_EFFECT,
                "symptom": Symptom.NAUSEA,
                "therapy": therapies["virechana"],
                "threshold": 6,
                "comparison": AdaptationRule.Comparison.GTE,
                "actions": [Action.ALERT_CLINICIAN, Action.LOWER_INTENSITY, Action.DIET_ALERT],
                "intensity_lowered_by": 20,
            },
            "Attendance under 70 % in a week": {
                "measure": AdaptationRule.Measure.ADHERENCE,
                "symptom": "",
                "therapy": None,
                "threshold": 70,
                "comparison": AdaptationRule.Comparison.LT,
                "actions": [
                    Action.EXTRA_REMINDERS,
                    Action.MOTIVATIONAL_NUDGE,
                    Action.PROPOSE_SLOTS,
                ],
                "intensity_lowered_by": 20,
            },
            "Severe side effect": {
                "measure": AdaptationRule.Measure.SIDE_EFFECT,
                "symptom": "",
                "therapy": None,
                "threshold": 8,
                "comparison": AdaptationRule.Comparison.GTE,
                "actions": [Action.ESCALATE],
                "intensity_lowered_by": 20,
            },
            # MYMOP's profile runs 0 (best) to 6: a point worse in a week is worth a call.
            "MYMOP profile worse by a point": {
                "measure": AdaptationRule.Measure.MYMOP,
                "symptom": "",
                "therapy": None,
                "threshold": 1,
                "comparison": AdaptationRule.Comparison.ROSE_BY,
                "actions": [Action.ALERT_CLINICIAN],
                "intensity_lowered_by": 20,
            },
        }
        for center in centers.values():
            for name, definition in seeds.items():
                rule, _ = _upsert(
                    AdaptationRule, {"is_active": True, **definition}, name=name, center=center
                )
                rule_version_current(rule=rule)
        # An earlier demo seeded them for every center at once: those would fire twice.
        for rule in AdaptationRule.objects.filter(center=None, name__in=seeds, is_active=True):
            rule.is_active = False
            rule.save(update_fields=["is_active"])
            rule_version_current(rule=rule)

    def _directors_edit_rules(self) -> None:
        """Medical directors edit their centers' adaptation rules in the admin, and read the
        firings and the daily runs there."""
        group, _ = Group.objects.get_or_create(name="Medical directors")
        codenames = (
            "add_adaptationrule",
            "change_adaptationrule",
            "view_adaptationrule",
            "view_adaptationruleversion",
            "view_rulefiring",
            "view_rulerun",
        )
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="feedback", codename__in=codenames)
        )
        for user in User.objects.filter(
            memberships__role=Role.MEDICAL_DIRECTOR, memberships__is_active=True
        ).distinct():
            if not user.is_staff:
                user.is_staff = True
                user.save(update_fields=["is_staff"])
            user.groups.add(group)

    # --- sessions ----------------------------------------------------------------------

    def _schedule(self, center, plans, time_limit) -> None:
        """Place every demo plan that has no sessions yet with the real scheduling engine."""
        # Plans starting three weeks out stay drafts, for an admin to auto-schedule by hand.
        drafts_from = timezone.localdate() + timedelta(days=DRAFT_AFTER_DAYS)
        waiting = CarePlan.objects.filter(
            pk__in=[p.pk for p in plans],
            status=CarePlan.Status.DRAFT,
            start_date__lt=drafts_from,
        ).exclude(sessions__isnull=False)
        if not waiting.exists():
            return
        # Booked from the plans' first days, past ones included: the demo replays them next.
        run = care_plans_book(center=center, plans=waiting, time_limit=time_limit)
        self.stdout.write(
            f"{center.name}: {run.placed_count} sessions placed, {run.unscheduled_count} steps left unscheduled"
        )

    def _replay_the_day(self, today) -> None:
        """Give past and current sessions the statuses a working clinic would have left them in."""
        now = timezone.now()
        untouched = (
            _demo_sessions()
            .filter(
                status=SessionStatus.SCHEDULED,
                starts_at__lt=now + timedelta(minutes=30),
                status_changes__isnull=True,
            )
            .select_related("therapy", "patient")
        )
        planned = {session: self._status_at(session, now) for session in untouched}
        # Chance decides which past sessions were missed or called off, but the history always
        # shows at least one of each: take them from the sessions chance marked completed.
        completed = sorted(
            (session for session, status in planned.items() if status == SessionStatus.COMPLETED),
            key=lambda session: _stable_fraction(session.patient_id, session.starts_at),
        )
        for status in (SessionStatus.NO_SHOW, SessionStatus.CANCELLED):
            already = _demo_sessions().filter(status=status).exists()
            if not already and status not in planned.values() and completed:
                planned[completed.pop(0)] = status
        stock = {
            (consumable.center_id, consumable.name): consumable
            for consumable in Consumable.objects.all()
        }
        for session, status in planned.items():
            if status == SessionStatus.SCHEDULED:
                continue
            # Now and then a session runs over its planned end, for the bottlenecks dashboard.
            overran = OVERRUN if _stable_fraction("overran", session.pk) < OVERRUN_SHARE else None
            self._live_through(session, status, now, overran=overran, stock=stock)
            if status in (SessionStatus.COMPLETED, SessionStatus.NO_SHOW):
                self._reminded(session, status)
            if status == SessionStatus.COMPLETED:
                if _stable_fraction("incident", session.pk) < INCIDENT_SHARE:
                    self._incident(session)
                SessionLog.objects.get_or_create(
                    session=session,
                    defaults={
                        "vitals": {
                            "bp_systolic": 118 + session.pk % 15,
                            "bp_diastolic": 76 + session.pk % 9,
                            "pulse": 68 + session.pk % 12,
                        },
                        "dosage": "As per protocol",
                        "notes": "Tolerated well.",
                    },
                )

    def _outcomes_history(self) -> None:
        """Feedback and weights on the finished sessions, so that the progress charts and the
        protocol outcome view have something to show. Each patient's latest finished session
        stays unanswered, for Home's "How was your session?" card."""
        finished = (
            _demo_sessions()
            .filter(status=SessionStatus.COMPLETED)
            .select_related("patient", "therapy")
            .order_by("patient_id", "starts_at")
        )
        by_patient: dict[int, list[TherapySession]] = {}
        for session in finished:
            by_patient.setdefault(session.patient_id, []).append(session)
        answered = 0
        for sessions in by_patient.values():
            start_kg = Decimal(58 + sessions[0].patient_id * 7 % 25)
            for day, session in enumerate(sessions):
                if not VitalsReading.objects.filter(
                    session=session, weight_kg__isnull=False
                ).exists():
                    # A little lighter each day of the detox, as the charts usually show.
                    VitalsReading.objects.create(
                        session=session,
                        weight_kg=start_kg - Decimal("0.3") * day,
                        recorded_at=session.starts_at,
                    )
                if session is sessions[-1] or hasattr(session, "feedback"):
                    continue
                chance = _stable_fraction("feedback", session.pk)
                # Relief grows over the course; mild side effects now and then, below the
                # seed rule's threshold so that the demo's task list stays the rule's own.
                feedback_record(
                    session=session,
                    patient=session.patient,
                    symptom_relief=min(10, 3 + day + round(2 * chance)),
                    experience=SessionFeedback.Experience.YES_DEFINITELY,
                    side_effects={Symptom.NAUSEA: round(5 * chance)} if chance > 0.5 else {},
                )
                answered += 1
        self.stdout.write(f"Outcomes history: {answered} sessions answered, weights recorded")

    def _mymop_history(self) -> None:
        """MYMOP forms as the portal asks them: at intake, the day before a patient's first plan,
        then during each plan (on its first finished day, halfway and after its last), a little
        better each time, for the outcome trends dashboard and the discharge summaries. Not for
        the patients who sign in (their Home offers the intake form to try), and once: a patient
        with answers is left as they are."""
        plans = (
            CarePlan.objects.filter(
                patient__user__isnull=True,
                patient__mymop_answers__isnull=True,
                sessions__status=SessionStatus.COMPLETED,
            )
            .exclude(patient__center__slug=BUSY_CENTER)
            .distinct()
            .select_related("patient")
            .prefetch_related("sessions")
            .order_by("patient_id", "start_date", "pk")
        )
        answered, started = 0, set()
        for plan in plans:
            done = sorted(
                (s for s in plan.sessions.all() if s.status == SessionStatus.COMPLETED),
                key=lambda session: session.starts_at,
            )
            left = [s for s in plan.sessions.all() if s.status not in FINISHED_STATUSES]
            times = [done[0], done[len(done) // 2], done[-1]] if len(done) > 2 else done[:1]
            worst = 4 + round(2 * _stable_fraction("mymop", plan.patient_id))
            if plan.patient_id not in started:
                started.add(plan.patient_id)
                self._mymop(plan.patient, None, MymopAnswer.Kind.INTAKE, worst, done[0], -1)
                answered += 1
            for index, session in enumerate(times):
                kind = MymopAnswer.Kind.WEEKLY
                if session is done[-1] and not left and len(times) > 1:
                    kind = MymopAnswer.Kind.DISCHARGE
                self._mymop(plan.patient, plan, kind, worst - index - (index > 1), session, 0)
                answered += 1
        self.stdout.write(f"MYMOP: {answered} forms answered")

    @staticmethod
    def _mymop(patient, plan, kind, worst, session, days) -> None:
        """One form, answered an hour after `session` (moved by `days`); each score 0-6."""
        mymop_record(
            patient=patient,
            kind=kind,
            care_plan=plan,
            symptom_1_name="Stiff lower back",
            symptom_1=max(0, worst),
            symptom_2_name="Poor sleep",
            symptom_2=max(0, worst - 1),
            activity_name="Walking to work",
            activity=max(0, worst - 2),
            wellbeing=max(0, worst - 1),
            now=session.ends_at + timedelta(days=days, hours=1),
        )

    def _waitlist(self, center, versions, today) -> None:
        """A few patients waiting for a package two to ten days out, and the matching's first
        look at them, so that the waitlist page shows a queue, offers and why. Once: a second
        load finds the waits there and changes nothing."""
        if WaitlistEntry.objects.filter(center=center).exists():
            return
        for index, (first, last, sex, priority, protocol, waited, times) in enumerate(
            WAITLIST, start=1
        ):
            patient, created = Patient.objects.get_or_create(
                center=center,
                mrn=f"{center.slug[:3].upper()}-W{index:03d}",
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "sex": sex,
                    "priority": priority,
                    "email": f"{first.lower()}.{last.lower()}@patients.demo.clinic",
                    "phone": f"+9198471{index:05d}",
                    "health_recorded_at": timezone.now(),
                },
            )
            if created:
                # The intake's consents and the messaging ones every demo patient signed
                # (_notification_playbooks), so that a second load finds them all.
                for kind in (
                    Consent.Kind.TREATMENT,
                    Consent.Kind.DATA_PROCESSING,
                    Consent.Kind.SMS_MESSAGES,
                    Consent.Kind.EMAIL_MESSAGES,
                ):
                    Consent.objects.create(
                        patient=patient,
                        kind=kind,
                        document_version="2026-1",
                        signed_by=patient.full_name,
                    )
            WaitlistEntry.objects.create(
                patient=patient,
                center=center,
                protocol_version=versions[protocol],
                earliest_start=today + timedelta(days=2),
                latest_start=today + timedelta(days=10),
                preferred_times=times,
                created_at=timezone.now() - timedelta(days=waited),
            )
        # The demo patient's login waits too, for a package they have not had, so that the
        # portal's Waitlist shows a wait (and maybe an offer) to whoever signs in as them.
        demo_patient = Patient.objects.get(user__email="patient@demo.clinic")
        had = set(
            demo_patient.care_plans.values_list("protocol_version__template__code", flat=True)
        )
        protocol = next(p for p in ("shirodhara-7", "nasya-7", "vamana-5") if p not in had)
        WaitlistEntry.objects.create(
            patient=demo_patient,
            center=center,
            protocol_version=versions[protocol],
            earliest_start=today + timedelta(days=3),
            latest_start=today + timedelta(days=12),
            preferred_times=["morning"],
            created_at=timezone.now() - timedelta(days=2),
        )
        offers = waitlist_match(
            center=center, freed_by=words(gettext_noop("The demo's first look."))
        )
        waiting = WaitlistEntry.objects.filter(center=center).count()
        self.stdout.write(f"Waitlist: {waiting} waiting at {center.name}, {len(offers)} offered")

    def _hand_over(self, sessions, practitioner, *, at) -> None:
        """Give the practitioner's `sessions` to colleagues who may give them: on shift then,
        with the therapy's skill and of the gender a patient asked for, with no other session
        or leave then. One nobody can take is called off, as a clinic would when its
        practitioner is held up (its plan then offers to book the remaining steps).

        At clinic hours the demo practitioner's own day fills the hours around now, which the
        running-late scene needs free."""
        occurrences: dict = {}
        for session in sessions.select_related("therapy", "patient", "center"):
            occurrences.setdefault(session.occurrence, []).append(session)
        for group in occurrences.values():
            colleague = self._free_colleague(group, practitioner)
            for session in group:
                if colleague is None:
                    session_transition(
                        session=session,
                        to_status=SessionStatus.CANCELLED,
                        by=None,
                        note="Demo: the practitioner is held up by an earlier session",
                        at=at,
                    )
                else:
                    session.practitioner = colleague
                    session.save(update_fields=["practitioner"])

    def _free_colleague(self, group, practitioner):
        """A colleague who could give this occurrence (its sessions share time and therapy)."""
        first = group[0]
        local_start = first.starts_at.astimezone(first.center.tzinfo)
        local_end = first.ends_at.astimezone(first.center.tzinfo)
        wanted = {s.patient.sex for s in group if s.patient.same_gender_practitioner}
        if len(wanted) > 1 or local_end.date() != local_start.date():
            return None
        busy = (
            TherapySession.objects.filter(starts_at__lt=first.ends_at, ends_at__gt=first.starts_at)
            .exclude(status__in=[SessionStatus.CANCELLED, SessionStatus.NO_SHOW])
            .values("practitioner_id")
        )
        away = Leave.objects.filter(
            starts_at__lt=first.ends_at, ends_at__gt=first.starts_at
        ).values("practitioner_id")
        on_shift = RosterShift.objects.filter(
            center=first.center,
            weekday=local_start.weekday(),
            starts__lte=local_start.time(),
            ends__gte=local_end.time(),
        ).values("practitioner_id")
        candidates = (
            PractitionerProfile.objects.filter(
                pk__in=on_shift, skills=first.therapy.required_skill_id
            )
            .exclude(pk=practitioner.pk)
            .exclude(pk__in=busy)
            .exclude(pk__in=away)
        )
        if wanted:
            candidates = candidates.filter(gender=wanted.pop())
        return candidates.order_by("user__first_name").first()

    def _running_late(self, center) -> None:
        """A session of the demo practitioner running over its planned end right now, and the
        next one it runs into, so that the board and My day show an over-run at any hour."""
        practitioner = PractitionerProfile.objects.get(user__email=DEMO_PRACTITIONER)
        if TherapySession.objects.filter(
            practitioner=practitioner, status=SessionStatus.IN_SESSION
        ).exists():
            return
        therapy = TherapyType.objects.get(code="abhyanga")
        now = timezone.now().replace(second=0, microsecond=0)
        # Planned to end 6 minutes ago: the over-run reaches 4 minutes from now, past the next
        # session, which starts in 2 minutes (still to come, so the replay prepares it).
        late_end = now - timedelta(minutes=6)
        starts = late_end - timedelta(minutes=therapy.duration_minutes)
        window = (starts - timedelta(hours=2), now + timedelta(hours=3))
        busy = TherapySession.objects.filter(
            starts_at__lt=window[1], patient_released_at__gt=window[0]
        ).exclude(status__in=[SessionStatus.CANCELLED, SessionStatus.NO_SHOW])
        # The scene's hour and a half, with half an hour either side for the practitioner.
        span = (
            starts - timedelta(minutes=30),
            now + timedelta(minutes=therapy.duration_minutes + 32),
        )
        own = TherapySession.objects.filter(
            practitioner=practitioner, starts_at__lt=span[1], ends_at__gt=span[0]
        ).exclude(status__in=[SessionStatus.CANCELLED, SessionStatus.NO_SHOW])
        self._hand_over(own, practitioner, at=starts - timedelta(minutes=30))
        free_patients = Patient.objects.filter(center=center).exclude(
            pk__in=busy.values("patient_id")
        )
        free_rooms = (
            Room.objects.filter(
                center=center, is_active=True, room_type__in=therapy.allowed_room_types
            )
            .exclude(pk__in=busy.values("room_id"))
            .order_by("code")
        )
        if free_patients.count() < 2 or free_rooms.count() < 2:
            return
        # A scripted scene rather than a booking: it may fall outside opening hours.
        late = TherapySession.objects.create(
            center=center,
            patient=free_patients[0],
            therapy=therapy,
            practitioner=practitioner,
            room=free_rooms[0],
            starts_at=starts,
            ends_at=late_end,
        )
        TherapySession.objects.create(
            center=center,
            patient=free_patients[1],
            therapy=therapy,
            practitioner=practitioner,
            room=free_rooms[1],
            starts_at=now + timedelta(minutes=2),
        )
        for status, at in (
            (SessionStatus.IN_PREPARATION, starts - timedelta(minutes=10)),
            (SessionStatus.IN_SESSION, starts),
        ):
            session_transition(session=late, to_status=status, by=None, note="Demo", at=at)
        session_overruns_extend(now=now)
        self.stdout.write(f"{center.name}: one session is running late, for the board to show")

    @staticmethod
    def _reminded(session, status) -> None:
        """The reminders before a past session, as the dispatcher would have left them: sent, or
        now and then refused by the provider (more often before a no-show), for the reminders
        dashboard. Booked at load time, after their due time, they had been called off."""
        failed_share = REMINDER_FAILED_IF_NO_SHOW if status == SessionStatus.NO_SHOW else 0.1
        reached = _stable_fraction("reminded", session.pk) >= failed_share
        before = OutboxMessage.objects.filter(
            session=session, event__in=PRE_SESSION, status=OutboxStatus.CANCELLED
        )
        if reached:
            before.update(status=OutboxStatus.SENT, sent_at=F("due_at"), attempts=1, note="")
        else:
            before.update(
                status=OutboxStatus.FAILED,
                attempts=3,
                note="",
                last_error="Provider did not accept the message",
            )

    @staticmethod
    def _incident(session) -> None:
        """A minor reaction reported after the session, for the outcome trends' complications."""
        incident = incident_report(
            session=session,
            by=None,
            severity=Incident.Severity.MINOR,
            description="Patient felt dizzy on getting up after the therapy; rested 20 minutes.",
            action_taken="Rested lying down, given warm water; recovered before leaving.",
        )
        Incident.objects.filter(pk=incident.pk).update(
            reported_at=session.ends_at + timedelta(minutes=15)
        )

    @staticmethod
    def _materials(session, at, stock) -> None:
        """What the session used, taken off the center's stock as the runner would (inventory)."""
        for name, quantity in MATERIALS.get(session.therapy.code, ()):
            consumable = stock.get((session.center_id, name))
            if consumable is None:
                continue
            consumable.refresh_from_db(fields=["stock_quantity"])
            if consumable.stock_quantity < quantity:
                continue  # the demo never runs a material out
            usage = material_use(session=session, consumable=consumable, quantity=quantity, by=None)
            MaterialUsage.objects.filter(pk=usage.pk).update(recorded_at=at)

    @staticmethod
    def _live_through(session, status, now, *, overran=None, stock=None) -> None:
        """Take a session to `status` the way the floor would have, step by step and in time;
        `overran` (a timedelta) past its planned end, and using its materials from `stock`."""
        ended = session.ends_at + (overran or timedelta())
        steps = {
            SessionStatus.NO_SHOW: [(SessionStatus.NO_SHOW, session.starts_at)],
            SessionStatus.CANCELLED: [
                (SessionStatus.CANCELLED, session.starts_at - timedelta(days=1))
            ],
        }.get(status)
        if steps is None:
            lifecycle = [
                (SessionStatus.IN_PREPARATION, session.starts_at - timedelta(minutes=10)),
                (SessionStatus.IN_SESSION, session.starts_at),
                (SessionStatus.RECOVERY, ended),
                (SessionStatus.COMPLETED, ended + timedelta(minutes=30)),
            ]
            steps = lifecycle[: [s for s, _ in lifecycle].index(status) + 1]
        for to_status, at in steps:
            if to_status == SessionStatus.RECOVERY and stock is not None:
                Command._materials(session, min(at, now), stock)
            if to_status == SessionStatus.COMPLETED:
                template = checklist_for(session.therapy_id)
                for item in template.items.order_by("order") if template else []:
                    checklist_item_tick(session=session, item=item, by=None, at=at)
            session_transition(
                session=session, to_status=to_status, by=None, note="Demo history", at=min(at, now)
            )

    @staticmethod
    def _status_at(session, now) -> str:
        if session.starts_at > now:
            return SessionStatus.IN_PREPARATION
        if session.ends_at > now:
            return SessionStatus.IN_SESSION
        if session.ends_at + timedelta(minutes=30) > now:
            return SessionStatus.RECOVERY
        chance = _stable_fraction(session.patient_id, session.starts_at)
        if chance < 0.04:
            return SessionStatus.NO_SHOW
        if chance < 0.07:
            return SessionStatus.CANCELLED
        return SessionStatus.COMPLETED

    # --- a busy year (--large) ------------------------------------------------------------

    def _busy_year(self, skills, therapies, days: int = 365, ahead: int = 14) -> None:
        """Twelve rooms full all day for a year, with the outcomes the dashboards read.

        Idempotent: a center that has sessions already keeps them and nothing is added.
        """
        center, _ = _upsert(
            Center,
            slug=BUSY_CENTER,
            defaults={
                "name": "Vaidyagrama Thrissur (a busy year)",
                "timezone": "Asia/Kolkata",
                "address": "2 Round North",
                "city": "Thrissur",
                "country": "IN",
                "holiday_country": "IN",
                "holiday_subdivision": "KL",
            },
        )
        Membership.objects.get_or_create(
            user=self._user(BUSY_ADMIN, "Meera", "Varma"), center=center, role=Role.CENTER_ADMIN
        )
        # The Kochi director compares both Indian centers on the centers dashboard.
        director = CENTERS["kochi"]["director"][2]
        Membership.objects.get_or_create(
            user=User.objects.get(email=director), center=center, role=Role.MEDICAL_DIRECTOR
        )
        if TherapySession.objects.filter(center=center).exists():
            self.stdout.write(f"{center.name}: its year is loaded already; left as it is")
            return
        with transaction.atomic():
            for weekday in range(7):
                _upsert(
                    OpeningHours,
                    center=center,
                    weekday=weekday,
                    defaults={"opens": time(7), "closes": time(20)},
                )
            rooms = [
                _upsert(
                    Room,
                    center=center,
                    code=f"T{number:02d}",
                    defaults={"name": f"Therapy room {number}", "room_type": "therapy"},
                )[0]
                for number in range(1, BUSY_ROOMS + 1)
            ]
            practitioners = []
            for number in range(1, BUSY_ROOMS + 1):
                user = self._user(f"vaidya-{number}@thrissur.demo.clinic", "Vaidya", str(number))
                profile, _ = PractitionerProfile.objects.get_or_create(
                    user=user,
                    defaults={"gender": "F" if number % 2 else "M"},
                )
                profile.skills.set([skills[code] for code in BUSY_THERAPIES])
                Membership.objects.get_or_create(user=user, center=center, role=Role.PRACTITIONER)
                practitioners.append(profile)
            patients = [
                _upsert(
                    Patient,
                    center=center,
                    mrn=f"THR-{number:05d}",
                    defaults={
                        "first_name": f"Patient {number}",
                        "last_name": "Thrissur",
                        "sex": "F" if number % 3 else "M",
                        "date_of_birth": date(1950 + number % 50, 1 + number % 12, 1),
                        "phone": f"+9198471{number:05d}",
                        "email": f"patient-{number}@thrissur.demo.clinic",
                    },
                )[0]
                for number in range(1, BUSY_ROOMS * SLOTS * PATIENTS_PER_PLACE + 1)
            ]
            self.stdout.write(f"{center.name}: booking {days} days of history and {ahead} ahead")
            started = timezone.now()
            total = book_history(
                center,
                [therapies[code] for code in BUSY_THERAPIES],
                rooms,
                practitioners,
                patients,
                days,
                ahead,
                outcomes=True,
                progress=progress_bar(),
            )
        seconds = (timezone.now() - started).total_seconds()
        self.stdout.write(
            f"{center.name}: {total:,} sessions with their outcomes in {seconds:.0f} s"
        )

    def _print_logins(self, large: bool = False) -> None:
        rows = [
            ("Center admin (Kochi)", "admin@demo.clinic", "/console/"),
            ("Medical director (Kochi)", "director@demo.clinic", "/console/"),
            ("Practitioner (Kochi)", "practitioner@demo.clinic", "/my-day/"),
            ("Patient (Kochi)", "patient@demo.clinic", "/portal/"),
            ("Center admin (London)", "london-admin@demo.clinic", "/console/"),
            ("Patient (London)", "london-patient@demo.clinic", "/portal/"),
            ("Staff (Django admin)", SUPERUSER_EMAIL, "/admin/"),
        ]
        if large:
            rows.append(("Center admin (busy year)", BUSY_ADMIN, "/console/analytics/"))
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})")
        for role, email, page in rows:
            self.stdout.write(f"  {role:<26} {email:<28} lands on {page}")
