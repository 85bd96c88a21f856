"""`make fidelity`: which setting the paper leaves unstated explains its Fig. 2 and 3 numbers?

With pixels in [0, 1] the paper's own algorithm gives the first training digit at lambda 0.3
fewer active filters, a larger smallest singular value and a smaller gain spread than the
paper reports (README, Fidelity; docs/full-scale-run.md). Each candidate setting below is
an overlay on a preset's configuration; the workflow runs the first digit's analysis
(analysis/digit_numbers.tsv) once per candidate, each in its own results root, and the
numbers of every candidate are collected side by side with the paper's in
``<root>/analysis/fidelity.tsv``.

The candidates are the settings the paper does not state: the pixel scaling and the length
of dictionary training. A second seed of the baseline shows how much the numbers move by
chance alone, which is the yardstick for every other difference.

Usage: python studies/fidelity.py [--preset quick|smoke|full] [--candidates a,b] [--cores N]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sparsesens import io, settings

REPO = Path(__file__).resolve().parents[1]
PRESETS = {"smoke": ["presets/smoke.yaml"], "quick": ["presets/quick.yaml"], "full": []}
# the quantities of analysis/digit_numbers.tsv compared with the paper
QUANTITIES = ("n_active", "max_overlap", "normalised_mean_filters",
              "normalised_mean_differences", "smallest_singular_value", "largest_gain",
              "gain_spread", "max_coherence")


def candidates(config: dict) -> dict[str, tuple[str, dict]]:
    """Name -> (what it changes, config overlay) for a base configuration."""
    lam = float(config["analysis"]["lam"])
    if config["dictionary"]["method"] == "online":
        online = config["dictionary"]["online"]
        cap, unit = int(online["max_epochs"]), "epochs"

        def length(n):  # a fixed length, so that half and double really train so long
            return {"dictionary": {"online": {**online, "max_epochs": n, "rel_tol": 0.0}}}
    else:
        cap, unit = settings.dictionary_max_iter(config, lam), "iterations"

        def length(n):
            return {"dictionary": {"max_iter": n, "max_iter_per_lambda": [], "rel_tol": 0.0}}
    return {
        "baseline": ("the configuration as given", {}),
        "seed 1": ("another root seed: the spread due to chance alone", {"seed": 1}),
        "center": ("pixels minus the mean training image",
                   {"data": {"scaling": "center"}}),
        "standardise": ("per-pixel z-score (training statistics)",
                        {"data": {"scaling": "standardise"}}),
        "half training": (f"dictionary learning stopped at {max(1, cap // 2)} {unit}",
                          length(max(1, cap // 2))),
        "double training": (f"dictionary learning run for {2 * cap} {unit}", length(2 * cap)),
    }


def slug(name: str) -> str:
    return name.replace(" ", "_")


def run_candidate(name: str, overlay: dict, preset_files: list[Path], base: dict,
                  workdir: Path, cores: str) -> Path:
    """Run the first digit's analysis for one candidate; returns its results root."""
    root = Path(base["results"]) / "fidelity" / slug(name)   # relative to workdir
    (workdir / root).mkdir(parents=True, exist_ok=True)
    overlay_file = workdir / root / "candidate.yaml"
    with io.atomic_path(overlay_file) as tmp:
        tmp.write_text(yaml.safe_dump(settings.merge_config(overlay, {"results": str(root)}),
                                      sort_keys=False))
    lam = settings.lambda_tag(base["analysis"]["lam"])
    targets = [f"{root}/analysis/digit_numbers.tsv", f"{root}/dictionaries/lam_{lam}.h5"]
    # targets before --configfile, which takes every value after it
    cmd = [str(Path(sys.executable).with_name("snakemake")), "-s", str(REPO / "Snakefile"),
           *targets, "--cores", cores, "-q", "--configfile", *map(str, preset_files),
           str(overlay_file)]
    print(f"[fidelity] {name}: {' '.join(cmd[1:])}", flush=True)
    subprocess.run(cmd, cwd=workdir, check=True)
    return workdir / root


def candidate_row(name: str, what: str, root: Path, config: dict) -> dict:
    """The compared numbers of one finished candidate."""
    lam = settings.lambda_tag(config["analysis"]["lam"])
    numbers = pd.read_csv(root / "analysis/digit_numbers.tsv", sep="\t")
    value = numbers.set_index("quantity")["value"]
    _, loss, attrs = io.read_dictionary(root / f"dictionaries/lam_{lam}.h5")
    shards = sorted((root / f"codes/lam_{lam}").glob("train_*.h5"))
    codes = io.read_split_codes(shards)["codes"]
    return {"candidate": name, "changes": what,
            "scaling": config["data"]["scaling"], "seed": config["seed"],
            "iterations": int(attrs.get("iterations", attrs.get("epochs"))),
            "final_loss": float(loss[-1]),
            "mean_active_per_image": float(np.diff(codes.indptr).mean()),
            **{q: float(value[q]) for q in QUANTITIES}}


def paper_row(root: Path) -> dict:
    numbers = pd.read_csv(root / "analysis/digit_numbers.tsv", sep="\t")
    paper = numbers.set_index("quantity")["paper_value"]
    return {"candidate": "paper", "changes": "Luther and Seung, Sections 3 and 4",
            **{q: float(paper[q]) for q in QUANTITIES}}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="quick")
    parser.add_argument("--candidates", default=None,
                        help="comma-separated names (default: all)")
    parser.add_argument("--cores", default="all")
    parser.add_argument("--workdir", type=Path, default=REPO,
                        help="where the workflow runs (holds config.yaml and resources/)")
    args = parser.parse_args(argv)
    workdir = args.workdir.resolve()
    preset_files = [REPO / f for f in PRESETS[args.preset]]
    base = settings.merge_config(
        *(yaml.safe_load(f.read_text()) for f in [workdir / "config.yaml", *preset_files]))
    every = candidates(base)
    chosen = list(every) if args.candidates is None else args.candidates.split(",")
    unknown = [name for name in chosen if name not in every]
    if unknown:
        raise SystemExit(f"unknown candidates {unknown}; allowed: {', '.join(every)}")
    rows = []
    for name in chosen:
        what, overlay = every[name]
        root = run_candidate(name, overlay, preset_files, base, workdir, args.cores)
        rows.append(candidate_row(name, what, root, settings.merge_config(base, overlay)))
    table = pd.DataFrame([*rows, paper_row(root)])
    out = workdir / base["results"] / "analysis/fidelity.tsv"
    out.parent.mkdir(parents=True, exist_ok=True)
    with io.atomic_path(out) as tmp:
        table.to_csv(tmp, sep="\t", index=False, float_format="%.4g")
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(table.drop(columns="changes").to_string(index=False))
    print(f"written to {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
