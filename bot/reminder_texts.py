"""Reminder messages: one message per caregiver and day, a sentence per child.

Each text is a gettext msgid with named values (a DLT-ready template). Siblings whose
reminders fall on the same day share one message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flows.turn import vaccines
from locales import N_, Text, render

PREFIX = N_("Tika reminder:")
ADVANCE = N_("%(name)s's vaccines %(vaccines)s are due on %(date)s.")
DUE = N_("%(name)s's vaccines %(vaccines)s are due today.")
OVERDUE = N_("%(name)s's vaccines %(vaccines)s were due on %(date)s; please go soon.")
SEND_DONE = N_("Send DONE when given.")


@dataclass(frozen=True)
class ChildReminder:
    """What one child's reminder says."""

    kind: str  # "advance", "due", "overdue-<n>"
    name: str
    codes: tuple[str, ...]
    visit_date: dt.date


def sentence(item: ChildReminder) -> Text:
    """One child's part of a reminder."""
    template = {"advance": ADVANCE, "due": DUE}.get(item.kind, OVERDUE)
    return Text(template, name=item.name, vaccines=vaccines(item.codes), date=item.visit_date)


def reminder_message(items: list[ChildReminder], lang: str) -> str:
    """The message for one caregiver: every child's reminder of the day, in ``lang``."""
    parts = [render(PREFIX, lang)]
    parts += [render(sentence(item), lang) for item in items]
    if any(item.kind != "advance" for item in items):
        parts.append(render(SEND_DONE, lang))
    return " ".join(parts)
