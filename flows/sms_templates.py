"""Every kind of SMS Tika sends, as the DLT templates an Indian operator must know.

An operator delivers an A2P SMS only when its text matches a template registered on the
DLT platform, character for character except its variables (``{#var#}``). Each entry of
:data:`TEMPLATES` is one kind of SMS: a stable key (the DLT template's name is
``tika_<key>_<lang>``, :mod:`bot.channels.dlt`), the msgids whose translations make its
text, its communication type and its content category.

The keys come from the texts' constant names, lower-cased: ``flows.texts.NEXT_VISIT`` is
``next_visit``; a reminder (``flows.reminder_texts.reminder_message``: a prefix, a child's
sentence and "Send DONE when given.") is ``reminder_<sentence>``; the announcements below
``announce_<what>``. Renaming a constant renames its template (and needs a new approval).

Not templates: texts that only fill a variable (``SLOT_NAMES``, ``DIGEST_DAY``, vaccine
names), texts only ever sent as a part of another (:data:`PARTS_ONLY`) and the voice
prompts (``flows.voice_texts``), which are spoken.
"""

from __future__ import annotations

from dataclasses import dataclass

from flows import asha_texts, digest_texts, reminder_texts, texts, voice_sms
from locales import N_

SERVICE_IMPLICIT = "service_implicit"  # replies, reminders: what the person asked for
SERVICE_EXPLICIT = "service_explicit"  # broadcasts and announcements: sent on their consent
COMMUNICATION_TYPES = {SERVICE_IMPLICIT: "Service Implicit", SERVICE_EXPLICIT: "Service Explicit"}
HEALTH = "Health"

# ---- texts of their own: sent only as DLT templates -----------------------------------------

# The first message to a new number, sent in the default language (Hindi): one template in
# place of WELCOME and a CHOOSE_LANGUAGE per language, each in its own language.
LANGUAGE_MENU = N_(
    "Welcome to Tika: free vaccine reminders for your child. हिंदी के लिए 1 भेजें। For English, send 2."
)

# Broadcasts when DLT is on: an officer's text fills one of these (each value at most 30
# characters) instead of being sent as free text.
ANNOUNCE_CAMPAIGN = N_("%(campaign)s: free vaccines for children on %(dates)s. Bring the MCP card.")
ANNOUNCE_SESSION = N_(
    "Vaccination session at %(place)s on %(date)s from %(time)s. Bring your child and the MCP card."
)
ANNOUNCE_NOTICE = N_("Tika health notice: %(notice)s. Ask your ASHA or Anganwadi worker for more.")


@dataclass(frozen=True)
class SmsText:
    """One kind of SMS: the msgids whose translations, joined by a space, make its text."""

    key: str
    msgids: tuple[str, ...]
    communication_type: str = SERVICE_IMPLICIT
    content_category: str = HEALTH

    @property
    def msgid(self) -> str:
        """The msgid of a text sent on its own (a reminder is made of several)."""
        if len(self.msgids) != 1:
            raise ValueError(f"{self.key} is made of {len(self.msgids)} texts")
        return self.msgids[0]


# Constants of the text modules that are no SMS of their own, and why.
PARTS_ONLY = {
    "flows.texts.WELCOME": "in LANGUAGE_MENU",
    "flows.texts.CHOOSE_LANGUAGE": "in LANGUAGE_MENU",
    "flows.texts.SLOT_NAMES": "fills SLOT_SET's slot",
    "flows.texts.SCHEDULE_NAMES": "fills SCHEDULE_SET's schedule",
    "flows.digest_texts.DIGEST_DAY": "fills DIGEST's days",
    "flows.digest_texts.DIGEST_CHILD": "fills the values of DIGEST_FAMILIES_*",
    "flows.digest_texts.DIGEST_MORE": "ends the last value of DIGEST_FAMILIES_*",
    "flows.asha_texts.BY_HEALTH_WORKER": "fills MOTHER_NOTICE's by",
    "flows.asha_texts.BY_PHONE": "fills MOTHER_NOTICE's by",
    "flows.reminder_texts.PREFIX": "begins every reminder",
    "flows.reminder_texts.SEND_DONE": "ends every reminder but an advance one",
    "flows.reminder_texts.ADVANCE": "in reminder_advance",
    "flows.reminder_texts.DUE": "in reminder_due",
    "flows.reminder_texts.OVERDUE": "in reminder_overdue",
    "flows.reminder_texts.AT_SESSION": "in reminder_session, reminder_session_done",
    "flows.reminder_texts.SESSION_TODAY": "in reminder_session_today",
    "flows.reminder_texts.BIRTH_CHECK": "in reminder_birth_check",
    "flows.reminder_texts.STILL_DUE": "in reminder_still_due",
    "flows.reminder_texts.ADVANCE_SITE": "in reminder_advance_site",
    "flows.reminder_texts.DUE_SITE": "in reminder_due_site",
    "flows.reminder_texts.OVERDUE_SITE": "in reminder_overdue_site",
    "flows.reminder_texts.AT_SESSION_SITE": "in reminder_session_site, reminder_session_done_site",
    "flows.reminder_texts.SESSION_TODAY_SITE": "in reminder_session_today_site",
    "flows.reminder_texts.CAMPAIGN_DAYS": "in reminder_campaign",
    "flows.reminder_texts.CAMPAIGN_CHILD": "in reminder_campaign",
    "flows.reminder_texts.CAMPAIGN_KINDS": "not a text",
    "flows.reminder_texts.CHAIN_ORDER": "not a text",
}


def _module_texts(module, communication_type: str = SERVICE_IMPLICIT) -> list[SmsText]:
    """A module's UPPER_CASE texts, each an SMS of its own, keyed by its lower-cased name."""
    found = []
    for name, value in vars(module).items():
        if not name.isupper() or f"{module.__name__}.{name}" in PARTS_ONLY:
            continue
        if isinstance(value, str):
            found.append(SmsText(name.lower(), (value,), communication_type))
    return found


_R = reminder_texts
# One child's reminder, as reminder_message words it: the prefix, the child's sentence, and
# "Send DONE when given." unless it is an advance reminder.
REMINDERS = [
    SmsText("reminder_advance", (_R.PREFIX, _R.ADVANCE)),
    SmsText("reminder_due", (_R.PREFIX, _R.DUE, _R.SEND_DONE)),
    SmsText("reminder_overdue", (_R.PREFIX, _R.OVERDUE, _R.SEND_DONE)),
    SmsText("reminder_session", (_R.PREFIX, _R.AT_SESSION)),
    SmsText("reminder_session_done", (_R.PREFIX, _R.AT_SESSION, _R.SEND_DONE)),
    SmsText("reminder_session_today", (_R.PREFIX, _R.SESSION_TODAY, _R.SEND_DONE)),
    SmsText("reminder_birth_check", (_R.PREFIX, _R.BIRTH_CHECK)),
    SmsText("reminder_still_due", (_R.PREFIX, _R.STILL_DUE, _R.SEND_DONE)),
    SmsText("reminder_advance_site", (_R.PREFIX, _R.ADVANCE_SITE)),
    SmsText("reminder_due_site", (_R.PREFIX, _R.DUE_SITE, _R.SEND_DONE)),
    SmsText("reminder_overdue_site", (_R.PREFIX, _R.OVERDUE_SITE, _R.SEND_DONE)),
    SmsText("reminder_session_site", (_R.PREFIX, _R.AT_SESSION_SITE)),
    SmsText("reminder_session_done_site", (_R.PREFIX, _R.AT_SESSION_SITE, _R.SEND_DONE)),
    SmsText("reminder_session_today_site", (_R.PREFIX, _R.SESSION_TODAY_SITE, _R.SEND_DONE)),
    # A campaign's announcement to a family whose child has doses pending.
    SmsText(
        "reminder_campaign",
        (_R.PREFIX, _R.CAMPAIGN_DAYS, _R.CAMPAIGN_CHILD, _R.SEND_DONE),
        SERVICE_EXPLICIT,
    ),
]

ANNOUNCEMENTS = [
    SmsText("announce_campaign", (ANNOUNCE_CAMPAIGN,), SERVICE_EXPLICIT),
    SmsText("announce_session", (ANNOUNCE_SESSION,), SERVICE_EXPLICIT),
    SmsText("announce_notice", (ANNOUNCE_NOTICE,), SERVICE_EXPLICIT),
]


def _all() -> dict[str, SmsText]:
    entries = [
        SmsText("language_menu", (LANGUAGE_MENU,)),
        *_module_texts(texts),
        *_module_texts(voice_sms),
        *_module_texts(digest_texts),
        # The mother's SMS answers no message of hers, but rests on the registration her
        # ASHA made for her, as a reply would: service implicit, like the reminders.
        *_module_texts(asha_texts),
        *REMINDERS,
        *ANNOUNCEMENTS,
    ]
    found: dict[str, SmsText] = {}
    for entry in entries:
        if entry.key in found:
            raise ValueError(f"two SMS texts are keyed {entry.key!r}")
        found[entry.key] = entry
    return found


#: Every kind of SMS, by key.
TEMPLATES: dict[str, SmsText] = _all()
