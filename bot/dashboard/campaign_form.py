"""The dashboard's campaign form: what an officer types turned into a campaign's data
(the shape of a campaign file), each field checked with a reason in the reader's
language, and the places checked against the districts the officer is scoped to."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping

from bot.accounts import staff as accounts
from bot.accounts.staff import User
from bot.dashboard.i18n import N_, _
from locales import LANGUAGES
from scheduler.calendars import blocks

ROUND_FIELDS = 6  # start dates the form offers (IMI runs four rounds; a drive may run more)
MAX_SESSION_DAYS = 15
MAX_NOTICE_DAYS = 14
ID = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")

BAD_ID = N_("The short name uses small English letters, digits and dashes, e.g. imi-2026-lucknow.")
ID_TAKEN = N_("A campaign named %(id)s exists already: edit it instead.")
NO_NAME = N_("Give the campaign a name.")
TOO_LONG = N_("%(field)s is too long (at most %(limit)s characters).")
CONTROL = N_("%(field)s has a character that cannot be shown.")
BAD_AUDIENCE = N_("Choose who the campaign is for.")
UNKNOWN_STATE = N_("Unknown state: %(names)s.")
UNKNOWN_DISTRICT = N_("Unknown district: %(names)s. Write it as India Post does, e.g. LUCKNOW.")
UNKNOWN_BLOCK = N_("Unknown block: %(names)s. Known blocks: %(known)s.")
NO_PLACE = N_("Name the districts or blocks the campaign covers.")
NOT_YOURS = N_("You can only plan campaigns in your districts: %(names)s.")
NO_STATES = N_("A whole state is beyond your districts: name districts or blocks instead.")
NO_ROUND = N_("Give the first day of at least one round.")
BAD_DATE = N_("%(value)s is not a date.")
SAME_ROUND = N_("Two rounds start on the same day.")
BAD_NUMBER = N_("%(field)s is a whole number from %(low)s to %(high)s.")

# Field labels, as the form shows them (named in its messages).
LABELS = {
    "name": N_("Name"),
    "title": N_("Name families hear"),
    "session_days": N_("Session days per round"),
    "announce_days_before": N_("Days' notice before a round"),
}


class FormError(ValueError):
    """A campaign form that cannot be saved, and why (in the reader's language)."""

    def __init__(self, msgid: str, **values: object) -> None:
        super().__init__(_(msgid, **values))


def _names(text: str) -> list[str]:
    """Comma-separated names, upper-case as India Post writes them, each once."""
    return list(dict.fromkeys(n.strip().upper() for n in text.split(",") if n.strip()))


def _text(value: str, field: str, limit: int, required: bool = False) -> str:
    value = value.strip()
    if required and not value:
        raise FormError(NO_NAME)
    if len(value) > limit:
        raise FormError(TOO_LONG, field=_(LABELS[field]), limit=limit)
    if any(unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\u200c\u200d" for ch in value):
        raise FormError(CONTROL, field=_(LABELS[field]))
    return value


def _whole(value: str, field: str, low: int, high: int) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        number = -1
    if not low <= number <= high:
        raise FormError(BAD_NUMBER, field=_(LABELS[field]), low=low, high=high)
    return number


def _rounds(values: list[str]) -> list[str]:
    days = []
    for value in (v.strip() for v in values):
        if not value:
            continue
        try:
            days.append(dt.date.fromisoformat(value))
        except ValueError:
            raise FormError(BAD_DATE, value=value[:20]) from None
    if not days:
        raise FormError(NO_ROUND)
    if len(set(days)) != len(days):
        raise FormError(SAME_ROUND)
    return [d.isoformat() for d in sorted(days)]


def block_district(pins: frozenset[str]) -> str | None:
    """The district a block's PIN codes lie in (the first one India Post knows)."""
    return next((d for pin in sorted(pins) if (d := accounts.pincode_district(pin))), None)


def _areas(form: Mapping[str, str], user: User) -> dict:
    """The states, districts and blocks typed, checked; an officer's within their scope."""
    states, districts = _names(form.get("states", "")), _names(form.get("districts", ""))
    named_blocks = _names(form.get("blocks", ""))
    known_states = set(accounts.known_districts().values())
    if unknown := [s for s in states if s not in known_states]:
        raise FormError(UNKNOWN_STATE, names=", ".join(unknown))
    if unknown := [d for d in districts if d not in accounts.known_districts()]:
        raise FormError(UNKNOWN_DISTRICT, names=", ".join(unknown))
    if unknown := [b for b in named_blocks if b not in blocks()]:
        raise FormError(UNKNOWN_BLOCK, names=", ".join(unknown), known=", ".join(sorted(blocks())))
    if not user.scope.everywhere:
        if states:
            raise FormError(NO_STATES)
        if not (districts or named_blocks):
            raise FormError(NO_PLACE)
        if not (
            all(user.scope.allows(d) for d in districts)
            and all(user.scope.allows_pincodes(blocks()[b]) for b in named_blocks)
        ):
            raise FormError(NOT_YOURS, names=", ".join(sorted(user.districts)))
    areas: dict = {}
    if states:
        areas["states"] = states
    if districts:
        areas["districts"] = districts
    if named_blocks:
        areas["blocks"] = {name: sorted(blocks()[name]) for name in named_blocks}
    return areas


def campaign_data(form: Mapping[str, str], rounds: list[str], user: User) -> dict:
    """A campaign's data (as a campaign file holds it) from the form; FormError if a
    field is wrong. ``rounds`` are the round start dates typed."""
    campaign_id = form.get("id", "").strip()
    if not ID.fullmatch(campaign_id):
        raise FormError(BAD_ID)
    titles = {
        lang: title
        for lang in LANGUAGES
        if (title := _text(form.get(f"title_{lang}", ""), "title", 60))
    }
    audience = form.get("audience", "children")
    if audience not in ("children", "adults"):
        raise FormError(BAD_AUDIENCE)
    return {
        "id": campaign_id,
        "name": _text(form.get("name", ""), "name", 120, required=True),
        "titles": titles,
        "audience": audience,
        "rounds": _rounds(rounds),
        "session_days": _whole(form.get("session_days", ""), "session_days", 1, MAX_SESSION_DAYS),
        "include_ri_days": form.get("include_ri_days") == "on",
        "exclude_sundays": True,
        "exclude_holidays": True,
        "announce_days_before": _whole(
            form.get("announce_days_before", ""), "announce_days_before", 0, MAX_NOTICE_DAYS
        ),
        "areas": _areas(form, user),
    }


def may_change(user: User, data: dict) -> bool:
    """Whether this user may edit or retire a campaign: an admin any; an officer one whose
    places all lie in their districts."""
    if user.scope.everywhere:
        return True
    areas = data.get("areas") or {}
    if areas.get("states") or areas.get("pincodes"):
        return False
    districts, named_blocks = areas.get("districts") or [], areas.get("blocks") or {}
    return bool(districts or named_blocks) and (
        all(user.scope.allows(d) for d in districts)
        and all(user.scope.allows_pincodes(pins) for pins in named_blocks.values())
    )


def form_values(data: dict) -> dict[str, str]:
    """A stored campaign as the form's fields, to edit it."""
    areas = data.get("areas") or {}
    values = {
        "id": str(data.get("id", "")),
        "name": str(data.get("name", "")),
        "audience": str(data.get("audience", "children")),
        "session_days": str(data.get("session_days", 7)),
        "announce_days_before": str(data.get("announce_days_before", 2)),
        "include_ri_days": "on" if data.get("include_ri_days") else "",
        "states": ", ".join(areas.get("states") or []),
        "districts": ", ".join(areas.get("districts") or []),
        "blocks": ", ".join(areas.get("blocks") or {}),
    }
    for lang, title in (data.get("titles") or {}).items():
        values[f"title_{lang}"] = str(title)
    return values
