"""What every workflow script shares: its log, its threads and device, atomic writes.

A script starts with ``job = Job(snakemake)`` and then only reads, calls the package and
writes through ``job``. Torch is imported only for rules with a ``device`` param, so that
table and figure jobs start quickly.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sparsesens import io
from sparsesens.pipeline.logs import job_logger
from sparsesens.records import DictionaryRecord

if TYPE_CHECKING:
    import torch
    from matplotlib.figure import Figure


class Job:
    """One Snakemake job as a script sees it.

    Args:
        sm: the ``snakemake`` object Snakemake gives a script.

    Attributes:
        log: the job's logger (its log file and stderr; the first line names the machine).
        threads: the cores the job was given.
        device: where tensors live, for a rule with a ``device`` param (torch then uses
            ``threads`` threads); None otherwise.
    """

    def __init__(self, sm: Any) -> None:
        self.sm = sm
        self.threads = int(sm.threads)
        uses_device = "device" in sm.params.keys()
        if uses_device:
            import torch  # noqa: F401  (first, so that the log's first line names the GPU)
        self.log: logging.Logger = job_logger(sm.log[0] if len(sm.log) else None, sm.rule)
        self.device = self._resolve_device() if uses_device else None

    def _resolve_device(self) -> torch.device:
        """The configured device (``params.device``), torch limited to the job's threads."""
        import torch

        from sparsesens.pipeline.device import cpu_fallback_note, resolve_device

        # torch would otherwise take every core of the node, beyond the job's share
        torch.set_num_threads(self.threads)
        device = resolve_device(self.sm.params.device)
        note = cpu_fallback_note(self.sm.params.device, device,
                                 int(getattr(getattr(self.sm, "resources", None), "gpu", 0)))
        if note:
            self.log.info("%s", note)
        return device

    def write_table(self, frame: pd.DataFrame, path: str | os.PathLike,
                    float_format: str | None = None) -> None:
        """Write ``frame`` as a tab-separated table, atomically."""
        with io.atomic_path(path) as tmp:
            frame.to_csv(tmp, sep="\t", index=False, float_format=float_format)
        self.log.info("wrote %s", path)

    def write_figure(self, figure: Figure, path: str | os.PathLike) -> None:
        """Save ``figure`` at the report's resolution, atomically, and free it."""
        import matplotlib.pyplot as plt

        with io.atomic_path(path) as tmp:
            figure.savefig(tmp, dpi=120, bbox_inches="tight", format=Path(path).suffix[1:])
        plt.close(figure)
        self.log.info("wrote %s", path)

    def write_json(self, data: dict, path: str | os.PathLike) -> None:
        """Write ``data`` as indented JSON, atomically."""
        with io.atomic_path(path) as tmp:
            tmp.write_text(json.dumps(data, indent=2))
        self.log.info("wrote %s", path)


def of_dictionary(table: pd.DataFrame, attrs: Mapping[str, Any]) -> pd.DataFrame:
    """``table`` with the record of the dictionary it was computed from (``attrs``, the
    attributes of the dictionary's file or of one of its code shards) as its first columns
    ``lam``, ``mu`` and ``dictionary_seed``, so that a table gathering several such tables
    reads which dictionary a row is from."""
    record = DictionaryRecord.from_attrs(attrs, f"dictionary {attrs.get('sha256', '')}").attrs()
    labelled = table.copy()
    for name in ("dictionary_seed", "mu", "lam"):
        labelled.insert(0, name, record[name])
    return labelled


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """A tab-separated table written by :meth:`Job.write_table`."""
    return pd.read_csv(path, sep="\t")


def read_json(path: str | os.PathLike) -> dict:
    return json.loads(Path(path).read_text())
