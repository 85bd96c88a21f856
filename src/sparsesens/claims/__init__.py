"""The paper's claims, each checked on this run's own numbers.

Every claim is one row (:data:`COLUMNS`): its id, where the paper makes it, the claim in
one sentence, the paper's own sentence that it tests, the paper's value and ours, the
criterion, the status (PASS, FAIL or TIE) and, unless it passes, a note. Criteria are fixed
here, before any number is seen; a FAIL is reported as it is, and a paired order that the
run cannot tell from no order is a TIE, never a PASS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from sparsesens.claims.evaluation import evaluation_claims
from sparsesens.claims.numbers import linear_claims, number_claims, power_claims
from sparsesens.claims.remedy import remedy_claims
from sparsesens.claims.sensitivity import sensitivity_claims
from sparsesens.claims.table import ALPHA, COLUMNS, MIN_EFFECT, STATUSES

__all__ = ["ALPHA", "COLUMNS", "MIN_EFFECT", "STATUSES", "Inputs", "build_claims",
           "remedy_claims"]


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


def build_claims(inputs: Inputs) -> pd.DataFrame:
    """Every claim of the paper this workflow checks, as a tidy table (see COLUMNS): the
    remedy's conjecture last, when ``inputs.remedy`` is given."""
    lam = inputs.analysis_lam
    rows = (sensitivity_claims(inputs.sensitivity, inputs.paired, lam)
            + number_claims(inputs.digit, inputs.mlp_metrics, lam)
            + power_claims(inputs.digit, inputs.spectrum)
            + linear_claims(inputs.eq5, inputs.rip, lam)
            + evaluation_claims(inputs.evaluation, lam))
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    if inputs.remedy is None:
        return table
    return pd.concat([table, remedy_claims(inputs.remedy)], ignore_index=True)
