"""The dashboard's Due lists page: pick a district (an officer: one of theirs) and a
week, see who is due at each session day, sort by a column (``?sort=...&order=asc|desc``),
download it as CSV, or print it on A4; the download and the print keep the sort.

The lists are ``bot.duelists.lists`` (as ``flask --app bot duelist`` makes them), in the
dashboard's language.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, current_app, render_template, request
from sqlalchemy import select

from bot.accounts import staff as accounts
from bot.accounts.staff import User
from bot.dashboard.auth import current_user
from bot.dashboard.i18n import N_, _, current_language
from bot.duelists.lists import (
    COLUMNS,
    SORTS,
    AreaFilter,
    Sort,
    as_csv,
    as_html,
    due_list,
    rows,
)
from bot.services import services
from bot.storage.models.core import Caregiver
from scheduler import clock
from scheduler.reminders import INDIA

blueprint = Blueprint("duelist_pages", __name__)

CAREGIVER = Caregiver.__table__
BAD_WEEK = N_("Pick a week.")
NOT_YOURS = N_("You may only see the due lists of your districts.")
UNKNOWN = N_("Unknown district: %(names)s")


def _user() -> User:
    user = current_user()
    assert user is not None
    return user


def _districts(user: User) -> list[str]:
    """The districts to pick from: an officer's own; for an admin, those with families."""
    if not user.scope.everywhere:
        return sorted(user.districts)
    with services().db.reading() as conn:
        return sorted(
            conn.scalars(
                select(CAREGIVER.c.district).where(CAREGIVER.c.district.is_not(None)).distinct()
            )
        )


def _week(text: str) -> tuple[dt.date, dt.date]:
    """An ISO week ("2025-W10", as an <input type=week> gives) or a day in it: Monday
    to Sunday."""
    text = text.strip()
    try:
        if "-W" in text:
            year, week = text.split("-W")
            monday = dt.date.fromisocalendar(int(year), int(week), 1)
        else:
            day = dt.date.fromisoformat(text)
            monday = day - dt.timedelta(days=day.weekday())
    except ValueError:
        raise ValueError(_(BAD_WEEK)) from None
    return monday, monday + dt.timedelta(days=6)


def _this_week() -> str:
    year, week, _day = clock.now().astimezone(INDIA).date().isocalendar()
    return f"{year}-W{week:02d}"


def _request(user: User):
    """The district and week asked for, checked; aborts 403 for another's district."""
    district = request.args.get("district", "").strip().upper()
    week = request.args.get("week", "") or _this_week()
    if district and not user.scope.allows(district):
        abort(403, _(NOT_YOURS))
    if district and district not in accounts.known_districts():
        raise ValueError(_(UNKNOWN, names=district))
    start, end = _week(week)
    return district, week, start, end


def _sort() -> Sort:
    """The sort asked for (the default for anything unknown)."""
    return Sort.parse(request.args.get("sort"), request.args.get("order"))


def _entries(district: str, start: dt.date, end: dt.date):
    tika = services()
    area = AreaFilter(district=district, label=district)
    with tika.db.reading() as conn:
        return area, due_list(conn, area, start, end, tika.schedule, tika.config["RI_DAYS"])


@blueprint.get("/dashboard/duelists")
def index():
    user = _user()
    error, entries, table, status = None, None, [], 200
    district, week = request.args.get("district", ""), request.args.get("week", "")
    start = end = None
    try:
        district, week, start, end = _request(user)
        if district:
            _area, entries = _entries(district, start, end)
            table = rows(entries, current_language(), _sort())
    except ValueError as problem:
        error, status = str(problem), 400
    if not district and not user.scope.everywhere and len(user.districts) == 1:
        district = user.districts[0]
    page = render_template(
        "dashboard/duelists.html",
        districts=_districts(user),
        district=district,
        week=week or _this_week(),
        start=start,
        end=end,
        entries=entries,
        rows=table,
        columns={key: _(title) for key, title in COLUMNS.items()},
        sort=_sort(),
        sorts=SORTS,
        error=error,
    )
    return page, status


def _chosen() -> tuple[str, dt.date, dt.date]:
    """The district and week asked for; 400 when either is not a usable one."""
    try:
        district, _week_text, start, end = _request(_user())
    except ValueError as problem:
        abort(400, str(problem))
    if not district:
        abort(400, _(UNKNOWN, names="–"))
    return district, start, end


@blueprint.get("/dashboard/duelists.csv")
def download() -> Response:
    district, start, end = _chosen()
    _area, entries = _entries(district, start, end)
    name = f"due-list-{district.lower().replace(' ', '-')}-{start.isoformat()}.csv"
    return Response(
        "\ufeff" + as_csv(entries, current_language(), _sort()),  # a BOM: spreadsheets read UTF-8
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@blueprint.get("/dashboard/duelists/print")
def printable() -> Response:
    district, start, end = _chosen()
    area, entries = _entries(district, start, end)
    page = as_html(current_app, entries, area, start, end, current_language(), _sort())
    return Response(page, mimetype="text/html")
