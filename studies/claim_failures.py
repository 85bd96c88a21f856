"""Measurements behind the notes on the FAILs of a full-scale claims table (docs/full-scale-run.md).

Reads a finished results root (the paper-scale run of `make reproduce`) and prints four
Markdown tables:

1. the first three training digits at every lambda: active filters, smallest singular
   value and largest gain of the active dictionary, gain spread, and the dictionary's
   largest atom coherence (pixel scale c at lambda is the problem lambda / c as given, so
   lambda 0.1 is the paper's 0.3 with pixels about 3x ours);
2. the MLP with the configured schedule on pixels as given and on pixels / 0.3081 (MNIST's
   global standard deviation), two seeds each, and a logistic read-out of its hidden layer
   with the largest label count (seed 0 of the evaluation's labelled subsets, each weight
   decay of the configuration, the best on the validation split, as `evaluate` chooses);
3. random net minus pixels, 1-NN accuracy, per label count, paired by seed;
4. sparse codes minus random net, logistic accuracy, per lambda and label count, paired.

Usage: python studies/claim_failures.py results [--skip-mlp]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sparsesens import analysis, io
from sparsesens.baselines.mlp import accuracy, hidden_layer, train_mlp
from sparsesens.evaluation import logistic_path, rms_scale
from sparsesens.pipeline import settings

GLOBAL_STD = 0.3081  # MNIST's pixel standard deviation, the usual PyTorch normalisation


def digit_table(root: Path, lambdas: list[float], digits=(0, 1, 2)) -> pd.DataFrame:
    rows = []
    for lam in lambdas:
        tag = settings.lambda_tag(lam)
        D, _, attrs = io.read_dictionary(root / f"dictionaries/lam_{tag}.h5")
        shards = sorted((root / f"codes/lam_{tag}").glob("train_*.h5"),
                        key=lambda p: int(p.stem.split("_")[1]))
        codes = io.read_split_codes(shards[:1], attrs["sha256"])["codes"]
        for digit in digits:
            numbers = analysis.digit_numbers(D, codes[[digit]].toarray()[0])
            rows.append({"lam": lam, "digit": digit, "active": int(numbers["n_active"]),
                         "smallest_sv": numbers["smallest_singular_value"],
                         "largest_gain": numbers["largest_gain"],
                         "gain_spread": numbers["gain_spread"],
                         "coherence": float(attrs["max_coherence"])})
    return pd.DataFrame(rows)


def mlp_table(root: Path, config: dict, seeds=(0, 1)) -> pd.DataFrame:
    splits = {split: io.read_split(root / "data/mnist.h5", split) for split in ("train", "valid")}
    labels = pd.read_csv(root / "eval/labels/seed_0.tsv", sep="\t")
    k = labels["k"].max()
    rows_k = labels.loc[labels["k"] == k, "image_index"].to_numpy()
    schedule = [(phase["steps"], phase["lr"]) for phase in config["mlp"]["schedule"]]
    rows = []
    for scale in (1.0, 1 / GLOBAL_STD):
        for seed in seeds:
            X, y = splits["train"][0] * scale, splits["train"][1]
            Xv, yv = splits["valid"][0] * scale, splits["valid"][1]
            net = train_mlp(X, y, hidden=config["mlp"]["hidden"],
                            batch_size=config["mlp"]["batch_size"], schedule=schedule,
                            seed=seed).model
            row = {"pixels": "as given" if scale == 1 else "/ 0.3081", "seed": seed,
                   "train": accuracy(net, X, y), "valid": accuracy(net, Xv, yv)}
            if seed == seeds[0]:
                H, Hv = hidden_layer(net, X[rows_k]), hidden_layer(net, Xv)
                s = rms_scale(H)
                fits = logistic_path(H / s, y[rows_k], config["evaluation"]["weight_decays"],
                                     max_iter=config["evaluation"]["logistic_max_iter"])
                row[f"logistic_k{k}"] = max(m.accuracy(Hv / s, yv) for m in fits.values())
            rows.append(row)
    return pd.DataFrame(rows)


def paired(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Accuracy of ``a`` minus ``b`` per label count: mean, least and largest over seeds."""
    both = a.merge(b, on=["k", "seed"], suffixes=("_a", "_b"))
    both["diff"] = both["test_acc_a"] - both["test_acc_b"]
    return both.groupby("k")["diff"].agg(["mean", "min", "max"])


def evaluation_tables(root: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    ev = pd.read_csv(root / "eval/results.tsv", sep="\t")

    def rep(name, classifier, lam=None):
        rows = ev[(ev["representation"] == name) & (ev["classifier"] == classifier)]
        if lam is not None:
            rows = rows[np.isclose(rows["lam"], lam)]
        return rows[["k", "seed", "test_acc"]]

    knn = pd.concat({metric: paired(rep("random", f"knn_{metric}"),
                                    rep("pixels", f"knn_{metric}"))
                     for metric in ("euclidean", "cosine")}, axis=1)
    knn.columns = [f"{metric} {stat}" for metric, stat in knn.columns]
    lams = sorted(ev.loc[ev["representation"] == "sparse", "lam"].unique())
    linear = pd.concat({f"{lam:g}": paired(rep("sparse", "logistic", lam),
                                           rep("random", "logistic"))["mean"]
                        for lam in lams}, axis=1)
    return knn, linear


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="a finished paper-scale results root")
    parser.add_argument("--config", type=Path, default=Path("config.yaml"))
    parser.add_argument("--skip-mlp", action="store_true", help="leave out table 2")
    args = parser.parse_args()
    config = yaml.safe_load(args.config.read_text())
    print(digit_table(args.root, config["lambdas"]).to_markdown(index=False, floatfmt=".3g"))
    if not args.skip_mlp:
        print(mlp_table(args.root, config).to_markdown(index=False, floatfmt=".4f"))
    for table in evaluation_tables(args.root):
        print(table.to_markdown(floatfmt=".4f"))


if __name__ == "__main__":
    main()
