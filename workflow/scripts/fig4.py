"""Fig. 4 (four representations) and Fig. 7 (the sparse code of every lambda), each curve
the mean over the labelled-subset seeds with a band of one standard deviation."""

from sparsesens import figures
from sparsesens.pipeline.job import Job, read_table

sm = snakemake  # noqa: F821
job = Job(sm)
fig4, fig7 = figures.evaluation_figures(read_table(sm.input.runs), sm.params.lam)
job.write_figure(fig4, sm.output.fig4)
job.write_figure(fig7, sm.output.fig7)
