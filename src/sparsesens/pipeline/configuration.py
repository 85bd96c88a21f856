"""The workflow's configuration as Snakemake hands it over: the overlay of configuration
files, and the numbers that ``--config`` passes as strings."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import yaml


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
