"""Reminder messages: one SMS per child and day, each one registered template (the
prefix, the child's sentence and, but for an advance reminder, "Send DONE when given":
``flows.sms_templates``).

Each text is a gettext msgid with named values. Siblings whose reminders fall on the
same day get an SMS each (:func:`by_message`). Where the state's routine-
immunisation weekdays are known, a reminder names the first session day on or after
the due date; a campaign announcement names the round's session days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import groupby

from flows.turn import vaccines
from locales import (
    N_,
    VARIABLE_LIMIT,
    DateAs,
    Text,
    fit_variable,
    format_date,
    format_day,
    render_sms,
)
from scheduler import pregnancy as pregnancy_dates
from scheduler.calendars import next_ri_session

PREFIX = N_("Tika reminder:")
ADVANCE = N_("%(name)s's vaccines %(vaccines)s are due on %(date)s.")
DUE = N_("%(name)s's vaccines %(vaccines)s are due today.")
OVERDUE = N_("%(name)s's vaccines %(vaccines)s were due on %(date)s; please go soon.")
AT_SESSION = N_("%(name)s's vaccines %(vaccines)s: the vaccination session is on %(session)s.")
SESSION_TODAY = N_("%(name)s's vaccines %(vaccines)s: the vaccination session is today.")
# Where the family's session site is known (SITE): the same, naming it.
ADVANCE_SITE = N_("%(name)s's vaccines %(vaccines)s are due on %(date)s at %(site)s.")
DUE_SITE = N_("%(name)s's vaccines %(vaccines)s are due today at %(site)s.")
OVERDUE_SITE = N_(
    "%(name)s's vaccines %(vaccines)s were due on %(date)s; please go to %(site)s soon."
)
AT_SESSION_SITE = N_(
    "%(name)s's vaccines %(vaccines)s: the vaccination session is on %(session)s at %(site)s."
)
SESSION_TODAY_SITE = N_(
    "%(name)s's vaccines %(vaccines)s: the vaccination session is today at %(site)s."
)
# A pregnancy's Td still missing at 36 weeks (scheduler.pregnancy.LATE_CALL).
STILL_DUE = N_("%(name)s's vaccines %(vaccines)s are still due: please get them now.")
# Near a pregnancy's expected date (scheduler.pregnancy): is the baby born?
BIRTH_CHECK = N_("%(name)s, has your baby been born? Send BORN and the date, e.g. BORN 15/3.")
SEND_DONE = N_("Send DONE when given.")
CAMPAIGN_DAYS = N_("%(campaign)s, vaccination days in your area: %(days)s.")
CAMPAIGN_CHILD = N_("%(name)s's pending vaccines: %(vaccines)s.")
CAMPAIGN_KINDS = ("campaign-before", "campaign-start")


@dataclass(frozen=True)
class ChildReminder:
    """What one child's reminder says."""

    kind: str  # "advance", "due", "overdue-<n>", or a campaign's
    name: str
    codes: tuple[str, ...]
    visit_date: dt.date
    session_day: dt.date | None = None  # the RI session day to go to, where known
    today: dt.date | None = None  # the day the reminder is sent
    campaign: str = ""  # a campaign announcement: the campaign's name in the message language
    campaign_days: tuple[dt.date, ...] = ()
    site: str = ""  # the family's session site ("Anganwadi Rampur"), where known


@dataclass
class PlannedReminder:
    """A reminder as the database holds it, to be worded."""

    kind: str
    visit_date: dt.date
    codes: tuple[str, ...]
    detail: dict | None  # a campaign announcement's names and session days
    child_id: int
    child_name: str
    schedule: str = "uip"  # the person's schedule: adults' COVID-19 doses are not at RI sessions


CHAIN_ORDER = ("advance", "due", "overdue-1", "overdue-2", "overdue-3")


def latest_per_visit(planned: list[PlannedReminder]) -> list[PlannedReminder]:
    """Per child and visit, its latest reminder of the chain (a late "advance" gives way to
    its "due"); a campaign announcement stands apart from the visit reminders."""
    latest: dict[tuple[int, dt.date, bool], PlannedReminder] = {}
    for row in planned:
        key = (row.child_id, row.visit_date, row.kind in CAMPAIGN_KINDS)
        if key not in latest or _rank(row.kind) > _rank(latest[key].kind):
            latest[key] = row
    return list(latest.values())


def by_message(planned: list[PlannedReminder]) -> list[list[PlannedReminder]]:
    """One caregiver's reminders of a day, in the SMS they go as: one per child and visit,
    or per child and announcement. A visit whose vaccines a campaign announcement of the
    same child names goes with that announcement (it stands for the visit reminder)."""
    announced: dict[tuple[int, str], tuple] = {}
    for row in planned:
        if row.kind in CAMPAIGN_KINDS:
            for code in row.codes:
                announced.setdefault((row.child_id, code), _key(row))
    parts: dict[tuple, list[PlannedReminder]] = {}
    latest = {_key(row): row for row in latest_per_visit(planned)}
    for row in planned:
        key = _key(row)
        head = latest.get(key, row)
        if (
            row.kind not in CAMPAIGN_KINDS
            and head.codes
            and all((head.child_id, code) in announced for code in head.codes)
        ):
            key = announced[(head.child_id, head.codes[0])] if head.codes else key
        parts.setdefault(key, []).append(row)
    return list(parts.values())


def _key(row: PlannedReminder) -> tuple:
    """A visit of a child, or one campaign's announcement to a child."""
    if row.kind in CAMPAIGN_KINDS:
        return (row.child_id, row.visit_date, (row.detail or {}).get("name", ""))
    return (row.child_id, row.visit_date, None)


def child_reminders(
    planned: list[PlannedReminder],
    lang: str,
    state: str | None,
    today: dt.date,
    ri_days: str,
    site: str = "",
) -> list[ChildReminder]:
    """What each child's reminder says, in ``lang``: a visit reminder names the RI session
    day where the state's RI weekdays are known, and the family's session ``site`` where
    known; an announcement names the round's days, and stands for a visit reminder of the
    same day whose vaccines it names."""
    items = []
    latest = latest_per_visit(planned)
    announced = {
        (row.child_id, code) for row in latest if row.kind in CAMPAIGN_KINDS for code in row.codes
    }
    for row in latest:
        if (
            row.kind not in CAMPAIGN_KINDS
            and row.codes
            and all((row.child_id, c) in announced for c in row.codes)
        ):
            continue  # the day's announcement already names these vaccines
        if row.kind in CAMPAIGN_KINDS:
            detail = row.detail or {}
            title = (detail.get("titles") or {}).get(lang) or detail.get("name", "")
            days = tuple(dt.date.fromisoformat(day) for day in detail.get("days", ()))
            items.append(
                ChildReminder(
                    row.kind,
                    row.child_name,
                    row.codes,
                    row.visit_date,
                    campaign=title,
                    campaign_days=days,
                )
            )
            continue
        session = None
        if not row.schedule.startswith("covid-"):
            session = next_ri_session(state, max(row.visit_date, today), ri_days)
        items.append(
            ChildReminder(
                row.kind,
                row.child_name,
                row.codes,
                row.visit_date,
                session_day=session,
                today=today,
                site=site if not row.schedule.startswith("covid-") else "",
            )
        )
    return items


def is_birth_check(kind: str) -> bool:
    """A question whether a pregnancy's baby is born (no vaccines in it)."""
    return kind.startswith(f"{pregnancy_dates.BIRTH_CHECK}-")


def _rank(kind: str) -> int:
    return CHAIN_ORDER.index(kind) if kind in CHAIN_ORDER else len(CHAIN_ORDER)


def sentence(item: ChildReminder, lang: str) -> Text:
    """One child's part of a visit reminder: its first vaccines by name, the rest counted
    ("OPV-1, Penta-1 +3"), so that a Hindi reminder keeps to one SMS segment."""
    # In Hindi at most "पोलियो-1, पेंटा-1 +3": a UCS-2 SMS is 70 characters; an English one
    # has room for the DLT variable's 30.
    if is_birth_check(item.kind):
        return Text(BIRTH_CHECK, name=item.name)
    limit = 18 if lang == "hi" else VARIABLE_LIMIT
    names = fit_variable(vaccines(item.codes), lang, limit)
    values = {"name": item.name, "vaccines": names}
    if item.kind == pregnancy_dates.LATE_CALL_KIND:
        return Text(STILL_DUE, **values)
    if item.site:
        values["site"] = item.site
    if item.session_day is not None and item.session_day == item.today:
        return Text(SESSION_TODAY_SITE if item.site else SESSION_TODAY, **values)
    if item.session_day is not None:
        session = format_day(item.session_day, lang)
        return Text(AT_SESSION_SITE if item.site else AT_SESSION, **values, session=session)
    if item.site:
        template = {"advance": ADVANCE_SITE, "due": DUE_SITE}.get(item.kind, OVERDUE_SITE)
    else:
        template = {"advance": ADVANCE, "due": DUE}.get(item.kind, OVERDUE)
    date = DateAs(item.visit_date, "d MMMM")  # "27 सितंबर": no year, a reminder's day is near
    return Text(template, **values, date=date)


def format_days(days: tuple[dt.date, ...], lang: str) -> str:
    """Session days compactly: "2, 3, 5, 6 December", or across months "30 December, 2
    January"; when longer than an SMS variable may be, the first and last: "30 December -
    8 January"."""
    parts = []
    for _, same_month in groupby(days, key=lambda d: (d.year, d.month)):
        month = list(same_month)
        numbers = [str(d.day) for d in month[:-1]]
        parts.append(", ".join([*numbers, format_date(month[-1], lang, "d MMMM")]))
    listed = ", ".join(parts)
    if len(listed) <= VARIABLE_LIMIT or len(days) < 2:
        return listed
    first, last = (format_date(day, lang, "d MMMM") for day in (days[0], days[-1]))
    return f"{first} - {last}"  # a hyphen: GSM-7, as an English template is registered


def text_language(names: list[str], lang: str) -> str:
    """The language to word a reminder in: ``lang``, except that an English text naming a
    child or a place in Devanagari ("आशा") goes in Hindi. One Devanagari letter bills the whole SMS
    as UCS-2 (70 characters a segment, not 160), and the English text is the longer:
    in English it would cost two or three segments, in Hindi one."""
    if lang != "hi" and any(any("\u0900" <= ch <= "\u097f" for ch in n) for n in names):
        return "hi"
    return lang


def reminder_message(items: list[ChildReminder], lang: str) -> str:
    """The message for one caregiver: every child's reminder of the day, in ``lang`` (or
    in Hindi for a child or a session site named in Devanagari: :func:`text_language`)."""
    lang = text_language([value for item in items for value in (item.name, item.site)], lang)
    parts = [render_sms(PREFIX, lang)]
    campaigns = [item for item in items if item.kind in CAMPAIGN_KINDS]
    visits = [item for item in items if item.kind not in CAMPAIGN_KINDS]
    for _, announced in groupby(campaigns, key=lambda i: (i.campaign, i.campaign_days)):
        announced = list(announced)
        days = format_days(announced[0].campaign_days, lang)
        parts.append(
            render_sms(Text(CAMPAIGN_DAYS, campaign=announced[0].campaign, days=days), lang)
        )
        parts += [
            render_sms(Text(CAMPAIGN_CHILD, name=i.name, vaccines=vaccines(i.codes)), lang)
            for i in announced
        ]
    parts += [render_sms(sentence(item, lang), lang) for item in visits]
    if any(item.kind != "advance" and not is_birth_check(item.kind) for item in items):
        parts.append(render_sms(SEND_DONE, lang))
    return " ".join(parts)
