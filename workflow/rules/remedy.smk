# The remedy the paper proposes (Section 7): the dictionaries of the penalties mu of
# dictionary.orthogonality at the analysis lambda, compared on the same experiments, and
# at matched sparsity (each penalty's codes at the lambda giving the paper's active atoms).


rule remedy_matched:
    input:
        data=rules.prepare_data.output.h5,
        dictionary=rules.learn_dictionary.output.h5,
        paper=paper_dictionary_of,
        perturbations=rules.draw_perturbations.output.h5,
    output:
        tsv=out("sensitivity/matched/lam_{tag}.tsv"),
    log:
        out("logs/remedy_matched/lam_{tag}.log"),
    benchmark:
        out("benchmarks/remedy_matched/lam_{tag}.tsv")
    conda:
        ENV
    threads: ALL_CORES
    resources:
        gpu=1,
        mem_mb=memory_mib("remedy_matched"),
        runtime=minutes("remedy_matched"),
    params:
        code=code_version("remedy_matched.py"),
        lam=config["analysis"]["lam"],
        n_images=config["analysis"]["matched_images"],
        codes=settings.result_settings(config, "codes", "shard_size"),
        speed=settings.speed_knobs(config, "codes.chunk_size"),
        seed=settings.stage_seed(config, "remedy_matched"),
        device=config["device"],
    script:
        "../scripts/remedy_matched.py"


rule remedy_summary:
    input:
        data=rules.prepare_data.output.h5,
        dictionaries=expand(rules.learn_dictionary.output.h5, tag=REMEDY_TAGS),
        shards=remedy_shards(),
        sensitivity=expand(rules.code_sensitivity.output.tsv, tag=REMEDY_TAGS),
        rip=expand(rules.rip.output.tsv, tag=REMEDY_TAGS),
        evaluation=[
            path
            for tag in REMEDY_TAGS
            for path in expand(rules.evaluate.output.tsv, rep=f"lam_{tag}")
        ],
        # each penalty's codes at the lambda that matches the paper's sparsity
        matched=expand(rules.remedy_matched.output.tsv, tag=PENALTY_TAGS),
    output:
        tsv=out("analysis/remedy.tsv"),
        accuracy=out("analysis/remedy_accuracy.tsv"),
    log:
        out("logs/remedy_summary.log"),
    conda:
        ENV
    params:
        code=code_version("remedy_summary.py"),
        analysis=settings.pick(config, "analysis", "digit", "top_pairs"),
    script:
        "../scripts/remedy_summary.py"
