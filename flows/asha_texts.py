"""Texts of an ASHA registering a child on its mother's number, as gettext msgids (each an
SMS of its own, a DLT template, unless :data:`flows.sms_templates.PARTS_ONLY` says not).

``BY_HEALTH_WORKER`` and ``BY_PHONE`` fill ``MOTHER_NOTICE``'s ``by`` value: who registered
the child, by the health worker's name where she is registered as one, else by the last
four digits of the phone that sent REG.
"""

from locales import N_

# To the ASHA: the child is registered on the mother's number, and the mother was told.
REGISTERED_FOR_MOTHER = N_(
    "%(name)s is registered on the mother's number %(phone)s. We have sent her an SMS."
)
# To the ASHA: what followed the PIN code is not an Indian mobile number.
MOTHER_PHONE_INVALID = N_(
    "%(number)s is not a 10-digit mobile number, so nothing was registered. "
    "Send e.g. REG Asha 15/3/2025 226001 9812345678"
)
# To the mother, once: who registered her child, and how to stop.
MOTHER_NOTICE = N_(
    "Tika: %(by)s registered %(name)s for free vaccine reminders. "
    "To stop them, send STOP to this number."
)
BY_HEALTH_WORKER = N_("ASHA %(name)s")
BY_PHONE = N_("the phone ..%(ending)s")
