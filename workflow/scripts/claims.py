"""The claims table: each of the paper's claims checked on this run's numbers."""

from sparsesens.claims import STATUSES, Inputs, build_claims
from sparsesens.pipeline.job import Job, read_json, read_table

sm = snakemake  # noqa: F821
job = Job(sm)
claims = build_claims(Inputs(
    sensitivity=read_table(sm.input.sensitivity), paired=read_table(sm.input.paired),
    mlp_metrics=read_json(sm.input.mlp), digit=read_table(sm.input.digit),
    spectrum=read_table(sm.input.spectrum), digits=read_table(sm.input.digits),
    finite=read_table(sm.input.finite),
    eq5=read_table(sm.input.eq5),
    rip=read_table(sm.input.rip), evaluation=read_table(sm.input.evaluation),
    analysis_lam=sm.params.lam,
    remedy=read_table(sm.input.remedy) if sm.input.get("remedy") else None))
counts = claims["status"].value_counts()
job.log.info("%d claims: %s\n%s", len(claims),
             ", ".join(f"{counts.get(s, 0)} {s}" for s in STATUSES),
             claims[["id", "our_value", "status"]].to_string(index=False))
job.write_table(claims, sm.output.tsv)
