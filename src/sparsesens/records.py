"""What names one dictionary of a run, written into its file and every table made from it.

A dictionary is one record: its lambda, its overlap penalty ``mu`` (0 for the paper's
dictionaries, > 0 for the remedy's) and its dictionary seed. The workflow makes the
records once from the configuration; the learner writes a dictionary's record into its
file (:meth:`DictionaryRecord.attrs`), the encoder into each code shard, and every stage
after reads it back from there (:meth:`DictionaryRecord.from_attrs`), so that no table
needs to be told which dictionary it came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

RECORD_KEYS = ("tag", "lam", "mu", "dictionary_seed")


def lambda_tag(lam: float) -> str:
    """The text that names ``lam`` in file names: ``0.03``, ``0.3``, ``3.0``."""
    return repr(float(lam))


def dictionary_tag(lam: float, mu: float = 0.0, seed: int = 0) -> str:
    """The text that names one dictionary in file names: its lambda's tag, followed by
    ``_mu`` and the penalty's for the remedy's dictionaries, and by ``_s`` and the seed for
    every dictionary seed but the first (``0.3``, ``0.3_mu0.001``, ``0.3_s2``)."""
    tag = lambda_tag(lam) if mu == 0 else f"{lambda_tag(lam)}_mu{lambda_tag(mu)}"
    return tag if seed == 0 else f"{tag}_s{int(seed)}"


@dataclass(frozen=True)
class DictionaryRecord:
    """What names one dictionary of a run: its lambda, its overlap penalty ``mu`` (0 for
    the paper's dictionaries, > 0 for the remedy's) and its dictionary seed. :attr:`tag`
    names it in file names and in the workflow's ``{tag}`` wildcard."""

    lam: float
    mu: float = 0.0
    seed: int = 0

    @property
    def tag(self) -> str:
        return dictionary_tag(self.lam, self.mu, self.seed)

    def attrs(self) -> dict[str, Any]:
        """The record as file attributes and table columns (:data:`RECORD_KEYS`)."""
        return {"tag": self.tag, "lam": float(self.lam), "mu": float(self.mu),
                "dictionary_seed": int(self.seed)}

    @classmethod
    def from_attrs(cls, attrs: Mapping[str, Any], where: str = "") -> DictionaryRecord:
        """The record written by :meth:`attrs` into a dictionary file or code shard
        (``where`` names it in the error when the record is missing or inconsistent)."""
        missing = [key for key in RECORD_KEYS if key not in attrs]
        if missing:
            raise ValueError(f"{where or 'these attributes'} carry no dictionary record "
                             f"(missing {', '.join(missing)}): made by a version before "
                             "records existed; run the workflow again to rebuild it")
        record = cls(float(attrs["lam"]), float(attrs["mu"]), int(attrs["dictionary_seed"]))
        if record.tag != attrs["tag"]:
            raise ValueError(f"{where or 'these attributes'}: tag {attrs['tag']!r} does not "
                             f"match lambda, mu and seed (which name {record.tag!r})")
        return record
