"""Values cut to fit a DLT variable (30 characters) without breaking a letter, and SMS
rendered with them."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from bot.channels.dlt import Registry
from flows import texts
from flows.turn import vaccines
from locales import (
    VARIABLE_LIMIT,
    Text,
    fit_list,
    fit_value,
    graphemes,
    render,
    render_sms,
)

VIRAMA = "\u094d"
NAMES = [
    "राजलक्ष्मी कुमारी श्रीवास्तव त्रिपाठी देवी",  # 42 characters
    "श्रीमती क्षमा त्रिवेदी स्त्रीधन कृष्णमूर्ति",
    "ज़ैनब फ़ातिमा ख़ान सिद्दीक़ी क़ुरैशी",  # nuktas
    "हँसमुख चंद्रबिंदु संयुक्ताक्षर प्रद्युम्न",  # chandrabindu, stacked conjuncts
    "Rajalakshmi Kumari Srivastava Tripathi",
]


def is_mark(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Mc", "Me")


def test_graphemes_keep_a_conjunct_and_its_signs_together():
    assert graphemes("क्षत्रिय") == ["क्ष", "त्रि", "य"]
    assert graphemes("स्त्री") == ["स्त्री"]
    assert graphemes("हँसी") == ["हँ", "सी"]
    assert graphemes("ज़ैनब") == ["ज़ै", "न", "ब"]
    assert "".join(graphemes(NAMES[0])) == NAMES[0]


def test_a_long_hindi_name_is_cut_between_letters():
    name = NAMES[0]
    assert len(name) == 42
    cut = fit_value(name)
    assert cut == "राजलक्ष्मी कुमारी श्रीवास्तव"
    assert len(cut) <= VARIABLE_LIMIT and name.startswith(cut)
    assert not cut.endswith(VIRAMA) and not is_mark(name[len(cut)])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("limit", range(1, 45))
def test_a_cut_never_leaves_a_sign_without_its_letter(name, limit):
    cut = fit_value(name, limit)
    assert len(cut) <= limit and name.startswith(cut)
    if cut != name:
        rest = name[len(cut) :].lstrip()
        assert not rest or not is_mark(rest[0]), (cut, rest)  # no matra, nukta or virama cut off
        assert not cut.endswith(VIRAMA) and cut == cut.rstrip()
        kept = graphemes(cut)
        assert kept == graphemes(name)[: len(kept)]


def test_a_short_value_is_kept_and_a_cut_one_has_no_ellipsis():
    assert fit_value("Asha") == "Asha"
    assert fit_value("x" * 30) == "x" * 30
    assert fit_value("Asha Devi Kumari", 10) == "Asha Devi"  # not "Asha Devi " nor "Asha D…"
    assert fit_value("क्ष" * 12, 10) == "क्ष" * 3  # a conjunct is three characters, kept whole
    assert fit_value("कि", 1) == ""


def test_a_list_names_what_fits_then_how_many_more():
    names = ["BCG", "OPV-1", "Penta-1", "RVV-1", "fIPV-1", "PCV-1"]
    assert fit_list(names[:3]) == "BCG, OPV-1, Penta-1"
    assert fit_list(names) == "BCG, OPV-1, Penta-1, RVV-1 +2"
    assert len(fit_list(names)) <= VARIABLE_LIMIT
    assert fit_list(names, 12) == "BCG +5"
    assert fit_list(["x" * 40]) == "x" * 30
    assert fit_list(["x" * 40, "y"]) == "x" * 27 + " +1"
    assert fit_list([]) == ""
    assert fit_list(["a", "b"], sep=" / ") == "a / b"


def test_a_hindi_vaccine_list_fits_with_how_many_more():
    names = [
        render(text, "hi") for text in vaccines(["opv-1", "penta-1", "rvv-1", "fipv-1", "pcv-1"])
    ]
    joined = fit_list(names)
    assert len(", ".join(names)) > VARIABLE_LIMIT >= len(joined)
    assert joined.endswith(" +2") and joined.startswith(names[0])


def test_render_sms_fits_every_value_and_render_is_unchanged():
    five = vaccines(["opv-1", "penta-1", "rvv-1", "fipv-1", "pcv-1"])
    name = "राजलक्ष्मी कुमारी श्रीवास्तव त्रिपाठी देवी"
    text = Text(texts.NEXT_VISIT, name=name, vaccines=five, date=dt.date(2025, 3, 15))
    whole = render(text, "hi")
    assert name in whole  # render itself cuts nothing
    body = render_sms(text, "hi")
    assert body == "राजलक्ष्मी कुमारी श्रीवास्तव: अगले टीके पोलियो-1, पेंटा-1, रोटा-1 +2, 15 मार्च 2025 को।"
    match = Registry.build().match(body, "hi")
    assert match is not None and match.template.key in ("next_visit", "next_visit_session")
    assert match.variables == {
        "name": "राजलक्ष्मी कुमारी श्रीवास्तव",
        "vaccines": "पोलियो-1, पेंटा-1, रोटा-1 +2",
        "date": "15 मार्च 2025",
    }
    assert all(len(value) <= VARIABLE_LIMIT for value in match.variables.values())
    # short values: the same as render
    short = Text(texts.NEXT_VISIT, name="आशा", vaccines=five[:2], date=dt.date(2025, 3, 15))
    assert render_sms(short, "hi") == render(short, "hi")


def test_render_sms_fits_nested_texts_and_plain_msgids():
    slot = Text(texts.SLOT_SET, slot=Text(texts.SLOT_NAMES["morning"]))
    assert render_sms(slot, "en") == render(slot, "en")
    assert render_sms(texts.HELP, "hi") == render(texts.HELP, "hi")
