"""`make remedy`: does the remedy the paper proposes lower the codes' sensitivity?

The paper ends by conjecturing that the sensitivity comes from the atoms' overlaps and that
a term encouraging orthogonal atoms could remedy it (after Sulam et al., 2020). Each
candidate adds ``mu/2 sum_{i<j} (d_i . d_j)^2`` per image to the learner's objective
(``dictionary.orthogonality``) and runs the workflow at the analysis lambda, in its own
results root, with every label count and the first evaluation seed.

The default grid, 0 and 1e-5 to 1e-2 by factors of 10, runs from no visible effect to
nearly orthogonal atoms: the full-scale lambda 0.3 dictionary without the penalty has
squared overlaps summing to 11,016 over its pairs and an objective of 6.68 per image, so
there the penalty would weigh 0.8 %, 8 %, 82 % and 820 % of the objective.

Writes ``<root>/analysis/remedy.tsv`` (one row per mu), ``remedy_accuracy.tsv`` (every
label count), ``remedy_claims.tsv`` (the conjecture, PASS or FAIL) and
``<root>/figures/remedy.png``.

Usage: python studies/remedy.py [--preset quick|smoke|full] [--grid 0,1e-4] [--cores N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sparsesens import candidates as candidates_io
from sparsesens import claims, figures, io, settings

REPO = Path(__file__).resolve().parents[1]
PRESETS = candidates_io.PRESETS
GRID = (0.0, 1e-5, 1e-4, 1e-3, 1e-2)
OUTPUTS = ("dictionaries/lam_{lam}.h5", "codes/summary.tsv", "sensitivity/summary.tsv",
           "analysis/digit_numbers.tsv", "analysis/rip.tsv", "eval/summary.tsv")


def overlay(base: dict, mu: float) -> dict:
    """One candidate: the penalty ``mu`` at the analysis lambda, the first evaluation seed."""
    return {"lambdas": [base["analysis"]["lam"]],
            "dictionary": {"orthogonality": mu},
            "evaluation": {"seeds": base["evaluation"]["seeds"][:1]}}


def candidate_row(mu: float, root: Path, lam: float) -> dict:
    """The remedy's quantities for one finished candidate."""
    tag = settings.lambda_tag(lam)
    D, _, _ = io.read_dictionary(root / f"dictionaries/lam_{tag}.h5")
    overlaps = np.abs(D.T @ D)[np.triu_indices(D.shape[1], 1)]
    shards = [io.read_code_shard(path) for path in
              sorted((root / f"codes/lam_{tag}").glob("train_*.h5"))]
    objective = np.concatenate([shard["objective"] for shard in shards])
    l1 = np.concatenate([np.abs(shard["codes"]).sum(axis=1) for shard in shards])
    active = np.concatenate([(shard["codes"] != 0).sum(axis=1) for shard in shards])
    digit = pd.read_csv(root / "analysis/digit_numbers.tsv", sep="\t")
    digit = digit.set_index("quantity")["value"]
    sens = pd.read_csv(root / "sensitivity/summary.tsv", sep="\t")
    sparse = sens[sens["representation"] == "sparse"].set_index("perturbation")["median"]
    rip = pd.read_csv(root / "analysis/rip.tsv", sep="\t").iloc[0]
    return {"mu": mu, "max_coherence": float(overlaps.max()),
            "mean_squared_overlap": float((overlaps ** 2).mean()),
            "overlap_q90": float(np.quantile(overlaps, 0.9)),
            "overlap_q99": float(np.quantile(overlaps, 0.99)),
            "certified_objective": float(objective.mean()),
            "reconstruction": float((objective - lam * l1).mean()),
            "mean_active": float(active.mean()),
            **{f"{kind}_median": float(sparse[kind]) for kind in sparse.index},
            **{q: float(digit[q]) for q in ("n_active", "smallest_singular_value",
                                            "largest_gain", "gain_spread")},
            "rip_delta_median": float(rip["delta_median"])}


def accuracy_rows(mu: float, root: Path) -> pd.DataFrame:
    table = pd.read_csv(root / "eval/summary.tsv", sep="\t")
    table = table[table["representation"] == "sparse"]
    return table[["classifier", "k", "test_mean"]].assign(mu=mu)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="quick")
    parser.add_argument("--grid", default=",".join(f"{mu:g}" for mu in GRID),
                        help="comma-separated penalty weights, 0 among them")
    parser.add_argument("--cores", default="all")
    parser.add_argument("--workdir", type=Path, default=REPO,
                        help="where the workflow runs (holds config.yaml and resources/)")
    args = parser.parse_args(argv)
    grid = sorted({float(mu) for mu in args.grid.split(",")})
    if grid[0] != 0 or len(grid) < 2 or any(mu < 0 for mu in grid):
        raise SystemExit(f"--grid {args.grid}: need 0 and at least one positive weight")
    workdir = args.workdir.resolve()
    preset_files, base = candidates_io.base_config(workdir, args.preset)
    lam = float(base["analysis"]["lam"])
    outputs = [out.format(lam=settings.lambda_tag(lam)) for out in OUTPUTS]
    rows, accuracy = [], []
    for mu in grid:
        root = candidates_io.run_candidate("remedy", f"mu {mu:g}", overlay(base, mu),
                                           preset_files, base, workdir, args.cores, outputs)
        rows.append(candidate_row(mu, root, lam))
        accuracy.append(accuracy_rows(mu, root))
    table = pd.DataFrame(rows)
    best = pd.concat(accuracy).query("k == k.max()").pivot(index="mu", columns="classifier",
                                                           values="test_mean")
    table = table.merge(best, left_on="mu", right_index=True)
    verdicts = claims.remedy_claims(table)
    out = workdir / base["results"]
    for name, frame in (("remedy.tsv", table), ("remedy_accuracy.tsv", pd.concat(accuracy)),
                        ("remedy_claims.tsv", verdicts)):
        with io.atomic_path(out / "analysis" / name) as tmp:
            frame.to_csv(tmp, sep="\t", index=False, float_format="%.5g")
    with io.atomic_path(out / "figures/remedy.png") as tmp:
        figures.remedy_curves(table).savefig(tmp, dpi=120, bbox_inches="tight")
    with pd.option_context("display.width", 250, "display.max_columns", 40):
        print(table.to_string(index=False))
        print(verdicts[["id", "our_value", "status"]].to_string(index=False))


if __name__ == "__main__":
    main(sys.argv[1:])
