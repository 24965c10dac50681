"""Every text the IVR speaks, as gettext msgids (English source).

The name of each constant is its prompt key: a programme can replace the prompt with a
recording of a human voice: every prompt without a value in it can be recorded, at
``VOICE_AUDIO_BASE_URL/<language>/<KEY>.mp3`` (or one by one through VOICE_AUDIO,
``hi.ASK_BIRTH_MONTH=URL``). Dates, PIN codes and places reach these texts already in
words, in the caller's language.
"""

from flows import texts
from locales import N_

WELCOME = texts.WELCOME
CHOOSE_LANGUAGE = N_("For %(language)s, press %(digit)s.")
WELCOME_BACK = N_("Welcome back to Tika.")

KEYS_HELP = N_("At any question, press 9 to hear it again, or 0 to go back.")
ASK_BORN_THIS_YEAR = N_("Was your child born this year? If yes, press 1. If no, press 2.")
ASK_IF_PREGNANT = N_("If you are pregnant, press 3.")
# A pregnancy on the keypad (flows/pregnancy.py): the month, and Td in an earlier one.
ASK_PREGNANCY_MONTH = N_("In which month of pregnancy are you? Press a key from 1 to 9.")
ASK_TD_BEFORE = N_(
    "In a pregnancy in the last 3 years, did you get 2 Td injections? If yes, press 1. "
    "If no, or you do not know, press 2."
)
PREGNANCY_REGISTERED = N_(
    "Thank you. Your pregnancy is registered; the baby is due about %(date)s. We will "
    "remind you of each Td injection."
)
MOTHER_NAME = N_("Mother")
ASK_BIRTH_MONTH = N_(
    "In which month was your child born? Press its number as two keys: 0 1 for January, "
    "0 2 for February, and so on, up to 1 2 for December."
)
ASK_BIRTH_DAY = N_(
    "On which day of the month was your child born? Press two keys: 0 5 for the 5th, "
    "2 3 for the 23rd."
)
ASK_AGE_MONTHS = N_(
    "How many months old is your child? Press two keys: 0 8 for 8 months, "
    "1 8 for one and a half years, 3 0 for two and a half years."
)
READ_BACK_DATE = N_("You entered %(date)s. If this is right, press 1. To enter it again, press 2.")
# A child six weeks or older: the last visit its MCP card shows (scheduler.card).
ASK_CARD = N_(
    "Look at the child's MCP card. Which was the last vaccination visit? Press 1 for birth, "
    "2 for six weeks, 3 for ten weeks, 4 for fourteen weeks, 5 for nine months, 6 for "
    "sixteen months. If none, or you do not know, press 8."
)
CARD_NOT_YET = N_("Your child is not old enough for that visit yet.")
ASK_PINCODE = N_("Please enter your 6-digit PIN code.")
READ_BACK_PINCODE = N_(
    "You entered PIN code %(digits)s, %(district)s. If this is right, press 1. "
    "To enter it again, press 2."
)
REGISTERED = N_("Thank you. %(name)s is registered. We will remind you before each vaccine.")

NEXT_VISIT = N_("%(name)s's next vaccines are %(vaccines)s, on %(date)s.")
NEXT_VISIT_NOW = N_("%(name)s's vaccines %(vaccines)s can be given now.")
NEXT_NONE = N_("%(name)s has no more vaccines due.")

MENU_NEXT = N_("To hear the next vaccines, press 1.")
MENU_DONE = N_("If the vaccines were given today, press 2.")
MENU_ADD = N_("To add a child, press 3.")
MENU_LANGUAGE = N_("To change the language, press 4.")
MENU_STOP = N_("To stop reminders, press 5.")
MENU_START = N_("Your reminders are stopped. To start them again, press 5.")
MENU_BY_SMS = N_("To get reminders by SMS instead of a call, press 6.")
MENU_BY_CALL = N_("To get reminders as a phone call instead of SMS, press 6.")

CONFIRM_DONE = N_("Were the vaccines due now given today? If yes, press 1. To go back, press 2.")
DONE_RECORDED = N_("Noted: %(name)s was given %(vaccines)s today.")
DONE_NOTHING_DUE = N_("%(name)s has no vaccine due today, so nothing was noted.")
CONFIRM_STOP = N_("You will get no more reminders. To stop them, press 1. To go back, press 2.")
STOPPED = N_("Your reminders are stopped. To start them again, call us and press 5. Goodbye.")
STARTED = N_("Your reminders are on again.")
LANGUAGE_SET = N_("You will hear Tika in English.")
BY_SMS_SET = N_("From now on, reminders will come by SMS.")
BY_CALL_SET = N_("From now on, reminders will come as a phone call.")
TOO_MANY_CHILDREN = texts.TOO_MANY_CHILDREN

NO_INPUT = N_("Sorry, we did not hear a key press.")
WRONG_KEY = N_("Sorry, that key is not one of the choices.")
MONTH_NOT_VALID = N_("A month is a number from 1 to 12.")
MONTH_NOT_YET = N_("That month has not come yet this year. This month, %(month)s, is %(keys)s.")
DAY_NOT_VALID = N_("A day of the month is a number from 1 to 31.")
DATE_NO_SUCH_DAY = N_("There is no such date.")
DATE_IN_FUTURE = N_("That date is in the future.")
AGE_TOO_OLD = N_("Tika is for children under 6 years, that is under 72 months.")
PIN_NEEDS_6_DIGITS = N_("A PIN code has 6 digits.")
PIN_NOT_FOUND = N_("We could not find that PIN code.")

GOODBYE = N_("Thank you for calling Tika. Goodbye.")
GOODBYE_UNREGISTERED = N_(
    "Sorry, we could not register your child on this call. "
    "We will send you an SMS that says how. Goodbye."
)

REMINDER_BIRTH_CHECK = N_(
    "%(name)s, has your baby been born? To register the baby, send BORN and the birth "
    "date by SMS, for example BORN 15/3."
)
REMINDER_INTRO = N_("Namaste. This is a vaccine reminder from Tika.")
REMINDER_ADVANCE = N_("%(name)s's vaccines %(vaccines)s are due on %(date)s.")
REMINDER_DUE = N_(
    "%(name)s's vaccines %(vaccines)s are due today. Please go to your health centre."
)
REMINDER_OVERDUE = N_(
    "%(name)s's vaccines %(vaccines)s were due on %(date)s. Please go to your health centre soon."
)
REMINDER_CAMPAIGN = N_(
    "A vaccination drive in your area begins on %(date)s. "
    "%(name)s's pending vaccines %(vaccines)s can be given there."
)
REMINDER_REPEAT = N_("To hear this again, press 1.")

# The name a child registered by voice is known by (no name is asked on the keypad).
CHILD_NAME = N_("Baby")
CHILD_NAME_NUMBERED = N_("Baby %(number)s")
