"""The read-out of one representation for one labelled-subset seed, timed per label count.

Runs ``sparsesens.evaluation.evaluate_seeds`` as the evaluate rule does (1-NN, then both
scalings' logistic fits over the paper's and the wider grid) on a full-scale results root's
data, for seed 0's labelled subsets at the label counts named, and writes one row per
label count: seconds, fits, L-BFGS iterations, fits above the gradient tolerance, and the
chosen fits' test accuracies (the first label count's seconds include the 1-NN distances of
all of them). To compare two versions of the solver side by side, run it
twice in one session, the older with ``PYTHONPATH=<older checkout>/src``.

Usage: python benchmarks/readout.py REPRESENTATION K[,K...] OUT.tsv [RESULTS]
       (REPRESENTATION: pixels or random; RESULTS: the results root, default results)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd
import yaml

from sparsesens import evaluation, io

REPO = Path(__file__).resolve().parents[1]


def main(representation: str, label_counts: list[int], out: Path, root: Path) -> None:
    if representation not in ("pixels", "random"):
        raise SystemExit(f"representation must be pixels or random, got {representation!r}")
    settings = yaml.safe_load((REPO / "config.yaml").read_text())["evaluation"]
    labels = pd.read_csv(root / "eval/labels/seed_0.tsv", sep="\t")
    pool = evaluation.LabelledPool.of({0: {k: group["image_index"].to_numpy()
                                           for k, group in labels.groupby("k")
                                           if k in label_counts}})
    data = root / "data/mnist.h5"
    features = root / "random/features.h5" if representation == "random" else None
    y_train, y_valid, y_test = (io.read_split(data, split)[1] for split in io.SPLITS)
    train, valid, test = (io.read_representation(split, data, features, None, rows)
                          for split, rows in (("train", pool.images), ("valid", None),
                                              ("test", None)))
    times, last = {}, [time.perf_counter()]

    def report(seed, k, nn, best):
        now = time.perf_counter()
        times[k], last[0] = now - last[0], now
        print(f"k={k}: {times[k]:.1f} s", flush=True)

    result = evaluation.evaluate_seeds(
        train, y_train[pool.images], valid, y_valid, pool.subsets, settings["weight_decays"],
        test=test, test_labels=y_test, wider_decays=settings["wider_weight_decays"],
        max_iter=settings["logistic_max_iter"], progress=report)[0]
    sweep, chosen = pd.DataFrame(result.sweep), pd.DataFrame(result.chosen)
    rows = []
    for k in label_counts:
        fits = sweep[sweep["k"] == k]
        accuracies = chosen[chosen["k"] == k].set_index("classifier")["test_acc"]
        rows.append({"representation": representation, "k": k, "seconds": times[k],
                     "fits": len(fits), "iterations": int(fits["iterations"].sum()),
                     "above_tolerance": int((fits["max_gradient"]
                                             > evaluation.GRADIENT_TOLERANCE).sum()),
                     **{f"test_{name}": value for name, value in accuracies.items()}})
    table = pd.DataFrame(rows)
    with io.atomic_path(out) as tmp:
        table.to_csv(tmp, sep="\t", index=False, float_format="%.4g")
    print(table.to_string(index=False))


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5):
        raise SystemExit(__doc__)
    main(sys.argv[1], [int(k) for k in sys.argv[2].split(",")], Path(sys.argv[3]),
         Path(sys.argv[4] if len(sys.argv) == 5 else "results"))
