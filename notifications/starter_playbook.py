"""A starter playbook in English and Hindi: the demo loads it, a new clinic can begin from it.

Each step has one text per language, sent on every channel (the subject is the email subject
and the in-portal title; SMS sends the body alone). Therapy-specific steps replace the
generic ones for that therapy. Hindi generic texts say "{therapy} सत्र" so that the sentence
agrees whatever the therapy's grammatical gender.
"""

from dataclasses import dataclass

from notifications.playbook import NotificationEvent as Step


@dataclass(frozen=True)
class PlaybookText:
    event: str
    therapy: str | None  # a therapy code, or None for any therapy
    en: tuple[str, str]  # (subject, body)
    hi: tuple[str, str]
    urgent: bool = False


STARTER_PLAYBOOK = [
    # --- any therapy ---------------------------------------------------------------------
    PlaybookText(
        Step.PRE_24H,
        None,
        en=(
            "Your {therapy} tomorrow at {time}",
            "Namaste {patient}, your {therapy} is tomorrow, {date}, at {time} at {center}. "
            "Tonight eat a light dinner before 8 pm and nothing heavy or fried after that. "
            "Keep drinking warm water, wear loose cotton clothes tomorrow, and if you have a "
            "fever, tell us before you come.",
        ),
        hi=(
            "कल {time} बजे आपका {therapy} सत्र",
            "नमस्ते {patient} जी, आपका {therapy} सत्र कल, {date} को {time} बजे {center} में है। "
            "आज रात 8 बजे से पहले हल्का खाना खा लें, उसके बाद कुछ भारी या तला हुआ न खाएँ। "
            "गुनगुना पानी पीते रहें, कल ढीले सूती कपड़े पहनकर आएँ, और अगर बुख़ार हो तो आने से "
            "पहले हमें ज़रूर बताएँ।",
        ),
    ),
    PlaybookText(
        Step.PRE_2H,
        None,
        en=(
            "See you at {time}",
            "{patient}, your {therapy} starts today at {time} at {center}. Please come 15 "
            "minutes early, in loose cotton clothes.",
        ),
        hi=(
            "आज {time} बजे मिलते हैं",
            "{patient} जी, आपका {therapy} सत्र आज {time} बजे {center} में है। कृपया ढीले सूती "
            "कपड़ों में 15 मिनट पहले पहुँचें।",
        ),
    ),
    PlaybookText(
        Step.POST_1H,
        None,
        en=(
            "Rest after your {therapy}",
            "Thank you, {patient}. Rest for 4–6 hours now and take only warm liquids and light "
            "food. Stay away from cold water, cold drinks and wind. If you feel dizzy or unwell, "
            "reply HELP and a clinician will call you.",
        ),
        hi=(
            "{therapy} सत्र के बाद आराम",
            "धन्यवाद {patient} जी। अब 4–6 घंटे आराम करें और सिर्फ़ गुनगुने पेय और हल्का खाना लें। "
            "ठंडे पानी, ठंडे पेय और हवा से बचें। चक्कर आए या तबीयत ठीक न लगे तो जवाब में मदद "
            "(या HELP) लिखें, हमारे वैद्य आपको फ़ोन करेंगे।",
        ),
    ),
    PlaybookText(
        Step.POST_12H,
        None,
        en=(
            "Tonight after your {therapy}",
            "{patient}, keep tonight's dinner light and warm, such as rice kanji or moong dal "
            "khichdi, and go to bed early. No curd, cold or fried food today.",
        ),
        hi=(
            "आज रात का ध्यान",
            "{patient} जी, आज रात का खाना हल्का और गरम रखें, जैसे चावल की कांजी या मूँग दाल की "
            "खिचड़ी, और जल्दी सो जाएँ। आज दही, ठंडी या तली हुई चीज़ें न लें।",
        ),
    ),
    PlaybookText(
        Step.CHECK_IN,
        None,
        en=(
            "How are you feeling today?",
            "Good morning {patient}. How do you feel after yesterday's {therapy}? Reply with "
            "one number from 0 (very unwell) to 10 (very well), or tell us more on your "
            "feedback page: {feedback_link} If you need us now, reply HELP.",
        ),
        hi=(
            "आज आप कैसा महसूस कर रहे हैं?",
            "सुप्रभात {patient} जी। कल के {therapy} सत्र के बाद आप कैसा महसूस कर रहे हैं? 0 (बहुत "
            "ख़राब) से 10 (बहुत अच्छा) तक कोई एक अंक लिखकर जवाब दें, या अपने फ़ीडबैक पेज पर "
            "विस्तार से बताएँ: {feedback_link} अभी मदद चाहिए तो मदद लिखें।",
        ),
    ),
    # --- Virechana (therapeutic purgation) ------------------------------------------------
    PlaybookText(
        Step.PRE_24H,
        "virechana",
        en=(
            "Preparing for Virechana tomorrow",
            "Namaste {patient}, your Virechana is tomorrow, {date}, at {time}. Tonight have only "
            "a light, warm dinner (rice kanji or khichdi) before 7 pm. Come on an empty stomach "
            "in loose cotton clothes and plan to spend the day resting at {center}. If you have "
            "a fever or loose motions, tell us before you come.",
        ),
        hi=(
            "कल विरेचन की तैयारी",
            "नमस्ते {patient} जी, आपका विरेचन कल, {date} को {time} बजे है। आज रात 7 बजे से पहले "
            "सिर्फ़ हल्का, गरम खाना (चावल की कांजी या खिचड़ी) लें। कल खाली पेट, ढीले सूती कपड़ों "
            "में आएँ और पूरा दिन {center} में आराम करने का समय रखें। बुख़ार या दस्त हो तो आने से "
            "पहले हमें बताएँ।",
        ),
    ),
    PlaybookText(
        Step.POST_2H,
        "virechana",
        en=(
            "During your Virechana",
            "{patient}, keep sipping warm water and count your motions for the nurse. If you "
            "feel faint or very weak, or the motions do not slow down, reply HELP now.",
        ),
        hi=(
            "विरेचन के दौरान",
            "{patient} जी, थोड़ा-थोड़ा गुनगुना पानी पीते रहें और दस्त गिनते रहें ताकि नर्स को बता "
            "सकें। बेहोशी-सी लगे, बहुत कमज़ोरी हो या दस्त कम न हों, तो तुरंत मदद लिखकर भेजें।",
        ),
        urgent=True,
    ),
    # --- Basti (medicated enema) -----------------------------------------------------------
    PlaybookText(
        Step.PRE_24H,
        "basti",
        en=(
            "Preparing for Basti tomorrow",
            "Namaste {patient}, your Basti is tomorrow, {date}, at {time}. Have a light, warm "
            "breakfast about an hour before (do not come hungry), empty your bowels before you "
            "leave home, and wear loose cotton clothes.",
        ),
        hi=(
            "कल बस्ति की तैयारी",
            "नमस्ते {patient} जी, आपकी बस्ति कल, {date} को {time} बजे है। लगभग एक घंटा पहले "
            "हल्का, गरम नाश्ता कर लें (भूखे पेट न आएँ), घर से निकलने से पहले शौच हो आएँ और ढीले "
            "सूती कपड़े पहनें।",
        ),
    ),
    PlaybookText(
        Step.POST_1H,
        "basti",
        en=(
            "After your Basti",
            "{patient}, lie on your left side for a while and keep your belly warm. Avoid cold "
            "water, long travel and heavy food today. If you have cramps or feel faint, reply "
            "HELP.",
        ),
        hi=(
            "बस्ति के बाद",
            "{patient} जी, कुछ देर बाईं करवट लेटें और पेट को गरम रखें। आज ठंडे पानी, लंबे सफ़र "
            "और भारी खाने से बचें। पेट में मरोड़ हो या बेहोशी-सी लगे तो मदद लिखकर भेजें।",
        ),
    ),
    # --- Vamana (therapeutic emesis) -----------------------------------------------------------
    PlaybookText(
        Step.PRE_24H,
        "vamana",
        en=(
            "Preparing for Vamana tomorrow",
            "Namaste {patient}, your Vamana is tomorrow, {date}, at {time}. Tonight eat the "
            "dinner your vaidya advised and sleep early. Come on an empty stomach, in loose "
            "cotton clothes. If you have a fever or chest pain, tell us before you come.",
        ),
        hi=(
            "कल वमन की तैयारी",
            "नमस्ते {patient} जी, आपका वमन कल, {date} को {time} बजे है। आज रात वही खाना खाएँ जो "
            "वैद्य जी ने बताया है और जल्दी सो जाएँ। कल खाली पेट, ढीले सूती कपड़ों में आएँ। बुख़ार या "
            "सीने में दर्द हो तो आने से पहले हमें बताएँ।",
        ),
    ),
    PlaybookText(
        Step.POST_1H,
        "vamana",
        en=(
            "After your Vamana",
            "{patient}, rest quietly, do not talk loudly and keep out of cold wind. When you feel "
            "hungry, start with thin rice water (peya) only. If you feel dizzy or have chest "
            "pain, reply HELP.",
        ),
        hi=(
            "वमन के बाद",
            "{patient} जी, चुपचाप आराम करें, ज़ोर से न बोलें और ठंडी हवा से बचें। भूख लगे तो "
            "पहले सिर्फ़ पतली पेया (चावल का पानी) लें। चक्कर आए या सीने में दर्द हो तो मदद लिखकर "
            "भेजें।",
        ),
    ),
    # --- Nasya (nasal medication) -------------------------------------------------------------
    PlaybookText(
        Step.PRE_24H,
        "nasya",
        en=(
            "Preparing for Nasya tomorrow",
            "Namaste {patient}, your Nasya is tomorrow, {date}, at {time}. Do not wash your hair "
            "that morning, have a light breakfast, and tell us before you come if you have a "
            "cold or fever.",
        ),
        hi=(
            "कल नस्य की तैयारी",
            "नमस्ते {patient} जी, आपका नस्य कल, {date} को {time} बजे है। उस सुबह सिर न धोएँ, "
            "हल्का नाश्ता करें, और ज़ुकाम या बुख़ार हो तो आने से पहले हमें बताएँ।",
        ),
    ),
    PlaybookText(
        Step.POST_1H,
        "nasya",
        en=(
            "After your Nasya",
            "{patient}, keep away from dust, wind and cold water today, and do not blow your "
            "nose hard. Gargle with warm water. If you get a strong headache, reply HELP.",
        ),
        hi=(
            "नस्य के बाद",
            "{patient} जी, आज धूल, हवा और ठंडे पानी से दूर रहें और ज़ोर से नाक न छिनकें। गुनगुने "
            "पानी से गरारे करें। तेज़ सिरदर्द हो तो मदद लिखकर भेजें।",
        ),
    ),
    # --- Shirodhara (oil poured on the forehead) ---------------------------------------------
    PlaybookText(
        Step.POST_1H,
        "shirodhara",
        en=(
            "After your Shirodhara",
            "{patient}, keep your head covered and do not wash your hair until tomorrow. Stay "
            "away from screens and loud noise, rest, and eat warm food. If you feel dizzy, "
            "reply HELP.",
        ),
        hi=(
            "शिरोधारा के बाद",
            "{patient} जी, सिर ढककर रखें और कल तक बाल न धोएँ। फ़ोन-टीवी की स्क्रीन और शोर से दूर "
            "रहें, आराम करें और गरम खाना खाएँ। चक्कर आए तो मदद लिखकर भेजें।",
        ),
    ),
]
