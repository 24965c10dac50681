"""Due lists for ASHAs and ANMs: the children to expect at each session day of a period,
for a district, block or PIN codes, as CSV or as an HTML page that prints on A4 (landscape).

Each line names the child, the mother and her number, where the family lives, the ASHA
who registered them, the vaccines to give, the last dose reported and how many days the
vaccines are overdue; the lines sort by any of :data:`SORTS`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import Connection, or_

from bot.storage.models.core import Caregiver, Child, DoseRecord
from bot.storage.people import people_in
from locales import N_, Text, format_date, render
from locales.places import district_name
from scheduler.calendars import ri_weekdays, state_holidays
from scheduler.duelist import DueEntry, Person, due_entries, session_days_between
from scheduler.model import Schedule
from scheduler.vaccines import dose_names

CAREGIVER, CHILD, DOSE = Caregiver.__table__, Child.__table__, DoseRecord.__table__

TITLE = N_("Due list")
PERIOD = N_("%(area)s, %(start)s to %(end)s")
COLUMNS = {  # the CSV's order: the first nine as before, then the ANM's columns
    "session_day": N_("Session day"),
    "child": N_("Child"),
    "born": N_("Born"),
    "phone": N_("Phone"),
    "pincode": N_("PIN"),
    "vaccines": N_("Vaccines"),
    "status": N_("Status"),
    "left_out": N_("Left-out"),
    "drop_out": N_("Drop-out"),
    "mother": N_("Mother"),
    "village": N_("Village / address"),
    "asha": N_("ASHA"),
    "last_visit": N_("Last visit"),
    "days_overdue": N_("Days overdue"),
}
DUE, OVERDUE, YES = N_("due"), N_("overdue"), N_("yes")
CHILD_OF = N_("Child of %(mother)s")
CHILD_BORN = N_("Child born %(date)s")
NO_VISIT = "–"  # no dose reported yet
# The columns a due list sorts by; the first is the default (by day, then name).
SORTS = ("session_day", "child", "mother", "village", "asha", "last_visit", "days_overdue")
NOBODY = N_("No child is due on a session day in this period.")
CHILDREN_DUE = N_("Children due: %(count)s")


@dataclass(frozen=True)
class AreaFilter:
    """Where a due list is for: a district, and/or PIN codes (a block is its PIN codes)."""

    district: str | None = None
    pincodes: frozenset[str] = frozenset()
    label: str = ""

    def where(self):
        conditions = []
        if self.district:
            conditions.append(CAREGIVER.c.district == self.district.upper())
        if self.pincodes:
            conditions.append(CAREGIVER.c.pincode.in_(sorted(self.pincodes)))
        if not conditions:
            raise ValueError("a due list needs a district, a block or PIN codes")
        return or_(*conditions)


def due_list(
    conn: Connection,
    area: AreaFilter,
    start: dt.date,
    end: dt.date,
    schedule: Schedule,
    ri_days: str = "",
) -> list[DueEntry]:
    """Who is due at which session day from ``start`` to ``end``, in ``area``."""
    return due_list_where(conn, area.where(), start, end, schedule, ri_days)


def due_list_where(
    conn: Connection,
    where,
    start: dt.date,
    end: dt.date,
    schedule: Schedule,
    ri_days: str = "",
) -> list[DueEntry]:
    """Who is due at which session day from ``start`` to ``end``, of the caregivers
    ``where`` selects (an area's, or the families linked to a health worker)."""
    people = people_in(conn, where)
    years = range(start.year, end.year + 1)
    days_by_state = {
        state: session_days_between(
            start, end, ri_weekdays(state, ri_days), state_holidays(state, years)
        )
        for state in {p.state for p in people}
    }
    return due_entries(people, days_by_state, schedule)


@dataclass(frozen=True)
class Sort:
    """How a due list is ordered: by one of :data:`SORTS`, ascending or descending."""

    column: str = SORTS[0]
    descending: bool = False

    @classmethod
    def parse(cls, column: str | None, order: str | None) -> Sort:
        """From ``?sort=...&order=asc|desc``; anything unknown is the default."""
        return cls(column if column in SORTS else SORTS[0], order == "desc")

    @property
    def order(self) -> str:
        return "desc" if self.descending else "asc"


def _child(person: Person, lang: str) -> str:
    """The child's name; unnamed, whose child or when born."""
    if person.name:
        return person.name
    if person.mother:
        return render(Text(CHILD_OF, mother=person.mother), lang)
    return render(Text(CHILD_BORN, date=person.birth_date), lang)


def _village(person: Person, lang: str) -> str:
    """Where the family's session is held (SITE), and their district in ``lang``."""
    district = person.district and district_name(person.state or "", person.district, lang)
    return ", ".join(filter(None, [person.site, district]))


def _asha(person: Person) -> str:
    """The name and number of the health worker who registered the family."""
    return ", ".join(filter(None, [person.asha, person.asha_phone]))


def _row(e: DueEntry, lang: str) -> dict[str, str]:
    """One entry's cells, in :data:`COLUMNS`' order."""
    return {
        "session_day": format_date(e.session_day, lang),
        "child": _child(e.person, lang),
        "born": format_date(e.person.birth_date, lang),
        "phone": e.person.phone,
        "pincode": e.person.pincode or "",
        "vaccines": dose_names(e.codes, lang, e.iu),
        "status": render(OVERDUE if e.overdue else DUE, lang),
        "left_out": render(YES, lang) if e.left_out else "",
        "drop_out": render(YES, lang) if e.drop_out else "",
        "mother": e.person.mother,
        "village": _village(e.person, lang),
        "asha": _asha(e.person),
        "last_visit": format_date(e.last_visit, lang) if e.last_visit else NO_VISIT,
        "days_overdue": str(e.days_overdue) if e.days_overdue else "",
    }


def _key(column: str, entry: DueEntry, row: dict[str, str]):
    if column == "last_visit":
        return entry.last_visit or dt.date.min
    if column == "days_overdue":
        return entry.days_overdue
    return row[column].casefold()


def sorted_rows(
    entries: list[DueEntry], lang: str, sort: Sort = Sort()
) -> list[tuple[DueEntry, dict[str, str]]]:
    """Each entry with its row in ``lang``, in ``sort``'s order (ties: by day and name)."""
    pairs = [(entry, _row(entry, lang)) for entry in entries]  # entries: by day and name
    if sort.column == SORTS[0]:
        return pairs[::-1] if sort.descending else pairs
    return sorted(pairs, key=lambda pair: _key(sort.column, *pair), reverse=sort.descending)


def rows(entries: list[DueEntry], lang: str, sort: Sort = Sort()) -> list[dict[str, str]]:
    """The due list as table rows, in ``lang``, in ``sort``'s order."""
    return [row for _entry, row in sorted_rows(entries, lang, sort)]


def as_csv(entries: list[DueEntry], lang: str, sort: Sort = Sort()) -> str:
    """A CSV file (UTF-8, a header row of column names in ``lang``)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([render(title, lang) for title in COLUMNS.values()])
    for row in rows(entries, lang, sort):
        writer.writerow(row.values())
    return out.getvalue()


def as_html(
    app: Flask,
    entries: list[DueEntry],
    area: AreaFilter,
    start: dt.date,
    end: dt.date,
    lang: str,
    sort: Sort = Sort(),
) -> str:
    """A page that prints on A4 landscape: one table per session day, each in ``sort``'s
    order (the days last first only when sorted by day, descending)."""
    pairs = sorted_rows(entries, lang, sort)
    newest_first = sort.column == SORTS[0] and sort.descending
    pairs.sort(key=lambda pair: pair[0].session_day, reverse=newest_first)  # stable
    by_day: dict[str, list[dict[str, str]]] = defaultdict(list)
    for entry, row in pairs:
        by_day[format_date(entry.session_day, lang)].append(row)
    template = app.jinja_env.get_template("duelist.html")
    return template.render(
        lang=lang,
        title=render(TITLE, lang),
        period=render(Text(PERIOD, area=area.label, start=start, end=end), lang),
        columns={key: render(title, lang) for key, title in COLUMNS.items()},
        days={
            day: (render(Text(CHILDREN_DUE, count=len(day_rows)), lang), day_rows)
            for day, day_rows in by_day.items()
        },
        nobody=render(NOBODY, lang),
    )
