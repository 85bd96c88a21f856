# The claims table: each of the paper's claims checked on this run's numbers, and those
# about codes and dictionaries on the control dictionaries too.


rule claims:
    input:
        sensitivity=rules.sensitivity_summary.output.tsv,
        paired=rules.sensitivity_summary.output.paired,
        mlp=rules.train_mlp.output.metrics,
        digit=rules.analyse_digit.output.numbers,
        spectrum=rules.analyse_digit.output.spectrum,
        digits=rules.digit_distribution.output.tsv,
        codes=rules.code_summary.output.tsv,
        finite=expand(rules.finite_sensitivity.output.tsv, tag=ANALYSIS_LAM)[0],
        eq5=rules.eq5_check.output.tsv,
        rip=rules.rip_summary.output.tsv,
        evaluation=rules.evaluation_table.output.summary,
        # the remedy's conjecture, when the grid has a penalty to compare with mu = 0
        remedy=rules.remedy_summary.output.tsv if len(REMEDY_WEIGHTS) > 1 else [],
        # every control dictionary's tables, standing in for the first seed's dictionaries
        control_sensitivity=control_tables("sensitivity"),
        control_rip=control_tables("rip"),
        control_digit=control_tables("digit"),
        control_spectrum=control_tables("spectrum"),
        control_digits=control_tables("digits"),
    output:
        tsv=report(
            out("claims.tsv"),
            caption="../report/claims.rst",
            category="Claims",
            labels={"figure": "claims table"},
        ),
    log:
        out("logs/claims.log"),
    conda:
        ENV
    params:
        code=code_version("claims.py"),
        lam=config["analysis"]["lam"],
        controls=CONTROL_KINDS,
    script:
        "../scripts/claims.py"
