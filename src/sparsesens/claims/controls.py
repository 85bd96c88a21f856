"""The claims about codes and dictionaries judged on control dictionaries too.

A PASS counts as reproduced only where something that was not learned fails it: each
claim of :data:`JUDGED` is checked, by the same functions, on the tables of every control
dictionary (:mod:`sparsesens.controls`, at the lambda that gives it the learned codes' mean
active atoms), and the table's ``verdict`` says which of these holds:

- ``reproduced``: the learned dictionary passes and every control fails or ties;
- ``holds for any dictionary``: a control passes too (reported, not counted as
  reproduced: the claim is about exact lasso codes at that sparsity, or the images);
- ``passes, no control``: a PASS on a claim no control is judged on (the MLP, the
  read-outs, the reconstructions, the finite steps, the remedy);
- ``check passes``: a PASS of a check (the ledger's :data:`~sparsesens.claims.ledger.CHECKS`:
  an identity, the data set, a calibration or a manipulation check), never a finding;
- ``FAIL`` and ``TIE``: the learned dictionary's own status.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sparsesens.analysis import rip_summary
from sparsesens.claims.numbers import linear_claims, number_claims, power_claims
from sparsesens.claims.sensitivity import sensitivity_claims
from sparsesens.claims.table import family
from sparsesens.sensitivity import summary_tables

VERDICTS = ("reproduced", "holds for any dictionary", "passes, no control", "check passes",
            "FAIL", "TIE")
# the claims (ids, or families of ids one per lambda) a control dictionary is judged on
JUDGED = (
    "distortion_above_swap", "sparse_noise_lowest", "distortion_swap_gap_intermediate",
    "noise_falls_with_lambda", "digit_max_overlap",
    "normalised_mean_filters", "normalised_mean_differences", "smallest_singular_value",
    "largest_gain", "gain_spread", "pair_gain_below_largest", "max_atom_coherence",
    "noise_power_mostly_null", "swap_distortion_power_off_null",
    "distortion_power_toward_high_gain", "rip_violated", "rip_beyond_random",
)


@dataclass
class ControlTables:
    """One control's tables over every learned dictionary it stands in for (the control
    rule's outputs, concatenated; each row names its learned dictionary's ``lam``)."""

    sensitivity: pd.DataFrame  # per sample and perturbation: ratio
    rip: pd.DataFrame          # per image: n_active, s_min, s_max, delta, random_delta
    digit: pd.DataFrame        # per lambda: the analysed digit's quantity and value
    spectrum: pd.DataFrame     # per lambda and gain rank: n_samples, mean_gain, rms_<kind>
    digits: pd.DataFrame       # per lambda and sampled digit: the digit numbers


def control_statuses(tables: ControlTables, learned_sensitivity: pd.DataFrame,
                     learned_paired: pd.DataFrame, analysis_lam: float
                     ) -> dict[str, tuple[str, str]]:
    """Claim id -> ``(status, our value)`` on one control, for the claims of :data:`JUDGED`.

    Args:
        tables: the control's tables.
        learned_sensitivity, learned_paired: the run's sensitivity summary and paired
            comparisons; their rows of representations without a dictionary (the MLP) stand
            beside the control's, as they stand beside the learned codes'.
        analysis_lam: the lambda of the digit analysis and the RIP claims.
    """
    by_lam = [("sparse", table) for _, table in tables.sensitivity.groupby("lam")]
    summary, paired = summary_tables(by_lam)
    summary = pd.concat([summary, learned_sensitivity[learned_sensitivity["lam"].isna()]])
    paired = pd.concat([paired, learned_paired[learned_paired["lam"].isna()]])
    rip = rip_summary([table for _, table in tables.rip.groupby("lam")])
    digit = tables.digit[np.isclose(tables.digit["lam"], analysis_lam)]
    spectrum = tables.spectrum[np.isclose(tables.spectrum["lam"], analysis_lam)]
    digits = tables.digits[np.isclose(tables.digits["lam"], analysis_lam)]
    empty_eq5 = pd.DataFrame(columns=["finite_ratio", "predicted", "single_finite_ratio"])
    rows = (sensitivity_claims(summary, paired)
            + number_claims(digit, {}, analysis_lam, digits)
            + power_claims(digit, spectrum)
            + linear_claims(empty_eq5, rip, analysis_lam))
    return {row["id"]: (row["status"], row["our_value"]) for row in rows
            if family(row["id"]) in JUDGED}


def with_controls(claims: pd.DataFrame,
                  controls: Mapping[str, Mapping[str, tuple[str, str]]]) -> pd.DataFrame:
    """``claims`` with the columns ``controls`` (each control's status and value on the
    row's claim, where it is judged) and ``verdict`` (:data:`VERDICTS`).

    Args:
        claims: the claims table of the learned dictionaries.
        controls: control name -> :func:`control_statuses`.
    """
    texts, verdicts = [], []
    for id_, section, status in zip(claims["id"], claims["section"], claims["status"],
                                    strict=True):
        judged = {name: found[id_] for name, found in controls.items() if id_ in found}
        texts.append("; ".join(f"{name} {s}: {value}" for name, (s, value) in judged.items()))
        verdicts.append(_verdict(section, status, [s for s, _ in judged.values()]))
    return claims.assign(controls=texts, verdict=verdicts)


def _verdict(section: str, status: str, control_statuses: list[str]) -> str:
    if status != "PASS":
        return status
    if section == "check":
        return "check passes"
    if not control_statuses:
        return "passes, no control"
    return "holds for any dictionary" if "PASS" in control_statuses else "reproduced"


def of_control(tables: Mapping[str, pd.DataFrame], name: str) -> ControlTables:
    """The rows of control ``name`` of each gathered table (column ``control``)."""
    return ControlTables(**{key: table[table["control"] == name].drop(columns="control")
                            for key, table in tables.items()})
