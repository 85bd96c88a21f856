"""Plain functions over the validated workflow configuration (a nested dict).

The Snakefile validates the configuration against ``workflow/schemas/config.schema.yaml``
and then asks these functions for everything derived from it: file-name tags, split sizes,
shard ranges and per-lambda settings. Keeping them here makes them testable without
Snakemake.
"""

from __future__ import annotations

import copy
import hashlib
import math
import re
from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import jsonschema
import yaml

from sparsesens.io import SPLIT_SIZES, CorruptFileError, array_split_sizes
from sparsesens.records import DictionaryRecord, dictionary_tag, lambda_tag

if TYPE_CHECKING:
    from sparsesens.lasso.options import EncodeOptions


def merge_config(base: Mapping[str, Any], *overlays: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` updated by each overlay in turn, nested sections key by key (as Snakemake
    merges ``--configfile`` files); lists and scalars are replaced. Inputs are not changed."""
    out = copy.deepcopy(dict(base))
    for overlay in overlays:
        for key, value in overlay.items():
            if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
                out[key] = merge_config(out[key], value)
            else:
                out[key] = copy.deepcopy(value)
    return out


def numbers_from_command_line(config: Any) -> Any:
    """``config`` with every string that reads as a number (or true/false) inside a list or
    a nested section turned into that number.

    Snakemake hands ``--config lambdas=[0.3]`` over as ``['0.3']``: list items and nested
    values come as strings. No string setting of this workflow reads as a number, so the
    conversion only undoes that. The input is not changed.
    """

    def convert(value: Any) -> Any:
        if isinstance(value, Mapping):
            return {key: convert(item) for key, item in value.items()}
        if isinstance(value, list):
            return [convert(item) for item in value]
        if isinstance(value, str):
            try:
                parsed = yaml.safe_load(value)
            except yaml.YAMLError:
                return value
            return parsed if isinstance(parsed, (int, float, bool)) else value
        return value

    return {key: convert(value) if isinstance(value, (Mapping, list)) else value
            for key, value in config.items()}


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


def split_sizes(config: Mapping[str, Any]) -> dict[str, int]:
    """Images per split of the configured data set: MNIST's 50,000 / 10,000 / 10,000,
    Fashion-MNIST's 60,000 training images less ``data.valid_from_train`` / that many /
    10,000, or as many as an IDX or arrays source's files hold (read from their headers)."""
    data = config["data"]
    if data["source"] == "arrays":
        return array_split_sizes(data["arrays"]["path"])
    if data["source"] == "idx":
        from sparsesens.io.idx import idx_split_sizes

        return idx_split_sizes(data_files(config)[0], data["valid_from_train"])
    if data["source"] == "fashion-mnist":
        # its files are pinned by their hashes: 60,000 training and 10,000 test images
        n_train = SPLIT_SIZES["train"] + SPLIT_SIZES["valid"]
        return {"train": n_train - data["valid_from_train"],
                "valid": data["valid_from_train"], "test": SPLIT_SIZES["test"]}
    return dict(SPLIT_SIZES)


# a name that is safe in a path on every file system the workflow runs on
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def dataset_name(config: Mapping[str, Any]) -> str:
    """The data set's name in output paths (``data/<name>.h5``): ``data.name``, else the
    source's (mnist, fashion-mnist, idx) or, for an arrays source, its file's stem."""
    data = config["data"]
    if data["name"] is not None:
        return data["name"]
    if data["source"] == "arrays" and data["arrays"]:
        return Path(data["arrays"]["path"]).stem
    return data["source"]


def n_images(config: Mapping[str, Any], split: str) -> int:
    """Number of images of ``split`` used by this configuration (its first N)."""
    subset, size = config["data"]["subset"][split], split_sizes(config)[split]
    return size if subset is None else min(int(subset), size)


# MNIST's pixels divided by 0.3081, the standard deviation of its 60,000 training images'
# pixels that common MNIST pipelines use; another data set states its own factor
MNIST_SCALE_FACTOR = 1 / 0.3081


def scale_factor(config: Mapping[str, Any]) -> float | None:
    """The pixels' multiplier under ``data.scaling: scale``: ``data.scale_factor``, or when
    that is null MNIST's 1 / 0.3081 for source mnist and None for any other source (whose
    factor is never MNIST's unless the configuration says so)."""
    data = config["data"]
    if data["scale_factor"] is not None:
        return float(data["scale_factor"])
    return MNIST_SCALE_FACTOR if data["source"] == "mnist" else None


def shard_ranges(config: Mapping[str, Any], split: str) -> list[tuple[int, int]]:
    """Half-open ``(start, stop)`` image ranges of the code shards of ``split``."""
    total, size = n_images(config, split), config["codes"]["shard_size"]
    return [(start, min(start + size, total)) for start in range(0, total, size)]


def dictionary_max_iter(config: Mapping[str, Any], lam: float) -> int:
    """Iteration cap of dictionary learning at ``lam`` (its own entry, else the default)."""
    settings = config["dictionary"]
    for entry in settings["max_iter_per_lambda"]:
        if math.isclose(entry["lam"], lam, rel_tol=1e-12):
            return int(entry["max_iter"])
    return int(settings["max_iter"])


_PAPER_LEARNER_KEYS = ("lr_codes", "lr_dictionary", "lr_increase", "lr_decrease", "rel_tol",
                       "window", "dtype")


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
    if "online" in chosen:  # how often its state is kept changes no result
        chosen["online"] = {key: value for key, value in chosen["online"].items()
                            if key != "checkpoint_minutes"}
    else:
        chosen["max_iter"] = dictionary_max_iter(config, lam)
    return chosen


# Keys that change only speed or memory, never a result beyond the certification
# tolerance. Rules hand them to scripts through :func:`speed_knobs`, so changing one
# re-runs nothing, and leave them out of the params that decide re-runs.
SPEED_KNOBS = ("codes.chunk_size", "random_net.chunk_size", "evaluation.knn_chunk_size",
               "dictionary.online.checkpoint_minutes")


def speed_knobs(config: Mapping[str, Any], *paths: str) -> SimpleNamespace:
    """The speed and memory knobs a rule's jobs read, as one param, for example
    ``speed_knobs(config, "codes.chunk_size")``, read by the script as
    ``snakemake.params.speed.codes_chunk_size``.

    Snakemake decides re-runs from the plain values among a job's params (numbers,
    strings, lists, dicts) and leaves other objects out; a namespace is not a plain value,
    so the knobs are visible in the rule while changing one re-runs nothing.
    """
    unknown = [path for path in paths if path not in SPEED_KNOBS]
    if unknown:
        raise ValueError(f"not speed knobs: {unknown}; the speed knobs are {list(SPEED_KNOBS)}")
    values = {}
    for path in paths:
        node = config
        for key in path.split("."):
            node = node[key]
        values[path.replace(".", "_")] = node
    return SimpleNamespace(**values)


def result_settings(config: Mapping[str, Any], section: str, *unused: str) -> dict[str, Any]:
    """A config section without its speed and memory knobs (:data:`SPEED_KNOBS`) and without
    the keys named in ``unused`` (those the rule's jobs do not read): a rule's params."""
    speed = {path.removeprefix(f"{section}.") for path in SPEED_KNOBS}
    drop = {*speed, *unused}
    return {key: value for key, value in config[section].items() if key not in drop}


def pick(config: Mapping[str, Any], section: str, *keys: str) -> dict[str, Any]:
    """Just ``keys`` of a config section: the params of a rule that reads only those."""
    return {key: config[section][key] for key in keys}


# the settings of the elastic distortion (Section 2.2)
ELASTIC_KEYS = ("elastic_grid", "elastic_sigma", "elastic_order")


def encode_options(codes: Mapping[str, Any], chunk_size: int) -> EncodeOptions:
    """The options of ``lasso.encode``: the ``codes`` section's solver settings and
    tolerances, and ``chunk_size`` (``codes.chunk_size``, a memory knob)."""
    # imported here: the workflow reads this module while planning, without torch
    from sparsesens.lasso.options import EncodeOptions

    keys = ("solver", "max_events", "fista_iter", "max_fista_iter", "polish_rounds",
            "tol_inactive", "tol_active")
    return EncodeOptions(**{key: codes[key] for key in keys}, chunk_size=chunk_size)


def stage_seed(config: Mapping[str, Any], stage: str) -> int:
    """The seed of one stage's random draws, derived from the root ``seed`` and its name.

    Distinct stages get unrelated streams, and changing the root seed changes them all.
    """
    digest = hashlib.sha256(f"{int(config['seed'])}/{stage}".encode()).digest()
    return int.from_bytes(digest[:4], "little")


def _data_errors(config: Mapping[str, Any]) -> list[str]:
    """The data section's checks that need more than the schema: IDX or arrays files that
    the counts can be read from, a name fit for a path, a scale factor stated for a data set
    other than MNIST."""
    data, problems = config["data"], []
    if data["source"] == "arrays" and not data["arrays"]:
        return ["config key `data.arrays`: source arrays needs {path: ..., sha256: ...} "
                "(sha256 may be null)"]
    if data["source"] == "idx" and not data["idx"]:
        return ["config key `data.idx`: source idx needs the four IDX files (train_images, "
                "train_labels, test_images, test_labels), each with path and sha256 (sha256 "
                "may be null)"]
    if data["source"] in ("arrays", "idx"):
        key = "data.arrays.path" if data["source"] == "arrays" else "data.idx"
        try:
            split_sizes(config)
        except (CorruptFileError, OSError) as err:
            problems.append(f"config key `{key}`: {err}")
        except ValueError as err:
            problems.append(f"config key `data.valid_from_train`: {err}")
    if data["source"] == "fashion-mnist" and data["valid_from_train"] >= 60_000:
        problems.append(f"config key `data.valid_from_train`: {data['valid_from_train']} "
                        "leaves none of Fashion-MNIST's 60,000 training images to train on")
    if not _NAME.match(dataset_name(config)):
        problems.append(f"config key `data.name`: the data set's name {dataset_name(config)!r} "
                        "(from its file) cannot name a path; state a name of letters, digits, "
                        "'.', '_' and '-'")
    if data["scaling"] == "scale" and scale_factor(config) is None:
        problems.append(f"config key `data.scale_factor`: null stands for MNIST's 1 / 0.3081, "
                        f"but the source is {data['source']!r}: state its own factor (1 / the "
                        "standard deviation of its training pixels) or another data.scaling")
    return problems


# keys renamed since a release: old dotted key -> (new key, why). A key shared by sections
# keeps its name where it means the same there (polish_rounds: active-set rounds per polish
# attempt; rel_tol: the learner's relative stopping tolerance; batch_size: a learning
# minibatch) and is renamed where it does not (the encoder's images per call, a memory knob
# like random_net.chunk_size).
RENAMED_KEYS = {
    "codes.batch_size": ("codes.chunk_size", "images solved together, a memory knob"),
}


def _renamed_key_errors(config: Mapping[str, Any]) -> list[str]:
    problems = []
    for old, (new, meaning) in RENAMED_KEYS.items():
        section, key = old.split(".")
        if key in (config.get(section) or {}):
            problems.append(f"config key `{old}` was renamed `{new}` ({meaning}); "
                            f"write `{new}` instead")
    return problems


def config_errors(config: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    """Every problem with ``config``, one line each, naming the key and what is allowed.

    A renamed key is named with its new name, alone; schema violations come next (unknown
    keys, wrong types, values out of range), then the checks a schema cannot express.
    """
    renamed = _renamed_key_errors(config)
    if renamed:
        return renamed
    validator = jsonschema.Draft202012Validator(schema)
    problems = []
    for error in sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path)):
        key = _dotted(error.absolute_path) or "(top level)"
        hint = error.schema.get("description") if isinstance(error.schema, dict) else None
        problems.append(f"config key `{key}`: {error.message}" + (f" ({hint})" if hint else ""))
    if problems:
        return problems
    problems += _data_errors(config)
    if any(key in problem for problem in problems
           for key in ("`data.arrays", "`data.idx", "`data.valid_from_train")):
        return problems  # the counts below come from the data set's files
    lambdas = [float(lam) for lam in config["lambdas"]]
    # only the paper's learner reads these entries: a run of some lambdas keeps the others'
    per_lambda = (config["dictionary"]["max_iter_per_lambda"]
                  if config["dictionary"]["method"] == "paper" else [])
    for i, entry in enumerate(per_lambda):
        if not any(math.isclose(entry["lam"], lam, rel_tol=1e-12) for lam in lambdas):
            problems.append(
                f"config key `dictionary.max_iter_per_lambda.{i}.lam`: {entry['lam']} is not "
                f"one of lambdas {lambdas}")
    if not any(math.isclose(config["analysis"]["lam"], lam, rel_tol=1e-12) for lam in lambdas):
        problems.append(f"config key `analysis.lam`: {config['analysis']['lam']} is not one of "
                        f"lambdas {lambdas}")
    if 0 not in config["dictionary"]["orthogonality"]:
        problems.append(f"config key `dictionary.orthogonality`: "
                        f"{config['dictionary']['orthogonality']} lacks 0, the paper's "
                        "dictionaries (the other weights are compared with it)")
    dictionary = config["dictionary"]
    if (dictionary.get("remedy_seeds") or 0) > dictionary["seeds"]:
        problems.append(f"config key `dictionary.remedy_seeds`: {dictionary['remedy_seeds']} is "
                        f"more than dictionary.seeds ({dictionary['seeds']}); the remedy is "
                        "learned for the first of those seeds (null: every one)")
    analysis = config["analysis"]
    if analysis["digit"] >= n_images(config, "train"):
        problems.append(f"config key `analysis.digit`: {analysis['digit']} is not an index of the "
                        f"{n_images(config, 'train')} training images")
    if analysis["eq5_images"] > config["sensitivity"]["n_samples"]:
        problems.append(f"config key `analysis.eq5_images`: {analysis['eq5_images']} is larger "
                        f"than sensitivity.n_samples ({config['sensitivity']['n_samples']})")
    sens = config["sensitivity"]
    if sens["finite_samples"] > sens["n_samples"]:
        problems.append(f"config key `sensitivity.finite_samples`: {sens['finite_samples']} is "
                        f"larger than sensitivity.n_samples ({sens['n_samples']})")
    codes = config["codes"]
    if codes["max_fista_iter"] < codes["fista_iter"]:
        problems.append(f"config key `codes.max_fista_iter`: {codes['max_fista_iter']} is "
                        f"smaller than codes.fista_iter ({codes['fista_iter']})")
    most = max(config["evaluation"]["labels_per_class"])
    # the smallest MNIST class holds 9 % of the images: ask for 12 times the labels
    if most * 12 > n_images(config, "train"):
        problems.append(
            f"config key `evaluation.labels_per_class`: {most} labels per class need at least "
            f"{most * 12} training images, but data.subset.train gives {n_images(config, 'train')}")
    tags = [lambda_tag(lam) for lam in lambdas]
    if len(set(tags)) != len(tags):
        problems.append(f"config key `lambdas`: two values share a file name tag: {tags}")
    return problems


def _dotted(path) -> str:
    return ".".join(str(part) for part in path)


def data_files(config: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """The files of the configured data source and their expected SHA-256, by name
    (train_images, ... for IDX; arrays for an arrays file, whose hash may be None); empty
    for source mnist, which comes from its wheel."""
    data = config["data"]
    if data["source"] == "fashion-mnist":
        from sparsesens.io.idx import fashion_mnist_files

        paths, digests = fashion_mnist_files(data["fashion_mnist_dir"])
        return {name: str(path) for name, path in paths.items()}, digests
    if data["source"] == "idx":
        return ({name: entry["path"] for name, entry in data["idx"].items()},
                {name: entry["sha256"] for name, entry in data["idx"].items()})
    if data["source"] == "arrays":
        return {"arrays": data["arrays"]["path"]}, {"arrays": data["arrays"]["sha256"]}
    return {}, {}
