"""Display names of dose codes and forecast statuses, as gettext msgids.

Dose codes are the contract; these are only what a person reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from locales import N_, Text, render

DOSE_NAMES: dict[str, str] = {
    "bcg": N_("BCG"),
    "hepb-0": N_("Hep-B birth dose"),
    "opv-0": N_("OPV-0"),
    "opv-1": N_("OPV-1"),
    "opv-2": N_("OPV-2"),
    "opv-3": N_("OPV-3"),
    "penta-1": N_("Penta-1"),
    "penta-2": N_("Penta-2"),
    "penta-3": N_("Penta-3"),
    "rvv-1": N_("RVV-1"),
    "rvv-2": N_("RVV-2"),
    "rvv-3": N_("RVV-3"),
    "fipv-1": N_("fIPV-1"),
    "fipv-2": N_("fIPV-2"),
    "fipv-3": N_("fIPV-3"),
    "pcv-1": N_("PCV-1"),
    "pcv-2": N_("PCV-2"),
    "pcv-b": N_("PCV booster"),
    "mr-1": N_("MR-1"),
    "mr-2": N_("MR-2"),
    "je-1": N_("JE-1"),
    "je-2": N_("JE-2"),
    "vita-1": N_("Vitamin A-1"),
    "vita-2": N_("Vitamin A-2"),
    "vita-3": N_("Vitamin A-3"),
    "vita-4": N_("Vitamin A-4"),
    "vita-5": N_("Vitamin A-5"),
    "vita-6": N_("Vitamin A-6"),
    "vita-7": N_("Vitamin A-7"),
    "vita-8": N_("Vitamin A-8"),
    "vita-9": N_("Vitamin A-9"),
    "dpt-1": N_("DPT-1"),
    "dpt-2": N_("DPT-2"),
    "dpt-3": N_("DPT-3"),
    "dpt-b1": N_("DPT booster-1"),
    "dpt-b2": N_("DPT booster-2"),
    "opv-b": N_("OPV booster"),
    "td-10": N_("Td (10 years)"),
    "td-16": N_("Td (16 years)"),
    "td-p1": N_("Td-1 (pregnancy)"),
    "td-p2": N_("Td-2 (pregnancy)"),
    "td-pb": N_("Td booster (pregnancy)"),
    # IAP and WHO schedules (schedules/iap.yaml, who.yaml): what the UIP does not give.
    "hepb-1": N_("Hep-B-1"),
    "hepb-2": N_("Hep-B-2"),
    "hepb-3": N_("Hep-B-3"),
    "ipv-1": N_("IPV-1"),
    "ipv-2": N_("IPV-2"),
    "ipv-3": N_("IPV-3"),
    "ipv-b": N_("IPV booster"),
    "hib-1": N_("Hib-1"),
    "hib-2": N_("Hib-2"),
    "hib-3": N_("Hib-3"),
    "hib-b": N_("Hib booster"),
    "pcv-3": N_("PCV-3"),
    "dtap-b1": N_("DTaP booster-1"),
    "dtap-b2": N_("DTaP booster-2"),
    "mmr-1": N_("MMR-1"),
    "mmr-2": N_("MMR-2"),
    "mmr-3": N_("MMR-3"),
    "tcv-1": N_("Typhoid-1"),
    "tcv-b": N_("Typhoid booster"),
    "hepa-1": N_("Hep-A-1"),
    "hepa-2": N_("Hep-A-2"),
    "var-1": N_("Varicella-1"),
    "var-2": N_("Varicella-2"),
    "tdap": N_("Tdap"),
    "hpv-1": N_("HPV-1"),
    "hpv-2": N_("HPV-2"),
    "hpv-3": N_("HPV-3"),
    "covishield-1": N_("Covishield dose 1"),
    "covishield-2": N_("Covishield dose 2"),
    "covaxin-1": N_("Covaxin dose 1"),
    "covaxin-2": N_("Covaxin dose 2"),
    "corbevax-1": N_("Corbevax dose 1"),
    "corbevax-2": N_("Corbevax dose 2"),
    "covid-precaution": N_("COVID-19 precaution dose"),
}

#: How much vitamin A a child gets, by IU (schedules/uip.yaml: by age), as the ANM measures
#: it: a due list names the dose and this ("Vitamin A-1 (1 lakh IU, 1 ml)").
STRENGTH_NAMES: dict[int, str] = {
    100_000: N_("1 lakh IU, 1 ml"),
    200_000: N_("2 lakh IU, 2 ml"),
}
WITH_STRENGTH = N_("%(vaccine)s (%(strength)s)")
#: A reply to a family names vitamin A by its strength alone: the dose's number means nothing
#: to a mother, and the reply must stay within two SMS.
BY_STRENGTH: dict[int, str] = {
    100_000: N_("Vitamin A 1 lakh IU"),
    200_000: N_("Vitamin A 2 lakh IU"),
}

STATUS_NAMES: dict[str, str] = {
    "given": N_("given"),
    "due": N_("due"),
    "overdue": N_("overdue"),
    "upcoming": N_("upcoming"),
    "missed": N_("missed"),
    "not_applicable": N_("not applicable"),
}


def dose_text(code: str, iu: int | None = None, short: bool = False) -> Text | str:
    """The name of a dose as a text to render, with its strength where it has one (``short``:
    as a reply to a family names it, by strength alone)."""
    if short and iu in BY_STRENGTH:
        return Text(BY_STRENGTH[iu])
    name: Text | str = Text(DOSE_NAMES[code]) if code in DOSE_NAMES else code
    if iu in STRENGTH_NAMES:
        return Text(WITH_STRENGTH, vaccine=name, strength=Text(STRENGTH_NAMES[iu]))
    return name


def dose_name(code: str, lang: str, iu: int | None = None) -> str:
    """The name of a dose as a reader of ``lang`` knows it (the code if unnamed), with its
    strength where ``iu`` gives one."""
    text = dose_text(code, iu)
    return render(text, lang) if isinstance(text, Text) else text


def dose_names(
    codes: Iterable[str], lang: str, iu: Mapping[str, int] | Iterable[tuple[str, int]] = ()
) -> str:
    """Several dose names joined for one line of text (``iu``: strengths by code)."""
    strengths = dict(iu)
    return ", ".join(dose_name(code, lang, strengths.get(code)) for code in codes)


def status_name(status: str, lang: str) -> str:
    """A forecast status in ``lang``."""
    return render(STATUS_NAMES[status], lang)
