"""Copy the tables of a finished workflow run into benchmarks/reference/ (small TSV and JSON
only, never codes or dictionaries), with the learners' objective curves, the machine, and
summary.md: the claims and the per-rule wall times as Markdown tables for the README.

Usage: python benchmarks/keep_reference.py RESULTS_ROOT NAME
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
from sparsesens.logs import machine_description

REPO = Path(__file__).resolve().parents[1]
TABLES = ("claims.tsv", "codes/summary.tsv", "analysis/digit_numbers.tsv",
          "analysis/digit_gains.tsv", "analysis/rip.tsv", "analysis/eq5.tsv",
          "sensitivity/summary.tsv", "eval/summary.tsv", "eval/results.tsv",
          "mlp/metrics.json", "benchmarks/pipeline.tsv", "benchmarks/pipeline_jobs.tsv")
# written only when the config's remedy grid has a penalty beside mu = 0
REMEDY_TABLES = ("analysis/remedy.tsv", "analysis/remedy_accuracy.tsv")


def learner_curves(root: Path) -> pd.DataFrame:
    """One row per dictionary and epoch (or iteration): the learner's objective and wall
    time; `dictionary` is the file's name (lam_0.3, or lam_0.3_mu0.001 for the remedy)."""
    frames = []
    for path in sorted((root / "dictionaries").glob("lam_*.h5")):
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


def summary(root: Path) -> str:
    """The claims table and the pipeline benchmark per rule, in Markdown."""
    claims = pd.read_csv(root / "claims.tsv", sep="\t")
    shown = claims[["id", "where", "paper_value", "our_value", "status"]].copy()
    shown["our_value"] = shown["our_value"].str.slice(0, 90)
    rules = pd.read_csv(root / "benchmarks/pipeline.tsv", sep="\t")
    rules = rules.assign(total_seconds=rules["total_seconds"].round(0).astype(int),
                         max_seconds=rules["max_seconds"].round(0).astype(int),
                         max_rss_mib=rules["max_rss_mib"].round(0).astype(int))
    passed = int((claims["status"] == "PASS").sum())
    return (f"{passed} of {len(claims)} claims pass.\n\n" + _markdown(shown) + "\n"
            f"Jobs' wall time summed per rule: {int(rules['total_seconds'].sum())} s\n\n"
            + _markdown(rules[["rule", "jobs", "total_seconds", "max_seconds", "max_rss_mib"]]))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="results root of the finished run")
    parser.add_argument("name", help="folder under benchmarks/reference/ (name_date)")
    args = parser.parse_args(argv)
    missing = [t for t in TABLES if not (args.root / t).exists()]
    if missing:
        sys.exit(f"{args.root} is not a finished run: missing {', '.join(missing)}")
    dest = REPO / "benchmarks/reference" / args.name
    dest.mkdir(parents=True, exist_ok=True)
    kept = [t for t in TABLES + REMEDY_TABLES if (args.root / t).exists()]
    for table in kept:
        shutil.copyfile(args.root / table, dest / table.replace("/", "_"))
    learner_curves(args.root).to_csv(dest / "learner_curves.tsv", sep="\t", index=False,
                                     float_format="%.6g")
    (dest / "machine.txt").write_text(machine_description() + "\n")
    (dest / "summary.md").write_text(summary(args.root))
    print(f"kept {len(kept) + 3} files in {dest.relative_to(REPO)}")


if __name__ == "__main__":
    main(sys.argv[1:])
