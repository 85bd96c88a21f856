"""One claim is one row: what it says, the paper's sentence it tests, both values, the
criterion, the status and, unless it passes, a note on what is known about it.

Statuses: PASS (the criterion holds), FAIL (it does not, or a number is missing) and TIE (a
paired order that this run cannot tell apart from no order: never counted as a PASS).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from sparsesens.claims import ledger, paper
from sparsesens.claims.notes import NOTES

COLUMNS = ("id", "section", "where", "claim", "quote", "paper_value", "our_value", "criterion",
           "criterion_fixed", "status", "note")
STATUSES = ("PASS", "FAIL", "TIE")

# A paired order is a PASS only when it is both significant and not negligible; both
# thresholds are fixed before any run: a two-sided Wilcoxon signed-rank p-value below
# ALPHA and a matched-pairs rank-biserial correlation of at least MIN_EFFECT (a small effect
# by the usual convention). Short of either, the order is a TIE.
ALPHA = 0.01
MIN_EFFECT = 0.1


def without_lambda(id_: str) -> str:
    """The claim's id without its lambda suffix (``_lam_0.3``), the ledger's key."""
    return re.sub(r"_lam_[0-9.]+$", "", id_)


def family(id_: str) -> str:
    """The key of the claim's quote and note: its id without a lambda suffix, and
    "remedy" for each of the remedy's claims."""
    return "remedy" if id_.startswith("remedy_") else without_lambda(id_)


def row(id_: str, where: str, claim: str, paper_value: str, ours: str, criterion: str,
        status: bool | str | None) -> dict:
    """One claim; ``status`` is a bool (PASS when true) or one of :data:`STATUSES`. Its note
    is the claim's own in :data:`~sparsesens.claims.notes.NOTES`, else its quote's; its
    section and the date its criterion was fixed come from the
    :mod:`~sparsesens.claims.ledger`."""
    if not isinstance(status, str):
        status = "PASS" if status else "FAIL"
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
    key = id_ if id_ in paper.QUOTES else family(id_)
    own = without_lambda(id_)
    return {"id": id_, "section": "check" if own in ledger.CHECKS else "claim",
            "where": where, "claim": claim, "quote": paper.QUOTES[key],
            "paper_value": paper_value, "our_value": ours, "criterion": criterion,
            "criterion_fixed": ledger.fixed_on(own), "status": status,
            "note": "" if status == "PASS" else NOTES.get(id_, NOTES.get(key, "open"))}


def fmt(value: float | None, digits: int = 3) -> str:
    return "missing" if value is None or not np.isfinite(value) else f"{value:.{digits}g}"


def close(id_: str, where: str, claim: str, paper_value: float, ours: float,
          tolerance: float, relative: bool = False, digits: int = 3) -> dict:
    """A number of the paper matched within an absolute or a relative tolerance."""
    if relative:
        ok = np.isfinite(ours) and abs(ours - paper_value) <= tolerance * abs(paper_value)
        criterion = f"within {tolerance:.0%} of the paper"
    else:
        ok = np.isfinite(ours) and abs(ours - paper_value) <= tolerance
        criterion = f"within ±{tolerance:g} of the paper"
    return row(id_, where, claim, fmt(paper_value, digits), fmt(ours, digits), criterion, ok)


def paired_order(paired: pd.DataFrame, rep: str, lam: float | None, first: str,
                 second: str) -> tuple[str, str]:
    """Whether ``first`` is above ``second`` for representation ``rep``, sample by sample.

    Reads the row of ``paired`` (sensitivity/paired.tsv) for the pair in either order.

    Returns:
        ``(status, text)``: PASS, FAIL (``second`` above) or TIE by :data:`ALPHA` and
        :data:`MIN_EFFECT`, FAIL when the pair is missing; the text gives the median ratio,
        the share of samples above, the effect size and the p-value.
    """
    rows = paired[paired["representation"] == rep]
    rows = rows[rows["lam"].isna()] if lam is None else rows[np.isclose(rows["lam"], lam)]
    forward = rows[(rows["first"] == first) & (rows["second"] == second)]
    backward = rows[(rows["first"] == second) & (rows["second"] == first)]
    # the median ratio's 95 % interval, where the table has one
    bounds = ("median_ratio_low", "median_ratio_high")
    if len(forward):
        found = forward.iloc[0]
        ratio, above, effect = found["median_ratio"], found["frac_above"], found["rank_biserial"]
        low, high = (found.get(key, np.nan) for key in bounds)
    elif len(backward):
        found = backward.iloc[0]
        ratio, above = 1 / found["median_ratio"], 1 - found["frac_above"]
        effect = -found["rank_biserial"]
        high, low = (1 / found.get(key, np.nan) for key in bounds)
    else:
        return "FAIL", f"{first}/{second}: missing"
    p_value = found["p_value"]
    status = paired_status(effect, p_value)
    interval = f" [{fmt(low)}, {fmt(high)}]" if np.isfinite(low) and np.isfinite(high) else ""
    text = (f"{first}/{second} median {fmt(ratio)}{interval}, above in {above:.0%} of "
            f"{int(found['n'])}, r {effect:+.2f}, p {p_value:.1g}")
    return status, text


def paired_status(effect: float, p_value: float) -> str:
    """A paired comparison's verdict: PASS when it is significant and not negligible in the
    stated direction (effect > 0), FAIL when so in the other, TIE otherwise."""
    if p_value < ALPHA and abs(effect) >= MIN_EFFECT:
        return "PASS" if effect > 0 else "FAIL"
    return "TIE"


def combine(statuses: list[str]) -> str:
    """All of several orders: FAIL if any fails, else TIE if any ties, else PASS."""
    for status in ("FAIL", "TIE"):
        if status in statuses:
            return status
    return "PASS"


def over_seeds(rows: dict[int, dict]) -> dict:
    """One claim checked on each dictionary seed's tables (seed -> its row) as one row: it
    passes only when every seed passes (:func:`combine`), and its value lists each seed's;
    a claim whose value no seed changes is the first seed's row."""
    first = next(iter(rows.values()))
    if len(rows) == 1:
        return first
    values = [row_["our_value"] for row_ in rows.values()]
    if len(set(values)) == 1:  # a claim on numbers that no dictionary seed changes
        return first
    ours = " | ".join(f"seed {seed}: {row_['our_value']}" for seed, row_ in rows.items())
    status = combine([row_["status"] for row_ in rows.values()])
    merged = row(first["id"], first["where"], first["claim"], first["paper_value"], ours,
                 first["criterion"] + f"; in each of {len(rows)} dictionary seeds", status)
    # an earlier criterion's verdict (the ledger's) is each seed's own
    earlier = [f"seed {seed}: {row_['note'].split(ledger.EARLIER_MARK, 1)[1]}"
               for seed, row_ in rows.items() if ledger.EARLIER_MARK in row_["note"]]
    if earlier:
        kept = ledger.EARLIER_MARK + " | ".join(earlier)
        merged["note"] = f"{merged['note']}; {kept}" if merged["note"] else kept
    return merged
