"""The paper's claims, each checked on this run's own numbers.

Every claim is one row (:data:`COLUMNS`): its id, where the paper makes it, the claim in
one sentence, the paper's own sentence that it tests, the paper's value and ours, the
criterion, the status (PASS, FAIL or TIE) and, unless it passes, a note. Criteria are fixed
here, before any number is seen; a FAIL is reported as it is, and a paired order that the
run cannot tell from no order is a TIE, never a PASS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import pandas as pd

from sparsesens.claims.evaluation import evaluation_claims
from sparsesens.claims.numbers import (
    active_fraction_claim,
    linear_claims,
    number_claims,
    power_claims,
)
from sparsesens.claims.remedy import remedy_caveat_claim, remedy_claims
from sparsesens.claims.sensitivity import finite_claim, sensitivity_claims
from sparsesens.claims.table import ALPHA, COLUMNS, MIN_EFFECT, STATUSES, over_seeds

__all__ = ["ALPHA", "COLUMNS", "MIN_EFFECT", "STATUSES", "Inputs", "build_claims",
           "remedy_caveat_claim", "remedy_claims", "remedy_claims_over_seeds"]


@dataclass
class Inputs:
    """The tables a claims check reads (see the workflow's claims rule)."""

    sensitivity: pd.DataFrame   # sensitivity/summary.tsv
    paired: pd.DataFrame        # sensitivity/paired.tsv
    mlp_metrics: Mapping[str, float]  # mlp/metrics.json
    digit: pd.DataFrame         # analysis/digit_numbers.tsv
    spectrum: pd.DataFrame      # analysis/spectrum.tsv
    eq5: pd.DataFrame           # analysis/eq5.tsv
    rip: pd.DataFrame           # analysis/rip.tsv
    evaluation: pd.DataFrame    # eval/summary.tsv
    analysis_lam: float
    remedy: pd.DataFrame | None = None  # analysis/remedy.tsv, when the grid has a mu > 0
    # analysis/digits.tsv: the digit numbers of many digits, per dictionary seed
    digits: pd.DataFrame | None = None
    finite: pd.DataFrame | None = None  # sensitivity/finite/lam_X.tsv of the analysis lambda
    codes: pd.DataFrame | None = None   # codes/summary.tsv: active fractions per lambda


def build_claims(inputs: Inputs) -> pd.DataFrame:
    """Every claim of the paper this workflow checks, as a tidy table (see COLUMNS): the
    remedy's conjecture last, when ``inputs.remedy`` is given.

    With several dictionary seeds every claim is checked on each seed's tables and holds
    only as far as every seed agrees (:func:`~sparsesens.claims.table.over_seeds`); the
    first digit's numbers, its spectrum and Eq. 5 are the first seed's.
    """
    rows = _merged({seed: _claims(_of_seed(inputs, seed))
                    for seed in _dictionary_seeds(inputs)})
    if inputs.remedy is not None:
        rows += remedy_claims_over_seeds(inputs.remedy).to_dict("records")
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _merged(per_seed: dict[int, list[dict]]) -> list[dict]:
    """Each seed's claims rows (the same claims in the same order) as one row per claim."""
    return [over_seeds(dict(zip(per_seed, same, strict=True)))
            for same in zip(*per_seed.values(), strict=True)]


def remedy_claims_over_seeds(remedy: pd.DataFrame) -> pd.DataFrame:
    """The remedy's claims (:func:`remedy_claims`) on each dictionary seed's rows of
    ``analysis/remedy.tsv``, as one row per claim that holds as far as every seed agrees."""
    _require_seeds(remedy, "remedy")
    rows = _merged({int(seed): remedy_claims(of_seed).to_dict("records")
                    for seed, of_seed in remedy.groupby("dictionary_seed")})
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _claims(inputs: Inputs) -> list[dict]:
    lam = inputs.analysis_lam
    return (sensitivity_claims(inputs.sensitivity, inputs.paired)
            + [active_fraction_claim(inputs.codes), finite_claim(inputs.finite, lam)]
            + number_claims(inputs.digit, inputs.mlp_metrics, lam, inputs.digits)
            + power_claims(inputs.digit, inputs.spectrum)
            + linear_claims(inputs.eq5, inputs.rip, lam)
            + evaluation_claims(inputs.evaluation, lam))


_PER_SEED = ("sensitivity", "paired", "rip", "evaluation")
# per-dictionary tables that a run may lack (checked and cut only where given)
_PER_SEED_OPTIONAL = ("digits",)


def _require_seeds(table: pd.DataFrame, name: str) -> None:
    """Refuse a per-dictionary table that does not say which dictionary seed a row is of."""
    if "dictionary_seed" not in table:
        raise ValueError(f"the {name} table has no dictionary_seed column: made by a "
                         "version before dictionaries carried their record; run the "
                         "workflow again to rebuild it")


def _dictionary_seeds(inputs: Inputs) -> list[int]:
    """The dictionary seeds the per-dictionary tables hold."""
    seeds = set()
    for name in _given(inputs):
        table = getattr(inputs, name)
        _require_seeds(table, name)
        seeds |= {int(seed) for seed in table["dictionary_seed"].dropna().unique()}
    return sorted(seeds)


def _given(inputs: Inputs) -> list[str]:
    """The per-dictionary tables ``inputs`` holds."""
    return [*_PER_SEED, *(name for name in _PER_SEED_OPTIONAL
                          if getattr(inputs, name) is not None)]


def _of_seed(inputs: Inputs, seed: int) -> Inputs:
    """``inputs`` with each per-dictionary table cut to ``seed``'s rows and the rows of
    representations without a dictionary (no seed)."""
    cut = {}
    for name in _given(inputs):
        table = getattr(inputs, name)
        cut[name] = table[table["dictionary_seed"].isna() | (table["dictionary_seed"] == seed)]
    return replace(inputs, **cut)
