"""Fig. 1 and 6: the order of the perturbations, compared sample by sample."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sparsesens.claims.table import MIN_EFFECT, combine, fmt, paired_order, row
from sparsesens.sensitivity import PAIRS, paired_comparison

# the lambdas at which Fig. 6 finds the distortion-swap gap most pronounced
INTERMEDIATE_LAMBDAS = (0.1, 0.3, 0.9)


def _median(sens: pd.DataFrame, lam: float, kind: str) -> tuple[float, float, float]:
    """The sparse codes' median ratio of ``kind`` at ``lam`` and its 95 % interval (the
    median itself where the summary has no interval)."""
    rows = sens[(sens["representation"] == "sparse") & (sens["perturbation"] == kind)
                & np.isclose(sens["lam"], lam)]
    if not len(rows):
        return np.nan, np.nan, np.nan
    found = rows.iloc[0]
    median = float(found["median"])
    return (median, float(found.get("median_low", median)),
            float(found.get("median_high", median)))


def _lambdas(sens: pd.DataFrame) -> list[float]:
    return sorted(sens.loc[sens["representation"] == "sparse", "lam"].unique())


def sensitivity_claims(sens: pd.DataFrame, paired: pd.DataFrame) -> list[dict]:
    """The orders of Fig. 1c, 1d and 6 at every lambda, each tested on paired samples (see
    :func:`~sparsesens.claims.table.paired_order`), and the trends across lambda.

    Args:
        sens: sensitivity/summary.tsv (medians per representation, lambda, perturbation).
        paired: sensitivity/paired.tsv (the perturbations compared on the same samples).
    """
    lams = _lambdas(sens)
    rows = []
    for lam in lams:
        status, text = paired_order(paired, "sparse", lam, "distortion", "swap")
        rows.append(row(f"distortion_above_swap_lam_{lam:g}", "Fig. 6, Section 2.2",
                        f"Sparse codes (lambda {lam:g}) are more sensitive to distortions "
                        "than to swaps.", "distortion > swap", text,
                        "paired: distortion above swap", status))
    for lam in lams:  # Fig. 1c shows the analysis lambda; Fig. 6 every other
        orders = [paired_order(paired, "sparse", lam, kind, "noise")
                  for kind in ("swap", "distortion")]
        rows.append(row(f"sparse_noise_lowest_lam_{lam:g}", "Fig. 1c and 6, Section 2.2",
                        f"Sparse codes (lambda {lam:g}) are least sensitive to noise.",
                        "noise lowest", "; ".join(text for _, text in orders),
                        "paired: swap above noise and distortion above noise",
                        combine([status for status, _ in orders])))
    rows.append(_gap_claim(paired, lams))
    rows.append(_falling_claim(sens, lams))
    status, text = paired_order(paired, "mlp", None, "swap", "distortion")
    rows.append(row("mlp_distortion_below_swap", "Fig. 1d, Section 2.3",
                    "The MLP hidden layer is less sensitive to distortions than to swaps.",
                    "distortion < swap", text, "paired: swap above distortion", status))
    orders = [paired_order(paired, "mlp", None, kind, "noise")
              for kind in ("swap", "distortion")]
    rows.append(row("mlp_noise_lowest", "Fig. 1 caption",
                    "The MLP hidden layer is least sensitive to noise.", "noise lowest",
                    "; ".join(text for _, text in orders),
                    "paired: swap above noise and distortion above noise",
                    combine([status for status, _ in orders])))
    return rows


def _falling_claim(sens: pd.DataFrame, lams: list[float]) -> dict:
    """Fig. 6: the noise sensitivity falls with lambda, step by step beyond the medians'
    95 % intervals: PASS when every step's intervals are apart and falling, FAIL when one
    step's are apart and rising (or fewer than two lambdas), TIE when some overlap."""
    noise = [_median(sens, lam, "noise") for lam in lams]
    statuses = []
    for (_, low, high), (_, next_low, next_high) in zip(noise[:-1], noise[1:], strict=True):
        statuses.append("PASS" if next_high < low else "FAIL" if next_low > high else "TIE")
    ours = ", ".join(f"{lam:g}: {fmt(median)} [{fmt(low)}, {fmt(high)}]"
                     for lam, (median, low, high) in zip(lams, noise, strict=True))
    return row("noise_falls_with_lambda", "Fig. 6",
               "Sensitivity of sparse codes to noise falls as lambda rises.", "falling",
               ours or "missing", "each larger lambda's median noise ratio below the "
               "smaller one's, their 95 % intervals apart (TIE where they overlap)",
               combine(statuses) if statuses else "FAIL")


def _gap_claim(paired: pd.DataFrame, lams: list[float]) -> dict:
    """Fig. 6: the distortion-swap gap peaks at an intermediate lambda.

    Read as a shape of the paired effect sizes (rank-biserial r of distortion against swap,
    one per lambda): a peak needs a rise and a fall, so the largest effect at an
    intermediate lambda must exceed the effect at every other lambda of the run by at least
    :data:`~sparsesens.claims.table.MIN_EFFECT`, with such a lambda on each side of the
    intermediate ones. A flat or monotone profile fails, whatever its noise.
    """
    effects = {}
    for lam in lams:
        found = _pair_row(paired, lam, "distortion", "swap")
        if found is not None:
            effects[lam] = found
    middle = [lam for lam in effects if np.isclose(lam, INTERMEDIATE_LAMBDAS).any()]
    ends = [lam for lam in effects if lam not in middle]
    ok = bool(middle and ends and min(ends) < min(middle) and max(ends) > max(middle)
              and max(effects[lam] for lam in middle)
              >= max(effects[lam] for lam in ends) + MIN_EFFECT)
    return row("distortion_swap_gap_intermediate", "Fig. 6",
               "The distortion-swap gap is largest at an intermediate lambda (0.1, 0.3, 0.9).",
               "largest at 0.1, 0.3 or 0.9",
               "r " + ", ".join(f"{lam:g}: {v:+.2f}" for lam, v in effects.items())
               if effects else "missing",
               f"paired effect (distortion against swap) at an intermediate lambda above every "
               f"other lambda's by at least {MIN_EFFECT:g}, with a lambda of the run below and "
               "one above the intermediate ones", ok)


def _pair_row(paired: pd.DataFrame, lam: float, first: str, second: str) -> float | None:
    """The rank-biserial effect of ``first`` against ``second`` for the sparse codes of
    ``lam`` (read in either order), or None when the pair is missing."""
    rows = paired[(paired["representation"] == "sparse") & np.isclose(paired["lam"], lam)]
    for a, b, sign in ((first, second, 1.0), (second, first, -1.0)):
        found = rows[(rows["first"] == a) & (rows["second"] == b)]
        if len(found):
            return sign * float(found["rank_biserial"].iloc[0])
    return None


def finite_claim(finite: pd.DataFrame | None, lam: float) -> dict:
    """Section 2: finite perturbations order the kinds as the directional derivatives do.

    Args:
        finite: sensitivity/finite/lam_X.tsv of the analysis lambda: per sample, kind and
            step ``eps`` the finite ratio ``ratio`` and the Jacobian's ``jacobian_ratio``.
        lam: the analysis lambda.
    """
    claim = (f"Finite perturbations (lambda {lam:g}) order noise, swaps and distortions as "
             "the directional derivatives do.")
    if finite is None or not len(finite):
        return row("finite_perturbations_similar", "Section 2", claim,
                   "qualitatively similar", "missing", "paired orders at every step", False)
    statuses, held = [], {pair: 0 for pair in PAIRS}
    steps = sorted(finite["eps"].unique())
    for eps in steps:
        ratios = finite[finite["eps"] == eps].pivot(index="sample", columns="perturbation",
                                                    values="ratio")
        table = pd.DataFrame([{"representation": "sparse", "lam": lam, "first": first,
                               "second": second, **paired_comparison(
                                   ratios[first].to_numpy(), ratios[second].to_numpy())}
                              for first, second in PAIRS])
        for pair in PAIRS:
            status, _ = paired_order(table, "sparse", lam, *pair)
            statuses.append(status)
            held[pair] += status == "PASS"
    smallest = finite[finite["eps"] == steps[0]]
    gap = float(np.max(np.abs(smallest["ratio"] / smallest["jacobian_ratio"] - 1)))
    ours = "; ".join(f"{first} > {second} at {count} of {len(steps)} steps"
                     for (first, second), count in held.items())
    ours += f"; at step {steps[0]:g} finite = Jacobian within {fmt(gap)}"
    return row("finite_perturbations_similar", "Section 2", claim, "qualitatively similar",
               ours, f"paired: distortion > swap > noise at every step ({fmt(steps[0])} to "
               f"{fmt(steps[-1])})", combine(statuses))
