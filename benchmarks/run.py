"""`make bench`: this project's solvers against their peers, each part in one process.

encode: at each of the paper's five lambdas, on the same 2,000 validation images and the
quick preset's dictionaries (made by the workflow if missing), this encoder against SPAMS'
LARS and scikit-learn, every code checked against Eq. 9; see benchmarks/encoders.py.
Writes results/benchmarks/encode.tsv.

evaluation: on the real MNIST pixels (300 and 1,000 labelled images per class, the 10,000
validation images), 1-nearest neighbour and logistic regression of sparsesens.evaluation
against scikit-learn's KNeighborsClassifier and LogisticRegression: time and agreement.
Writes results/benchmarks/evaluation.tsv.

dictionary: the dictionary learners (ours, the paper's, scikit-learn's, SPAMS') by certified
objective against wall time; see benchmarks/dictionary_learners.py. Writes
results/benchmarks/dictionary.tsv, dictionary_curves.tsv and dictionary.png. It runs for
about two hours on 2 cores; `make bench-dictionary` runs it alone.

Usage: python benchmarks/run.py [encode] [evaluation] [dictionary]
       (encode and evaluation when none is named)
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from sparsesens import io
from sparsesens.pipeline.logs import PRODUCT_LABEL, product_milliseconds

sys.path.insert(0, str(Path(__file__).parent))
from dictionary_learners import dictionary_benchmark  # noqa: E402
from encoders import encode_benchmark, timed  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "results/benchmarks/evaluation.tsv"


def evaluation_benchmark() -> None:
    """Our 1-NN and logistic regression against scikit-learn's, same data, same process."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier

    from sparsesens import evaluation

    data = io.load_mnist(REPO / "resources" / io.MNIST_WHEEL)
    X, y = data["train"]
    Xv, yv = data["valid"]
    rows = []
    decay = 1e-3
    for k in (300, 1000):
        train = evaluation.labelled_subset(y, k, seed=0)
        for metric in evaluation.METRICS:
            # the same labelled set for both (the workflow passes a seed's largest set
            # and serves every smaller k from the same distances)
            ours, t_ours = timed(lambda train=train, metric=metric, k=k:
                                 evaluation.nearest_neighbour_accuracy(
                                     X[train], y[train], Xv, yv, {k: np.arange(len(train))},
                                     metric)[k])
            ref, t_ref = timed(lambda train=train, metric=metric: KNeighborsClassifier(
                1, metric=metric, algorithm="brute").fit(X[train], y[train]).score(Xv, yv))
            rows.append({"task": f"1-NN {metric}", "labels_per_class": k,
                         "ours_s": t_ours, "sklearn_s": t_ref, "ours_acc": ours,
                         "sklearn_acc": ref, "agreement": abs(ours - ref)})
        scale = evaluation.rms_scale(X[train])
        Xs, Xvs = X[train] / scale, Xv / scale
        model, t_ours = timed(lambda Xs=Xs, train=train: evaluation.fit_logistic(
            Xs, y[train], decay, tolerance=1e-6))
        ref, t_ref = timed(lambda Xs=Xs, train=train: LogisticRegression(
            C=1 / (len(train) * decay), max_iter=1000, tol=1e-6).fit(Xs, y[train]))
        rows.append({"task": f"logistic, weight decay {decay:g}", "labels_per_class": k,
                     "ours_s": t_ours, "sklearn_s": t_ref,
                     "ours_acc": model.accuracy(Xvs, yv), "sklearn_acc": ref.score(Xvs, yv),
                     "agreement": float(np.abs(model.W.numpy() - ref.coef_).max())})
        print(f"k={k}: done", flush=True)
    table = pd.DataFrame(rows)
    table["speedup"] = table["sklearn_s"] / table["ours_s"]
    table["machine"] = (f"{platform.machine()}, {torch.get_num_threads()} threads, "
                        f"{PRODUCT_LABEL} {product_milliseconds():.1f} ms")
    with io.atomic_path(OUT) as tmp:
        table.to_csv(tmp, sep="\t", index=False, float_format="%.4g")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.drop(columns="machine").to_string(index=False))
    print("agreement: |accuracy difference| for 1-NN, largest |weight difference| for "
          f"logistic; written to {OUT.relative_to(REPO)}")


def main(parts: list[str]) -> None:
    unknown = set(parts) - {"encode", "evaluation", "dictionary"}
    if unknown:
        raise SystemExit(f"unknown benchmark {sorted(unknown)}; allowed: encode, evaluation, "
                         "dictionary")
    if "dictionary" in parts:
        dictionary_benchmark()
    if "evaluation" in parts or not parts:
        evaluation_benchmark()
    if "encode" in parts or not parts:
        encode_benchmark()


if __name__ == "__main__":
    main(sys.argv[1:])
