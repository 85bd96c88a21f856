# The whole run's benchmark: every job's wall time and memory in one table.


rule pipeline_benchmark:
    input:
        # everything else of the run, so that every job's benchmark file exists
        rules.claims.output,
        rules.fig1.output,
        rules.fig4.output,
        rules.fig5.output,
        rules.fig6.output,
        rules.digit_figures.output,
        rules.eq5_figure.output,
        rules.rip_figure.output,
        rules.remedy_figure.output if len(REMEDY_WEIGHTS) > 1 else [],
    output:
        tsv=report(
            out("benchmarks/pipeline.tsv"),
            caption="../report/benchmark.rst",
            category="Benchmarks",
            labels={"figure": "pipeline"},
        ),
        jobs=out("benchmarks/pipeline_jobs.tsv"),
    log:
        out("logs/pipeline_benchmark.log"),
    conda:
        ENV
    params:
        code=code_version("pipeline_benchmark.py"),
        benchmarks=lambda wildcards, output: str(Path(output.tsv).parent),
        logs=out("logs"),
    script:
        "../scripts/pipeline_benchmark.py"
