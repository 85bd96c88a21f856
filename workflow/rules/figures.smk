# Every figure of the run. Each reads the tables (and for Fig. 2, 3 and 5 the
# dictionaries and codes) that its stage wrote, and draws with sparsesens.figures.


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
    log:
        out("logs/fig5.log"),
    conda:
        ENV
    params:
        code=code_version("fig5.py"),
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
    log:
        out("logs/fig1.log"),
    conda:
        ENV
    params:
        code=code_version("fig1.py"),
        lam=config["analysis"]["lam"],
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
    log:
        out("logs/fig6.log"),
    conda:
        ENV
    params:
        code=code_version("fig6.py"),
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
    log:
        out("logs/fig4.log"),
    conda:
        ENV
    params:
        code=code_version("fig4.py"),
        lam=config["analysis"]["lam"],
    script:
        "../scripts/fig4.py"


rule digit_figures:
    input:
        data=rules.prepare_data.output.h5,
        dictionary=dictionary_file(ANALYSIS_LAM),
        shards=shard_files(ANALYSIS_LAM, "train"),
        numbers=rules.analyse_digit.output.numbers,
        overlaps=rules.analyse_digit.output.overlaps,
        spectrum=rules.analyse_digit.output.spectrum,
    output:
        fig2=report(
            out("figures/fig2_overlaps.png"),
            caption="../report/fig2.rst",
            category="Fig. 2",
            labels={"figure": "overlaps"},
        ),
        fig3=report(
            out("figures/fig3_singular_vectors.png"),
            caption="../report/fig3.rst",
            category="Fig. 3",
            labels={"figure": "singular vectors"},
        ),
    log:
        out("logs/digit_figures.log"),
    conda:
        ENV
    params:
        code=code_version("digit_figures.py"),
        analysis=settings.pick(config, "analysis", "digit", "top_pairs"),
        # the perturbation examples of analyse_digit, drawn again from its seed
        sensitivity=settings.pick(config, "sensitivity", *settings.ELASTIC_KEYS),
        seed=settings.stage_seed(config, "digit_perturbations"),
    script:
        "../scripts/digit_figures.py"


rule eq5_figure:
    input:
        tsv=rules.eq5_check.output.tsv,
    output:
        png=report(
            out("figures/eq5.png"),
            caption="../report/analysis.rst",
            category="Eq. 5 and RIP",
            labels={"figure": "Eq. 5"},
        ),
    log:
        out("logs/eq5_figure.log"),
    conda:
        ENV
    params:
        code=code_version("eq5_figure.py"),
    script:
        "../scripts/eq5_figure.py"


rule rip_figure:
    input:
        tables=expand(rules.rip.output.tsv, tag=FIRST_SEED_TAGS),
    output:
        png=report(
            out("figures/rip.png"),
            caption="../report/analysis.rst",
            category="Eq. 5 and RIP",
            labels={"figure": "RIP"},
        ),
    log:
        out("logs/rip_figure.log"),
    conda:
        ENV
    params:
        code=code_version("rip_figure.py"),
    script:
        "../scripts/rip_figure.py"


rule remedy_figure:
    input:
        tsv=rules.remedy_summary.output.tsv,
    output:
        png=report(
            out("figures/remedy.png"),
            caption="../report/remedy.rst",
            category="Remedy",
            labels={"figure": "remedy"},
        ),
    log:
        out("logs/remedy_figure.log"),
    conda:
        ENV
    params:
        code=code_version("remedy_figure.py"),
    script:
        "../scripts/remedy_figure.py"
