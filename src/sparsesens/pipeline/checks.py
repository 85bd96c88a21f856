"""Every check of a configuration beyond its schema, one small named function each;
:func:`config_errors` runs them and names every bad key with what is allowed."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import jsonschema

from sparsesens.io import CorruptFileError
from sparsesens.pipeline.dataset import _NAME, dataset_name, n_images, scale_factor, split_sizes
from sparsesens.records import lambda_tag


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
    keys, wrong types, values out of range), then the checks a schema cannot express:
    the data section's first (the others read image counts from its files), then each of
    :data:`CHECKS`.
    """
    for first in (_renamed_key_errors, lambda c: _schema_errors(c, schema)):
        problems = first(config)
        if problems:
            return problems
    problems = _data_errors(config)
    if any(key in problem for problem in problems
           for key in ("`data.arrays", "`data.idx", "`data.valid_from_train")):
        return problems  # the counts the other checks need come from the data set's files
    return problems + [problem for check in CHECKS for problem in check(config)]


def _schema_errors(config: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    """Unknown keys, wrong types and values out of range, in key order, each with the
    schema's description of the key where it has one."""
    validator = jsonschema.Draft202012Validator(schema)
    problems = []
    for error in sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path)):
        key = _dotted(error.absolute_path) or "(top level)"
        hint = error.schema.get("description") if isinstance(error.schema, dict) else None
        problems.append(f"config key `{key}`: {error.message}" + (f" ({hint})" if hint else ""))
    return problems


def _is_a_lambda(value: float, lambdas: list[float]) -> bool:
    return any(math.isclose(value, lam, rel_tol=1e-12) for lam in lambdas)


def _lambda_errors(config: Mapping[str, Any]) -> list[str]:
    """The analysis lambda and the paper learner's per-lambda caps name configured lambdas,
    and no two lambdas share a file name tag."""
    lambdas = [float(lam) for lam in config["lambdas"]]
    problems = []
    # only the paper's learner reads these entries: a run of some lambdas keeps the others'
    per_lambda = (config["dictionary"]["max_iter_per_lambda"]
                  if config["dictionary"]["method"] == "paper" else [])
    for i, entry in enumerate(per_lambda):
        if not _is_a_lambda(entry["lam"], lambdas):
            problems.append(
                f"config key `dictionary.max_iter_per_lambda.{i}.lam`: {entry['lam']} is not "
                f"one of lambdas {lambdas}")
    if not _is_a_lambda(config["analysis"]["lam"], lambdas):
        problems.append(f"config key `analysis.lam`: {config['analysis']['lam']} is not one of "
                        f"lambdas {lambdas}")
    tags = [lambda_tag(lam) for lam in lambdas]
    if len(set(tags)) != len(tags):
        problems.append(f"config key `lambdas`: two values share a file name tag: {tags}")
    return problems


def _remedy_errors(config: Mapping[str, Any]) -> list[str]:
    """The penalty grid holds the paper's 0, and the remedy's seeds are among the
    dictionary seeds."""
    dictionary, problems = config["dictionary"], []
    if 0 not in dictionary["orthogonality"]:
        problems.append(f"config key `dictionary.orthogonality`: "
                        f"{dictionary['orthogonality']} lacks 0, the paper's "
                        "dictionaries (the other weights are compared with it)")
    if (dictionary.get("remedy_seeds") or 0) > dictionary["seeds"]:
        problems.append(f"config key `dictionary.remedy_seeds`: {dictionary['remedy_seeds']} is "
                        f"more than dictionary.seeds ({dictionary['seeds']}); the remedy is "
                        "learned for the first of those seeds (null: every one)")
    return problems


def _sample_errors(config: Mapping[str, Any]) -> list[str]:
    """The analysed digit is a training image, and the Eq. 5 and finite-perturbation
    samples are among the sensitivity samples."""
    analysis, sens, problems = config["analysis"], config["sensitivity"], []
    if analysis["digit"] >= n_images(config, "train"):
        problems.append(f"config key `analysis.digit`: {analysis['digit']} is not an index of the "
                        f"{n_images(config, 'train')} training images")
    if analysis["eq5_images"] > sens["n_samples"]:
        problems.append(f"config key `analysis.eq5_images`: {analysis['eq5_images']} is larger "
                        f"than sensitivity.n_samples ({sens['n_samples']})")
    if sens["finite_samples"] > sens["n_samples"]:
        problems.append(f"config key `sensitivity.finite_samples`: {sens['finite_samples']} is "
                        f"larger than sensitivity.n_samples ({sens['n_samples']})")
    return problems


def _encoder_errors(config: Mapping[str, Any]) -> list[str]:
    """The encoder's FISTA stages fit under its cap."""
    codes = config["codes"]
    if codes["max_fista_iter"] < codes["fista_iter"]:
        return [f"config key `codes.max_fista_iter`: {codes['max_fista_iter']} is "
                f"smaller than codes.fista_iter ({codes['fista_iter']})"]
    return []


def _label_errors(config: Mapping[str, Any]) -> list[str]:
    """The training images hold the most labels per class asked for."""
    most = max(config["evaluation"]["labels_per_class"])
    # the smallest MNIST class holds 9 % of the images: ask for 12 times the labels
    if most * 12 > n_images(config, "train"):
        return [f"config key `evaluation.labels_per_class`: {most} labels per class need at "
                f"least {most * 12} training images, but data.subset.train gives "
                f"{n_images(config, 'train')}"]
    return []


# the checks after the data section's, in the order their problems are listed
CHECKS = (_lambda_errors, _remedy_errors, _sample_errors, _encoder_errors, _label_errors)


def _dotted(path) -> str:
    return ".".join(str(part) for part in path)
