"""The weekly SMS digest to health workers, as gettext msgids (DLT-ready templates).

``DIGEST_DAY`` fills the ``days`` value of ``DIGEST`` (one per session day, joined); it is
not a message of its own.
"""

from locales import N_

DIGEST = N_("Tika due list for %(area)s this week, children due: %(days)s.")
DIGEST_DAY = N_("%(day)s: %(count)s")
DIGEST_NONE = N_("Tika due list for %(area)s: no children due this week.")
