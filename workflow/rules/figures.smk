# Figures. Each takes tidy inputs and draws with sparsesens.figures.


rule fig5:
    input:
        dictionaries=dictionary_files(FIRST_SEED_TAGS),
        summary=rules.code_summary.output.tsv,
    output:
        atoms=report(
            out("figures/fig5_atoms.png"),
            caption="../report/fig5.rst",
            category="Fig. 5",
            labels={"figure": "atoms"},
        ),
        active=report(
            out("figures/fig5_active_fraction.png"),
            caption="../report/fig5.rst",
            category="Fig. 5",
            labels={"figure": "active fraction"},
        ),
        loss=report(
            out("figures/dictionary_loss.png"),
            caption="../report/fig5.rst",
            category="Fig. 5",
            labels={"figure": "loss curves"},
        ),
    params:
        code=code_version("fig5.py"),
    log:
        out("logs/fig5.log"),
    conda:
        ENV
    script:
        "../scripts/fig5.py"


rule fig1:
    input:
        data=rules.prepare_data.output.h5,
        perturbations=rules.draw_perturbations.output.h5,
        sparse=expand(rules.code_sensitivity.output.tsv, tag=ANALYSIS_LAM)[0],
        mlp=rules.mlp_sensitivity.output.tsv,
    output:
        png=report(
            out("figures/fig1_sensitivity.png"),
            caption="../report/fig1.rst",
            category="Fig. 1",
            labels={"figure": "sensitivity"},
        ),
    params:
        code=code_version("fig1.py"),
        lam=config["analysis"]["lam"],
    log:
        out("logs/fig1.log"),
    conda:
        ENV
    script:
        "../scripts/fig1.py"


rule fig6:
    input:
        tables=code_sensitivity_tables(FIRST_SEED_TAGS),
        finite=finite_tables(FIRST_SEED_TAGS),
    output:
        histograms=report(
            out("figures/fig6_sensitivity_per_lambda.png"),
            caption="../report/fig6.rst",
            category="Fig. 6",
            labels={"figure": "histograms per lambda"},
        ),
        finite=report(
            out("figures/finite_perturbations.png"),
            caption="../report/fig6.rst",
            category="Fig. 6",
            labels={"figure": "finite perturbations"},
        ),
    params:
        code=code_version("fig6.py"),
    log:
        out("logs/fig6.log"),
    conda:
        ENV
    script:
        "../scripts/fig6.py"


rule fig4:
    input:
        runs=rules.evaluation_table.output.tsv,
    output:
        fig4=report(
            out("figures/fig4_evaluation.png"),
            caption="../report/fig4.rst",
            category="Fig. 4",
            labels={"figure": "four representations"},
        ),
        fig7=report(
            out("figures/fig7_evaluation_per_lambda.png"),
            caption="../report/fig7.rst",
            category="Fig. 7",
            labels={"figure": "every lambda"},
        ),
    params:
        code=code_version("fig4.py"),
        lam=config["analysis"]["lam"],
    log:
        out("logs/fig4.log"),
    conda:
        ENV
    script:
        "../scripts/fig4.py"
