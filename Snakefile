# Sensitivity of sparse codes to image distortions: the workflow.
# Run:  snakemake --cores all                      (paper scale, results/)
#       snakemake --cores all --configfile presets/quick.yaml   (results/quick/)
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/dictionary.smk"
include: "workflow/rules/codes.smk"
include: "workflow/rules/sensitivity.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/evaluation.smk"
include: "workflow/rules/remedy.smk"
include: "workflow/rules/controls.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/claims.smk"
include: "workflow/rules/benchmark.smk"


# run by the submitting process, never sent to a cluster: the download needs the internet
# (compute nodes often have none) and the rest only gather tables and draw figures
localrules:
    download_mnist,
    label_subsets,
    code_summary,
    sensitivity_summary,
    remedy_summary,
    rip_summary,
    evaluation_table,
    fig1,
    fig4,
    fig5,
    fig6,
    digit_figures,
    eq5_figure,
    rip_figure,
    remedy_figure,
    control_dictionary,
    claims,
    pipeline_benchmark,


rule all:
    default_target: True
    input:
        rules.prepare_data.output,
        dictionary_files(),
        code_shards(),
        rules.code_summary.output,
        rules.fig5.output,
        rules.train_mlp.output,
        rules.sensitivity_summary.output,
        rules.fig1.output,
        rules.fig6.output,
        rules.analyse_digit.output,
        rules.digit_figures.output,
        rules.eq5_check.output,
        rules.eq5_figure.output,
        rules.rip_summary.output,
        rules.rip_figure.output,
        rules.evaluation_table.output,
        rules.fig4.output,
        rules.claims.output,
        rules.remedy_summary.output if len(REMEDY_WEIGHTS) > 1 else [],
        rules.remedy_figure.output if len(REMEDY_WEIGHTS) > 1 else [],
        rules.pipeline_benchmark.output,
