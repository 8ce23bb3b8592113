"""The intake's Prakriti (constitution) questionnaire and its scoring into a dosha profile."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

VATA, PITTA, KAPHA = "vata", "pitta", "kapha"
# Canonical order: a dual profile is named in this order, as Patient.Dosha spells it.
DOSHAS = (VATA, PITTA, KAPHA)

# A dosha leads when its share of the answers is this many percentage points above the
# next one. Fifteen points is three answers in twenty: below that, one or two answers
# given differently on another day would change a single-dosha label, so we call it dual.
LEAD_MARGIN_PERCENT = 15


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    # The answer that describes each dosha's trait, keyed by dosha.
    answers: dict[str, str]


# Classic Prakriti traits as a practitioner asks them at first consultation; each answer
# points at one dosha. Text is lazy so the patient reads it in their own language.
QUESTIONS: tuple[Question, ...] = (
    Question(
        "frame",
        _("Your body frame"),
        {
            VATA: _("Thin, light; I find it hard to gain weight"),
            PITTA: _("Medium, muscular"),
            KAPHA: _("Broad, solid; I gain weight easily"),
        },
    ),
    Question(
        "skin",
        _("Your skin, most of the time"),
        {
            VATA: _("Dry, rough, cool to touch"),
            PITTA: _("Warm, reddish, prone to rashes or acne"),
            KAPHA: _("Smooth, oily, cool and soft"),
        },
    ),
    Question(
        "hair",
        _("Your hair"),
        {
            VATA: _("Dry, frizzy, breaks easily"),
            PITTA: _("Fine, early greying or thinning"),
            KAPHA: _("Thick, wavy, oily"),
        },
    ),
    Question(
        "appetite",
        _("Your appetite"),
        {
            VATA: _("Irregular; sometimes hungry, sometimes not"),
            PITTA: _("Strong; I get irritable if I miss a meal"),
            KAPHA: _("Steady but slow; I can skip meals easily"),
        },
    ),
    Question(
        "digestion",
        _("Your digestion"),
        {
            VATA: _("Gas, bloating, tends to constipation"),
            PITTA: _("Quick; acidity or loose stools"),
            KAPHA: _("Slow; heavy after meals"),
        },
    ),
    Question(
        "sleep",
        _("Your sleep"),
        {
            VATA: _("Light, broken; I wake easily"),
            PITTA: _("Moderate and sound"),
            KAPHA: _("Deep and long; hard to wake"),
        },
    ),
    Question(
        "stress",
        _("Under stress you tend to be"),
        {
            VATA: _("Anxious, worried"),
            PITTA: _("Irritable, angry"),
            KAPHA: _("Withdrawn, slow to react"),
        },
    ),
    Question(
        "climate",
        _("The weather you like least"),
        {
            VATA: _("Cold and windy"),
            PITTA: _("Hot and sunny"),
            KAPHA: _("Cold and damp"),
        },
    ),
    Question(
        "pace",
        _("How you move and work"),
        {
            VATA: _("Quickly; I start many things"),
            PITTA: _("Purposefully; I like to finish what I plan"),
            KAPHA: _("Slowly and steadily; I have stamina"),
        },
    ),
    Question(
        "memory",
        _("Your memory"),
        {
            VATA: _("Quick to learn, quick to forget"),
            PITTA: _("Sharp and clear"),
            KAPHA: _("Slow to learn, never forgets"),
        },
    ),
    Question(
        "speech",
        _("Your speech"),
        {
            VATA: _("Fast, talkative"),
            PITTA: _("Precise, persuasive"),
            KAPHA: _("Slow, calm, few words"),
        },
    ),
    Question(
        "thirst",
        _("Your thirst"),
        {
            VATA: _("Variable"),
            PITTA: _("Often thirsty"),
            KAPHA: _("Seldom thirsty"),
        },
    ),
)

QUESTION_KEYS = tuple(question.key for question in QUESTIONS)


@dataclass(frozen=True)
class DoshaProfile:
    """How many answers pointed at each dosha, and the constitution they add up to."""

    scores: dict[str, int]
    dosha: str


def dosha_profile_score(answers: dict[str, str]) -> DoshaProfile:
    """Score a complete questionnaire: one point per answer to the dosha it describes.

    `answers` maps every question's key to a dosha. The profile is the leading dosha when it
    leads the next by LEAD_MARGIN_PERCENT of the answers; otherwise the top two as a dual
    profile when they lead the third by that margin; otherwise tridosha (all three balanced).
    Raises ValueError naming what is missing or wrong, so that no partial score is stored.
    """
    missing = [key for key in QUESTION_KEYS if key not in answers]
    if missing:
        raise ValueError(f"unanswered questions: {', '.join(missing)}")
    unknown = sorted(set(answers) - set(QUESTION_KEYS))
    if unknown:
        raise ValueError(f"unknown questions: {', '.join(unknown)}")
    bad = sorted(key for key, dosha in answers.items() if dosha not in DOSHAS)
    if bad:
        raise ValueError(f"answers are not a dosha for: {', '.join(bad)}")

    scores = dict.fromkeys(DOSHAS, 0)
    for dosha in answers.values():
        scores[dosha] += 1
    total = len(answers)
    # Ties keep canonical order, so equal scores always give the same label.
    first, second, third = sorted(DOSHAS, key=lambda dosha: -scores[dosha])

    def leads(a: str, b: str) -> bool:
        # Integer form of (a - b) / total >= margin %, free of float rounding at the boundary.
        return 100 * (scores[a] - scores[b]) >= LEAD_MARGIN_PERCENT * total

    if leads(first, second):
        dosha = first
    elif leads(second, third):
        dosha = "_".join(d for d in DOSHAS if d in (first, second))
    else:
        dosha = "tridosha"
    return DoshaProfile(scores=scores, dosha=dosha)
