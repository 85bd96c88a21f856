"""Nearest-neighbour and logistic-regression accuracy of one representation for one seed."""

import time

import numpy as np
import pandas as pd

from sparsesens import io
from sparsesens.classify import (
    METRICS,
    evaluation_rows,
    logistic_sweep,
    nearest_neighbour_accuracy,
    rms_scale,
)
from sparsesens.job import Job

sm = snakemake  # noqa: F821
job = Job(sm)
log = job.log
device = job.device
opts, rep, seed = sm.params.settings, sm.wildcards.rep, int(sm.wildcards.seed)
labels = pd.read_csv(sm.input.labels, sep="\t")
# every labelled image of this seed (the largest subset holds all smaller ones)
pool = np.unique(labels["image_index"].to_numpy())
_, y_train = io.read_split(sm.input.data, "train")
_, y_valid = io.read_split(sm.input.data, "valid")


def features(split, rows=None):
    """This representation of one split's images (``rows`` of it), float32."""
    if rep == "pixels":
        X, _ = io.read_split(sm.input.data, split)
    elif rep in ("mlp", "random"):
        X = io.read_arrays(sm.input.features, [split])[0][split]
    else:
        codes = io.read_split_codes(sm.input[f"{split}_shards"])["codes"]
        return (codes if rows is None else codes[rows]).toarray().astype(np.float32)
    return np.asarray(X if rows is None else X[rows], dtype=np.float32)


train, valid = features("train", pool), features("valid")
scale = rms_scale(train)
train, valid = train / scale, valid / scale
log.info("%s seed %d: %d labelled images, %d validation, %d dims (divided by %.4g)",
         rep, seed, len(pool), len(valid), train.shape[1], scale)
position = {image: row for row, image in enumerate(pool)}
subsets = {k: np.array([position[i] for i in group["image_index"]])
           for k, group in labels.groupby("k")}

start = time.perf_counter()
nn_accuracy = {metric: nearest_neighbour_accuracy(
    train, y_train[pool], valid, y_valid, subsets, metric, device=device,
    chunk_size=sm.config["evaluation"]["knn_chunk_size"]) for metric in METRICS}
log.info("nearest neighbours: %.1f s", time.perf_counter() - start)

sweep, chosen = [], []
for k, rows in subsets.items():
    start = time.perf_counter()
    scores, best = logistic_sweep(train[rows], y_train[pool][rows], valid, y_valid,
                                  opts["weight_decays"], device=device,
                                  max_iter=opts["logistic_max_iter"])
    sweep += [{"k": k, **row} for row in scores]
    chosen.append({"k": k, **best})
    log.info("k=%5d  1-NN euclidean %.4f cosine %.4f  logistic train %.4f test %.4f "
             "(decay %g, %.1f s)", k, nn_accuracy["euclidean"][k], nn_accuracy["cosine"][k],
             best["train_acc"], best["test_acc"], best["weight_decay"],
             time.perf_counter() - start)

representation, lam = sm.params.representation, sm.params.lam
table = pd.DataFrame(evaluation_rows(representation, lam, seed, nn_accuracy, chosen))
job.write_table(pd.DataFrame(sweep).assign(representation=representation, lam=lam, seed=seed),
                sm.output.sweep)
job.write_table(table, sm.output.tsv)
