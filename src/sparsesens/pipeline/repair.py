"""`make repair` (``python -m sparsesens.pipeline.repair RESULTS_ROOT``): delete the HDF5 files of a
results root (the data set, dictionaries, code shards, perturbations, features, learner
states) that cannot be read back intact, so that the next ``snakemake`` run rebuilds them.

A file damaged after it was written (a full disk, a copy cut short) still looks finished
to Snakemake. The workflow never deletes anything while it plans (a dry run, a lint or a
cluster job's own parse must not change the results); a job that meets a damaged file stops
and names it, and this command is the one place that removes such files.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sparsesens.io import remove_if_corrupt


def remove_damaged(root: str | Path) -> list[tuple[Path, str]]:
    """Check every HDF5 file under ``root``; delete the damaged ones.

    Files of other results roots nested below ``root`` (a preset's ``results/quick`` under
    ``results``) are checked too: each is read on its own terms. Temporary files of a job
    cut off (names starting with a dot) are left to Snakemake.

    Returns:
        (path, why) of each file removed.
    """
    root = Path(root)
    candidates = sorted(path for path in root.rglob("*.h5") if not path.name.startswith("."))
    removed = []
    for path in candidates:
        why = remove_if_corrupt(path)
        if why:
            removed.append((path, why))
    return removed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="a results root, e.g. results or results/quick")
    args = parser.parse_args(argv)
    if not args.root.is_dir():
        parser.error(f"results root {args.root} is not a folder")
    removed = remove_damaged(args.root)
    for path, why in removed:
        print(f"removed damaged {path} ({why})")
    print(f"{len(removed)} damaged file(s) removed under {args.root}; "
          "run snakemake to rebuild them")
    return 0


if __name__ == "__main__":
    sys.exit(main())
