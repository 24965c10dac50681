"""Messages as mothers and ASHAs write them (tests/corpus/messages.yaml: romanised and
Devanagari Hindi, mixed, typos, Devanagari digits, extra words), each with the meaning a
careful reader gives it, read the way the conversation reads them: a keyword first, then
the answer to the question asked. Whatever is not understood gets a reply that says what
can be sent."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
import yaml

from flows import texts
from flows.engine import _name as read_name
from flows.engine import command_at, process
from flows.parsing import (
    InputError,
    clean,
    parse_age,
    parse_birth_date,
    parse_language,
    parse_yes_no,
)
from flows.turn import ChildInfo, Profile, State
from locales import render

CORPUS = yaml.safe_load((Path(__file__).parent / "corpus" / "messages.yaml").read_text())
# Written by another hand, without seeing the matcher or the corpus above: how well the
# matcher does on text it was never tuned on.
HELD_OUT = yaml.safe_load((Path(__file__).parent / "corpus" / "held_out.yaml").read_text())
TODAY = dt.date(2025, 3, 20)
TARGET = 0.95


def meaning(text: str, at: str) -> str | None:
    """What the conversation takes ``text`` to mean when it has asked ``at``; None when
    it cannot tell."""
    command = command_at(clean(text), None if at == "any" else at)
    if command is not None:
        return "not-a-name" if at == "name" else f"command:{command.name}"
    try:
        if at == "yes_no":
            return "yes" if parse_yes_no(text) else "no"
        if at == "language":
            return parse_language(text)
        if at == "name":
            return f"name:{read_name(text)}"
        if at == "birth_date":
            age = parse_age(text)
            if age is None:
                return parse_birth_date(text, TODAY).isoformat()
            if age.weeks:
                return f"age:{age.weeks}w"
            return f"age:{age.months + age.days // 30}m"
    except InputError:
        return "not-a-name" if at == "name" else None
    return None


def test_the_corpus_is_large_and_varied() -> None:
    assert len(CORPUS) >= 300
    kinds = Counter(item["at"] for item in CORPUS)
    assert set(kinds) == {"any", "yes_no", "birth_date", "name", "language"}
    devanagari = [i for i in CORPUS if any("\u0900" <= ch <= "\u097f" for ch in i["text"])]
    assert len(devanagari) >= 50


def test_at_least_95_percent_of_messages_are_understood(capsys) -> None:
    wrong = [
        (item["at"], item["text"], item["means"], meaning(item["text"], item["at"]))
        for item in CORPUS
        if meaning(item["text"], item["at"]) != item["means"]
    ]
    share = 1 - len(wrong) / len(CORPUS)
    with capsys.disabled():
        print(f"\ncorpus: {len(CORPUS) - len(wrong)} of {len(CORPUS)} understood ({share:.1%})")
        for at, text, means, got in wrong:
            print(f"  {at:10} {text!r}: {means}, read as {got}")
    assert share >= TARGET
    # Nothing is taken for something else where that would do harm: a stop, a delete.
    harmful = [w for w in wrong if w[3] in ("command:stop", "command:delete", "yes")]
    assert harmful == []


def test_messages_the_matcher_was_never_tuned_on_are_mostly_understood(capsys) -> None:
    wrong = [i for i in HELD_OUT if meaning(i["text"], i["at"]) != i["means"]]
    share = 1 - len(wrong) / len(HELD_OUT)
    with capsys.disabled():
        print(f"\nheld out: {len(HELD_OUT) - len(wrong)} of {len(HELD_OUT)} ({share:.1%})")
        for i in wrong:
            print(
                f"  {i['at']:10} {i['text']!r}: {i['means']}, read as {meaning(i['text'], i['at'])}"
            )
    assert len(HELD_OUT) >= 150 and share >= 0.85


@pytest.mark.parametrize(
    "item", [i for i in CORPUS + HELD_OUT if i["at"] == "any"], ids=lambda i: i["text"][:20]
)
def test_what_is_not_understood_gets_a_reply_that_says_what_can_be_sent(item) -> None:
    """Sent by a registered mother out of any conversation: a command does what it says;
    anything else is answered with the short list of what can be sent."""
    profile = Profile("en", None, False, (ChildInfo(1, "Asha", dt.date(2025, 1, 1)),))
    outcome = process(profile, State(), item["text"], TODAY)
    replies = [render(reply, "en") for reply in outcome.replies]
    if meaning(item["text"], "any") is None:
        assert replies == [render(texts.UNKNOWN, "en")]
        assert all(word in replies[0] for word in ("NEXT", "DONE", "STOP", "HELP"))
    else:
        assert render(texts.UNKNOWN, "en") not in replies
