"""The dashboard's Broadcasts page: the list, a compose form (a text per language with a
live SMS segment counter, districts, an optional time), the audience size before sending,
and each broadcast's progress and delivery; cancelling.

Everything is done by ``bot.broadcasts.lifecycle`` (as the JSON API and the CLI do it); a district
officer may only target, see and cancel broadcasts to their own districts.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from bot.accounts import staff as accounts
from bot.accounts.staff import User
from bot.broadcasts import lifecycle as broadcasts
from bot.broadcasts.audience import CAREGIVER, Audience, BroadcastError
from bot.channels import bulk
from bot.dashboard.auth import current_user
from bot.dashboard.i18n import N_, _, current_language
from bot.services import services
from bot.storage.clients import queue
from locales import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES
from locales.segments import encoding, segment_count
from scheduler import clock
from scheduler.reminders import INDIA

blueprint = Blueprint("broadcast_pages", __name__)

STATUSES = broadcasts.STATUS_NAMES
RECIPIENT_STATES = {
    "queued": N_("waiting"),
    "claimed": N_("being sent"),
    "sent": N_("sent"),
    "failed": N_("failed"),
    "skipped": N_("skipped (stopped meanwhile)"),
    "cancelled": N_("cancelled"),
}
DELIVERY_STATES = {
    "delivered": N_("delivered"),
    "sent": N_("sent, not yet confirmed"),
    "undelivered": N_("undelivered"),
    "failed": N_("failed"),
    "failed_dnd": N_("not delivered: the number is on DND"),
}
NO_DISTRICT = N_("Name at least one district.")
UNKNOWN_DISTRICT = N_("Unknown district: %(names)s")
NOT_YOURS = N_("You may only send to your districts: %(names)s")
BAD_TIME = N_("The time to send is not a date and time.")
SAVED = N_("Broadcast saved as a draft. Check the audience, then send it.")
QUEUED = N_("Broadcast queued: %(count)s recipients.")
SCHEDULED = N_("Broadcast scheduled for %(when)s (India time).")
LATER = N_("Broadcasts go out between %(hours)s hours (India time): it will start then.")
CANCELLED = N_("Broadcast cancelled: %(count)s messages will not be sent.")
REFUSED = N_("That cannot be done: %(reason)s")


# ---- who may see what --------------------------------------------------------------------


def _user() -> User:
    user = current_user()
    assert user is not None  # the login guard runs first
    return user


def _visible(user: User, audience: dict) -> bool:
    """An officer sees broadcasts to their own districts only (never to a whole state)."""
    if user.scope.everywhere:
        return True
    districts = audience.get("districts") or []
    others = any(audience.get(key) for key in ("states", "blocks", "pincodes"))
    return bool(districts) and not others and all(user.scope.allows(d) for d in districts)


def _broadcast(broadcast_id: int):
    """The broadcast, if this user may see it; else 404."""
    with services().db.reading() as conn:
        try:
            row = broadcasts.get(conn, broadcast_id)
        except LookupError:
            abort(404)
    if not _visible(_user(), row.audience or {}):
        abort(404)
    return row


def _districts(text: str, user: User) -> tuple[str, ...]:
    """The districts typed (comma-separated), checked against the user's scope."""
    names = tuple(dict.fromkeys(n.strip().upper() for n in text.split(",") if n.strip()))
    if not names and not user.scope.everywhere:
        names = tuple(sorted(user.districts))
    if not names:
        raise BroadcastError(NO_DISTRICT)
    unknown = [n for n in names if n not in accounts.known_districts()]
    if unknown:
        raise BroadcastError(UNKNOWN_DISTRICT, names=", ".join(unknown))
    if not all(user.scope.allows(n) for n in names):
        raise BroadcastError(NOT_YOURS, names=", ".join(sorted(user.districts)))
    return names


def _refusal(problem: BroadcastError) -> str:
    return problem.in_language(current_language())


def _send_at(text: str) -> dt.datetime | None:
    """A time typed in India time (a datetime-local input), or None for now."""
    if not text.strip():
        return None
    try:
        when = dt.datetime.fromisoformat(text.strip())
        when = when.replace(tzinfo=INDIA) if when.tzinfo is None else when
        when.astimezone(dt.UTC)  # stored in UTC: year 1 in India is not a time there
    except (ValueError, OverflowError):
        raise BroadcastError(BAD_TIME) from None
    return when


# ---- pages -------------------------------------------------------------------------------


def _listing(user: User) -> list[dict]:
    rows = broadcasts.listing(services())
    with services().db.reading() as conn:
        audiences = dict(
            conn.execute(select(broadcasts.BROADCAST.c.id, broadcasts.BROADCAST.c.audience)).all()
        )
    return [
        {**row, "districts": ", ".join((audiences.get(row["id"]) or {}).get("districts") or [])}
        for row in rows
        if _visible(user, audiences.get(row["id"]) or {})
    ]


def _compose(error: str | None = None, status: int = 200):
    user = _user()
    page = render_template(
        "dashboard/broadcasts.html",
        broadcasts=_listing(user),
        statuses=STATUSES,
        languages=LANGUAGES,
        language_names=LANGUAGE_NAMES,
        form=request.form,
        error=error,
        default_districts="" if user.scope.everywhere else ", ".join(sorted(user.districts)),
    )
    return page, status


@blueprint.get("/dashboard/broadcasts")
def index():
    return _compose()


@blueprint.post("/dashboard/broadcasts")
def create():
    """Save a draft, or save and send it (now, or at the time given)."""
    user = _user()
    form = request.form
    texts = {lang: form.get(f"text_{lang}", "") for lang in LANGUAGES}
    try:
        audience = Audience(districts=_districts(form.get("districts", ""), user))
        when = _send_at(form.get("send_at", ""))
        name = form.get("name", "").strip() or _default_name(texts)
        broadcast_id = broadcasts.create(
            services(), name, texts, audience, f"dashboard:{user.email}"
        )
    except BroadcastError as problem:
        return _compose(_refusal(problem), 400)
    if form.get("action") == "send":
        _send(broadcast_id, when)
    else:
        flash(_(SAVED))
    return redirect(url_for(".show", broadcast_id=broadcast_id))


def _default_name(texts: dict[str, str]) -> str:
    text = " ".join((texts.get("en") or texts.get(DEFAULT_LANGUAGE) or "").split())
    return text[:60] or clock.now().astimezone(INDIA).strftime("%Y-%m-%d %H:%M")


def _send(broadcast_id: int, when: dt.datetime | None) -> None:
    """Schedule it; when it is for now and within the sending hours, queue its jobs now
    (as ``flask broadcast send`` does); otherwise the sweep starts it on time."""
    tika = services()
    broadcasts.schedule(tika, broadcast_id, when)
    now = clock.now()
    if when and when > now:
        flash(_(SCHEDULED, when=when.astimezone(INDIA).strftime("%Y-%m-%d %H:%M")))
    elif not bulk.in_window(tika, now):
        flash(_(LATER, hours=tika.config["BROADCAST_HOURS"]))
    else:
        count = broadcasts.start(tika, broadcast_id, queue(tika))
        flash(_(QUEUED, count=count))


@blueprint.get("/dashboard/broadcasts/<int(max=2147483647):broadcast_id>")
def show(broadcast_id: int) -> str:
    row = _broadcast(broadcast_id)
    tika = services()
    return render_template(
        "dashboard/broadcast.html",
        broadcast=row,
        preview=broadcasts.preview(tika, broadcast_id),
        stats=_stats(broadcast_id),
        statuses=STATUSES,
        recipient_states=RECIPIENT_STATES,
        delivery_states=DELIVERY_STATES,
        language_names=LANGUAGE_NAMES,
        india=INDIA,
    )


def _stats(broadcast_id: int) -> dict:
    stats = broadcasts.stats(services(), broadcast_id)
    by_status, delivery = stats["by_status"], stats["delivery"]
    finished = sum(n for s, n in by_status.items() if s not in ("queued", "claimed"))
    return {
        **stats,
        "status_label": _(STATUSES.get(stats["status"], stats["status"])),
        "finished": finished,
        "sent": by_status.get("sent", 0),
        "failed": by_status.get("failed", 0)
        + delivery.get("undelivered", 0)
        + delivery.get("failed_dnd", 0),
        "delivered": delivery.get("delivered", 0),
    }


@blueprint.get("/dashboard/broadcasts/<int(max=2147483647):broadcast_id>/stats.json")
def stats_json(broadcast_id: int) -> Response:
    """Progress and delivery, for the page to refresh itself."""
    _broadcast(broadcast_id)
    return jsonify(_stats(broadcast_id))


@blueprint.post("/dashboard/broadcasts/<int(max=2147483647):broadcast_id>/send")
def send(broadcast_id: int) -> Response:
    _broadcast(broadcast_id)
    try:
        _send(broadcast_id, _send_at(request.form.get("send_at", "")))
    except BroadcastError as problem:
        flash(_(REFUSED, reason=_refusal(problem)))
    return redirect(url_for(".show", broadcast_id=broadcast_id))


@blueprint.post("/dashboard/broadcasts/<int(max=2147483647):broadcast_id>/cancel")
def cancel(broadcast_id: int) -> Response:
    _broadcast(broadcast_id)
    try:
        flash(_(CANCELLED, count=broadcasts.cancel(services(), broadcast_id)))
    except BroadcastError as problem:
        flash(_(REFUSED, reason=_refusal(problem)))
    return redirect(url_for(".show", broadcast_id=broadcast_id))


@blueprint.get("/dashboard/broadcasts/audience.json")
def audience_json() -> tuple[Response, int] | Response:
    """How many caregivers the districts typed would reach now, by language."""
    try:
        audience = Audience(districts=_districts(request.args.get("districts", ""), _user()))
    except BroadcastError as problem:
        return jsonify({"error": _refusal(problem)}), 400
    language = func.coalesce(CAREGIVER.c.language, DEFAULT_LANGUAGE)
    today = clock.now().astimezone(INDIA).date()
    with services().db.reading() as conn:
        counts = dict(
            conn.execute(
                select(language, func.count()).where(audience.where(today)).group_by(language)
            ).all()
        )
    return jsonify({"recipients": sum(counts.values()), "languages": counts})


@blueprint.get("/dashboard/broadcasts/segments.json")
def segments_json() -> Response:
    """The SMS segments and encoding of a text (locales.segments), for checking the counter."""
    text = request.args.get("text", "")
    return jsonify({"segments": segment_count(text), "encoding": encoding(text)})
