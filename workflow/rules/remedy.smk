# The remedy the paper proposes (Section 7): the dictionaries of the penalties mu of
# dictionary.orthogonality at the analysis lambda, compared on the same experiments.


rule remedy_summary:
    input:
        data=rules.prepare_mnist.output.h5,
        dictionaries=expand(rules.learn_dictionary.output.h5, lam=REMEDY_TAGS),
        shards=remedy_shards(),
        sensitivity=expand(rules.code_sensitivity.output.tsv, lam=REMEDY_TAGS),
        rip=expand(rules.rip.output.tsv, lam=REMEDY_TAGS),
        evaluation=[path for tag in REMEDY_TAGS
                    for path in expand(rules.evaluate.output.tsv, rep=f"lam_{tag}")],
    output:
        tsv=out("analysis/remedy.tsv"),
        accuracy=out("analysis/remedy_accuracy.tsv"),
        png=report(
            out("figures/remedy.png"),
            caption="../report/remedy.rst",
            category="Remedy",
            labels={"figure": "remedy"},
        ),
    params:
        code=code_version("remedy_summary.py"),
        analysis=settings.pick(config, "analysis", "digit", "top_pairs"),
    log:
        out("logs/remedy_summary.log"),
    conda:
        ENV
    script:
        "../scripts/remedy_summary.py"
