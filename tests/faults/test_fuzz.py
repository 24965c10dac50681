"""10,000 random and hostile requests across every webhook (SMS, delivery reports, voice,
missed calls) and the dashboard's and API's parameters, signed and forged, replayed and
malformed: not one is answered 500, and every inbound SMS that can be recorded is
recorded exactly once (in the inbox and in the message log). The real app and database,
in process; a fixed seed, so that a failure can be replayed."""

from __future__ import annotations

import random
import re
import string
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from bot.channels.twilio_sms import normalise_phone
from bot.services import services
from bot.storage.models.core import MessageLog
from bot.storage.models.inbox import InboxMessage
from scheduler import clock
from tests.conftest import AUTH_TOKEN
from tests.dashboard_support import sign_in
from tests.support import sign

REQUESTS = 10_000
# What a provider's message id can be (Twilio's: "SM" and 32 hex digits); a request with
# anything else did not come from a provider and is refused with a 400.
PROVIDER_ID = re.compile(r"[!-~]{1,64}")
SEED = 20261203
BASE = "https://tika.example.org"

HOSTILE = [
    "",
    "\x00",
    "\x00" * 50,
    "REG \x00 1/1/2025 226001",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "{{7*7}}",
    "%(name)s %s %d",
    "\u202e\u200f\u200d",
    "😀" * 100,
    "१५/०३/२०२५",
    "REG आशा ३१/०२/२०२५ २२६००१",
    "DONE 99/99/9999",
    "DONE 0/0",
    "TIME 99999999999999999999",
    "LANG ☃",
    "DELETE",
    "1",
    "2",
    "ALL",
    "सब",
    "STOP",
    "START",
    "HELP",
    "NEXT",
    "ADD",
    "COVID",
    "\r\n\t",
    "a" * 5000,
]
WORDS = ["REG", "Asha", "15/3/2025", "226001", "हो गया", "DONE", "1/1/2025", "273001", "ji"]


def noise(rng: random.Random, size: int = 40) -> str:
    alphabet = string.printable + "अआइईउऊकखगघचछजझटठडढणतथदधनपफबभमयरलवशषसहािीुूेैोौं्"
    return "".join(rng.choice(alphabet) for _ in range(rng.randrange(size)))


def token(rng: random.Random) -> str:
    """Junk that a header can carry (no newlines)."""
    alphabet = string.ascii_letters + string.digits + string.punctuation + " "
    return "".join(rng.choice(alphabet) for _ in range(rng.randrange(60)))


def body(rng: random.Random) -> str:
    pick = rng.random()
    if pick < 0.4:
        return rng.choice(HOSTILE)
    if pick < 0.8:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 6)))
    return noise(rng, 300)


def number(rng: random.Random) -> str:
    pick = rng.random()
    if pick < 0.8:
        return f"+9198{rng.randrange(60):08d}"
    return rng.choice(
        ["", "0", "+", "abc", "+91" + "9" * 30, "09812345678", "\x00", noise(rng, 20)]
    )


def sid(rng: random.Random, prefix: str, seen: list[str]) -> str:
    if seen and rng.random() < 0.1:
        return rng.choice(seen)  # a replay
    if rng.random() < 0.03:
        return rng.choice(["", "x" * 200, "\x00", "SM" + noise(rng, 40)])
    made = prefix + "".join(rng.choice("0123456789abcdef") for _ in range(32))
    seen.append(made)
    return made


def big_number(rng: random.Random) -> str:
    return rng.choice(
        ["1", "0", "-1", "²", "١٢", "9" * 40, "1e9", "", "nan", str(rng.randrange(10**12))]
    )


@pytest.mark.both_databases
def test_ten_thousand_hostile_requests_get_no_500_and_lose_no_message(app, client, config):
    rng = random.Random(SEED)
    staff = sign_in(app, client)
    sms_sids: list[str] = []
    call_sids: list[str] = []
    recordable: set[str] = set()
    answers: dict[int, int] = {}

    def post(path: str, form: dict[str, str], forge: bool = False):
        signature = "forged" if forge else sign(AUTH_TOKEN, BASE + path, form)
        return client.post(
            path,
            data=urlencode(form),
            headers={
                "X-Twilio-Signature": signature,
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )

    with clock.frozen("2025-03-20T10:00"):
        for n in range(REQUESTS):
            kind = rng.random()
            forge = rng.random() < 0.08
            if kind < 0.45:
                form = {
                    "MessageSid": sid(rng, "SM", sms_sids),
                    "From": number(rng),
                    "Body": body(rng),
                }
                if rng.random() < 0.05:
                    form.pop(rng.choice(list(form)))
                response = post("/twilio/sms", form, forge)
                phone = normalise_phone(form.get("From", ""), "IN")
                if not forge and phone and PROVIDER_ID.fullmatch(form.get("MessageSid", "")):
                    recordable.add(form["MessageSid"])
            elif kind < 0.55:
                form = {
                    "MessageSid": sid(rng, "SM", sms_sids),
                    "MessageStatus": rng.choice(
                        ["sent", "delivered", "failed", "undelivered", "bogus", ""]
                    ),
                    "ErrorCode": big_number(rng),
                }
                response = post(f"/twilio/sms/status?m={big_number(rng)}", form, forge)
            elif kind < 0.62:
                form = {"CallSid": sid(rng, "CA", call_sids), "From": number(rng)}
                response = post("/twilio/voice/missed", form, forge)
            elif kind < 0.70:
                form = {"CallSid": sid(rng, "CA", call_sids), "From": number(rng)}
                response = post("/twilio/voice", form, forge)
            elif kind < 0.80:
                form = {"CallSid": sid(rng, "CA", call_sids), "Digits": noise(rng, 12)}
                response = post(f"/twilio/voice/ivr?turn={big_number(rng)}", form, forge)
            elif kind < 0.85:
                form = {
                    "CallSid": sid(rng, "CA", call_sids),
                    "CallStatus": rng.choice(["busy", "completed", "no-answer", "ringing", "??"]),
                }
                path = f"/twilio/voice/status?call={big_number(rng)}&attempt={big_number(rng)}"
                response = post(path, form, forge)
            elif kind < 0.88:
                form = {"CallSid": sid(rng, "CA", call_sids)}
                response = post(f"/twilio/voice/answer?call={big_number(rng)}", form, forge)
            else:
                response = _dashboard(rng, staff, client)
            answers[response.status_code] = answers.get(response.status_code, 0) + 1
            assert response.status_code != 500, (
                n,
                response.request.path,
                response.get_data()[:300],
            )

    assert sum(answers.values()) == REQUESTS
    assert 200 in answers and 403 in answers  # deep paths reached, forgeries refused
    tika = services(app)
    with tika.db.reading() as conn:
        inbox = conn.scalars(select(InboxMessage.provider_sid).where(InboxMessage.channel == "sms"))
        inbox = list(inbox)
        logged = [
            s
            for s in conn.scalars(
                select(MessageLog.provider_sid).where(
                    MessageLog.direction == "in", MessageLog.channel == "sms"
                )
            )
            if s
        ]
    assert len(inbox) == len(set(inbox)) and set(inbox) == recordable
    assert len(logged) == len(set(logged)) and set(logged) <= recordable
    # What the log lacks was erased by a DELETE (kept as a tombstone), or waits in the
    # inbox: nothing was dropped.
    assert len(recordable) > 2000
    print(f"answers by status: {sorted(answers.items())}; {len(recordable)} SMS recorded once")


def _dashboard(rng: random.Random, staff, client):
    week = rng.choice(["2025-W07", "2025-W99", "x", "", "9" * 30, "2025-02-10", "\x00"])
    district = rng.choice(["LUCKNOW", "lucknow", "NOWHERE", "", "<b>", "\x00", "' OR 1=1"])
    choice = rng.randrange(9)
    if choice == 0:
        return staff.get(f"/dashboard/duelists?{urlencode({'district': district, 'week': week})}")
    if choice == 1:
        return staff.get(
            f"/dashboard/duelists.csv?{urlencode({'district': district, 'week': week})}"
        )
    if choice == 2:
        return staff.get(
            f"/dashboard/duelists/print?{urlencode({'district': district, 'week': week})}"
        )
    if choice == 3:
        return staff.get(f"/dashboard/broadcasts/{big_number(rng)}")
    if choice == 4:
        return staff.get(f"/dashboard/broadcasts/segments.json?{urlencode({'text': noise(rng)})}")
    if choice == 5:
        return staff.get(f"/login?{urlencode({'next': rng.choice(['//x', '/%09/e', noise(rng)])})}")
    if choice == 6:
        headers = {
            "Authorization": rng.choice(["Bearer x", "", "Basic \x00", "Bearer " + token(rng)])
        }
        return client.get(f"/api/broadcasts/{big_number(rng)}", headers=headers)
    if choice == 7:
        return staff.client.post(
            "/simulator/sms", json={"body": body(rng)}, headers={"X-CSRFToken": staff.token}
        )
    return staff.post(
        "/dashboard/broadcasts",
        {
            "name": noise(rng),
            "text_hi": noise(rng, 400),
            "text_en": body(rng),
            "district": district,
        },
    )
