"""The claims table: each of the paper's claims checked on this run's numbers."""

import json

import pandas as pd

from sparsesens import io
from sparsesens.claims import Inputs, build_claims
from sparsesens.logs import job_logger

sm = snakemake  # noqa: F821
log = job_logger(sm.log[0], "claims")


def tsv(path):
    return pd.read_csv(path, sep="\t")


claims = build_claims(Inputs(
    sensitivity=tsv(sm.input.sensitivity), mlp_metrics=json.loads(open(sm.input.mlp).read()),
    digit=tsv(sm.input.digit), eq5=tsv(sm.input.eq5), rip=tsv(sm.input.rip),
    evaluation=tsv(sm.input.evaluation), analysis_lam=sm.params.lam))
log.info("%d claims: %d PASS, %d FAIL\n%s", len(claims), (claims.status == "PASS").sum(),
         (claims.status == "FAIL").sum(),
         claims[["id", "our_value", "status"]].to_string(index=False))
with io.atomic_path(sm.output.tsv) as tmp:
    claims.to_csv(tmp, sep="\t", index=False)
