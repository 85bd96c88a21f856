"""What the rules hand their jobs: one section's keys that decide results, the speed knobs
that do not (so that changing one re-runs nothing), the encoder's options and each stage's
seed."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sparsesens.lasso.options import EncodeOptions


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
