"""The claims table: each of the paper's claims checked on this run's numbers, and the
claims about codes and dictionaries checked on the control dictionaries too."""

import pandas as pd

from sparsesens.claims import STATUSES, Inputs, build_claims
from sparsesens.claims.controls import control_statuses, of_control, with_controls
from sparsesens.pipeline.job import Job, read_json, read_table

sm = snakemake  # noqa: F821
job = Job(sm)
inputs = Inputs(
    sensitivity=read_table(sm.input.sensitivity), paired=read_table(sm.input.paired),
    mlp_metrics=read_json(sm.input.mlp), digit=read_table(sm.input.digit),
    spectrum=read_table(sm.input.spectrum), digits=read_table(sm.input.digits),
    finite=read_table(sm.input.finite), codes=read_table(sm.input.codes),
    eq5=read_table(sm.input.eq5),
    rip=read_table(sm.input.rip), evaluation=read_table(sm.input.evaluation),
    analysis_lam=sm.params.lam,
    remedy=read_table(sm.input.remedy) if sm.input.get("remedy") else None)
claims = build_claims(inputs)
controls = {}
if sm.params.controls:
    gathered = {name: pd.concat(map(read_table, sm.input[f"control_{name}"]), ignore_index=True)
                for name in ("sensitivity", "rip", "digit", "spectrum", "digits")}
    controls = {kind: control_statuses(of_control(gathered, kind), inputs.sensitivity,
                                       inputs.paired, inputs.analysis_lam)
                for kind in sm.params.controls}
claims = with_controls(claims, controls)
counts = claims["status"].value_counts()
verdicts = claims["verdict"].value_counts()
job.log.info("%d claims: %s; verdicts: %s\n%s", len(claims),
             ", ".join(f"{counts.get(s, 0)} {s}" for s in STATUSES),
             ", ".join(f"{n} {v}" for v, n in verdicts.items()),
             claims[["id", "our_value", "status", "verdict"]].to_string(index=False))
job.write_table(claims, sm.output.tsv)
