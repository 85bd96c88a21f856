"""`make repair` (``python -m sparsesens.repair RESULTS_ROOT``): delete the dictionaries and
code shards of a results root that cannot be read back intact, so that the next
``snakemake`` run rebuilds them.

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
    """Check every dictionary and code shard under ``root``; delete the damaged ones.

    Returns:
        (path, why) of each file removed.
    """
    root = Path(root)
    candidates = [*sorted(root.glob("dictionaries/lam_*.h5")),
                  *sorted(root.glob("codes/lam_*/*.h5"))]
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
