"""Reminders by phone call: the delivery job hands a voice caregiver's reminders over.

The reminders move claimed -> calling in the same transaction that opens their voice
call, so a delivery job run twice hands them over once. From there the call is placed,
retried when unanswered and, after the last try, sent as the SMS it would have been;
the reminders end sent (heard, or texted), failed or cancelled with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update

from bot.services import Services
from bot.storage import new_calls
from bot.storage.models.core import Reminder

REMINDER = Reminder.__table__


@dataclass(frozen=True)
class CallOrder:
    """One caregiver's reminders of the day, to be said in one call."""

    caregiver_id: int
    phone: str
    reminder_ids: list[int]
    sms_body: str  # the reminder as an SMS, sent if no call gets through


def hand_over(services: Services, orders: list[CallOrder], token: str) -> int:
    """Open a reminder call for each order whose reminders the claim ``token`` still holds,
    queue them, and return how many reminders were handed over."""
    handed, call_ids = 0, []
    with services.db.writing() as conn:
        for order in orders:
            moved = conn.execute(
                update(REMINDER)
                .where(
                    REMINDER.c.id.in_(order.reminder_ids),
                    REMINDER.c.claim_token == token,
                    REMINDER.c.status == "claimed",
                )
                .values(status="calling")
            ).rowcount
            if not moved:
                continue
            [call_id] = new_calls.add_calls(
                conn,
                [
                    {
                        "purpose": "reminder",
                        "phone": order.phone,
                        "caregiver_id": order.caregiver_id,
                        "status": "waiting",
                        "reminder_ids": order.reminder_ids,
                        "sms_body": order.sms_body,
                    }
                ],
            )
            call_ids.append(call_id)
            handed += moved
    for start in range(0, len(call_ids), new_calls.CHUNK):
        new_calls.enqueue(services, call_ids[start : start + new_calls.CHUNK])
    return handed
