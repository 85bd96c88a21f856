"""Copy the tables of a finished workflow run into benchmarks/reference/ (small TSV and JSON
only, never codes or dictionaries), with the learners' objective curves, the machine, and
summary.md: the claims and the per-rule wall times as Markdown tables for the README.

With --remedy, the run is one of the remedy alone (`make remedy`, Snakemake's `--until
remedy_summary`): its two tables, its claims rows (computed here, by the claims table's own
code), and the times and learner curves of the penalties' jobs (those whose dictionary's
name carries a mu: mu = 0's dictionary is the paper's, timed with the run that made it).

With --beside OTHER (a folder already under benchmarks/reference/), claims_beside.md puts the
two runs' claims side by side, row for row: how the paper's claims fare on a second data set.

Usage: python benchmarks/keep_reference.py RESULTS_ROOT NAME [--remedy] [--beside OTHER]
       e.g.  python benchmarks/keep_reference.py results full_cpu_2026-11-28
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import pandas as pd
import torch  # noqa: F401 - imported first, so that the machine line names a GPU

from sparsesens import io
from sparsesens.claims import remedy_claims_over_seeds
from sparsesens.pipeline.logs import machine_line
from sparsesens.pipeline.runtimes import job_times, rule_times

REPO = Path(__file__).resolve().parents[1]
TABLES = ("claims.tsv", "codes/summary.tsv", "analysis/digit_numbers.tsv",
          "analysis/digit_gains.tsv", "analysis/rip.tsv", "analysis/eq5.tsv",
          "sensitivity/summary.tsv", "sensitivity/paired.tsv", "analysis/digits.tsv",
          "eval/summary.tsv", "eval/results.tsv",
          "mlp/metrics.json", "benchmarks/pipeline.tsv", "benchmarks/pipeline_jobs.tsv")
# written only when the config's remedy grid has a penalty beside mu = 0
REMEDY_TABLES = ("analysis/remedy.tsv", "analysis/remedy_accuracy.tsv")


# the remedy's penalties' dictionaries (lam_0.3_mu0.001) and every job made from them
PENALTY_JOB = "_mu"


def learner_curves(root: Path, pattern: str = "lam_*.h5") -> pd.DataFrame:
    """One row per dictionary (its file matching ``pattern``) and epoch (or iteration):
    the learner's objective and wall time; `dictionary` is the file's name (lam_0.3, or
    lam_0.3_mu0.001 for the remedy)."""
    frames = []
    for path in sorted((root / "dictionaries").glob(pattern)):
        loss, seconds = io.read_learning_curve(path)
        attrs = io.read_dictionary(path)[2]
        frames.append(pd.DataFrame({"dictionary": path.stem, "lam": attrs["lam"],
                                    "method": attrs["method"],
                                    "step": range(1, len(loss) + 1), "objective": loss,
                                    "seconds": seconds}))
    return pd.concat(frames, ignore_index=True)


def _markdown(frame: pd.DataFrame) -> str:
    rows = [list(frame.columns), ["---"] * frame.shape[1], *frame.astype(str).values.tolist()]
    return "\n".join("| " + " | ".join(row) + " |" for row in rows) + "\n"


def summary(claims: pd.DataFrame, rules: pd.DataFrame) -> str:
    """The claims table and the per-rule wall times, in Markdown."""
    columns = ["id", "where", "paper_value", "our_value", "status"]
    columns += [name for name in ("verdict", "note") if name in claims]
    shown = claims[columns].fillna("")
    shown["our_value"] = shown["our_value"].map(_shorten)
    rules = rules.assign(total_seconds=rules["total_seconds"].round(0).astype(int),
                         max_seconds=rules["max_seconds"].round(0).astype(int),
                         max_rss_mib=rules["max_rss_mib"].round(0).astype(int))
    counts = claims["status"].value_counts()
    headline = (f"{counts.get('PASS', 0)} of {len(claims)} rows pass ({counts.get('FAIL', 0)} "
                f"FAIL, {counts.get('TIE', 0)} TIE).")
    if "verdict" in claims:
        verdicts = claims["verdict"].value_counts()
        headline += " Verdicts: " + ", ".join(f"{n} {v}" for v, n in verdicts.items()) + "."
    return (headline + "\n\n" + _markdown(shown) + "\n"
            f"Jobs' wall time summed per rule: {int(rules['total_seconds'].sum())} s\n\n"
            + _markdown(rules[["rule", "jobs", "total_seconds", "max_seconds", "max_rss_mib"]]))


def _shorten(value: str, width: int = 90) -> str:
    """``value`` cut to at most ``width`` characters at a boundary between its parts (they
    are separated by "; "), never inside a number, with "; ..." saying that some are left."""
    value = str(value)
    if len(value) <= width:
        return value
    cut = value.rfind("; ", 0, width - len("; ..."))
    return (value[:cut] if cut > 0 else value[:width - len("; ...")]) + "; ..."


def beside(claims: pd.DataFrame, other: pd.DataFrame, names: tuple[str, str]) -> str:
    """Two runs' claims tables as one Markdown table, joined on the claim's id: the paper's
    value, then each run's value (:func:`_shorten`) and status; a claim that one run
    lacks reads "-" there."""
    about = pd.concat([claims, other])[["id", "where", "paper_value"]].drop_duplicates("id")
    columns = ["id", "our_value", "status"]
    values = claims[columns].merge(other[columns], on="id", how="outer", suffixes=("_a", "_b"))
    joined = about.merge(values, on="id", how="left").fillna("-")
    for column in ("our_value_a", "our_value_b"):
        joined[column] = joined[column].map(_shorten)
    both = ((joined["status_a"] == "PASS") & (joined["status_b"] == "PASS")).sum()
    # each run's status column sits beside its value, both headed "status"
    joined.columns = ["claim", "where", "paper", names[0], "status", names[1], "status"]
    return f"{both} of {len(joined)} claims pass in both runs.\n\n" + _markdown(joined)


def keep(root: Path, dest: Path, remedy_only: bool = False) -> list[str]:
    """Copy the run's tables from results root ``root`` into ``dest``; returns the names of
    the files written. Refuses (SystemExit) a run that lacks one of them."""
    wanted = REMEDY_TABLES if remedy_only else TABLES
    missing = [t for t in wanted if not (root / t).exists()]
    if missing:
        sys.exit(f"{root} is not a finished {'remedy ' if remedy_only else ''}run: missing "
                 f"{', '.join(missing)}")
    dest.mkdir(parents=True, exist_ok=True)
    # a whole run keeps the remedy's tables too when its grid had a penalty
    kept = list(wanted) if remedy_only else [t for t in TABLES + REMEDY_TABLES
                                             if (root / t).exists()]
    names = [t.replace("/", "_") for t in kept]
    for table, name in zip(kept, names, strict=True):
        shutil.copyfile(root / table, dest / name)
    if remedy_only:
        claims = remedy_claims_over_seeds(pd.read_csv(root / "analysis/remedy.tsv", sep="\t"))
        jobs = job_times(root / "benchmarks", root / "logs")
        jobs = jobs[jobs["job"].str.contains(PENALTY_JOB, regex=False)]
        rules = rule_times(jobs)
        written = {"remedy_claims.tsv": claims, "benchmarks_pipeline.tsv": rules,
                   "benchmarks_pipeline_jobs.tsv": jobs}
        for name, frame in written.items():
            frame.to_csv(dest / name, sep="\t", index=False, float_format="%.4g")
        names += list(written)
    else:
        claims = pd.read_csv(root / "claims.tsv", sep="\t")
        rules = pd.read_csv(root / "benchmarks/pipeline.tsv", sep="\t")
    curves = learner_curves(root, f"lam_*{PENALTY_JOB}*.h5" if remedy_only else "lam_*.h5")
    curves.to_csv(dest / "learner_curves.tsv", sep="\t", index=False, float_format="%.6g")
    (dest / "machine.txt").write_text(machine_line(measure=True) + "\n")
    (dest / "summary.md").write_text(summary(claims, rules))
    return [*names, "learner_curves.tsv", "machine.txt", "summary.md"]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="results root of the finished run")
    parser.add_argument("name", help="folder under benchmarks/reference/ (name_date)")
    parser.add_argument("--remedy", action="store_true",
                        help="a run of the remedy alone (make remedy)")
    parser.add_argument("--beside", metavar="OTHER",
                        help="a kept whole run under benchmarks/reference/ to set the claims "
                             "beside (claims_beside.md)")
    args = parser.parse_args(argv)
    dest = REPO / "benchmarks/reference" / args.name
    other = None
    if args.beside:
        other = REPO / "benchmarks/reference" / args.beside / "claims.tsv"
        if args.remedy or not other.exists():
            parser.error(f"--beside {args.beside}: needs a whole run (not --remedy) and "
                         f"{other.relative_to(REPO)}, which "
                         f"{'exists' if other.exists() else 'does not exist'}")
    written = keep(args.root, dest, remedy_only=args.remedy)
    if other is not None:
        table = beside(pd.read_csv(dest / "claims.tsv", sep="\t"),
                       pd.read_csv(other, sep="\t"), (args.name, args.beside))
        (dest / "claims_beside.md").write_text(table)
        written.append("claims_beside.md")
    print(f"kept {len(written)} files in {dest.relative_to(REPO)}")


if __name__ == "__main__":
    main(sys.argv[1:])
