"""The dictionaries of a run: their seeds, tags and records, where each learner starts
(continuation), and the settings each learner's job gets."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from sparsesens.pipeline.params import stage_seed
from sparsesens.records import DictionaryRecord, dictionary_tag


def remedy_weights(config: Mapping[str, Any]) -> list[float]:
    """The overlap penalties ``mu`` of ``dictionary.orthogonality``, ascending (0 first)."""
    return sorted({float(mu) for mu in config["dictionary"]["orthogonality"]})


def dictionary_seeds(config: Mapping[str, Any]) -> list[int]:
    """The dictionary seeds of a run, ``0 .. dictionary.seeds - 1``: each learns every
    paper lambda from its own draw."""
    return list(range(int(config["dictionary"].get("seeds", 1))))


def remedy_seeds(config: Mapping[str, Any]) -> list[int]:
    """The dictionary seeds the remedy's penalties are learned for: the first
    ``dictionary.remedy_seeds`` of :func:`dictionary_seeds` (null or absent: every one).
    The remedy's four penalties cost about as much learning as the paper's five lambdas,
    so a run can judge the paper on more seeds than the remedy."""
    seeds = dictionary_seeds(config)
    count = config["dictionary"].get("remedy_seeds")
    return seeds if count is None else seeds[:int(count)]


def learner_seed(config: Mapping[str, Any], seed: int) -> int:
    """The random seed of dictionary seed ``seed``'s learner: the root seed for seed 0 (so
    that a run of one seed learns what it learned before seeds existed), a stream derived
    from it for every other."""
    return int(config["seed"]) if seed == 0 else stage_seed(config, f"dictionary/{seed}")


def paper_tags(config: Mapping[str, Any], seed: int | None = None) -> list[str]:
    """The paper's dictionaries (no penalty): one per lambda and dictionary seed, seed by
    seed; only those of ``seed`` when given."""
    seeds = dictionary_seeds(config) if seed is None else [seed]
    return [dictionary_tag(float(lam), 0.0, s) for s in seeds for lam in config["lambdas"]]


def analysis_tags(config: Mapping[str, Any]) -> list[str]:
    """The paper's dictionaries at the analysis lambda, one per dictionary seed."""
    lam = float(config["analysis"]["lam"])
    return [dictionary_tag(lam, 0.0, seed) for seed in dictionary_seeds(config)]


def remedy_tags(config: Mapping[str, Any], penalties_only: bool = False) -> list[str]:
    """The dictionaries of the remedy: one per ``mu`` and remedy seed
    (:func:`remedy_seeds`), at the analysis lambda (mu = 0's is the analysis lambda's own),
    seed by seed; those of ``mu`` > 0 alone with ``penalties_only``."""
    lam = config["analysis"]["lam"]
    return [dictionary_tag(lam, mu, seed) for seed in remedy_seeds(config)
            for mu in remedy_weights(config) if mu > 0 or not penalties_only]


def dictionary_tags(config: Mapping[str, Any]) -> list[str]:
    """Every dictionary of a run: one per lambda (no penalty) and dictionary seed, then one
    per nonzero ``mu`` at the analysis lambda and dictionary seed."""
    return list(dictionary_records(config))


def continuation_source(config: Mapping[str, Any], tag: str) -> str | None:
    """The tag of the dictionary that dictionary ``tag`` starts from under continuation
    (``dictionary.online.continuation``), or None when it starts from the seeded draw.

    A paper dictionary starts from the one of the next larger lambda (the largest from the
    seeded draw): codes at a larger lambda are sparser and settle in fewer epochs, and the
    atoms they leave move little as lambda falls. A remedy dictionary starts from the one
    of the next smaller penalty at the same lambda (``mu`` = 0 being the paper's).
    """
    section = config["dictionary"]
    if section["method"] != "online" or not section["online"].get("continuation", False):
        return None
    record = dictionary_record(config, tag)
    if record.mu > 0:
        weights = remedy_weights(config)
        return dictionary_tag(record.lam, weights[weights.index(record.mu) - 1], record.seed)
    larger = [float(other) for other in config["lambdas"] if float(other) > record.lam]
    return dictionary_tag(min(larger), 0.0, record.seed) if larger else None


def dictionary_records(config: Mapping[str, Any]) -> dict[str, DictionaryRecord]:
    """Every dictionary of a run, tag -> record, in :func:`dictionary_tags`' order: the
    one table from which the workflow reads a dictionary's lambda, penalty and seed. The
    paper's lambdas are learned for every dictionary seed, the remedy's penalties for
    every remedy seed (:func:`remedy_seeds`)."""
    records = [*(DictionaryRecord(float(lam), 0.0, seed) for seed in dictionary_seeds(config)
                 for lam in config["lambdas"]),
               *(DictionaryRecord(float(config["analysis"]["lam"]), mu, seed)
                 for seed in remedy_seeds(config) for mu in remedy_weights(config) if mu > 0)]
    return {record.tag: record for record in records}


def dictionary_record(config: Mapping[str, Any], tag: str) -> DictionaryRecord:
    """The record of the configured dictionary named ``tag``; a clear error for any other."""
    records = dictionary_records(config)
    if tag not in records:
        raise ValueError(f"dictionary {tag!r} is not configured; dictionaries: "
                         f"{', '.join(records)}")
    return records[tag]


def dictionary_max_iter(config: Mapping[str, Any], lam: float) -> int:
    """Iteration cap of dictionary learning at ``lam`` (its own entry, else the default)."""
    settings = config["dictionary"]
    for entry in settings["max_iter_per_lambda"]:
        if math.isclose(entry["lam"], lam, rel_tol=1e-12):
            return int(entry["max_iter"])
    return int(settings["max_iter"])


_PAPER_LEARNER_KEYS = ("lr_codes", "lr_dictionary", "lr_increase", "lr_decrease", "rel_tol",
                       "window", "dtype")


# Keys of dictionary.online that the workflow reads, not the learner: where a job starts
# from (an input of the job, so a change re-runs it) and how often its state is kept
# (changes no result).
_WORKFLOW_ONLINE_KEYS = ("continuation", "checkpoint_minutes")


def dictionary_settings(config: Mapping[str, Any], lam: float, mu: float) -> dict[str, Any]:
    """The settings of the configured learner for the dictionary of ``lam`` and penalty
    ``mu`` (its ``orthogonality``), as :func:`sparsesens.dictionary.learners.learn` takes them: the
    ``dictionary`` keys that learner reads, and for the paper's learner its iteration cap
    at ``lam`` (:func:`dictionary_max_iter`). A change to the other learner's keys, to the
    other penalties or to how often the online learner keeps its state re-runs nothing."""
    section = config["dictionary"]
    keys = ("online",) if section["method"] == "online" else _PAPER_LEARNER_KEYS
    chosen = {"method": section["method"], "n_atoms": section["n_atoms"],
              "orthogonality": float(mu), **{key: section[key] for key in keys}}
    if "online" in chosen:  # the learner's own options, less the workflow's keys
        chosen["online"] = {key: value for key, value in chosen["online"].items()
                            if key not in _WORKFLOW_ONLINE_KEYS}
    else:
        chosen["max_iter"] = dictionary_max_iter(config, lam)
    return chosen
