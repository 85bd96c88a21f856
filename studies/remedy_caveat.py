"""The remedy's caveat: is it less effective in a larger dictionary (Section 7)?

Reads two or more finished remedy runs (`make remedy`, or whole runs with the remedy), each
learnt with another `dictionary.n_atoms` (presets/overcomplete.yaml doubles it), and writes
their remedy tables side by side with the caveat's claim row
(:func:`sparsesens.claims.remedy_caveat_claim`). A dictionary's size is read from the
analysis lambda's dictionary file of each root.

Usage: python studies/remedy_caveat.py ROOT ROOT [...] [--lam 0.3] [--out caveat.tsv]
  e.g. python studies/remedy_caveat.py results results/overcomplete
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from sparsesens import io
from sparsesens.claims import remedy_caveat_claim
from sparsesens.pipeline import settings

SHOWN = ["n_atoms", "mu", "max_coherence", "mean_active", "distortion_median",
         "lam_matched", "matched_distortion_median", "distortion_effect", "distortion_p"]


def remedy_by_size(roots: list[Path], lam: float) -> dict[int, pd.DataFrame]:
    """Each root's remedy table, keyed by its dictionaries' number of atoms."""
    tables = {}
    for root in roots:
        table_path = root / "analysis/remedy.tsv"
        dictionary = root / f"dictionaries/lam_{settings.lambda_tag(lam)}.h5"
        missing = [str(p) for p in (table_path, dictionary) if not p.exists()]
        if missing:
            sys.exit(f"{root} is not a finished remedy run: missing {', '.join(missing)}")
        n_atoms = io.read_dictionary(dictionary)[0].shape[1]
        if n_atoms in tables:
            sys.exit(f"two roots hold dictionaries of {n_atoms} atoms: give one per size")
        tables[n_atoms] = pd.read_csv(table_path, sep="\t")
    return tables


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("roots", type=Path, nargs="+", help="results roots of remedy runs")
    parser.add_argument("--lam", type=float, default=0.3, help="the remedy's lambda")
    parser.add_argument("--out", type=Path, help="write the side-by-side table here (TSV)")
    args = parser.parse_args(argv)
    if len(args.roots) < 2:
        parser.error("give two results roots at least, with different dictionary sizes")
    by_size = remedy_by_size(args.roots, args.lam)
    side = pd.concat([table.assign(n_atoms=n) for n, table in sorted(by_size.items())])
    side = side[[c for c in SHOWN if c in side]]
    claim = remedy_caveat_claim(by_size).iloc[0]
    print(side.to_string(index=False, float_format="%.4g"))
    print(f"\n{claim['id']}: {claim['status']} ({claim['our_value']}; {claim['criterion']})")
    if args.out is not None:
        side.to_csv(args.out, sep="\t", index=False, float_format="%.6g")
        pd.DataFrame([claim]).to_csv(args.out.with_name(args.out.stem + "_claim.tsv"),
                                     sep="\t", index=False)


if __name__ == "__main__":
    main(sys.argv[1:])
