"""The demo clinic's fixed content: therapies, protocols, checklists, centers, staff and patients."""

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class TherapySpec:
    """One therapy the demo clinics give."""

    name: str
    name_hi: str
    category: str
    minutes: int
    room_types: list[str]
    patient_rest_min: int  # the patient starts nothing else until this long after the end
    room_turnover_min: int  # cleaning: the room stays taken this long after the end
    group_size: int
    pre_care: str  # what the patient does before the session
    post_care: str  # and after it
    # Conditions named in a patient's intake that hold their booking for a practitioner.
    contraindications: str = ""


@dataclass(frozen=True, kw_only=True)
class PractitionerSpec:
    """A practitioner of one demo center, with one shift on each of `weekdays`."""

    first_name: str
    last_name: str
    email: str
    gender: str
    skills: list[str]
    weekdays: range  # 0 = Monday
    shift: tuple[str, str]  # ("HH:MM", "HH:MM")


@dataclass(frozen=True, kw_only=True)
class PatientSpec:
    """A demo patient and the protocol they follow."""

    first_name: str
    last_name: str
    sex: str
    birth_year: int
    protocol: str  # a key of PROTOCOLS
    start_offset_days: int  # the plan starts this many days from today (negative: under way)
    dosha: str
    language: str
    same_gender_practitioner: bool = False
    preferred_window: tuple[str, str] | None = None
    priority: int = 0
    comorbidities: str = ""
    allergies: str = ""


SKILLS = {
    "snehapana": "Snehapana (internal oleation)",
    "abhyanga": "Abhyanga (oil massage)",
    "swedana": "Swedana (herbal steam)",
    "virechana": "Virechana (purgation)",
    "vamana": "Vamana (emesis)",
    "basti": "Basti (medicated enema)",
    "nasya": "Nasya (nasal therapy)",
    "shirodhara": "Shirodhara",
    "consult": "Ayurvedic consultation",
    "yoga": "Yoga instruction",
}

THERAPIES = {
    "snehapana": TherapySpec(
        name="Snehapana",
        name_hi="स्नेहपान",
        category="purvakarma",
        minutes=30,
        room_types=["consult"],
        patient_rest_min=30,
        room_turnover_min=0,
        group_size=1,
        pre_care="Come on an empty stomach; drink only warm water from waking until your dose.",
        post_care="Sip warm water through the day and eat only when truly hungry; avoid cold food.",
    ),
    "abhyanga": TherapySpec(
        name="Abhyanga",
        name_hi="अभ्यंग",
        category="purvakarma",
        minutes=60,
        room_types=["therapy", "private"],
        patient_rest_min=0,
        room_turnover_min=15,
        group_size=1,
        pre_care="Eat lightly at least two hours before. Wear loose clothes you don't mind oiling.",
        post_care="Rest for 30 minutes and keep warm; bathe with warm water, not cold.",
    ),
    "swedana": TherapySpec(
        name="Swedana",
        name_hi="स्वेदन",
        category="purvakarma",
        minutes=30,
        room_types=["steam"],
        patient_rest_min=15,
        room_turnover_min=10,
        group_size=1,
        pre_care="Follows your Abhyanga directly; drink a glass of warm water beforehand.",
        post_care="Cool down slowly, stay out of wind and air conditioning, drink warm water.",
    ),
    "virechana": TherapySpec(
        name="Virechana",
        name_hi="विरेचन",
        category="pradhanakarma",
        minutes=120,
        room_types=["private"],
        patient_rest_min=240,
        room_turnover_min=30,
        group_size=1,
        pre_care="Light dinner of kichadi the night before; nothing to eat on the morning of therapy.",
        post_care="Stay at the center until the doctor releases you; follow the samsarjana diet plan.",
        contraindications="Pregnancy, severe weakness, ulcerative colitis, rectal prolapse",
    ),
    "vamana": TherapySpec(
        name="Vamana",
        name_hi="वमन",
        category="pradhanakarma",
        minutes=120,
        room_types=["private"],
        patient_rest_min=240,
        room_turnover_min=30,
        group_size=1,
        pre_care="Kapha-increasing diet the evening before as advised; arrive fasting.",
        post_care="Rest fully for the day; rice gruel only until the doctor advises otherwise.",
        contraindications="Pregnancy, heart disease, hypertension, bleeding disorders",
    ),
    "basti": TherapySpec(
        name="Basti",
        name_hi="बस्ति",
        category="pradhanakarma",
        minutes=45,
        room_types=["private"],
        patient_rest_min=60,
        room_turnover_min=20,
        group_size=1,
        pre_care="Eat a light meal about an hour before Niruha Basti; pass urine before the session.",
        post_care="Lie on your left side as instructed and report when the Basti is passed.",
    ),
    "nasya": TherapySpec(
        name="Nasya",
        name_hi="नस्य",
        category="pradhanakarma",
        minutes=30,
        room_types=["therapy", "consult"],
        patient_rest_min=15,
        room_turnover_min=5,
        group_size=1,
        pre_care="Avoid head bath on the day of Nasya; come with an empty stomach if possible.",
        post_care="Do not sleep during the day; avoid cold drinks, dust and wind.",
    ),
    "shirodhara": TherapySpec(
        name="Shirodhara",
        name_hi="शिरोधारा",
        category="paschatkarma",
        minutes=60,
        room_types=["therapy", "private"],
        patient_rest_min=30,
        room_turnover_min=15,
        group_size=1,
        pre_care="Wash your hair the evening before; avoid caffeine on the day.",
        post_care="Keep your head covered, rest quietly and avoid screens for the evening.",
    ),
    "consult": TherapySpec(
        name="Vaidya consultation",
        name_hi="वैद्य परामर्श",
        category="consultation",
        minutes=30,
        room_types=["consult"],
        patient_rest_min=0,
        room_turnover_min=0,
        group_size=1,
        pre_care="Bring your reports and a list of medicines you take.",
        post_care="Follow the diet and routine your vaidya wrote down.",
    ),
    "yoga": TherapySpec(
        name="Therapeutic yoga (group)",
        name_hi="योग (समूह)",
        category="wellness",
        minutes=60,
        room_types=["yoga_hall"],
        patient_rest_min=0,
        room_turnover_min=10,
        group_size=10,
        pre_care="Come in comfortable clothes, two hours after a meal.",
        post_care="Rest for ten minutes in shavasana; drink warm water.",
    ),
}

# SOP checklists: therapy -> [(text, kind, timer seconds or None, required)]
CHECKLISTS = {
    "snehapana": [
        ("Confirm the patient fasted since waking", "safety_check", None, True),
        ("Record today's ghee dose (ml)", "measurement", None, True),
        ("Observe the patient for 30 minutes after the dose", "timer", 1800, True),
    ],
    "abhyanga": [
        ("Check blood pressure and ask about fever", "safety_check", None, True),
        ("Warm the oil to body temperature", "step", None, True),
        ("Massage with synchronized strokes", "timer", 2700, True),
        ("Rest the patient before Swedana", "timer", 600, False),
    ],
    "swedana": [
        ("Cover the eyes and heart with a cool cloth", "safety_check", None, True),
        ("Steam session", "timer", 900, True),
        ("Check the patient for dizziness before standing", "safety_check", None, True),
    ],
    "virechana": [
        ("Confirm consent and fasting", "safety_check", None, True),
        ("Record vitals before the purgative", "measurement", None, True),
        ("Give the purgative and note the time", "step", None, True),
        ("Count vegas (bowel movements) and check vitals every hour", "timer", 3600, True),
    ],
    "vamana": [
        ("Confirm consent and fasting", "safety_check", None, True),
        ("Record vitals", "measurement", None, True),
        ("Give milk and the emetic drug", "step", None, True),
        ("Observe vegas and hydration", "timer", 3600, True),
    ],
    "basti": [
        ("Check the decoction temperature", "safety_check", None, True),
        ("Position the patient on the left side", "step", None, True),
        ("Administer Basti slowly", "timer", 300, True),
        ("Record retention time", "measurement", None, True),
    ],
    "nasya": [
        ("Facial massage and mild steam", "timer", 600, True),
        ("Instil the drops (record count per nostril)", "measurement", None, True),
        ("Gargle with warm water", "step", None, True),
    ],
    "shirodhara": [
        ("Check the oil temperature", "safety_check", None, True),
        ("Pour the oil in a steady stream", "timer", 2700, True),
        ("Wipe the oil and let the patient rest", "timer", 900, False),
    ],
    "consult": [
        ("Review the intake and vitals", "step", None, True),
        ("Record the plan and the diet advice", "step", None, True),
    ],
    "yoga": [
        ("Ask each participant about injuries", "safety_check", None, True),
        ("Session", "timer", 3300, True),
    ],
}


# A day's course starts at least this long after the previous day's: two doses of
# Snehapana, or two days of Abhyanga, never share one day even when a day slips.
NEXT_DAY_GAP_MIN = 16 * 60


def _daily(days, *therapies, chain_gap=30):
    """Steps for `days` consecutive days, each day the `therapies` in sequence, chained."""
    steps = []
    previous_day_first = None
    for day in days:
        previous = None
        for therapy in therapies:
            # Numbered from 1, as the pages number days, for explanations that name steps.
            code = f"d{day + 1}-{therapy}"
            # Two days of slack let a plan ride over a Sunday or a holiday instead of failing.
            step = {"code": code, "therapy": therapy, "day": day, "slack": 2}
            if previous is not None:
                step["after"] = (previous, 0, chain_gap)
                if therapy == "swedana":
                    step["same_as"] = previous
            elif previous_day_first is not None:
                step["after"] = (previous_day_first, NEXT_DAY_GAP_MIN, None)
            steps.append(step)
            previous = code
        previous_day_first = f"d{day + 1}-{therapies[0]}"
    return steps


# code: (name, description, days, steps)
PROTOCOLS = {
    "virechana-7": (
        "7-day Virechana",
        "Three days of Snehapana, two of Abhyanga with Swedana, then Virechana and a review.",
        7,
        _daily(range(3), "snehapana")
        + _daily(range(3, 5), "abhyanga", "swedana")
        + _daily([5], "virechana")
        + _daily([6], "consult"),
    ),
    "basti-8": (
        "8-day Basti (Yoga Basti)",
        "A consultation, then daily Abhyanga, Swedana and Basti.",
        8,
        _daily([0], "consult") + _daily(range(1, 8), "abhyanga", "swedana", "basti", chain_gap=60),
    ),
    "shirodhara-7": (
        "7-day Shirodhara",
        "Daily Abhyanga followed by Shirodhara for stress and sleep.",
        7,
        _daily(range(7), "abhyanga", "shirodhara", chain_gap=45),
    ),
    "nasya-7": (
        "7-day Nasya",
        "Daily Abhyanga, Swedana and Nasya for sinus and head complaints.",
        7,
        _daily(range(7), "abhyanga", "swedana", "nasya", chain_gap=60),
    ),
    "vamana-5": (
        "5-day Vamana",
        "Snehapana for three days, Abhyanga with Swedana, then Vamana.",
        5,
        _daily(range(3), "snehapana") + _daily([3], "abhyanga", "swedana") + _daily([4], "vamana"),
    ),
    "wellness-5": (
        "5-day wellness week",
        "Daily group yoga and Abhyanga, with a closing consultation.",
        5,
        _daily(range(4), "yoga", "abhyanga", chain_gap=240) + _daily([4], "consult"),
    ),
}

# A course only Kochi gives: its admin may change it in the console, where a shared one is the
# medical director's to change.
CENTER_PROTOCOLS = {
    "kochi": {
        "kochi-abhyanga-3": (
            "3-day Abhyanga and Shirodhara (Kochi)",
            "Kochi's weekend course: daily Abhyanga followed by Shirodhara.",
            3,
            _daily(range(3), "abhyanga", "shirodhara", chain_gap=45),
        ),
    },
}

# What each center sells: name, price, currency, days, and its protocols in the order taken.
PACKAGES = {
    "kochi": [
        (
            "Complete detox: Virechana then Shirodhara",
            "96500",
            "INR",
            15,
            ["virechana-7", "shirodhara-7"],
        ),
        ("Stress relief week", "38000", "INR", 7, ["shirodhara-7"]),
        ("Weekend taster", "9500", "INR", 3, ["kochi-abhyanga-3"]),
    ],
    "london": [("Wellness week", "1450", "GBP", 7, ["wellness-5"])],
}

DEMO_PASSWORD = "panchakarma-demo"

CENTERS = {
    "kochi": {
        "name": "Sukhayu Panchakarma Kendra, Kochi",
        "timezone": "Asia/Kolkata",
        "address": "14 Temple Road, Fort Kochi",
        "city": "Kochi",
        "country": "IN",
        "holiday_country": "IN",
        "holiday_subdivision": "KL",
        "hours": dict.fromkeys(range(6), ("07:00", "19:00")) | {6: ("07:00", "13:00")},
        "rooms": [
            ("R1", "Kerala room 1", "therapy", 1, None),
            ("R2", "Kerala room 2", "therapy", 1, None),
            ("R3", "Kerala room 3", "therapy", 1, None),
            ("PV1", "Private suite 1", "private", 1, None),
            ("PV2", "Private suite 2 (women)", "private", 1, "F"),
            ("PV3", "Private suite 3", "private", 1, None),
            ("ST1", "Steam room", "steam", 2, None),
            ("C1", "Consultation room 1", "consult", 1, None),
            ("C2", "Consultation room 2", "consult", 1, None),
            ("YH1", "Yoga hall", "yoga_hall", 12, None),
        ],
        "consumables": [
            ("Ksheerabala taila", "ml", 4200, 2000),
            ("Dhanwantaram taila", "ml", 1500, 2000),
            ("Mahatiktaka ghrita", "ml", 3000, 1000),
            ("Anu taila", "ml", 250, 100),
            ("Dashamoola kwatha", "ml", 6000, 3000),
            ("Trivrit lehya", "g", 400, 200),
            ("Cotton towels", "piece", 60, 40),
        ],
        "admin": ("Anjali", "Nair", "admin@demo.clinic"),
        "director": ("Dr. Rajesh", "Menon", "director@demo.clinic"),
        "practitioners": [
            PractitionerSpec(
                first_name="Meera",
                last_name="Pillai",
                email="practitioner@demo.clinic",
                gender="F",
                skills=["abhyanga", "swedana", "shirodhara", "nasya", "basti"],
                weekdays=range(6),
                shift=("07:00", "15:00"),
            ),
            PractitionerSpec(
                first_name="Arun",
                last_name="Kumar",
                email="arun@demo.clinic",
                gender="M",
                skills=["abhyanga", "swedana", "virechana", "vamana", "basti"],
                weekdays=range(6),
                shift=("07:00", "15:00"),
            ),
            PractitionerSpec(
                first_name="Lakshmi",
                last_name="Varma",
                email="lakshmi@demo.clinic",
                gender="F",
                skills=["abhyanga", "swedana", "virechana", "basti", "shirodhara"],
                weekdays=range(1, 7),
                shift=("07:00", "13:00"),
            ),
            PractitionerSpec(
                first_name="Suresh",
                last_name="Namboothiri",
                email="suresh@demo.clinic",
                gender="M",
                skills=["consult", "snehapana", "virechana", "vamana"],
                weekdays=range(6),
                shift=("08:00", "16:00"),
            ),
            PractitionerSpec(
                first_name="Divya",
                last_name="Krishnan",
                email="divya@demo.clinic",
                gender="F",
                skills=["consult", "snehapana", "nasya", "yoga"],
                weekdays=range(6),
                shift=("10:00", "18:00"),
            ),
            PractitionerSpec(
                first_name="Vishnu",
                last_name="Prasad",
                email="vishnu@demo.clinic",
                gender="M",
                skills=["abhyanga", "swedana", "shirodhara", "nasya"],
                weekdays=range(6),
                shift=("11:00", "19:00"),
            ),
            PractitionerSpec(
                first_name="Kavya",
                last_name="Iyer",
                email="kavya@demo.clinic",
                gender="F",
                skills=["abhyanga", "swedana", "basti", "yoga"],
                weekdays=range(5),
                shift=("07:00", "15:00"),
            ),
            PractitionerSpec(
                first_name="Ravi",
                last_name="Shankar",
                email="ravi@demo.clinic",
                gender="M",
                skills=["abhyanga", "swedana", "shirodhara", "basti", "yoga"],
                weekdays=range(6),
                shift=("09:00", "17:00"),
            ),
        ],
    },
    "london": {
        "name": "Lotus Ayurveda, London",
        "timezone": "Europe/London",
        "address": "22 Marylebone Lane",
        "city": "London",
        "country": "GB",
        "holiday_country": "GB",
        "holiday_subdivision": "ENG",
        "hours": dict.fromkeys(range(5), ("08:00", "18:00")) | {5: ("09:00", "14:00")},
        "rooms": [
            ("TR1", "Treatment room 1", "therapy", 1, None),
            ("TR2", "Treatment room 2", "therapy", 1, None),
            ("PV1", "Private room", "private", 1, None),
            ("ST1", "Steam cabin", "steam", 1, None),
            ("C1", "Consulting room", "consult", 1, None),
        ],
        "consumables": [
            ("Ksheerabala taila", "ml", 1800, 1000),
            ("Brahmi taila", "ml", 600, 800),
            ("Anu taila", "ml", 120, 100),
        ],
        "admin": ("Oliver", "Grant", "london-admin@demo.clinic"),
        "director": None,
        "practitioners": [
            PractitionerSpec(
                first_name="Priya",
                last_name="Shah",
                email="priya@demo.clinic",
                gender="F",
                skills=["consult", "snehapana", "abhyanga", "swedana", "shirodhara", "nasya"],
                weekdays=range(5),
                shift=("08:00", "16:00"),
            ),
            PractitionerSpec(
                first_name="James",
                last_name="Hughes",
                email="james@demo.clinic",
                gender="M",
                skills=["abhyanga", "swedana", "shirodhara", "basti", "virechana"],
                weekdays=range(6),
                shift=("09:00", "17:00"),
            ),
            PractitionerSpec(
                first_name="Anita",
                last_name="Desai",
                email="anita@demo.clinic",
                gender="F",
                skills=["consult", "abhyanga", "swedana", "basti", "virechana", "nasya"],
                weekdays=range(1, 6),
                shift=("09:00", "17:00"),
            ),
        ],
    },
}

PATIENTS = {
    "kochi": [
        PatientSpec(
            first_name="Arjun",
            last_name="Menon",
            sex="M",
            birth_year=1978,
            protocol="virechana-7",
            start_offset_days=-3,
            dosha="pitta",
            language="en",
            preferred_window=("07:00", "11:00"),
            comorbidities="Mild hypertension",
        ),
        PatientSpec(
            first_name="Sita",
            last_name="Raman",
            sex="F",
            birth_year=1985,
            protocol="shirodhara-7",
            start_offset_days=-5,
            dosha="vata",
            language="hi",
            same_gender_practitioner=True,
            preferred_window=("08:00", "12:00"),
            comorbidities="Insomnia",
        ),
        PatientSpec(
            first_name="Rahul",
            last_name="Gupta",
            sex="M",
            birth_year=1969,
            protocol="basti-8",
            start_offset_days=-9,
            dosha="vata",
            language="hi",
            priority=1,
            comorbidities="Lumbar spondylosis",
            allergies="Sulfa drugs",
        ),
        PatientSpec(
            first_name="Fatima",
            last_name="Beevi",
            sex="F",
            birth_year=1990,
            protocol="nasya-7",
            start_offset_days=-1,
            dosha="kapha",
            language="en",
            same_gender_practitioner=True,
            preferred_window=("09:00", "13:00"),
            comorbidities="Chronic sinusitis",
        ),
        PatientSpec(
            first_name="George",
            last_name="Thomas",
            sex="M",
            birth_year=1962,
            protocol="virechana-7",
            start_offset_days=0,
            dosha="pitta_kapha",
            language="en",
            preferred_window=("07:00", "10:00"),
            priority=2,
            comorbidities="Psoriasis",
        ),
        PatientSpec(
            first_name="Priya",
            last_name="Nambiar",
            sex="F",
            birth_year=1988,
            protocol="shirodhara-7",
            start_offset_days=2,
            dosha="vata_pitta",
            language="en",
            comorbidities="Anxiety",
        ),
        PatientSpec(
            first_name="Mohan",
            last_name="Das",
            sex="M",
            birth_year=1957,
            protocol="basti-8",
            start_offset_days=4,
            dosha="vata",
            language="hi",
            preferred_window=("08:00", "14:00"),
            priority=1,
            comorbidities="Osteoarthritis of knees",
        ),
        PatientSpec(
            first_name="Anita",
            last_name="Joseph",
            sex="F",
            birth_year=1979,
            protocol="wellness-5",
            start_offset_days=0,
            dosha="tridosha",
            language="en",
        ),
        PatientSpec(
            first_name="Kiran",
            last_name="Rao",
            sex="M",
            birth_year=1983,
            protocol="vamana-5",
            start_offset_days=1,
            dosha="kapha",
            language="en",
            preferred_window=("07:00", "11:00"),
            comorbidities="Bronchial asthma",
            allergies="Dust",
        ),
        PatientSpec(
            first_name="Deepa",
            last_name="Mathew",
            sex="F",
            birth_year=1992,
            protocol="nasya-7",
            start_offset_days=4,
            dosha="kapha",
            language="en",
            same_gender_practitioner=True,
            comorbidities="Migraine",
        ),
        PatientSpec(
            first_name="Vijay",
            last_name="Singh",
            sex="M",
            birth_year=1975,
            protocol="virechana-7",
            start_offset_days=6,
            dosha="pitta",
            language="hi",
            preferred_window=("09:00", "13:00"),
            comorbidities="Acid reflux",
        ),
        PatientSpec(
            first_name="Leela",
            last_name="Krishnan",
            sex="F",
            birth_year=1966,
            protocol="basti-8",
            start_offset_days=9,
            dosha="vata",
            language="en",
            same_gender_practitioner=True,
            preferred_window=("08:00", "12:00"),
            comorbidities="Constipation",
        ),
        PatientSpec(
            first_name="Sanjay",
            last_name="Patel",
            sex="M",
            birth_year=1980,
            protocol="wellness-5",
            start_offset_days=11,
            dosha="pitta",
            language="hi",
            allergies="Peanuts",
        ),
        PatientSpec(
            first_name="Neha",
            last_name="Sharma",
            sex="F",
            birth_year=1995,
            protocol="shirodhara-7",
            start_offset_days=13,
            dosha="vata",
            language="hi",
            preferred_window=("10:00", "14:00"),
            comorbidities="Stress",
        ),
        PatientSpec(
            first_name="Thomas",
            last_name="Kurian",
            sex="M",
            birth_year=1959,
            protocol="nasya-7",
            start_offset_days=7,
            dosha="kapha",
            language="en",
            comorbidities="Allergic rhinitis",
        ),
        PatientSpec(
            first_name="Radha",
            last_name="Iyer",
            sex="F",
            birth_year=1971,
            protocol="wellness-5",
            start_offset_days=16,
            dosha="pitta",
            language="en",
            preferred_window=("07:00", "12:00"),
        ),
        PatientSpec(
            first_name="Ajay",
            last_name="Verma",
            sex="M",
            birth_year=1987,
            protocol="shirodhara-7",
            start_offset_days=18,
            dosha="vata_pitta",
            language="hi",
            comorbidities="Tension headaches",
        ),
        PatientSpec(
            first_name="Meenakshi",
            last_name="Sundaram",
            sex="F",
            birth_year=1960,
            protocol="virechana-7",
            start_offset_days=15,
            dosha="pitta",
            language="en",
            same_gender_practitioner=True,
            preferred_window=("07:00", "11:00"),
            priority=1,
            comorbidities="Eczema",
        ),
        PatientSpec(
            first_name="Harish",
            last_name="Bhat",
            sex="M",
            birth_year=1973,
            protocol="wellness-5",
            start_offset_days=-12,
            dosha="kapha",
            language="en",
            comorbidities="Obesity",
        ),
        PatientSpec(
            first_name="Shalini",
            last_name="Paul",
            sex="F",
            birth_year=1984,
            protocol="basti-8",
            start_offset_days=11,
            dosha="vata",
            language="en",
            comorbidities="Sciatica",
        ),
        PatientSpec(
            first_name="Abdul",
            last_name="Rahman",
            sex="M",
            birth_year=1968,
            protocol="vamana-5",
            start_offset_days=-10,
            dosha="kapha",
            language="hi",
            comorbidities="Type 2 diabetes",
        ),
        PatientSpec(
            first_name="Gita",
            last_name="Menon",
            sex="F",
            birth_year=1991,
            protocol="shirodhara-7",
            start_offset_days=21,
            dosha="vata",
            language="hi",
            same_gender_practitioner=True,
            preferred_window=("09:00", "13:00"),
            comorbidities="Insomnia",
        ),
    ],
    "london": [
        PatientSpec(
            first_name="Emma",
            last_name="Clarke",
            sex="F",
            birth_year=1982,
            protocol="shirodhara-7",
            start_offset_days=-2,
            dosha="vata",
            language="en",
            preferred_window=("09:00", "13:00"),
            comorbidities="Burnout",
        ),
        PatientSpec(
            first_name="Daniel",
            last_name="Evans",
            sex="M",
            birth_year=1975,
            protocol="virechana-7",
            start_offset_days=1,
            dosha="pitta",
            language="en",
            comorbidities="Psoriasis",
        ),
        PatientSpec(
            first_name="Aisha",
            last_name="Khan",
            sex="F",
            birth_year=1993,
            protocol="nasya-7",
            start_offset_days=3,
            dosha="kapha",
            language="en",
            same_gender_practitioner=True,
            comorbidities="Sinusitis",
            allergies="Penicillin",
        ),
        PatientSpec(
            first_name="Raj",
            last_name="Patel",
            sex="M",
            birth_year=1970,
            protocol="basti-8",
            start_offset_days=5,
            dosha="vata",
            language="hi",
            preferred_window=("10:00", "15:00"),
            priority=1,
            comorbidities="Back pain",
        ),
        PatientSpec(
            first_name="Sophie",
            last_name="Turner",
            sex="F",
            birth_year=1988,
            protocol="shirodhara-7",
            start_offset_days=9,
            dosha="vata_pitta",
            language="en",
            comorbidities="Anxiety",
        ),
    ],
}
