"""Who a broadcast goes to: an :class:`Audience` of places, languages, ages, children by
where they stand today (left-outs, drop-outs, due or overdue, for a vaccine), the
families of an ASHA and pregnant women, checked field by field with a reason in the
reader's language (:class:`BroadcastError`), and turned into the SQL condition on
caregivers (:meth:`Audience.where`)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, fields

from sqlalchemy import Connection, and_, bindparam, func, or_, select

from bot.broadcasts import targets
from bot.channels.twilio_sms import normalise_phone
from bot.storage.models.campaigns import HealthWorker
from bot.storage.models.core import Caregiver, Child, Reminder
from locales import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES, N_, Text, render
from scheduler import CHILDREN_SCHEDULES, Schedule, load_schedule
from scheduler.calendars import block_pincodes, blocks
from scheduler.campaigns import CalendarError

CAREGIVER, CHILD, REMINDER = Caregiver.__table__, Child.__table__, Reminder.__table__
WORKER = HealthWorker.__table__
OVERDUE_KINDS = ("overdue-1", "overdue-2", "overdue-3", "next")
MAX_AGE_MONTHS = 240
UNKNOWN_FIELDS = N_("Unknown audience field: %(fields)s")
LANGUAGES_ALLOWED = N_("The languages can only be: %(languages)s")
NOT_A_LIST = N_("%(field)s is a list of names or numbers.")
CONTROL_CHARACTER = N_("%(field)s has a control character in it, which cannot be sent.")
NOT_TRUE_OR_FALSE = N_("%(field)s can only be true or false.")
BAD_AGES = N_("age_months is [from, to] in whole months up to %(limit)s, from no more than to.")
UNKNOWN_BLOCK = N_("Unknown block: %(name)s. Known blocks: %(known)s")
# Where a child stands today (scheduler.standing), as an audience may ask for them.
STATUSES = ("left_out", "drop_out", "overdue", "due")
STATUSES_ALLOWED = N_("The statuses can only be: %(statuses)s")
UNKNOWN_VACCINE = N_("Unknown vaccine: %(codes)s. Known vaccines: %(known)s")
NOT_A_PHONE = N_("Not a mobile number: %(number)s")
UNKNOWN_ASHA = N_("No ASHA has the number %(number)s.")


class BroadcastError(ValueError):
    """A broadcast request that cannot be carried out, saying why in any shipped language.

    ``str()`` is the English text (the CLI's and the API's default); a page shows
    :meth:`in_language` in its reader's language.
    """

    def __init__(self, msgid: str, **values: object) -> None:
        self.text = Text(msgid, **values)
        super().__init__(render(self.text, "en"))

    def in_language(self, lang: str) -> str:
        return render(self.text, lang)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _values(data: dict, key: str) -> tuple[str, ...]:
    """An audience field's values as texts: a list of names or whole numbers, or nothing."""
    values = data.get(key)
    if values is None:
        return ()
    if not isinstance(values, list | tuple) or not all(
        isinstance(v, str) or _is_int(v) for v in values
    ):
        raise BroadcastError(NOT_A_LIST, field=key)
    return tuple(printable(str(v), key) for v in values)


def printable(text: str, field: str) -> str:
    """``text``, refused if it holds a control character other than a line break or tab."""
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in text):
        raise BroadcastError(CONTROL_CHARACTER, field=field)
    return text


def language_names(codes: Iterable[str]) -> str:
    return ", ".join(f"{LANGUAGE_NAMES.get(c, c)} ({c})" for c in codes)


def vaccine_codes() -> tuple[str, ...]:
    """The dose codes an audience may name: the UIP schedule's."""
    return load_schedule("uip").codes


def _flag(data: dict, key: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise BroadcastError(NOT_TRUE_OR_FALSE, field=key)
    return value


def _phones(data: dict, region: str) -> tuple[str, ...]:
    numbers = []
    for raw in _values(data, "asha"):
        number = normalise_phone(raw.strip(), region)
        if number is None:
            raise BroadcastError(NOT_A_PHONE, number=raw.strip())
        numbers.append(number)
    return tuple(dict.fromkeys(numbers))


@dataclass(frozen=True)
class Audience:
    """Who a broadcast goes to. Places are alternatives (any of them); the other filters
    all apply. Opted-out and unreachable caregivers are never included."""

    states: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    blocks: tuple[str, ...] = ()
    pincodes: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    age_months: tuple[int, int] | None = None  # a child aged from .. to .. months
    overdue: bool = False  # a child whose visit has passed with no vaccine reported
    statuses: tuple[str, ...] = ()  # a child standing so today (STATUSES)
    vaccines: tuple[str, ...] = ()  # a child with one of these doses due or overdue today
    asha: tuple[str, ...] = ()  # families registered by the ASHA of one of these phones
    pregnant: bool = False  # a woman whose pregnancy is registered and ongoing

    @classmethod
    def from_dict(cls, data: dict, region: str = "IN") -> Audience:
        """An audience from its JSON form, every field checked (``region``: of the ASHA
        phone numbers written without a country code)."""
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise BroadcastError(UNKNOWN_FIELDS, fields=", ".join(sorted(unknown)))
        names = lambda key: tuple(v.strip().upper() for v in _values(data, key))  # noqa: E731
        languages = _values(data, "languages")
        if set(languages) - set(LANGUAGES):
            raise BroadcastError(LANGUAGES_ALLOWED, languages=language_names(LANGUAGES))
        ages = data.get("age_months")
        if ages is not None:
            whole = isinstance(ages, list | tuple) and all(_is_int(a) for a in ages)
            if not (whole and len(ages) == 2 and 0 <= ages[0] <= ages[1] <= MAX_AGE_MONTHS):
                raise BroadcastError(BAD_AGES, limit=MAX_AGE_MONTHS)
            ages = (ages[0], ages[1])
        statuses = tuple(dict.fromkeys(v.strip().lower() for v in _values(data, "statuses")))
        if set(statuses) - set(STATUSES):
            raise BroadcastError(STATUSES_ALLOWED, statuses=", ".join(STATUSES))
        vaccines = tuple(dict.fromkeys(v.strip().lower() for v in _values(data, "vaccines")))
        if strange := [v for v in vaccines if v not in vaccine_codes()]:
            known = ", ".join(vaccine_codes())
            raise BroadcastError(UNKNOWN_VACCINE, codes=", ".join(strange), known=known)
        audience = cls(
            names("states"),
            names("districts"),
            names("blocks"),
            _values(data, "pincodes"),
            languages,
            ages,
            _flag(data, "overdue"),
            statuses,
            vaccines,
            _phones(data, region),
            _flag(data, "pregnant"),
        )
        audience.pins()  # unknown blocks are an error now, not when sending
        return audience

    def to_dict(self) -> dict:
        return {
            "states": list(self.states),
            "districts": list(self.districts),
            "blocks": list(self.blocks),
            "pincodes": list(self.pincodes),
            "languages": list(self.languages),
            "age_months": list(self.age_months) if self.age_months else None,
            "overdue": self.overdue,
            "statuses": list(self.statuses),
            "vaccines": list(self.vaccines),
            "asha": list(self.asha),
            "pregnant": self.pregnant,
        }

    def pins(self) -> set[str]:
        pins = set(self.pincodes)
        for block in self.blocks:
            try:
                pins |= block_pincodes(block)
            except CalendarError:
                known = ", ".join(sorted(blocks())) or "–"
                raise BroadcastError(UNKNOWN_BLOCK, name=block, known=known) from None
        return pins

    def check(self, conn: Connection) -> None:
        """Refuse what only the database can tell is wrong: an ASHA it does not know (a
        health worker, or someone who registered families for their mothers)."""
        known = set(conn.scalars(select(CAREGIVER.c.phone).where(_ashas(self.asha))))
        for number in self.asha:
            if number not in known:
                raise BroadcastError(UNKNOWN_ASHA, number=number)

    def where(self, conn: Connection, today: dt.date, schedule: Schedule):
        """The SQL condition on caregivers, today. Where children stand is worked out by
        the schedule (the deployment's ``schedule``) on ``conn``, when asked for."""
        condition = self._where(today)
        chosen: set[int] | None = None
        if self.statuses or self.vaccines:
            chosen = targets.by_standing(
                conn, condition, today, schedule, frozenset(self.statuses), frozenset(self.vaccines)
            )
        if self.pregnant:
            women = targets.pregnant(conn, condition, today)
            chosen = women if chosen is None else chosen & women
        if chosen is None:
            return condition
        ids = bindparam("chosen", sorted(chosen), expanding=True, literal_execute=True)
        return and_(condition, CAREGIVER.c.id.in_(ids))

    def _where(self, today: dt.date):
        """The part of the condition SQL says by itself."""
        conditions = [
            CAREGIVER.c.opted_out.is_(False),
            CAREGIVER.c.unreachable.is_(False),
            CAREGIVER.c.consent_at.is_not(None),  # a broadcast rests on her consent
            CAREGIVER.c.simulated.is_(False),  # the dashboard's phone simulator
        ]
        places = []
        if self.states:
            places.append(CAREGIVER.c.state.in_(self.states))
        if self.districts:
            places.append(CAREGIVER.c.district.in_(self.districts))
        if pins := self.pins():
            places.append(CAREGIVER.c.pincode.in_(sorted(pins)))
        if places:
            conditions.append(or_(*places))
        if self.languages:
            conditions.append(
                func.coalesce(CAREGIVER.c.language, DEFAULT_LANGUAGE).in_(self.languages)
            )
        if self.age_months:
            # Aged from .. to .. completed months: born on or before today less the first,
            # and after today less one month more than the second.
            youngest, oldest = self.age_months
            conditions.append(
                select(CHILD.c.id)
                .where(
                    CHILD.c.caregiver_id == CAREGIVER.c.id,
                    CHILD.c.schedule.in_(CHILDREN_SCHEDULES),
                    CHILD.c.birth_date <= _months_before(today, youngest),
                    CHILD.c.birth_date > _months_before(today, oldest + 1),
                )
                .exists()
            )
        if self.overdue:
            conditions.append(
                select(REMINDER.c.id)
                .where(
                    REMINDER.c.caregiver_id == CAREGIVER.c.id,
                    REMINDER.c.status.in_(("planned", "claimed")),
                    REMINDER.c.kind.in_(OVERDUE_KINDS),
                    REMINDER.c.visit_date < today,
                )
                .exists()
            )
        if self.asha:
            ashas = select(CAREGIVER.c.id).where(_ashas(self.asha)).correlate(None)
            conditions.append(CAREGIVER.c.registered_by_id.in_(ashas))
        return and_(*conditions)


def _ashas(phones: Iterable[str]):
    """Caregivers (rows) of these phones who are ASHAs: health workers, or who registered
    families for their mothers."""
    registered = select(CAREGIVER.c.registered_by_id).where(
        CAREGIVER.c.registered_by_id.is_not(None)
    )
    return and_(
        CAREGIVER.c.phone.in_(sorted(phones)),
        or_(
            CAREGIVER.c.id.in_(select(WORKER.c.caregiver_id)),
            CAREGIVER.c.id.in_(registered.correlate(None)),
        ),
    )


def _months_before(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")
