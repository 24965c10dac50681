"""Numbers and dates read aloud: what a caller hears when the IVR reads a date back."""

import datetime as dt

import pytest

from bot.channels.twilio_voice import Speech, pairs, spoken
from flows.voice_words import HINDI_0_99, date_words, digit_words, number_words


@pytest.mark.parametrize(
    ("day", "hindi", "english"),
    [
        (dt.date(2025, 3, 15), "पंद्रह मार्च दो हज़ार पच्चीस", "fifteen March two thousand twenty-five"),
        (
            dt.date(2024, 2, 29),
            "उनतीस फ़रवरी दो हज़ार चौबीस",
            "twenty-nine February two thousand twenty-four",
        ),
        (
            dt.date(2019, 12, 31),
            "इकतीस दिसंबर दो हज़ार उन्नीस",
            "thirty-one December two thousand nineteen",
        ),
        (dt.date(2020, 1, 1), "एक जनवरी दो हज़ार बीस", "one January two thousand twenty"),
        (dt.date(2030, 8, 18), "अठारह अगस्त दो हज़ार तीस", "eighteen August two thousand thirty"),
    ],
)
def test_dates_in_words(day, hindi, english):
    assert date_words(day, "hi") == hindi
    assert date_words(day, "en") == english


def test_hindi_numbers_below_a_hundred_are_each_their_own_word():
    assert len(HINDI_0_99) == 100 and len(set(HINDI_0_99)) == 100
    # The irregular ones people mishear most: 19, 29, ... 89 are "one short of" the next ten.
    assert [number_words(n, "hi") for n in (19, 29, 39, 49, 59, 69, 79, 89, 99)] == [
        "उन्नीस",
        "उनतीस",
        "उनतालीस",
        "उनचास",
        "उनसठ",
        "उनहत्तर",
        "उन्यासी",
        "नवासी",
        "निन्यानवे",
    ]
    assert number_words(1999, "hi") == "एक हज़ार नौ सौ निन्यानवे"
    assert number_words(1999, "en") == "one thousand nine hundred ninety-nine"
    with pytest.raises(ValueError):
        number_words(100_000, "hi")


def test_pin_codes_are_read_digit_by_digit():
    assert digit_words("226001", "hi") == "दो दो छह शून्य शून्य एक"
    assert digit_words("560001", "en") == "five six zero zero zero one"


def test_speech_settings():
    assert (
        spoken("पोलियो-1, Penta-2, DPT booster-1, 10-12")
        == "पोलियो 1, Penta 2, DPT booster 1, 10 12"
    )
    assert pairs(" hi=Polly.Aditi , en = Polly.Raveena,") == {
        "hi": "Polly.Aditi",
        "en": "Polly.Raveena",
    }
    config = {
        "VOICE_AUDIO": {"hi.WELCOME": "https://cdn.example.org/w.mp3"},
        "VOICE_SAY_VOICES": "hi=Polly.Aditi",
        "VOICE_SAY_LANGUAGES": "hi=hi-IN",
        "VOICE_GATHER_TIMEOUT": 6,
    }
    assert Speech.from_config(config).audio == {("hi", "WELCOME"): "https://cdn.example.org/w.mp3"}
    with pytest.raises(ValueError, match=r"hi\.ASK_BIRTH_MONTH"):
        Speech.from_config({**config, "VOICE_AUDIO": "WELCOME=https://cdn.example.org/w.mp3"})
