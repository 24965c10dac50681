"""Words for numbers, days and ages as Indian caregivers write them, in Devanagari,
romanised Hindi and English: "पंद्रह", "pandrah", "fifteen"; "kal", "परसों"; "dedh saal".

Hindi numbers below a hundred have no pattern to compute them from, so they are listed
(checked against AI4Bharat's indic-numtowords). Romanised spellings are matched through
:func:`flows.matching.key`, which folds doubled letters and vowel lengths.
"""

from __future__ import annotations

from flows.matching import Vocabulary, key, same_word, tokens, wordlist

# 0 to 99, ten a line.
_HINDI = """
शून्य एक दो तीन चार पाँच छह सात आठ नौ
दस ग्यारह बारह तेरह चौदह पंद्रह सोलह सत्रह अठारह उन्नीस
बीस इक्कीस बाईस तेईस चौबीस पच्चीस छब्बीस सत्ताईस अट्ठाईस उनतीस
तीस इकतीस बत्तीस तैंतीस चौंतीस पैंतीस छत्तीस सैंतीस अड़तीस उनतालीस
चालीस इकतालीस बयालीस तैंतालीस चौवालीस पैंतालीस छियालीस सैंतालीस अड़तालीस उनचास
पचास इक्यावन बावन तिरपन चौवन पचपन छप्पन सत्तावन अट्ठावन उनसठ
साठ इकसठ बासठ तिरसठ चौंसठ पैंसठ छियासठ सड़सठ अड़सठ उनहत्तर
सत्तर इकहत्तर बहत्तर तिहत्तर चौहत्तर पचहत्तर छिहत्तर सतहत्तर अठहत्तर उन्यासी
अस्सी इक्यासी बयासी तिरासी चौरासी पचासी छियासी सत्तासी अट्ठासी नवासी
नब्बे इक्यानवे बानवे तिरानवे चौरानवे पचानवे छियानवे सत्तानवे अट्ठानवे निन्यानवे
"""
HINDI_0_99 = tuple(_HINDI.split())

# 1 to 31 in romanised Hindi, as people spell them (a line a number), and in English.
_ROMANISED = """
ek
do
teen tin
char chaar
panch paanch panc
chhah chhe che chah chheh
saat sat
aath ath
nau no
das dus
gyarah gyara gyarha igyarah
barah bara baarah
terah tera
chaudah chauda chodah
pandrah pandra pandhra
solah sola
satrah satra
atharah athara atharha
unnis unees unnees
bees bis
ikkis ikkees
bais baees
teis teees
chaubis chaubees chobis
pachchis pachis pachees pachchees
chhabbis chabbis chhabbees
sattais sataees
atthais athais
untis untees
tees
iktis ikattis iktees
"""
_ENGLISH = wordlist(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty "
)

NUMBER_WORDS: dict[str, int] = {key(word): n for n, word in enumerate(HINDI_0_99)}
for n, line in enumerate(_ROMANISED.strip().splitlines(), start=1):
    NUMBER_WORDS.update({key(word): n for word in line.split()})
NUMBER_WORDS.update({word: n for n, word in enumerate(_ENGLISH, start=1)})
HALVES = {key(w): 1.5 for w in ["dedh", "dedh", "dhedh", "derh", "डेढ़"]} | {
    key(w): 2.5 for w in ["dhai", "dhaai", "ढाई"]
}


def number(word: str) -> float | None:
    """The number a word is: "15", "पंद्रह", "pandrah", "fifteen", "dedh" (1.5); else None."""
    if word.isdigit():
        return int(word)
    folded = key(word)
    return NUMBER_WORDS.get(folded, HALVES.get(folded))


# Days before today, by the words for them (कल is yesterday when a birth is told).
DAYS_AGO = {0: "aaj aj today आज", 1: "kal kl yesterday कल", 2: "parso parson परसों परसो"}

# What people add around a date or an age: "15 march ko paida hua", "DOB 10/01/2025".
DATE_FILLERS = wordlist(
    "ko ki ka ke hua hui huaa hue hai h tha thi paida peda janam janm jnm born on dob "
    "date birth tithi uska uski iska iski beta beti baby bachcha bachchi ji hi subah "
    "raat sham shaam din me mein the of mera meri को की का के हुआ हुई है था थी पैदा "
    "जन्म तिथि उसका उसकी बेटा बेटी ही सुबह रात शाम में "
)

# Units of an age, in months (weeks and days are kept apart: 6 weeks is not 1.5 months).
AGE_UNITS = {
    "months": "mahina mahine mahino month months mah mahine महीना महीने महीनों माह",
    "years": "saal sal year years yr varsh baras साल वर्ष बरस",
    "weeks": "hafte hafta hafton week weeks saptah हफ्ते हफ्ता हफ़्ते सप्ताह",
    "days": "din day days दिन",
}
AGE_FILLERS = wordlist(
    "ka ki ke hai h pehle pahle pehele phle se aaj hua paida beta beti baby bachcha "
    "ji and aur old ago का की के है पहले से आज हुआ पैदा बेटा बेटी और "
)


def age_unit(word: str) -> str | None:
    """Which unit of an age a word names ("mahine" → "months"), or None."""
    for unit, words in AGE_UNITS.items():
        if any(same_word(word, w) for w in words.split()):
            return unit
    return None


# "I don't know" / "none", as an answer: "pata nahi", "पता नहीं", "kuch nahi", "none".
DONT_KNOW = Vocabulary(
    wordlist(
        "pata nahi nahin nhi pta malum maloom kuch koi dont know no idea none nothing "
        "पता नहीं मालूम कुछ कोई 0"
    )
)


def dont_know(text: str) -> bool:
    """Whether the text says only "I don't know" or "none"."""
    words = tokens(text)
    return bool(words) and all(word in DONT_KNOW for word in words)
