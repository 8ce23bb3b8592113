"""Dosha scoring of the intake questionnaire, against profiles counted by hand."""

import pytest

from patients.dosha import QUESTION_KEYS, QUESTIONS, dosha_profile_score
from patients.models import Dosha


def answered(vata: int, pitta: int, kapha: int) -> dict[str, str]:
    """Answers to all twelve questions: the first `vata` as Vata, then Pitta, then Kapha."""
    assert vata + pitta + kapha == len(QUESTION_KEYS) == 12
    doshas = ["vata"] * vata + ["pitta"] * pitta + ["kapha"] * kapha
    return dict(zip(QUESTION_KEYS, doshas, strict=True))


# Twelve answers, so a 15-point lead needs 1.8 answers: two answers lead, one does not.
@pytest.mark.parametrize(
    ("vata", "pitta", "kapha", "expected"),
    [
        (8, 3, 1, "vata"),  # 8 - 3 = 5 ahead
        (2, 6, 4, "pitta"),  # 6 - 4 = 2 ahead: just enough
        (1, 3, 8, "kapha"),
        (5, 5, 2, "vata_pitta"),  # tied top two, 5 - 2 = 3 ahead of Kapha
        (1, 5, 6, "pitta_kapha"),  # Kapha leads Pitta by one only; Pitta leads Vata by 4
        (5, 2, 5, "vata_kapha"),
        (4, 4, 4, "tridosha"),
        (5, 4, 3, "tridosha"),  # each leads the next by one answer only
    ],
)
def test_it_scores_answers_into_the_profile_counted_by_hand(vata, pitta, kapha, expected):
    profile = dosha_profile_score(answered(vata, pitta, kapha))

    assert profile.scores == {"vata": vata, "pitta": pitta, "kapha": kapha}
    assert profile.dosha == expected


def test_every_profile_it_gives_is_one_a_patient_can_hold():
    given = {
        dosha_profile_score(answered(v, p, 12 - v - p)).dosha
        for v in range(13)
        for p in range(13 - v)
    }

    assert given == set(Dosha.values)


def test_every_question_offers_one_answer_per_dosha():
    assert len(set(QUESTION_KEYS)) == len(QUESTIONS)
    for question in QUESTIONS:
        assert set(question.answers) == {"vata", "pitta", "kapha"}


def test_it_refuses_a_questionnaire_with_a_question_unanswered():
    answers = answered(4, 4, 4)
    del answers["sleep"]

    with pytest.raises(ValueError, match="unanswered questions: sleep"):
        dosha_profile_score(answers)


def test_it_refuses_an_answer_that_is_not_a_dosha():
    answers = answered(4, 4, 4) | {"thirst": "earth"}

    with pytest.raises(ValueError, match="not a dosha for: thirst"):
        dosha_profile_score(answers)


def test_it_refuses_a_question_it_never_asked():
    answers = answered(4, 4, 4) | {"horoscope": "vata"}

    with pytest.raises(ValueError, match="unknown questions: horoscope"):
        dosha_profile_score(answers)
