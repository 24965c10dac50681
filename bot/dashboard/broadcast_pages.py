"""The dashboard's Broadcasts page: the list, a compose form (a text per language with a
live SMS segment counter; districts or blocks, languages, a group of children or pregnant
women, a vaccine, an ASHA's families; an optional time; with DLT on, the announcement
templates a text must fill), the preview before sending (recipients by language, SMS
segments, cost: what starting it now would send), and each broadcast's progress and
delivery; cancelling.

Everything is done by ``bot.broadcasts.lifecycle`` (as the JSON API and the CLI do it); a
district officer may only target, see and cancel broadcasts to their own districts and
to blocks whose PIN codes all lie in them.
"""

from __future__ import annotations

import datetime as dt

from babel.numbers import format_currency
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from bot.accounts import staff as accounts
from bot.accounts.staff import User
from bot.broadcasts import lifecycle as broadcasts
from bot.broadcasts.audience import Audience, BroadcastError, vaccine_codes
from bot.channels import bulk
from bot.dashboard.auth import current_user
from bot.dashboard.i18n import N_, _, current_language, number
from bot.services import services
from bot.storage.clients import queue
from locales import BABEL_LOCALES, DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES
from locales.segments import encoding, segment_count
from scheduler import clock
from scheduler.calendars import block_pincodes, blocks
from scheduler.campaigns import CalendarError
from scheduler.reminders import INDIA
from scheduler.vaccines import dose_name

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
# The compose form's target groups: its label, and the audience fields it sets.
GROUPS: dict[str, tuple[str, dict]] = {
    "": (N_("Everyone"), {}),
    "due": (N_("Children with a vaccine due now"), {"statuses": ["due"]}),
    "overdue": (
        N_("Children with a vaccine overdue"),
        {"statuses": ["overdue", "left_out", "drop_out"]},
    ),
    "left_out": (N_("Left-outs: no vaccine yet, one overdue"), {"statuses": ["left_out"]}),
    "drop_out": (N_("Drop-outs: started, a later dose overdue"), {"statuses": ["drop_out"]}),
    "pregnant": (N_("Pregnant women"), {"pregnant": True}),
}
STATUS_LABELS = {
    "due": N_("due now"),
    "overdue": N_("overdue"),
    "left_out": N_("left-outs"),
    "drop_out": N_("drop-outs"),
}
NO_DISTRICT = N_("Name at least one district or block.")
UNKNOWN_DISTRICT = N_("Unknown district: %(names)s")
NOT_YOURS = N_("You may only send to your districts: %(names)s")
BLOCK_NOT_YOURS = N_("Block %(name)s is not in your districts (%(names)s).")
UNKNOWN_GROUP = N_("Choose a group from the list.")
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


def _block_is_theirs(user: User, block: str) -> bool:
    """Whether every PIN code of ``block`` lies in the user's districts."""
    try:
        pins = block_pincodes(block)
    except CalendarError:
        return False
    return user.scope.allows_pincodes(pins)


def _visible(user: User, audience: dict) -> bool:
    """An officer sees broadcasts to their own districts and blocks only (never to a whole
    state, nor to PIN codes named one by one)."""
    if user.scope.everywhere:
        return True
    districts = audience.get("districts") or []
    places = audience.get("blocks") or []
    others = any(audience.get(key) for key in ("states", "pincodes"))
    return (
        bool(districts or places)
        and not others
        and all(user.scope.allows(d) for d in districts)
        and all(_block_is_theirs(user, b) for b in places)
    )


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


def _listed(text: str) -> list[str]:
    """The names typed, comma-separated, each once."""
    return list(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))


def _districts(text: str, user: User, blocks_given: bool) -> tuple[str, ...]:
    """The districts typed, checked against the user's scope; none typed, an officer's
    own, unless blocks are given."""
    names = tuple(n.upper() for n in _listed(text))
    if not names and blocks_given:
        return ()
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


def _audience(values: MultiDict, user: User) -> Audience:
    """The audience the compose form describes, checked against the user's scope."""
    places = [n.upper() for n in _listed(values.get("blocks", ""))]
    group = values.get("group", "")
    if group not in GROUPS:
        raise BroadcastError(UNKNOWN_GROUP)
    vaccine = values.get("vaccine", "").strip()
    audience = Audience.from_dict(
        {
            "districts": list(_districts(values.get("districts", ""), user, bool(places))),
            "blocks": places,
            "languages": [lang for lang in values.getlist("languages") if lang],
            "vaccines": [vaccine] if vaccine else [],
            "asha": _listed(values.get("asha", "")),
            **GROUPS[group][1],
        },
        services().config["DEFAULT_REGION"],
    )
    for block in audience.blocks:
        if not _block_is_theirs(user, block):
            raise BroadcastError(
                BLOCK_NOT_YOURS, name=block, names=", ".join(sorted(user.districts))
            )
    return audience


def rupees(amount: float) -> str:
    """An amount in rupees, grouped the Indian way: ₹1,23,456.50."""
    return format_currency(amount, "INR", locale=BABEL_LOCALES[current_language()])


def _describe(audience: dict) -> list[tuple[str, str]]:
    """The audience's filters, as (label, value) lines for a page."""
    lines = []
    for key, label in (("districts", N_("Districts")), ("blocks", N_("Blocks"))):
        if audience.get(key):
            lines.append((_(label), ", ".join(audience[key])))
    if audience.get("languages"):
        names = ", ".join(LANGUAGE_NAMES.get(c, c) for c in audience["languages"])
        lines.append((_("Languages"), names))
    if audience.get("statuses"):
        names = ", ".join(_(STATUS_LABELS.get(s, s)) for s in audience["statuses"])
        lines.append((_("Children"), names))
    if audience.get("vaccines"):
        names = ", ".join(dose_name(code, current_language()) for code in audience["vaccines"])
        lines.append((_("Vaccine due or overdue"), names))
    if audience.get("asha"):
        lines.append((_("Families of the ASHA"), ", ".join(audience["asha"])))
    if audience.get("pregnant"):
        lines.append((_("Pregnant women"), _("only")))
    return lines


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
    """The broadcasts the user may see, each with where it goes."""
    rows = broadcasts.listing(services(), lambda audience: _visible(user, audience))
    return [
        {
            **row,
            "places": ", ".join(
                [*(row["audience"].get("districts") or []), *(row["audience"].get("blocks") or [])]
            ),
        }
        for row in rows
    ]


def _compose(error: str | None = None, status: int = 200):
    user = _user()
    tika = services()
    lang = current_language()
    templates = {}
    if tika.config["DLT_ENTITY_ID"]:  # a text must fill one of these
        templates = {code: broadcasts.announcement_templates(tika, code) for code in LANGUAGES}
    page = render_template(
        "dashboard/broadcasts.html",
        broadcasts=_listing(user),
        statuses=STATUSES,
        languages=LANGUAGES,
        language_names=LANGUAGE_NAMES,
        form=request.form,
        error=error,
        default_districts="" if user.scope.everywhere else ", ".join(sorted(user.districts)),
        blocks=sorted(b for b in blocks() if _block_is_theirs(user, b)),
        groups=GROUPS,
        vaccines=[(code, dose_name(code, lang)) for code in vaccine_codes()],
        templates=templates,
        price=rupees(tika.config["SMS_PRICE_PER_SEGMENT"]),
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
        audience = _audience(form, user)
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
    preview = broadcasts.preview(tika, broadcast_id)
    return render_template(
        "dashboard/broadcast.html",
        broadcast=row,
        preview=preview,
        cost=rupees(preview["cost"]),
        audience_lines=_describe(row.audience or {}),
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
    """The preview of what the compose form describes: how many caregivers it would
    reach now, by language; with the texts (``text_hi``, ...), each one's SMS segments,
    the messages in all and their cost, as starting it now would send them."""
    tika = services()
    try:
        audience = _audience(request.args, _user())
        with tika.db.reading() as conn:
            audience.check(conn)
            counts = broadcasts.recipients(tika, conn, audience)
    except BroadcastError as problem:
        return jsonify({"error": _refusal(problem)}), 400
    found: dict = {"recipients": sum(counts.values()), "languages": counts}
    texts = {
        lang: request.args[f"text_{lang}"] for lang in LANGUAGES if f"text_{lang}" in request.args
    }
    if texts:
        costs = broadcasts.costing(tika, texts, counts)
        found.update(
            segments=costs["segments"],
            messages=costs["messages"],
            cost=costs["cost"],
            shown={
                "recipients": number(costs["recipients"]),
                "messages": number(costs["messages"]),
                "cost": rupees(costs["cost"]),
            },
        )
    return jsonify(found)


@blueprint.get("/dashboard/broadcasts/segments.json")
def segments_json() -> Response:
    """The SMS segments and encoding of a text (locales.segments), for checking the counter."""
    text = request.args.get("text", "")
    return jsonify({"segments": segment_count(text), "encoding": encoding(text)})
