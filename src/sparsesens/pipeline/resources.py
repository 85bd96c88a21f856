"""What one job of each heavy rule asks a scheduler for: memory (MiB) and wall time (min).

The requests start from the largest job of each rule in the two full-scale runs on 2 CPU
cores (2026-11-28, pixels as given and pixels / 0.3081, the default;
``benchmarks/reference/full_cpu_2026-11-28/`` and ``full_cpu_scaled_2026-11-28/``,
``benchmarks_pipeline.tsv``): the larger of the two peaks and wall times, which under the
default scaling are the longer ones (denser codes). ``measured_resources.tsv`` beside this
module holds them, each with its source. They scale with the configured size that drives
the rule, add a margin, and grow with each attempt, so that a retry after an out-of-memory
or time-out kill asks for more.

Local runs are not limited by these numbers unless ``--resources mem_mb=...`` is given; on
a cluster they become the job's ``--mem`` and ``--time``.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from importlib.resources import files
from typing import Any, NamedTuple

from sparsesens.pipeline.dataset import n_images

# resident memory of a job that only imports torch and reads its inputs
BASE_MIB = 512
# memory margin over the estimate: allocator peaks between the benchmark's samples
MEMORY_MARGIN = 1.5
# time margin over the 2-core measurement: machines here differ 2-3x in speed
TIME_MARGIN = 3.0
MIN_MINUTES = 10
# the paper's learner: seconds per iteration on 5,000 images, 2 cores (7,093 iterations in
# 900 s, docs/dictionary-learners.md); an iteration touches every image
PAPER_SECONDS_PER_ITERATION_5K = 0.127


class Measured(NamedTuple):
    """The largest job of a rule at paper scale: peak resident memory and wall time."""
    mib: float
    seconds: float


def _read_measured() -> dict[str, Measured]:
    """The measurements of ``measured_resources.tsv``, beside this module: one row per
    rule, with where each number comes from."""
    text = files(__package__).joinpath(MEASURED_FILE).read_text()
    header, *lines = text.splitlines()
    columns = header.split("\t")
    table = {}
    for line in lines:
        row = dict(zip(columns, line.split("\t"), strict=True))
        table[row["rule"]] = Measured(float(row["peak_mib"]), float(row["seconds"]))
    return table


MEASURED_FILE = "measured_resources.tsv"
PAPER_SCALE = _read_measured()


def _evaluate_size(config: Mapping[str, Any]) -> float:
    # the widest representation over the union of the seeds' labelled images, one seed's
    # scaled copy of them and the validation split; measured with one seed's images and
    # the validation split only (30,000 + 10,000 vectors)
    largest = 10 * max(config["evaluation"]["labels_per_class"])
    union = min(n_images(config, "train"), len(config["evaluation"]["seeds"]) * largest)
    vectors = union + largest + n_images(config, "valid")
    width = max(config["random_net"]["width"], config["dictionary"]["n_atoms"], 784)
    return vectors * width / ((30_000 + 10_000) * 7840)


def _all_images(config: Mapping[str, Any]) -> int:
    return sum(n_images(config, split) for split in ("train", "valid", "test"))


_SIZE: dict[str, Callable[[Mapping[str, Any]], float]] = {
    "learn_dictionary": lambda c: n_images(c, "train") / 50_000,
    "encode": lambda c: c["codes"]["shard_size"] / 10_000,
    "draw_perturbations": lambda c: c["sensitivity"]["n_samples"] / 4000,
    "code_sensitivity": lambda c: c["sensitivity"]["n_samples"] / 4000,
    "train_mlp": lambda c: sum(stage["steps"] for stage in c["mlp"]["schedule"]) / 2000,
    "finite_sensitivity": lambda c: (c["sensitivity"]["finite_samples"]
                                     * len(c["sensitivity"]["finite_eps"]) / (200 * 7)),
    "analyse_digit": lambda c: 1.0,
    "eq5_check": lambda c: (c["analysis"]["eq5_images"]
                            * c["analysis"]["eq5_pairs_per_image"] / 2000),
    "random_features": lambda c: c["random_net"]["width"] / 7840 * _all_images(c) / 70_000,
    "evaluate": _evaluate_size,
    "prepare_data": lambda c: _all_images(c) / 70_000,
    "rip": lambda c: c["analysis"]["rip_images"] / 2000,
    "mlp_sensitivity": lambda c: c["sensitivity"]["n_samples"] / 4000,
    "remedy_matched": lambda c: (c["analysis"]["matched_images"] * 12
                                 + c["sensitivity"]["n_samples"]) / 28_000,
    "control": lambda c: (c["analysis"]["matched_images"] * 12 + c["analysis"]["rip_images"]
                          + c["sensitivity"]["n_samples"]) / 30_000,
}


def job_memory_mib(config: Mapping[str, Any], rule: str, attempt: int = 1) -> int:
    """Memory (MiB) that one job of ``rule`` asks for on its ``attempt``-th try."""
    measured = _measured(rule)
    estimate = BASE_MIB + max(measured.mib - BASE_MIB, 0.0) * _SIZE[rule](config)
    return attempt * 256 * math.ceil(MEMORY_MARGIN * estimate / 256)


def _paper_learner_seconds(config: Mapping[str, Any]) -> float:
    """The paper's learner's longest dictionary: its largest iteration cap at the measured
    seconds per iteration, scaled by the training images."""
    section = config["dictionary"]
    iterations = max([section["max_iter"]]
                     + [entry["max_iter"] for entry in section["max_iter_per_lambda"]])
    return PAPER_SECONDS_PER_ITERATION_5K * iterations * n_images(config, "train") / 5000


def _seconds(config: Mapping[str, Any], rule: str) -> float:
    """The estimated wall time of one job of ``rule``: its measurement scaled by its size,
    where the work does not grow as the memory does."""
    if rule == "learn_dictionary" and config["dictionary"]["method"] == "paper":
        return _paper_learner_seconds(config)  # the measurement is the online learner's
    seconds = _measured(rule).seconds * _SIZE[rule](config)
    if rule == "evaluate":  # the measured job was one seed's; a job now has every seed
        seconds *= len(config["evaluation"]["seeds"])
    return seconds


def job_minutes(config: Mapping[str, Any], rule: str, attempt: int = 1) -> int:
    """Wall time (minutes) that one job of ``rule`` asks for on its ``attempt``-th try."""
    return attempt * max(MIN_MINUTES, math.ceil(TIME_MARGIN * _seconds(config, rule) / 60))


def _measured(rule: str) -> Measured:
    if rule not in PAPER_SCALE:
        raise ValueError(f"no measured resources for rule {rule!r}; "
                         f"known: {', '.join(sorted(PAPER_SCALE))}")
    return PAPER_SCALE[rule]
