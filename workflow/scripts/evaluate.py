"""Nearest-neighbour and logistic-regression accuracy of one representation for one seed."""

import time

import numpy as np
import pandas as pd

from sparsesens import io
from sparsesens.classify import GRADIENT_TOLERANCE, evaluate_subsets, evaluation_rows, rms_scale
from sparsesens.job import Job, read_table

sm = snakemake  # noqa: F821
job = Job(sm)
opts, seed = sm.params.settings, int(sm.wildcards.seed)
labels = read_table(sm.input.labels)
# every labelled image of this seed (the largest subset holds all smaller ones)
pool = np.unique(labels["image_index"].to_numpy())
position = {image: row for row, image in enumerate(pool)}
subsets = {k: np.array([position[i] for i in group["image_index"]])
           for k, group in labels.groupby("k")}
(_, y_train), (_, y_valid) = (io.read_split(sm.input.data, split) for split in ("train", "valid"))
train, valid = (io.read_representation(split, sm.input.data, getattr(sm.input, "features", None),
                                       getattr(sm.input, f"{split}_shards", None), rows)
                for split, rows in (("train", pool), ("valid", None)))
scale = rms_scale(train)
job.log.info("%s seed %d: %d labelled images, %d validation, %d dims (divided by %.4g)",
             sm.wildcards.rep, seed, len(pool), len(valid), train.shape[1], scale)
start = time.perf_counter()


def report(k, nn, best):
    job.log.info("k=%5d  1-NN euclidean %.4f cosine %.4f  logistic train %.4f test %.4f "
                 "(decay %g, %d L-BFGS iterations, largest gradient entry %.1e; %.0f s so far)",
                 k, nn["euclidean"], nn["cosine"], best["train_acc"], best["test_acc"],
                 best["weight_decay"], best["iterations"], best["max_gradient"],
                 time.perf_counter() - start)


# knn_chunk_size comes from the config, not a param: it bounds memory, not results
nn_accuracy, sweep, chosen = evaluate_subsets(
    train / scale, y_train[pool], valid / scale, y_valid, subsets, opts["weight_decays"],
    device=job.device, max_iter=opts["logistic_max_iter"],
    chunk_size=sm.config["evaluation"]["knn_chunk_size"], progress=report)
short = [row for row in sweep if row["max_gradient"] > GRADIENT_TOLERANCE]
if short:
    job.log.warning("%d of %d logistic fits ended above the gradient tolerance %g (%d at the "
                    "%d-iteration cap; largest gradient entry %.1e); the sweep table has "
                    "each fit's", len(short), len(sweep), GRADIENT_TOLERANCE,
                    sum(row["iterations"] >= opts["logistic_max_iter"] for row in short),
                    opts["logistic_max_iter"], max(row["max_gradient"] for row in short))
representation, lam = sm.params.representation, sm.params.lam
job.write_table(pd.DataFrame(sweep).assign(representation=representation, lam=lam, seed=seed),
                sm.output.sweep)
job.write_table(pd.DataFrame(evaluation_rows(representation, lam, seed, nn_accuracy, chosen)),
                sm.output.tsv)
