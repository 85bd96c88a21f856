"""Draw the README's figure from a committed reference run's sensitivity summary.

    python benchmarks/readme_figure.py benchmarks/reference/<run>/sensitivity_summary.tsv \
        docs/images/sensitivity_full_scale.png
"""

from __future__ import annotations

import argparse

import pandas as pd

from sparsesens import figures, io


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("summary", help="a sensitivity summary table (TSV)")
    parser.add_argument("png", help="where the figure goes")
    args = parser.parse_args()
    figure = figures.sensitivity_medians(pd.read_csv(args.summary, sep="\t"))
    with io.atomic_path(args.png) as tmp:
        figure.savefig(tmp, format="png", dpi=110)


if __name__ == "__main__":
    main()
