"""The demo clinic's fixed content: therapies, protocols, checklists, centers, staff and patients."""

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

# code: (name, Hindi name, category, minutes, room types, patient rest, room turnover, group size,
#        before-care guidance, after-care guidance)
THERAPIES = {
    "snehapana": (
        "Snehapana", "स्नेहपान", "purvakarma", 30, ["consult"], 30, 0, 1,
        "Come on an empty stomach; drink only warm water from waking until your dose.",
        "Sip warm water through the day and eat only when truly hungry; avoid cold food.",
    ),
    "abhyanga": (
        "Abhyanga", "अभ्यंग", "purvakarma", 60, ["therapy", "private"], 0, 15, 1,
        "Eat lightly at least two hours before. Wear loose clothes you don't mind oiling.",
        "Rest for 30 minutes and keep warm; bathe with warm water, not cold.",
    ),
    "swedana": (
        "Swedana", "स्वेदन", "purvakarma", 30, ["steam"], 15, 10, 1,
        "Follows your Abhyanga directly; drink a glass of warm water beforehand.",
        "Cool down slowly, stay out of wind and air conditioning, drink warm water.",
    ),
    "virechana": (
        "Virechana", "विरेचन", "pradhanakarma", 120, ["private"], 240, 30, 1,
        "Light dinner of kichadi the night before; nothing to eat on the morning of therapy.",
        "Stay at the center until the doctor releases you; follow the samsarjana diet plan.",
    ),
    "vamana": (
        "Vamana", "वमन", "pradhanakarma", 120, ["private"], 240, 30, 1,
        "Kapha-increasing diet the evening before as advised; arrive fasting.",
        "Rest fully for the day; rice gruel only until the doctor advises otherwise.",
    ),
    "basti": (
        "Basti", "बस्ति", "pradhanakarma", 45, ["private"], 60, 20, 1,
        "Eat a light meal about an hour before Niruha Basti; pass urine before the session.",
        "Lie on your left side as instructed and report when the Basti is passed.",
    ),
    "nasya": (
        "Nasya", "नस्य", "pradhanakarma", 30, ["therapy", "consult"], 15, 5, 1,
        "Avoid head bath on the day of Nasya; come with an empty stomach if possible.",
        "Do not sleep during the day; avoid cold drinks, dust and wind.",
    ),
    "shirodhara": (
        "Shirodhara", "शिरोधारा", "paschatkarma", 60, ["therapy", "private"], 30, 15, 1,
        "Wash your hair the evening before; avoid caffeine on the day.",
        "Keep your head covered, rest quietly and avoid screens for the evening.",
    ),
    "consult": (
        "Vaidya consultation", "वैद्य परामर्श", "consultation", 30, ["consult"], 0, 0, 1,
        "Bring your reports and a list of medicines you take.",
        "Follow the diet and routine your vaidya wrote down.",
    ),
    "yoga": (
        "Therapeutic yoga (group)", "योग (समूह)", "wellness", 60, ["yoga_hall"], 0, 10, 10,
        "Come in comfortable clothes, two hours after a meal.",
        "Rest for ten minutes in shavasana; drink warm water.",
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


def _daily(days, *therapies, chain_gap=30):
    """Steps for `days` consecutive days, each day the `therapies` in sequence, chained."""
    steps = []
    for day in days:
        previous = None
        for therapy in therapies:
            code = f"d{day}-{therapy}"
            # A day of slack lets a plan ride over a Sunday or a holiday instead of failing.
            step = {"code": code, "therapy": therapy, "day": day, "slack": 1}
            if previous is not None:
                step["after"] = (previous, 0, chain_gap)
                if therapy == "swedana":
                    step["same_as"] = previous
            steps.append(step)
            previous = code
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
        _daily(range(3), "snehapana")
        + _daily([3], "abhyanga", "swedana")
        + _daily([4], "vamana"),
    ),
    "wellness-5": (
        "5-day wellness week",
        "Daily group yoga and Abhyanga, with a closing consultation.",
        5,
        _daily(range(4), "yoga", "abhyanga", chain_gap=240) + _daily([4], "consult"),
    ),
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
        "hours": {d: ("07:00", "19:00") for d in range(6)} | {6: ("07:00", "13:00")},
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
        # (first, last, email, gender, skills, shift weekdays, shift hours)
        "practitioners": [
            ("Meera", "Pillai", "practitioner@demo.clinic", "F",
             ["abhyanga", "swedana", "shirodhara", "nasya", "basti"], range(0, 6), ("07:00", "15:00")),
            ("Arun", "Kumar", "arun@demo.clinic", "M",
             ["abhyanga", "swedana", "virechana", "vamana", "basti"], range(0, 6), ("07:00", "15:00")),
            ("Lakshmi", "Varma", "lakshmi@demo.clinic", "F",
             ["abhyanga", "swedana", "virechana", "basti", "shirodhara"], range(1, 7), ("07:00", "13:00")),
            ("Suresh", "Namboothiri", "suresh@demo.clinic", "M",
             ["consult", "snehapana", "virechana", "vamana"], range(0, 6), ("08:00", "16:00")),
            ("Divya", "Krishnan", "divya@demo.clinic", "F",
             ["consult", "snehapana", "nasya", "yoga"], range(0, 6), ("10:00", "18:00")),
            ("Vishnu", "Prasad", "vishnu@demo.clinic", "M",
             ["abhyanga", "swedana", "shirodhara", "nasya"], range(0, 6), ("11:00", "19:00")),
            ("Kavya", "Iyer", "kavya@demo.clinic", "F",
             ["abhyanga", "swedana", "basti", "yoga"], range(0, 5), ("07:00", "15:00")),
            ("Ravi", "Shankar", "ravi@demo.clinic", "M",
             ["abhyanga", "swedana", "shirodhara", "basti", "yoga"], range(0, 6), ("09:00", "17:00")),
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
        "hours": {d: ("08:00", "18:00") for d in range(5)} | {5: ("09:00", "14:00")},
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
            ("Priya", "Shah", "priya@demo.clinic", "F",
             ["consult", "snehapana", "abhyanga", "swedana", "shirodhara", "nasya"], range(0, 5), ("08:00", "16:00")),
            ("James", "Hughes", "james@demo.clinic", "M",
             ["abhyanga", "swedana", "shirodhara", "basti", "virechana"], range(0, 6), ("09:00", "17:00")),
            ("Anita", "Desai", "anita@demo.clinic", "F",
             ["consult", "abhyanga", "swedana", "basti", "virechana", "nasya"], range(1, 6), ("09:00", "17:00")),
        ],
    },
}

# (first, last, sex, birth year, protocol, start offset in days from today, dosha, language,
#  same-gender practitioner, preferred window, priority, comorbidities, allergies)
PATIENTS = {
    "kochi": [
        ("Arjun", "Menon", "M", 1978, "virechana-7", -3, "pitta", "en", False, ("07:00", "11:00"), 0, "Mild hypertension", ""),
        ("Sita", "Raman", "F", 1985, "shirodhara-7", -2, "vata", "hi", True, ("08:00", "12:00"), 0, "Insomnia", ""),
        ("Rahul", "Gupta", "M", 1969, "basti-8", -4, "vata", "hi", False, None, 1, "Lumbar spondylosis", "Sulfa drugs"),
        ("Fatima", "Beevi", "F", 1990, "nasya-7", -1, "kapha", "en", True, ("09:00", "13:00"), 0, "Chronic sinusitis", ""),
        ("George", "Thomas", "M", 1962, "virechana-7", 0, "pitta_kapha", "en", False, ("07:00", "10:00"), 2, "Psoriasis", ""),
        ("Priya", "Nambiar", "F", 1988, "shirodhara-7", 1, "vata_pitta", "en", False, None, 0, "Anxiety", ""),
        ("Mohan", "Das", "M", 1957, "basti-8", 2, "vata", "hi", False, ("08:00", "14:00"), 1, "Osteoarthritis of knees", ""),
        ("Anita", "Joseph", "F", 1979, "wellness-5", 0, "tridosha", "en", False, None, 0, "", ""),
        ("Kiran", "Rao", "M", 1983, "vamana-5", 3, "kapha", "en", False, ("07:00", "11:00"), 0, "Bronchial asthma", "Dust"),
        ("Deepa", "Mathew", "F", 1992, "nasya-7", 4, "kapha", "en", True, None, 0, "Migraine", ""),
        ("Vijay", "Singh", "M", 1975, "virechana-7", 5, "pitta", "hi", False, ("09:00", "13:00"), 0, "Acid reflux", ""),
        ("Leela", "Krishnan", "F", 1966, "basti-8", 6, "vata", "en", True, ("08:00", "12:00"), 0, "Constipation", ""),
        ("Sanjay", "Patel", "M", 1980, "wellness-5", 2, "pitta", "hi", False, None, 0, "", "Peanuts"),
        ("Neha", "Sharma", "F", 1995, "shirodhara-7", 8, "vata", "hi", False, ("10:00", "14:00"), 0, "Stress", ""),
        ("Thomas", "Kurian", "M", 1959, "nasya-7", 9, "kapha", "en", False, None, 0, "Allergic rhinitis", ""),
        ("Radha", "Iyer", "F", 1971, "wellness-5", 3, "pitta", "en", False, ("07:00", "12:00"), 0, "", ""),
        ("Ajay", "Verma", "M", 1987, "shirodhara-7", -6, "vata_pitta", "hi", False, None, 0, "Tension headaches", ""),
        ("Meenakshi", "Sundaram", "F", 1960, "virechana-7", -8, "pitta", "en", True, ("07:00", "11:00"), 1, "Eczema", ""),
        ("Harish", "Bhat", "M", 1973, "wellness-5", 10, "kapha", "en", False, None, 0, "Obesity", ""),
        ("Shalini", "Paul", "F", 1984, "basti-8", 11, "vata", "en", False, None, 0, "Sciatica", ""),
        ("Abdul", "Rahman", "M", 1968, "vamana-5", 12, "kapha", "hi", False, None, 0, "Type 2 diabetes", ""),
        ("Gita", "Menon", "F", 1991, "shirodhara-7", 13, "vata", "hi", True, ("09:00", "13:00"), 0, "Insomnia", ""),
    ],
    "london": [
        ("Emma", "Clarke", "F", 1982, "shirodhara-7", -2, "vata", "en", False, ("09:00", "13:00"), 0, "Burnout", ""),
        ("Daniel", "Evans", "M", 1975, "virechana-7", 1, "pitta", "en", False, None, 0, "Psoriasis", ""),
        ("Aisha", "Khan", "F", 1993, "nasya-7", 3, "kapha", "en", True, None, 0, "Sinusitis", "Penicillin"),
        ("Raj", "Patel", "M", 1970, "basti-8", 5, "vata", "hi", False, ("10:00", "15:00"), 1, "Back pain", ""),
        ("Sophie", "Turner", "F", 1988, "shirodhara-7", 9, "vata_pitta", "en", False, None, 0, "Anxiety", ""),
    ],
}
