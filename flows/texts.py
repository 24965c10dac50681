"""Every text the conversation flows send, as gettext msgids (English source).

Placeholders are ``%(name)s``; dates and vaccine lists are formatted per language
when rendered. Each text, in every language, must fit in two SMS segments.
"""

from locales import N_

WELCOME = N_("Welcome to Tika: free vaccine reminders for your child.")
CHOOSE_LANGUAGE = N_("For %(language)s, send %(digit)s.")
LANGUAGE_SET = N_("Language set to English.")
# The language menu to someone already registered (LANG): one template, Hindi first.
LANGUAGE_CHOICE = N_("हिंदी के लिए 1 भेजें। For English, send 2.")

ASK_NAME = N_("What is your child's name? If not named yet, send BABY.")
# The first question of a registration: a child's vaccines, or a pregnancy's.
ASK_KIND = N_("Send 1 for a child's vaccines, 2 for a pregnancy's. Or send the child's name.")
# The first reply to a new number whose circle speaks the language it is written in.
WELCOME_ASK_KIND = N_(
    "Tika: free vaccine reminders. Send 1 for a child, 2 for a pregnancy. "
    "For English, send ENGLISH."
)
KIND_INVALID = N_("Please send 1 for a child or 2 for a pregnancy.")
# ---- a pregnancy (flows/pregnancy.py) ----
ASK_LMP = N_(
    "When did your last period start? Send the date, e.g. 15/3/2025, or the month of "
    "pregnancy, 1 to 9."
)
LMP_INVALID = N_(
    "Please send the date your last period started, e.g. 15/3/2025, or the month of "
    "pregnancy, 1 to 9."
)
LMP_TOO_OLD = N_("That is more than 10 months ago. Please check the date.")
ASK_TD_BEFORE = N_(
    "Did you get 2 Td injections in a pregnancy in the last 3 years? Send 1 yes, 2 no or not known."
)
CONFIRM_PREGNANCY = N_(
    "Please check: %(name)s, baby due about %(due)s, PIN %(pincode)s (%(district)s). "
    "Send 1 if right, 2 to change."
)
CONFIRM_PREGNANCY_NO_PLACE = N_(
    "Please check: %(name)s, baby due about %(due)s, area not known. Send 1 if right, 2 to change."
)
PREGNANCY_REGISTERED = N_(
    "%(name)s is registered: baby due about %(due)s. We will remind you of each Td injection."
)
BORN_USAGE = N_("Send BORN and the baby's birth date, e.g. BORN 15/3/2025.")
BORN_ALREADY = N_("A baby born on %(date)s is already registered on this number.")
BORN_REGISTERED = N_(
    "Congratulations! Your baby born on %(date)s is registered. We will remind you before "
    "each vaccine."
)
ASK_BIRTH_DATE = N_("When was %(name)s born? Send day/month/year, e.g. 15/3/2025.")
ASK_PINCODE = N_("What is your 6-digit PIN code? e.g. 226001. Not known? Send your district.")
CONFIRM_CHILD = N_(
    "Please check: %(name)s, born %(birth_date)s, PIN %(pincode)s (%(district)s). "
    "Send 1 if right, 2 to change."
)
# The place given as a district (no PIN code), or not known.
CONFIRM_CHILD_DISTRICT = N_(
    "Please check: %(name)s, born %(birth_date)s, %(district)s district. "
    "Send 1 if right, 2 to change."
)
CONFIRM_CHILD_NO_PLACE = N_(
    "Please check: %(name)s, born %(birth_date)s, district not known. Send 1 if right, 2 to change."
)
PLACE_UNKNOWN = N_(
    "We could not find that place. Send the 6-digit PIN code or the district, e.g. Bahraich. "
    "Not known? Send 0."
)
DISTRICT_IN_STATES = N_("There is a district of that name in %(states)s. Send it with its state.")
NO_PLACE = N_(
    "Without your district, the JE vaccine may be missed. When you know it, send PIN and "
    "the PIN code, e.g. PIN 226001, or ask your ASHA."
)
PLACE_SET = N_("Your area is now %(district)s. Reminders follow its vaccines and session days.")
# SCHEDULE IAP: the family's children follow the schedule their doctor follows.
SCHEDULE_NAMES = {
    "uip": N_("the government's UIP"),
    "iap": N_("the IAP"),
    "who": N_("WHO's"),
}
SCHEDULE_SET = N_(
    "Reminders now follow %(schedule)s schedule. For the government's, send SCHEDULE UIP."
)
SCHEDULE_USAGE = N_(
    "If your child's doctor follows the IAP schedule, send SCHEDULE IAP; for the "
    "government's, SCHEDULE UIP."
)
SITE_USAGE = N_("Send SITE and where the vaccination session is held, e.g. SITE Anganwadi Rampur.")
SITE_TOO_LONG = N_("Please send the place in %(limit)s letters or fewer.")
SITE_SET = N_("Reminders will now say the vaccines are at %(site)s.")
REGISTERED = N_("%(name)s is registered; we will remind you before each vaccine.")

NEXT_VISIT = N_("%(name)s: next vaccines %(vaccines)s on %(date)s.")
NEXT_VISIT_NOW = N_("%(name)s: %(vaccines)s can be given now.")
# Where the state's RI session days are known: the session day on or after the visit.
NEXT_VISIT_SESSION = N_("%(name)s: next vaccines %(vaccines)s at the session on %(session)s.")
NEXT_VISIT_NOW_SESSION = N_(
    "%(name)s: %(vaccines)s can be given now, at the next session on %(session)s."
)
NEXT_NONE = N_("%(name)s: no more vaccines are due.")

DONE_RECORDED = N_("Noted for %(name)s: %(vaccines)s given on %(date)s.")
DONE_NOTHING_DUE = N_("%(name)s has no vaccine due on %(date)s, so nothing was noted.")
ASK_WHICH_CHILD = N_(
    "Which child got the vaccines? Send the number: %(choices)s. For several send e.g. 1 2, "
    "for all send ALL."
)
DONE_BAD_DATE = N_(
    "Send the date the vaccines were given like DONE 12/4. It cannot be in the future."
)

HELP = N_(
    "Send: NEXT next vaccines, DONE vaccines given, ADD another child, LANG language, "
    "TIME reminder time, STOP stop messages, DELETE erase your data."
)
NOT_REGISTERED = N_("No child is registered on this number yet.")
# Anything not understood: what can be sent, short (the full list is HELP's).
UNKNOWN = N_("Sorry, I did not understand. You can send NEXT, DONE, ADD, STOP or HELP.")
EMPTY = N_("Your message was empty. Send HELP for options.")
SORRY = N_("Sorry, something went wrong on our side. Please try again in a few minutes.")
THROTTLED = N_("Too many messages. Please wait a few minutes before sending more.")

STOPPED = N_("You will get no more messages. Send START to get reminders again.")
STILL_STOPPED = N_("Your reminders are stopped. Send START to get them again.")
STARTED = N_("Reminders are on again. Send HELP for options.")

CONFIRM_DELETE = N_(
    "This erases your number, your children and their records. Send 1 to erase, 2 to keep."
)
DELETED = N_("All your data is erased. Send any message to start again.")
DELETE_CANCELLED = N_("Nothing was erased.")

TOO_MANY_CHILDREN = N_("This number already has %(count)s children registered.")

DATE_UNREADABLE = N_("I could not read that date. Send day/month/year, e.g. 15/3/2025.")
DATE_IMPOSSIBLE = N_("There is no such date. Send day/month/year, e.g. 15/3/2025.")
DATE_FUTURE = N_("That date is in the future. Send the birth date as day/month/year.")
DATE_TOO_OLD = N_(
    "That date is more than 6 years ago; this service is for children under 6. "
    "Please check the year."
)
NAME_INVALID = N_("Please send the child's name in letters only, e.g. Asha.")
PIN_INVALID = N_("A PIN code has 6 digits, e.g. 226001. Please send it again.")
PIN_UNKNOWN = N_("PIN code %(pincode)s was not found. Please check it and send it again.")
YES_NO = N_("Please send 1 for yes or 2 for no.")
# A child six weeks or older: what its MCP card shows (scheduler.card.CARD_VISITS).
ASK_HISTORY = N_(
    "Which is the last visit on the MCP card? Send 1 birth, 2 six weeks, 3 ten weeks, "
    "4 fourteen weeks, 5 nine months, 6 sixteen months, 0 none or don't know."
)
HISTORY_INVALID = N_("Please send one number from 0 to %(last)s, as on the MCP card.")
# A caregiver sent the child's age instead of its birth date.
AGE_GIVEN = N_(
    "Please send the birth date from the MCP card, e.g. 15/3/2025. No card? Send 1 and we "
    "will count from %(month)s."
)
REG_USAGE = N_(
    "To register in one message send: REG name day/month/year PIN, e.g. REG Asha 15/3/2025 226001"
)

COVID_ASK_VACCINE = N_(
    "Which COVID-19 vaccine was your first dose? Send 1 for Covishield, 2 for Covaxin, "
    "3 for Corbevax."
)
COVID_ASK_FIRST_DOSE = N_("On what date was your first dose? Send day/month/year, e.g. 15/3/2022.")
COVID_ASK_NAME = N_("What is your name?")
COVID_CONFIRM = N_(
    "Please check: %(name)s, %(vaccine)s on %(first_dose)s, PIN %(pincode)s (%(district)s). "
    "Send 1 if right, 2 to change."
)
COVID_REGISTERED = N_("%(name)s is registered; we will remind you of your next COVID-19 dose.")
COVID_DATE_TOO_EARLY = N_(
    "COVID-19 vaccination in India began on 16 January 2021. Please check the date."
)
NAME_INVALID_ADULT = N_("Please send your name in letters only.")
ASK_SLOT = N_(
    "When should reminders come? Send 1 for morning (10-12), 2 for afternoon (2-4), "
    "3 for evening (6-8)."
)
SLOT_SET = N_("Reminders will come in the %(slot)s.")
SLOT_NAMES = {
    "morning": N_("morning, 10 am to 12 noon"),
    "afternoon": N_("afternoon, 2 to 4 pm"),
    "evening": N_("evening, 6 to 8 pm"),
}
