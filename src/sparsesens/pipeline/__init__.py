"""The workflow's plumbing, apart from the science: the configuration (``settings``),
a job's set-up (``job``, ``logs``, ``device``), what a job asks of a cluster
(``resources``) and took (``runtimes``), which package code a job runs (``provenance``),
and removing damaged files (``repair``)."""
