"""Section 7: the paper's conjecture about its remedy, checked on a grid of penalty weights."""

from __future__ import annotations

import pandas as pd

from sparsesens.claims.table import ALPHA, COLUMNS, MIN_EFFECT, fmt, paired_status, row


def remedy_claims(table: pd.DataFrame) -> pd.DataFrame:
    """The remedy's claims: four at the same lambda, and two at matched sparsity when the
    table has the matched columns (rule remedy_matched).

    Args:
        table: one dictionary seed's rows, one per ``mu`` (0 among them), with the sparse
            codes' median ``distortion_median``, the dictionary's ``max_coherence``, and
            the certified codes' mean ``reconstruction`` error (1/2 ||x - D r||^2) and
            ``mean_active`` atoms per image.
    """
    if "dictionary_seed" in table and table["dictionary_seed"].nunique() > 1:
        seeds = sorted(map(int, table["dictionary_seed"].unique()))
        raise ValueError(f"the remedy table holds dictionary seeds {seeds}: give one seed's "
                         f"rows (remedy_claims_over_seeds judges each seed's)")
    table = table.sort_values("mu").reset_index(drop=True)
    if len(table) < 2 or table["mu"].iloc[0] != 0:
        raise ValueError("the remedy's claims need mu = 0 and at least one mu > 0")
    base, top = table.iloc[0], table.iloc[-1]
    where = "Section 7 (conjecture)"

    def values(column, digits=3):
        return ", ".join(f"{mu:g}: {value:.{digits}g}" for mu, value in
                         zip(table["mu"], table[column], strict=True))

    distortion = table["distortion_median"]
    rows = [
        row("remedy_lowers_coherence", where, "The penalty makes the atoms less coherent "
            "(the remedy acts as meant).", "lower", values("max_coherence"),
            "largest atom coherence at the largest mu below mu = 0's",
            top["max_coherence"] < base["max_coherence"]),
        row("remedy_lowers_distortion_sensitivity", where, "A penalty on the atoms' "
            "overlaps lowers the sensitivity of sparse codes to distortions.", "lower",
            values("distortion_median"), "median distortion ratio at the largest mu below "
            "mu = 0's, and at no mu above mu = 0's",
            bool(top["distortion_median"] < base["distortion_median"]
                 and (distortion <= base["distortion_median"]).all())),
        row("remedy_keeps_reconstruction", where, "The remedy costs little "
            "reconstruction.", "small cost", values("reconstruction"),
            "mean reconstruction error at the largest mu within 10 % of mu = 0's",
            top["reconstruction"] <= 1.1 * base["reconstruction"]),
        row("remedy_keeps_sparsity", where, "The remedy costs little sparsity.",
            "small cost", values("mean_active", 4),
            "mean active atoms per image at the largest mu within 10 % of mu = 0's",
            top["mean_active"] <= 1.1 * base["mean_active"]),
    ]
    if "distortion_effect" in table:
        rows += _matched_claims(top, where)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _matched_claims(top: pd.Series, where: str) -> list[dict]:
    """The conjecture at matched sparsity: the largest penalty's codes, at the lambda where
    they are as sparse as the paper's, against the paper's codes, sample by sample."""
    at = (f"mu {top['mu']:g} at lambda {top['lam_matched']:.3g} ({top['matched_active']:.1f} "
          f"active atoms; the paper's {top['target_active']:.1f})")
    return [
        row("remedy_lowers_distortion_sensitivity_matched", where, "At matched sparsity, the "
            "penalty lowers the sensitivity of sparse codes to distortions.", "lower",
            f"{at}: median distortion ratio {fmt(top['matched_distortion_median'])}, paired "
            f"r {top['distortion_effect']:+.2f}, p {top['distortion_p']:.1g}",
            f"paired: the paper's distortion ratio above the largest mu's (p < {ALPHA:g}, "
            f"r >= {MIN_EFFECT:g})", paired_status(top["distortion_effect"],
                                                      top["distortion_p"])),
        row("remedy_lowers_distortion_swap_matched", where, "At matched sparsity, the penalty "
            "lowers the codes' sensitivity to distortions relative to swaps.", "lower",
            f"{at}: median distortion/swap {fmt(top['matched_distortion_swap'])}, paired "
            f"r {top['distortion_swap_effect']:+.2f}, p {top['distortion_swap_p']:.1g}",
            f"paired: the paper's distortion/swap ratio above the largest mu's (p < {ALPHA:g}"
            f", r >= {MIN_EFFECT:g})", paired_status(top["distortion_swap_effect"],
                                                       top["distortion_swap_p"])),
    ]


def remedy_caveat_claim(by_size: dict[int, pd.DataFrame]) -> pd.DataFrame:
    """The paper's caveat: the remedy "may be less effective as the dictionary size grows".

    The remedy's effect at a dictionary size is its largest penalty's paired effect on the
    distortion ratio at matched sparsity (``distortion_effect``, the rank-biserial
    correlation of the paper's codes' ratio over the penalty's; > 0 when the penalty lowers
    it; the median over dictionary seeds). The caveat holds (PASS) when the effect at the
    largest size is below the effect at the smallest by at least ``MIN_EFFECT``, fails
    when above it by as much, and is a TIE in between. The same mu grid serves every size,
    as the paper's sentence reads; a larger dictionary has more pairs, so the same mu
    weighs its overlaps more in all.

    Args:
        by_size: number of atoms -> that size's remedy table (``analysis/remedy.tsv``, with
            the matched columns), two sizes at least.
    """
    if len(by_size) < 2:
        raise ValueError(f"the caveat needs the remedy at two dictionary sizes at least, "
                         f"got {sorted(by_size)}")
    effects = {}
    for n_atoms, table in sorted(by_size.items()):
        if "distortion_effect" not in table:
            raise ValueError(f"the remedy table of {n_atoms} atoms has no matched columns "
                             f"(rule remedy_matched)")
        largest = table[table["mu"] == table["mu"].max()]  # a row per dictionary seed
        effects[n_atoms] = float(largest["distortion_effect"].median())
    small, large = min(effects), max(effects)
    change = effects[large] - effects[small]
    status = "TIE" if abs(change) < MIN_EFFECT else ("PASS" if change < 0 else "FAIL")
    ours = ", ".join(f"{n} atoms: r {effect:+.2f}" for n, effect in effects.items())
    return pd.DataFrame([row(
        "remedy_weaker_when_overcomplete", "Section 7 (caveat)", "The remedy lowers the "
        "distortion sensitivity less in a larger dictionary.", "less effective", ours,
        f"the largest mu's paired effect at matched sparsity, {large} atoms below {small} "
        f"atoms' by at least {MIN_EFFECT:g} (within that: TIE)", status)],
        columns=list(COLUMNS))
