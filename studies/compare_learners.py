"""How much do the paper's quantities move with the dictionary learner?

For dictionaries learned on the same training images at one lambda (by the paper's learner
and by the online learner, each with two seeds, the second seed being the yardstick of
chance), measure on those images: the certified objective (Eq. 1 per image with exact
codes), the mean number of active atoms, the largest atom coherence, the first digit's
numbers (Fig. 2 and 3) and the median sensitivities to noise, swaps and elastic
distortions (Fig. 1) on a seeded sample of the images.

Dictionaries come from files (``--dictionary NAME=PATH``, as written by the workflow or by
``make bench``) or are learned here (``--learn METHOD:SEED``, with the workflow's default
settings; the paper's learner stops at its rule or after ``--paper-seconds``, or runs
exactly ``--paper-iterations``).

Usage: python studies/compare_learners.py --lam 0.3 --n-images 5000 \\
    --dictionary paper:0=results/benchmarks/dictionaries/paper_lam_0.3_n_5000.h5 \\
    --dictionary online:0=results/benchmarks/dictionaries/online_lam_0.3_n_5000.h5 \\
    --learn paper:1 --learn online:1 --out results/studies/learners_lam_0.3.tsv
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sparsesens import analysis, io, lasso
from sparsesens.dictionary import learn_dictionary, max_coherence
from sparsesens.dictionary.online import learn_dictionary_online
from sparsesens.dictionary.options import OnlineOptions
from sparsesens.pipeline.settings import dictionary_settings
from sparsesens.sensitivity import PERTURBATIONS, code_directional_derivative, draw_perturbations

REPO = Path(__file__).resolve().parents[1]
DIGIT_QUANTITIES = ("n_active", "max_overlap", "smallest_singular_value", "largest_gain",
                    "gain_spread")


def learn(X: np.ndarray, lam: float, method: str, seed: int, paper_seconds: float,
          paper_iterations: int | None):
    full = yaml.safe_load((REPO / "config.yaml").read_text())
    if method == "online":  # the learner's options as the workflow hands them over
        online = dictionary_settings(full, lam, 0.0)["online"]
        return learn_dictionary_online(X, lam, OnlineOptions.from_mapping(online), seed=seed).D
    if method == "paper":
        if paper_iterations is not None:  # a fixed length, whatever the machine's load
            return learn_dictionary(X, lam, max_iter=paper_iterations, seed=seed,
                                    rel_tol=0).D
        return learn_dictionary(X, lam, max_iter=10 ** 7, seed=seed,
                                max_seconds=paper_seconds).D
    raise SystemExit(f"unknown learner {method!r}; allowed: online, paper")


def measure(X: np.ndarray, D: np.ndarray, lam: float, n_samples: int) -> dict:
    result = lasso.encode(X, D, lam)
    R = result.codes
    objective = lasso.lasso_objective(X, D, R, lam)
    numbers = analysis.digit_numbers(D, R[0])
    row = {"certified_objective": float(objective.mean()), "n_failed": result.n_failed,
           "mean_active": float((R != 0).sum(axis=1).mean()),
           "max_coherence": max_coherence(D),
           **{f"digit0_{q}": float(numbers[q]) for q in DIGIT_QUANTITIES}}
    samples = draw_perturbations(X, n_samples, seed=0)
    codes = R[samples.image_index]
    for kind in PERTURBATIONS:
        ratio = code_directional_derivative(D, codes, samples.dx[kind])
        row[f"median_{kind}"] = float(np.median(ratio))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lam", type=float, default=0.3)
    parser.add_argument("--n-images", type=int, default=5000)
    parser.add_argument("--n-samples", type=int, default=1000)
    parser.add_argument("--dictionary", action="append", default=[], metavar="METHOD:SEED=PATH")
    parser.add_argument("--learn", action="append", default=[], metavar="METHOD:SEED")
    parser.add_argument("--paper-seconds", type=float, default=900.0)
    parser.add_argument("--paper-iterations", type=int, default=None,
                        help="run the paper's learner this many iterations instead")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    X = io.load_mnist(REPO / "resources" / io.MNIST_WHEEL)["train"][0][:args.n_images]
    X = X.astype(np.float64)
    dictionaries = {}
    for item in args.dictionary:
        name, path = item.split("=", 1)
        dictionaries[name] = io.read_dictionary(path)[0]
    for item in args.learn:
        method, seed = item.split(":")
        print(f"learning {item} ...", flush=True)
        dictionaries[item] = learn(X, args.lam, method, int(seed), args.paper_seconds,
                                   args.paper_iterations)
    rows = []
    for name, D in dictionaries.items():
        method, seed = name.split(":")
        rows.append({"learner": method, "seed": int(seed), "lam": args.lam,
                     "n_images": len(X), **measure(X, D, args.lam, args.n_samples)})
        print(rows[-1], flush=True)
    table = pd.DataFrame(rows).sort_values(["learner", "seed"])
    with io.atomic_path(args.out) as tmp:
        table.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(table.to_string(index=False))


if __name__ == "__main__":
    main()
