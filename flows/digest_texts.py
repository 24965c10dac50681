"""The weekly SMS digest to health workers, as gettext msgids (DLT-ready templates).

``DIGEST_DAY`` fills the ``days`` value of ``DIGEST`` (one per session day, joined), and
``DIGEST_CHILD`` and ``DIGEST_MORE`` the values of the ``DIGEST_FAMILIES_*`` texts; they
are no messages of their own.
"""

from locales import N_

DIGEST = N_("Tika due list for %(area)s this week, children due: %(days)s.")
DIGEST_DAY = N_("%(day)s: %(count)s")
DIGEST_NONE = N_("Tika due list for %(area)s: no children due this week.")

# The digest of a health worker whose families are linked to her (she registered their
# children with REG): the children due this week by name, one per value, the last value
# counting those left out ("+3 more"). DIGEST_CHILD and DIGEST_MORE fill the values.
DIGEST_FAMILIES_ONE = N_("Tika due list, your families this week: %(first)s.")
DIGEST_FAMILIES_TWO = N_("Tika due list, your families this week: 1) %(first)s 2) %(second)s.")
DIGEST_FAMILIES_THREE = N_(
    "Tika due list, your families this week: 1) %(first)s 2) %(second)s 3) %(third)s."
)
DIGEST_CHILD = N_("%(name)s (..%(ending)s) %(vaccine)s")
DIGEST_MORE = N_("+%(count)s more")
