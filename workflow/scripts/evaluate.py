"""Nearest-neighbour and logistic-regression accuracy of one representation, every seed: the
weight decay chosen on the validation split, the accuracies reported on the test split."""

import time

import pandas as pd

from sparsesens import io
from sparsesens.evaluation import (
    GRADIENT_TOLERANCE,
    LabelledPool,
    bootstrap_intervals,
    evaluate_seeds,
    evaluation_rows,
    interval_rows,
    unconverged_fits,
)
from sparsesens.pipeline.job import Job, read_table
from sparsesens.records import DictionaryRecord

sm = snakemake  # noqa: F821
job = Job(sm)
opts = sm.params.settings
# each labelled-subset table names its seed; the seeds' images are read once, as one pool
labels = {int(table["seed"].iloc[0]): {k: group["image_index"].to_numpy()
                                       for k, group in table.groupby("k")}
          for table in map(read_table, sm.input.labels)}
labelled = LabelledPool.of(labels)
pool = labelled.images
y_train, y_valid, y_test = (io.read_split(sm.input.data, split)[1] for split in io.SPLITS)
train, valid, test = (io.read_representation(split, sm.input.data,
                                             getattr(sm.input, "features", None),
                                             getattr(sm.input, f"{split}_shards", None), rows)
                      for split, rows in (("train", pool), ("valid", None), ("test", None)))
job.log.info("%s, seeds %s: %d labelled images in all, %d validation, %d test, %d dims",
             sm.wildcards.rep, ", ".join(map(str, labels)), len(pool), len(valid), len(test),
             train.shape[1])
start = time.perf_counter()


def report(seed, k, nn, best):
    job.log.info("seed %d k=%5d  test: 1-NN euclidean %.4f cosine %.4f, logistic %.4f (train "
                 "%.4f, valid %.4f at decay %g, %d L-BFGS iterations, largest gradient entry "
                 "%.1e; %.0f s so far)", seed, k, nn["euclidean"], nn["cosine"],
                 best["test_acc"], best["train_acc"], best["valid_acc"],
                 best["weight_decay"], best["iterations"], best["max_gradient"],
                 time.perf_counter() - start)


results = evaluate_seeds(
    train, y_train[pool], valid, y_valid, labelled.subsets, opts["weight_decays"], test=test,
    test_labels=y_test, wider_decays=opts["wider_weight_decays"], device=job.device,
    max_iter=opts["logistic_max_iter"], chunk_size=sm.params.speed.evaluation_knn_chunk_size,
    progress=report)
short = unconverged_fits(results)
if short:
    job.log.warning("%d of %d logistic fits ended above the gradient tolerance %g (%d at the "
                    "%d-iteration cap; largest gradient entry %.1e); the sweep tables have "
                    "each fit's", len(short), sum(len(r.sweep) for r in results.values()),
                    GRADIENT_TOLERANCE,
                    sum(row["iterations"] >= opts["logistic_max_iter"] for row in short),
                    opts["logistic_max_iter"], max(row["max_gradient"] for row in short))
representation = sm.params.representation
# a sparse code's rows name its dictionary by the record its shards carry
shards = getattr(sm.input, "train_shards", None)
record = (DictionaryRecord.from_attrs(io.read_attrs(shards[0]), shards[0]).attrs()
          if shards else {})
lam, mu, dictionary_seed = (record.get(key) for key in ("lam", "mu", "dictionary_seed"))
# the same draws for every representation: each resamples the same seeds and test images
intervals = bootstrap_intervals({seed: result.test_hits for seed, result in results.items()},
                                opts["bootstrap_resamples"], sm.params.bootstrap_seed)
job.write_table(pd.DataFrame(interval_rows(representation, lam, intervals, mu=mu,
                                           dictionary_seed=dictionary_seed)),
                sm.output.intervals)
for (seed, result), tsv, sweep_tsv in zip(results.items(), sm.output.tsv, sm.output.sweep,
                                          strict=True):
    job.write_table(pd.DataFrame(result.sweep).assign(
        representation=representation, lam=lam, mu=mu, dictionary_seed=dictionary_seed,
        seed=seed), sweep_tsv)
    job.write_table(pd.DataFrame(evaluation_rows(
        representation, lam, seed, result.nn_accuracy, result.chosen, mu=mu,
        dictionary_seed=dictionary_seed, nn_valid_accuracy=result.nn_valid_accuracy)), tsv)
