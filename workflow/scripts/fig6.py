"""Fig. 6 (sensitivity histograms for every lambda) and the finite-perturbation figure."""

from sparsesens import figures
from sparsesens.pipeline.job import Job, read_table

sm = snakemake  # noqa: F821
job = Job(sm)


def by_lambda(paths):
    """The tables of ``paths`` by the lambda of their dictionary (their column lam)."""
    return {float(table["lam"].iloc[0]): table for table in map(read_table, paths)}


job.write_figure(figures.sensitivity_per_lambda(by_lambda(sm.input.tables)),
                 sm.output.histograms)
job.write_figure(figures.finite_perturbations(by_lambda(sm.input.finite)), sm.output.finite)
