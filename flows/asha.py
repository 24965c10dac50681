"""An ASHA's families: the SMS telling a mother who registered her child, and the ASHA's
weekly digest naming the children of her families who are due. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flows import asha_texts, digest_texts
from flows.mobiles import ending
from locales import VARIABLE_LIMIT, Text, fit_value, render, render_sms
from locales.segments import segment_count
from scheduler.vaccines import dose_text

#: The most SMS segments the families' digest may take (one SMS, one DLT template).
DIGEST_SEGMENTS = 2
_SLOTS = (
    (digest_texts.DIGEST_FAMILIES_ONE, ("first",)),
    (digest_texts.DIGEST_FAMILIES_TWO, ("first", "second")),
    (digest_texts.DIGEST_FAMILIES_THREE, ("first", "second", "third")),
)
# The vaccine a visit is known by, when it gives several (the 10-week visit is Penta-2's).
_KNOWN_BY = ("penta-", "mr-", "dpt-", "je-", "bcg", "hepb-0", "td-", "opv-", "vita-")


def mother_notice(child_name: str, worker_name: str | None, sender_phone: str) -> Text:
    """The one SMS to a mother whose child someone registered on her number: who did (the
    health worker by name, else the last digits of the phone), and how to stop."""
    if worker_name:
        by = Text(asha_texts.BY_HEALTH_WORKER, name=worker_name)
    else:
        by = Text(asha_texts.BY_PHONE, ending=ending(sender_phone))
    return Text(asha_texts.MOTHER_NOTICE, by=by, name=child_name)


@dataclass(frozen=True)
class FamilyChild:
    """A child of an ASHA's families due this week, as her digest names them."""

    name: str
    phone: str  # the mother's
    codes: Sequence[str]  # what the visit gives


def known_by(codes: Sequence[str]) -> str:
    """The dose a visit is known by."""
    for prefix in _KNOWN_BY:
        for code in codes:
            if code.startswith(prefix):
                return code
    return codes[0]


def _entry(child: FamilyChild, lang: str, limit: int = VARIABLE_LIMIT) -> str:
    """ "Priya (..4321) Penta-2": the first name, the end of the mother's number, the
    vaccine; the name cut so that the whole fits ``limit`` characters."""
    vaccine = render(dose_text(known_by(child.codes), short=True), lang)
    words = child.name.split()
    first = words[0] if words else child.name

    def entry(name: str) -> str:
        text = Text(
            digest_texts.DIGEST_CHILD, name=name, ending=ending(child.phone), vaccine=vaccine
        )
        return render(text, lang)

    room = limit - len(entry(""))
    return fit_value(entry(fit_value(first, room)) if room > 0 else entry(first), limit)


def _values(children: Sequence[FamilyChild], shown: int, lang: str) -> list[str]:
    """The values of a digest naming ``shown`` children, the last counting the others."""
    left_out = len(children) - shown
    values = [_entry(child, lang) for child in children[: shown - 1]]
    last = children[shown - 1]
    if left_out:
        more = render(Text(digest_texts.DIGEST_MORE, count=left_out), lang)
        values.append(f"{_entry(last, lang, VARIABLE_LIMIT - len(more) - 1)} {more}")
    else:
        values.append(_entry(last, lang))
    return values


def families_digest(children: Sequence[FamilyChild], lang: str) -> str:
    """The digest naming as many of ``children`` as fit one SMS of at most
    :data:`DIGEST_SEGMENTS` segments (three at most: one DLT template each), the last value
    counting the rest ("+3 more"). A Devanagari name in an English digest makes it UCS-2:
    fewer are named then."""
    if not children:
        raise ValueError("a families' digest names at least one child")
    body = ""
    for shown in range(min(len(children), len(_SLOTS)), 0, -1):
        msgid, names = _SLOTS[shown - 1]
        values = _values(children, shown, lang)
        body = render_sms(Text(msgid, **dict(zip(names, values, strict=True))), lang)
        if segment_count(body) <= DIGEST_SEGMENTS:
            return body
    return body
