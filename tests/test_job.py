"""The scripts' shared set-up (sparsesens.pipeline.job) on a stand-in for Snakemake's object."""

from __future__ import annotations

import json
from types import SimpleNamespace

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from sparsesens.pipeline.job import Job, read_json, read_table


class Params(dict):
    """Snakemake's params: keys, and each value as an attribute."""

    __getattr__ = dict.__getitem__


def stand_in(tmp_path, threads=1, **params):
    return SimpleNamespace(rule="some_rule", threads=threads,
                           log=[str(tmp_path / "logs/job.log")], params=Params(params))


def test_job_logs_to_its_file_and_names_the_machine(tmp_path):
    job = Job(stand_in(tmp_path))
    job.log.info("hello")
    text = (tmp_path / "logs/job.log").read_text()
    assert "machine: " in text.splitlines()[0] and "hello" in text
    assert job.device is None   # no device param: torch is not this job's business


def test_a_rule_with_a_device_gets_it_with_its_threads(tmp_path):
    import torch

    before = torch.get_num_threads()
    try:
        job = Job(stand_in(tmp_path, threads=1, device="cpu"))
        assert job.device == torch.device("cpu") and torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
    with pytest.raises(ValueError, match="unknown device 'gpu'"):
        Job(stand_in(tmp_path, device="gpu"))


def test_a_rule_asking_for_a_gpu_says_when_it_runs_on_the_cpu(tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is visible here: the job runs on it")
    before = torch.get_num_threads()
    try:
        sm = stand_in(tmp_path, threads=1, device="auto")
        sm.resources = SimpleNamespace(gpu=1)
        Job(sm)
    finally:
        torch.set_num_threads(before)
    assert "asked for a GPU but runs on the CPU" in (tmp_path / "logs/job.log").read_text()


def test_tables_figures_and_json_are_written_whole(tmp_path):
    job = Job(stand_in(tmp_path))
    frame = pd.DataFrame({"lam": [0.3, 0.9], "median": [0.37, 0.21]})
    job.write_table(frame, tmp_path / "out/table.tsv")
    pd.testing.assert_frame_equal(read_table(tmp_path / "out/table.tsv"), frame)
    job.write_json({"train_accuracy": 0.94}, tmp_path / "out/metrics.json")
    assert read_json(tmp_path / "out/metrics.json") == {"train_accuracy": 0.94}
    fig, ax = plt.subplots()
    ax.plot([1, 2])
    job.write_figure(fig, tmp_path / "out/figure.png")
    assert (tmp_path / "out/figure.png").read_bytes()[:4] == b"\x89PNG"
    assert not plt.fignum_exists(fig.number)   # freed once written
    # nothing but the outputs is left beside them
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "figure.png", "metrics.json", "table.tsv"]
    assert json.loads((tmp_path / "out/metrics.json").read_text())


def test_a_failed_write_leaves_the_old_output(tmp_path):
    job = Job(stand_in(tmp_path))
    path = tmp_path / "table.tsv"
    path.write_text("old\n")
    with pytest.raises(AttributeError):   # not a table: fails while writing
        job.write_table(object(), path)
    assert path.read_text() == "old\n" and [p.name for p in tmp_path.glob("*.tsv")] == [
        "table.tsv"]
