"""Due lists for ASHAs and ANMs: the children to expect at each session day of a period,
for a district, block or PIN codes, as CSV or as an HTML page that prints on A4.
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
from scheduler.calendars import ri_weekdays, state_holidays
from scheduler.duelist import DueEntry, due_entries, session_days_between
from scheduler.model import Schedule
from scheduler.vaccines import dose_names

CAREGIVER, CHILD, DOSE = Caregiver.__table__, Child.__table__, DoseRecord.__table__

TITLE = N_("Due list")
PERIOD = N_("%(area)s, %(start)s to %(end)s")
COLUMNS = {
    "session_day": N_("Session day"),
    "child": N_("Child"),
    "born": N_("Born"),
    "phone": N_("Phone"),
    "pincode": N_("PIN"),
    "vaccines": N_("Vaccines"),
    "status": N_("Status"),
    "left_out": N_("Left-out"),
    "drop_out": N_("Drop-out"),
}
DUE, OVERDUE, YES = N_("due"), N_("overdue"), N_("yes")
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


def rows(entries: list[DueEntry], lang: str) -> list[dict[str, str]]:
    """The due list as table rows, in ``lang``."""
    return [
        {
            "session_day": format_date(e.session_day, lang),
            "child": e.person.name,
            "born": format_date(e.person.birth_date, lang),
            "phone": e.person.phone,
            "pincode": e.person.pincode or "",
            "vaccines": dose_names(e.codes, lang, e.iu),
            "status": render(OVERDUE if e.overdue else DUE, lang),
            "left_out": render(YES, lang) if e.left_out else "",
            "drop_out": render(YES, lang) if e.drop_out else "",
        }
        for e in entries
    ]


def as_csv(entries: list[DueEntry], lang: str) -> str:
    """A CSV file (UTF-8, a header row of column names in ``lang``)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([render(title, lang) for title in COLUMNS.values()])
    for row in rows(entries, lang):
        writer.writerow(row.values())
    return out.getvalue()


def as_html(
    app: Flask, entries: list[DueEntry], area: AreaFilter, start: dt.date, end: dt.date, lang: str
) -> str:
    """A page that prints on A4: one table per session day."""
    by_day: dict[str, list[dict[str, str]]] = defaultdict(list)
    for entry, row in zip(entries, rows(entries, lang), strict=True):
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
