"""The SMS the voice channel sends, as gettext msgids: each fits in two SMS segments."""

from locales import N_

# After a caller registered on a call (the next visit follows in its own SMS).
REGISTERED_BY_CALL = N_(
    "Tika: %(name)s is registered. We will remind you before each vaccine. "
    "To hear the menu, give a missed call to this number."
)
# The call-back rang out every time.
CALLBACK_MISSED = N_(
    "Tika called you back but could not reach you. To register your child for free vaccine "
    "reminders, give a missed call again or send HI to this number."
)
# A caller who could not finish registering on the keypad.
HOW_TO_REGISTER = N_(
    "To register your child for free vaccine reminders, give a missed call to this number "
    "and answer when we call back. Or send HI to this number."
)
