"""The workflow run once per candidate setting, each in its own results root: how the
fidelity study compares settings (studies/fidelity.py).

A candidate is an overlay on a configuration (``settings.merge_config``). Its root is
``<results>/<study>/<candidate>/``, so a candidate that already ran is not run again and
a changed one re-runs only what changed, like any workflow run.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from sparsesens import io
from sparsesens.pipeline import settings

REPO = Path(__file__).resolve().parents[1]
# the scales a study runs at: the preset files laid over config.yaml
PRESETS = {"smoke": ["presets/smoke.yaml"], "quick": ["presets/quick.yaml"], "full": []}


def base_config(workdir: Path, preset: str) -> tuple[list[Path], dict]:
    """The preset's files and the configuration they make over ``workdir``'s config.yaml."""
    preset_files = [REPO / name for name in PRESETS[preset]]
    return preset_files, settings.merge_config(
        *(yaml.safe_load(f.read_text()) for f in [workdir / "config.yaml", *preset_files]))


def slug(name: str) -> str:
    """A candidate's folder name: its name with spaces as underscores."""
    return name.replace(" ", "_")


def candidate_root(base: Mapping, study: str, name: str) -> Path:
    """A candidate's results root, relative to the working directory."""
    return Path(base["results"]) / study / slug(name)


def run_candidate(study: str, name: str, overlay: Mapping, preset_files: Sequence[Path],
                  base: Mapping, workdir: Path, cores: str, outputs: Sequence[str]) -> Path:
    """Make ``outputs`` (paths under the candidate's root) with the configuration ``base``
    (the files ``preset_files`` over config.yaml) under ``overlay``; returns the root."""
    root = candidate_root(base, study, name)
    (workdir / root).mkdir(parents=True, exist_ok=True)
    overlay_file = workdir / root / "candidate.yaml"
    with io.atomic_path(overlay_file) as tmp:
        tmp.write_text(yaml.safe_dump(settings.merge_config(overlay, {"results": str(root)}),
                                      sort_keys=False))
    # targets before --configfile, which takes every value after it
    cmd = [str(Path(sys.executable).with_name("snakemake")), "-s", str(REPO / "Snakefile"),
           *(f"{root}/{target}" for target in outputs), "--cores", cores, "-q",
           "--configfile", *map(str, preset_files), str(overlay_file)]
    print(f"[{study}] {name}: {' '.join(cmd[1:])}", flush=True)
    subprocess.run(cmd, cwd=workdir, check=True)
    return workdir / root
