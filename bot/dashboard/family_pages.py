"""The dashboard's Families page: find a family by the mobile number it registered with
(an officer: only in their districts), see its children and the schedule they follow, and
change it (UIP, IAP or WHO) for a family whose doctor follows another schedule: the same
as the family sending ``SCHEDULE IAP``, its reminders re-planned at once.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import select

from bot.accounts.staff import User
from bot.dashboard.auth import current_user
from bot.dashboard.i18n import N_, _
from bot.services import services
from bot.storage import store
from bot.storage.models.core import Caregiver, Child
from flows.mobiles import parse_mobile
from flows.parsing import InputError
from scheduler import CHILDREN_SCHEDULES, clock

blueprint = Blueprint("family_pages", __name__)

CAREGIVER, CHILD = Caregiver.__table__, Child.__table__
SCHEDULE_LABELS = {
    "uip": N_("UIP (government)"),
    "iap": N_("IAP (Indian Academy of Pediatrics)"),
    "who": N_("WHO"),
    "uip-pregnancy": N_("Pregnancy (Td)"),
}
BAD_NUMBER = N_("Please enter a 10-digit mobile number.")
NOT_FOUND = N_("No family is registered with this number.")
NOT_YOURS = N_("This family is not in your districts.")
SAVED = N_("Saved: the children now follow the %(schedule)s schedule.")


def _user() -> User:
    user = current_user()
    assert user is not None
    return user


def _family(phone_text: str) -> tuple[dict | None, list[dict], str | None]:
    """The family of a number, its people, and what is wrong (in the page's language);
    403 for a family outside the officer's districts."""
    try:
        phone = parse_mobile(phone_text)
    except InputError:
        return None, [], _(BAD_NUMBER)
    with services().db.reading() as conn:
        found = conn.execute(
            select(CAREGIVER.c.id, CAREGIVER.c.phone, CAREGIVER.c.district).where(
                CAREGIVER.c.phone == phone, CAREGIVER.c.simulated.is_(False)
            )
        ).first()
        if found is None:
            return None, [], _(NOT_FOUND)
        user = _user()
        if not user.scope.everywhere and not (found.district and user.scope.allows(found.district)):
            abort(403, _(NOT_YOURS))
        people = conn.execute(
            select(CHILD.c.name, CHILD.c.birth_date, CHILD.c.schedule)
            .where(CHILD.c.caregiver_id == found.id)
            .order_by(CHILD.c.id)
        ).all()
    family = {"id": found.id, "phone": phone, "district": found.district or "–"}
    listed = [
        {
            "name": person.name,
            "born": person.birth_date,
            "schedule": _(SCHEDULE_LABELS.get(person.schedule, person.schedule)),
            "child": person.schedule in CHILDREN_SCHEDULES,
        }
        for person in people
    ]
    return family, listed, None


def _current(people_schedules: list[str]) -> str:
    return next((s for s in people_schedules if s in CHILDREN_SCHEDULES), "uip")


@blueprint.get("/dashboard/families")
def index():
    phone_text = request.args.get("phone", "").strip()
    family, people, error, current = None, [], None, "uip"
    if phone_text:
        family, people, error = _family(phone_text)
        if family is not None:
            with services().db.reading() as conn:
                schedules = list(
                    conn.scalars(
                        select(CHILD.c.schedule).where(CHILD.c.caregiver_id == family["id"])
                    )
                )
            current = _current(schedules)
    page = render_template(
        "dashboard/families.html",
        phone=phone_text,
        family=family,
        people=people,
        current=current,
        choices=[(name, _(SCHEDULE_LABELS[name])) for name in CHILDREN_SCHEDULES],
        saved=request.args.get("saved"),
        error=error,
    )
    return page, 400 if error and error != _(NOT_FOUND) else 200


@blueprint.post("/dashboard/families/schedule")
def set_schedule():
    phone_text = request.form.get("phone", "")
    schedule = request.form.get("schedule", "")
    if schedule not in CHILDREN_SCHEDULES:
        abort(400)
    family, _people, error = _family(phone_text)
    if family is None:
        abort(400, error)
    tika = services()
    with tika.db.writing() as conn:
        store.set_schedule(conn, tika.planner, family["id"], schedule, clock.now())
    label = _(SCHEDULE_LABELS[schedule])
    return redirect(
        url_for("family_pages.index", phone=phone_text, saved=_(SAVED, schedule=label)),
        code=303,
    )
