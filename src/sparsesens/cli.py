"""``sparsesens``: the command line of :mod:`sparsesens.api`.

    sparsesens encode results/dictionaries/lam_0.3.h5 my_digits/ -o codes.h5
    sparsesens learn images.npy --lam 0.3 -o dictionary.h5
    sparsesens sensitivity dictionary.h5 images.npy directions.npy -o ratios.tsv
    sparsesens claims results

Progress goes to stderr; a bad argument or file ends with one line saying what is wrong.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sparsesens import api, io
from sparsesens.dictionary.options import OnlineOptions


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    log = _logger()
    try:
        return args.run(args, log)
    except (ValueError, OSError, KeyError) as err:  # the message names the value or file
        print(f"sparsesens {args.command}: error: {err}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sparsesens", description="Exact, certified sparse codes of your own images with "
        "the dictionaries of a sparsesens run, and their sensitivity.")
    commands = parser.add_subparsers(dest="command", required=True)

    encode = _command(
        commands, "encode", _encode,
        "encode images with a dictionary (exact lasso codes, Eq. 9 per image)",
        "Encode images into exact lasso codes, each certified by the paper's Eq. 9. Writes "
        ".h5 (CSR codes, the certificate per image, the names) or .npy (dense codes).")
    _dictionary_and_images(encode)
    encode.add_argument("-o", "--output", type=Path, required=True, help="codes .h5 or .npy")

    learn = _command(commands, "learn", _learn,
                     "learn a dictionary for images (the online learner)",
                     "Learn a dictionary for images with the workflow's online learner.")
    learn.add_argument("images", type=Path, help="a folder of PNGs, a .png or a .npy array")
    learn.add_argument("--lam", type=float, required=True, help="sparsity weight of Eq. 1")
    learn.add_argument("-o", "--output", type=Path, required=True, help="dictionary .h5/.npy")
    learn.add_argument("--atoms", type=int, default=784, help="atoms to learn (784)")
    learn.add_argument("--epochs", type=int, default=None,
                       help=f"passes at most ({OnlineOptions().max_epochs})")
    learn.add_argument("--pixel-scale", type=float, default=1.0,
                       help="factor for pixels in [0, 1] before learning (1)")
    learn.add_argument("--seed", type=int, default=0, help="seed of the initial draw (0)")

    sensitivity = _command(
        commands, "sensitivity", _sensitivity,
        "||J dx|| / ||dx|| of each image's code for a given direction",
        "The first-order change of each image's exact code per unit of a perturbation, one "
        "direction per image. Writes a tab-separated table.")
    _dictionary_and_images(sensitivity)
    sensitivity.add_argument("perturbations", type=Path,
                             help=".npy (N, pixels): one direction per image, pixel units")
    sensitivity.add_argument("-o", "--output", type=Path, required=True, help="table .tsv")

    claims = _command(commands, "claims", _claims,
                      "the claims table of a finished run, FAILs first",
                      "Print a finished run's claims table (RESULTS/claims.tsv): how many "
                      "pass, and each claim with our value beside the paper's.")
    claims.add_argument("results", type=Path, help="the run's results root")
    return parser


def _command(commands: argparse._SubParsersAction, name: str, run, summary: str,
             description: str) -> argparse.ArgumentParser:
    """One subcommand: its one-line summary for ``sparsesens --help``, its description for
    its own ``--help``, and the function that runs it."""
    parser = commands.add_parser(name, help=summary, description=description)
    parser.set_defaults(run=run)
    return parser


def _dictionary_and_images(parser: argparse.ArgumentParser) -> None:
    """The arguments of a command that encodes images: the dictionary, the images, and
    what overrides the dictionary's lambda and pixel factor."""
    parser.add_argument("dictionary", type=Path, help="a run's dictionaries/lam_*.h5, or .npy")
    parser.add_argument("images", type=Path, help="a folder of PNGs, a .png or a .npy array")
    parser.add_argument("--lam", type=float, help="sparsity weight (default: the dictionary's)")
    parser.add_argument("--pixel-scale", type=float,
                        help="factor for pixels in [0, 1] (default: the dictionary's run's; "
                        "1 for a .npy dictionary)")


def _logger() -> logging.Logger:
    log = logging.getLogger("sparsesens.cli")
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    return log


def _load(args: argparse.Namespace, log: logging.Logger) -> tuple[api.Dictionary, np.ndarray,
                                                                  list[str]]:
    dictionary = api.load_dictionary(args.dictionary, lam=args.lam,
                                     pixel_scale=args.pixel_scale)
    images, names = api.read_images(args.images)
    log.info("%d images of %d pixels; dictionary %s: %d atoms, lambda %g, pixel factor %g",
             len(images), images.shape[1], args.dictionary, dictionary.D.shape[1],
             dictionary.lam, dictionary.pixel_scale)
    return dictionary, images, names


def _encode(args: argparse.Namespace, log: logging.Logger) -> int:
    if args.output.suffix not in (".h5", ".npy"):
        raise ValueError(f"{args.output}: write codes as .h5 or .npy")
    dictionary, images, names = _load(args, log)
    done = [0]

    def progress(n: int) -> None:
        done[0] += n
        log.info("encoded %d/%d images", done[0], len(images))

    result = api.encode(images, dictionary, progress=progress)
    active = (result.codes != 0).sum(axis=1)
    if args.output.suffix == ".npy":
        with io.atomic_path(args.output) as tmp, open(tmp, "wb") as handle:
            np.save(handle, result.codes)
    else:
        io.write_code_shard(
            args.output, result.codes, np.arange(len(images)), result.kkt_inactive,
            result.kkt_active, {"lam": dictionary.lam, "pixel_scale": dictionary.pixel_scale,
                                "dictionary": str(args.dictionary),
                                "dictionary_sha256": io.array_sha256(dictionary.D),
                                "n_failed": result.n_failed, "names": json.dumps(names)})
    log.info("wrote %s: %d codes, %.1f active atoms on average, %d failing Eq. 9",
             args.output, len(images), active.mean(), result.n_failed)
    return 0 if result.n_failed == 0 else 1


def _learn(args: argparse.Namespace, log: logging.Logger) -> int:
    images, _ = api.read_images(args.images)
    log.info("learning %d atoms at lambda %g from %d images", args.atoms, args.lam, len(images))
    dictionary = api.learn(images, args.lam, n_atoms=args.atoms, pixel_scale=args.pixel_scale,
                           seed=args.seed, max_epochs=args.epochs, log=log)
    api.save_dictionary(args.output, dictionary)
    log.info("wrote %s (converged: %s)", args.output, dictionary.attrs["converged"])
    return 0


def _sensitivity(args: argparse.Namespace, log: logging.Logger) -> int:
    import pandas as pd

    dictionary, images, names = _load(args, log)
    directions = np.load(args.perturbations, allow_pickle=False)
    result = api.encode(images, dictionary)
    ratios = api.sensitivity(images, directions.reshape(len(directions), -1), dictionary,
                             codes=result.codes)
    table = pd.DataFrame({"image": names, "n_active": (result.codes != 0).sum(axis=1),
                          "certified": result.certified, "ratio": ratios})
    with io.atomic_path(args.output) as tmp:
        table.to_csv(tmp, sep="\t", index=False)
    log.info("wrote %s: median ratio %.4g over %d images", args.output,
             float(np.nanmedian(ratios)), len(ratios))
    return 0


def _claims(args: argparse.Namespace, log: logging.Logger) -> int:
    import pandas as pd

    path = args.results / "claims.tsv"
    if not path.exists():
        raise ValueError(f"{path} does not exist: is {args.results} a finished run's root?")
    # as the table says it, text for text; FAILs first
    table = pd.read_csv(path, sep="\t", keep_default_na=False, dtype=str)
    table = table.sort_values("status", kind="stable")
    counts = table["status"].value_counts()
    verdicts = table["verdict"].value_counts() if "verdict" in table else {}
    reproduced = (f"; {verdicts.get('reproduced', 0)} reproduced, "
                  f"{verdicts.get('holds for any dictionary', 0)} hold for any dictionary"
                  if len(verdicts) else "")
    print(f"{counts.get('PASS', 0)} of {len(table)} claims pass, {counts.get('FAIL', 0)} fail, "
          f"{counts.get('TIE', 0)} tie{reproduced} ({path})")
    for row in table.itertuples():
        verdict = f" [{row.verdict}]" if getattr(row, "verdict", "") not in ("", row.status) \
            else ""
        print(f"{row.status:5} {row.id}{verdict}: ours {row.our_value}; paper {row.paper_value}")
        if getattr(row, "note", ""):
            print(f"      note: {row.note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
