"""The SLURM profiles: the sbatch call of a GPU rule, and the smoke preset on a real cluster."""

import os
import re
import shutil
import subprocess
import time

import pandas as pd
import pytest
import yaml

from sparsesens import io
from sparsesens.claims import ledger
from sparsesens.claims.table import without_lambda
from sparsesens.pipeline import resources
from tests.conftest import REPO, SNAKEMAKE, load_config, run_snakemake

SLURM_MISSING = shutil.which("slurmctld") is None or shutil.which("sbatch") is None
SKIP_REASON = ("slurm-wlm is not installed (apt-get install slurm-wlm munge); .ci/run "
               "installs it, so CI runs this test")


# rules that must run as cluster jobs, and those the Snakefile keeps on the submitting host
HEAVY_RULES = {"prepare_data", "learn_dictionary", "encode", "draw_perturbations",
               "code_sensitivity", "mlp_sensitivity", "train_mlp", "finite_sensitivity",
               "analyse_digit", "digit_distribution", "eq5_check", "rip", "random_features",
               "evaluate", "remedy_matched", "control"}
LOCAL_RULES = {"download_mnist", "label_subsets", "code_summary", "sensitivity_summary",
               "rip_summary", "evaluation_table", "fig1", "fig4", "fig5", "fig6", "claims",
               "pipeline_benchmark", "remedy_summary", "digit_figures", "eq5_figure",
               "rip_figure", "remedy_figure", "control_dictionary"}


# the rules for which a GPU pays (docs/running.md gives the timings): the learners, the
# encoder, the random net and the read-outs; the MLP, the finite perturbations and Eq. 5's
# check are jobs of seconds that ran no faster on one
GPU_RULES = {"learn_dictionary", "remedy_matched", "control", "encode", "random_features",
             "evaluate"}


def _rules_asking_for_a_gpu():
    """The rules whose resources ask for one GPU, read from workflow/rules/*.smk."""
    return {rule for rule, block in _rule_blocks().items()
            if re.search(r"^\s+gpu=1,", block, flags=re.M)}


def _rule_blocks():
    """Each rule of workflow/rules/*.smk -> its text."""
    blocks = {}
    for smk in (REPO / "workflow/rules").glob("*.smk"):
        for block in re.split(r"^rule ", smk.read_text(), flags=re.M)[1:]:
            blocks[block.split(":", 1)[0].strip()] = block
    return blocks


def test_every_cluster_job_is_timed_and_the_plan_names_them_all():
    # the run's timing table (benchmarks/pipeline.tsv) reads every job's benchmark file
    blocks = _rule_blocks()
    assert set(blocks) == HEAVY_RULES | LOCAL_RULES
    localrules = re.search(r"^localrules:\n((?:    \w+,\n)+)", (REPO / "Snakefile").read_text(),
                           flags=re.M)
    assert set(re.findall(r"\w+", localrules.group(1))) == LOCAL_RULES
    untimed = [rule for rule in HEAVY_RULES if "\n    benchmark:" not in blocks[rule]]
    assert not untimed


def _profile(name):
    return yaml.safe_load((REPO / "profiles" / name / "config.yaml").read_text())


def test_the_cpu_profile_drops_every_gpu_request():
    # a GPU request left in place makes sbatch refuse the job on a cluster without GPUs
    assert _rules_asking_for_a_gpu() == GPU_RULES
    profile = _profile("slurm-cpu")
    assert set(profile["set-resources"]) == GPU_RULES
    assert all(request == {"gpu": 0} for request in profile["set-resources"].values())


@pytest.mark.parametrize("name", ["slurm", "slurm-cpu"])
def test_each_profile_sets_the_threads_of_every_job_that_takes_all_cores(name):
    # without set-threads such a job would ask the cluster for the submitting host's cores
    all_cores = {rule for rule, block in _rule_blocks().items()
                 if "\n    threads: ALL_CORES\n" in block}
    assert GPU_RULES <= all_cores
    assert set(_profile(name)["set-threads"]) == all_cores


def _planned_gpu_requests(workdir, profile):
    """Each rule of the smoke preset's dry run (with the controls) under ``profile`` -> its
    GPU requests."""
    # with the control dictionaries, which the smoke preset leaves out
    (workdir / "controls.yaml").write_text("analysis: {controls: [random, images]}\n")
    plan = run_snakemake(workdir, "-n", "--profile", str(REPO / "profiles" / profile),
                         "--configfile", str(REPO / "presets/smoke.yaml"),
                         str(workdir / "controls.yaml"))
    assert plan.returncode == 0, plan.stderr[-2000:]
    requests = {}
    for job in re.split(r"^rule ", plan.stdout, flags=re.M)[1:]:
        gpu = re.search(r"^\s+resources:.*\bgpu=(\d+)", job, flags=re.M)
        requests.setdefault(job.split(":", 1)[0], set()).add(int(gpu.group(1)) if gpu else 0)
    return requests


@pytest.mark.parametrize("profile, asking", [("slurm", GPU_RULES), ("slurm-cpu", set())])
def test_a_dry_run_asks_for_gpus_only_where_they_pay(workdir, profile, asking):
    requests = _planned_gpu_requests(workdir, profile)
    assert GPU_RULES <= set(requests)  # the smoke preset plans every GPU rule
    assert {rule for rule, gpus in requests.items() if gpus != {0}} == asking
    assert all(requests[rule] == {1} for rule in asking)


def _fake_slurm(tmp_path):
    """sbatch, squeue, scancel, sinfo and sacct stand-ins that record the sbatch call and run
    nothing (the executor plugin asks sacct before it submits; only slurm-wlm has it)."""
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    (bin_dir / "sbatch").write_text('#!/usr/bin/env bash\necho "$@" >> "$FAKE_SBATCH_LOG"\n'
                                    'cat > /dev/null\necho 4242\n')
    for name in ("squeue", "scancel", "sinfo", "sacct"):
        (bin_dir / name).write_text("#!/usr/bin/env bash\nexit 0\n")
    for path in bin_dir.iterdir():
        path.chmod(0o755)
    return bin_dir


@pytest.mark.parametrize("profile, asks_gpu", [("slurm", True), ("slurm-cpu", False)])
def test_sbatch_of_a_gpu_rule_asks_for_the_gpu(workdir, profile, asks_gpu):
    smoke = str(REPO / "presets/smoke.yaml")
    data = run_snakemake(workdir, "results/smoke/data/mnist.h5", "--cores", "1",
                         "--configfile", smoke)
    assert data.returncode == 0, data.stderr[-2000:]
    record = workdir / "sbatch.log"
    env = {**os.environ, "FAKE_SBATCH_LOG": str(record),
           "PATH": f"{_fake_slurm(workdir)}:{os.environ['PATH']}"}
    cmd = [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "results/smoke/dictionaries/lam_0.3.h5",
           "--profile", str(REPO / "profiles" / profile), "--slurm-no-account",
           "--slurm-init-seconds-before-status-checks", "1", "--configfile", smoke]
    proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline and not record.exists():
        time.sleep(0.2)
    os.killpg(proc.pid, 9)  # the fake job never finishes: stop after the submission
    proc.wait()
    call = record.read_text()
    assert "--comment rule_learn_dictionary" in call
    # the rule's own requests, scaled to the smoke preset (the profiles name none)
    config = load_config("presets/smoke.yaml")
    assert f"--mem {resources.job_memory_mib(config, 'learn_dictionary')}" in call, call
    assert f"-t {resources.job_minutes(config, 'learn_dictionary')}" in call, call
    assert ("--gpus=1" in call) is asks_gpu, call[:500]


@pytest.mark.slow
@pytest.mark.skipif(SLURM_MISSING, reason=SKIP_REASON)
def test_smoke_preset_on_a_real_slurm_cluster(workdir):
    started = subprocess.run(["bash", str(REPO / "tests/slurm/start_cluster.sh")],
                             capture_output=True, text=True, timeout=120, check=False)
    assert started.returncode == 0, started.stdout + started.stderr
    smoke = str(REPO / "presets/smoke.yaml")
    # the profile for GPU-less clusters; one thread per job, so two jobs share this machine
    threads = [f"{rule}=1" for rule in _profile("slurm-cpu")["set-threads"]]
    done = run_snakemake(workdir, "--profile", str(REPO / "profiles/slurm-cpu"), "--jobs", "2",
                         "--slurm-no-account", "--slurm-init-seconds-before-status-checks", "2",
                         # this one-machine cluster has sacct but no accounting database
                         "--slurm-status-command", "squeue", "--slurm-keep-successful-logs",
                         "--seconds-between-status-checks", "2",
                         "--set-threads", *threads,
                         "--configfile", smoke, timeout=1800)
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    root = workdir / "results/smoke"
    claims = pd.read_csv(root / "claims.tsv", sep="\t")
    # every claim of the criteria ledger was checked on numbers the cluster's jobs produced
    # (but the remedy's caveat, which needs two dictionary sizes and has a table of its
    # own), the two ordering claims once per lambda, none of them missing its number
    n_lambdas = len(load_config("presets/smoke.yaml")["lambdas"])
    keys = claims["id"].map(without_lambda)
    assert set(keys) == set(ledger.FIXED) - {"remedy_weaker_when_overcomplete"}
    assert claims["id"].is_unique
    assert (keys != claims["id"]).sum() == 2 * n_lambdas
    # the first digit's pair claims need two active atoms; on the smoke preset's 1,000
    # images the learner nearly memorises the training set, and a code of one atom has no
    # pair: then, and only then, those four rows say "missing"
    digit = pd.read_csv(root / "analysis/digit_numbers.tsv", sep="\t").set_index("quantity")
    pairless = digit.loc["n_active", "value"] < 2
    allowed = {"digit_max_overlap", "normalised_mean_filters",
               "normalised_mean_differences", "pair_gain_below_largest"} if pairless else set()
    missing = set(claims.loc[claims["our_value"].str.contains("missing"), "id"])
    assert missing <= allowed, claims
    summary = pd.read_csv(root / "codes/summary.tsv", sep="\t")
    assert (summary["n_failed"] == 0).all()
    io.read_dictionary(root / "dictionaries/lam_0.3.h5")
    # every heavy job went through sbatch (SLURM wrote its log); tables and figures did not
    logs = workdir / ".snakemake/slurm_logs"
    submitted = {path.relative_to(logs).parts[0].removeprefix("rule_")
                 for path in logs.rglob("*.log")}
    # the smoke preset runs no controls (analysis.controls is empty there)
    assert HEAVY_RULES - {"control"} <= submitted, sorted(submitted)
    assert not submitted & LOCAL_RULES, sorted(submitted & LOCAL_RULES)
