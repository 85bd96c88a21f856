import numpy as np
import pandas as pd

from sparsesens.pipeline.logs import MACHINE_PREFIX, PRODUCT_LABEL, SPEED_SEPARATOR
from sparsesens.pipeline.runtimes import job_times, rule_times

HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def line(seconds, max_rss, cpu_time):
    return f"{seconds}\t0:00:00\t{max_rss}\t0\t0\t0\t0\t0\t0\t{cpu_time}\n"


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_job_times_reads_snakemakes_benchmark_files_and_the_machine_from_each_log(tmp_path):
    bench, logs = tmp_path / "benchmarks", tmp_path / "logs"
    # a job run twice (a rerun appends a line): its last attempt counts
    write(bench / "encode/lam_0.3/train_0.tsv", HEADER + line(10, 100, 9) + line(12.5, 120, 11))
    write(bench / "encode/lam_0.3/valid_0.tsv", HEADER + line(2.5, 80, 2))
    write(bench / "rip/lam_0.3.tsv", HEADER + line(4, 50, 3))
    write(bench / "learn_dictionary/lam_3.0.tsv", HEADER + line(30, 500, 50))
    # a job name with a dot (lam_3.0) finds its log all the same
    write(logs / "learn_dictionary/lam_3.0.log",
          f"2026 INFO {MACHINE_PREFIX}node8, 2 CPUs, no GPU\n")
    # one of our own tables beside them, and an empty benchmark file: neither is a job
    write(bench / "encode.tsv", "method\tlam\nx\t0.3\n")
    write(bench / "fig1.tsv", HEADER)
    write(logs / "encode/lam_0.3/train_0.log", f"2026 INFO {MACHINE_PREFIX}node7, 2 CPUs, no GPU"
          f"{SPEED_SEPARATOR}{PRODUCT_LABEL} 8.5 ms\n")
    write(logs / "encode/lam_0.3/valid_0.log", f"2026 INFO {MACHINE_PREFIX}node7, 2 CPUs, no GPU"
          f"{SPEED_SEPARATOR}{PRODUCT_LABEL} 9.5 ms\n")
    jobs = job_times(bench, logs).set_index("job")
    assert sorted(jobs.index) == ["encode/lam_0.3/train_0", "encode/lam_0.3/valid_0",
                                  "learn_dictionary/lam_3.0", "rip/lam_0.3"]
    assert jobs.loc["learn_dictionary/lam_3.0", "machine"] == "node8, 2 CPUs, no GPU"
    assert jobs.loc["encode/lam_0.3/train_0", "seconds"] == 12.5
    assert jobs.loc["encode/lam_0.3/train_0", "machine"] == "node7, 2 CPUs, no GPU"
    assert jobs.loc["encode/lam_0.3/train_0", "product_ms"] == 8.5
    assert jobs.loc["rip/lam_0.3", "machine"] == "unknown"
    assert np.isnan(jobs.loc["rip/lam_0.3", "product_ms"])
    rules = rule_times(jobs.reset_index()).set_index("rule")
    assert rules.index.tolist() == ["learn_dictionary", "encode", "rip"]  # the longest first
    assert rules.loc["encode", "jobs"] == 2 and rules.loc["encode", "total_seconds"] == 15.0
    assert rules.loc["encode", "max_rss_mib"] == 120 and rules.loc["encode", "cpu_seconds"] == 13.0
    # one machine, whatever its product took in each job; the rule's median time of it
    assert rules.loc["encode", "machine"] == "node7, 2 CPUs, no GPU"
    assert rules.loc["encode", "product_ms"] == 9.0


def test_job_times_of_a_root_without_jobs_is_an_empty_table(tmp_path):
    jobs = job_times(tmp_path / "benchmarks", tmp_path / "logs")
    assert jobs.empty and list(jobs.columns)[:3] == ["rule", "job", "seconds"]
    assert isinstance(rule_times(jobs), pd.DataFrame)
