"""Fig. 6 (sensitivity histograms for every lambda) and the finite-perturbation figure."""

from sparsesens import figures
from sparsesens.job import Job, read_table

sm = snakemake  # noqa: F821
job = Job(sm)


def by_lambda(paths):
    return {lam: read_table(path) for lam, path in zip(sm.params.lams, paths, strict=True)}


job.write_figure(figures.sensitivity_per_lambda(by_lambda(sm.input.tables)),
                 sm.output.histograms)
job.write_figure(figures.finite_perturbations(by_lambda(sm.input.finite)), sm.output.finite)
