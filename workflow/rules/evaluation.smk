# Supervised evaluation (Section 6). Every representation is evaluated on the same labelled
# images for a given seed and number of labels per class.


rule label_subsets:
    input:
        data=rules.prepare_data.output.h5,
    output:
        tsv=out("eval/labels/seed_{seed}.tsv"),
    log:
        out("logs/label_subsets/seed_{seed}.log"),
    conda:
        ENV
    params:
        code=code_version("label_subsets.py"),
        labels_per_class=config["evaluation"]["labels_per_class"],
        seed=lambda w: int(w.seed),
    script:
        "../scripts/label_subsets.py"


rule random_features:
    input:
        data=rules.prepare_data.output.h5,
    output:
        h5=out("random/features.h5"),
    log:
        out("logs/random_features.log"),
    benchmark:
        out("benchmarks/random_features.tsv")
    conda:
        ENV
    threads: ALL_CORES
    resources:
        gpu=1,
        mem_mb=memory_mib("random_features"),
        runtime=minutes("random_features"),
    params:
        code=code_version("random_features.py"),
        settings=settings.result_settings(config, "random_net"),
        speed=settings.speed_knobs(config, "random_net.chunk_size"),
        seed=settings.stage_seed(config, "random_net"),
        device=config["device"],
    script:
        "../scripts/random_features.py"


rule evaluate:
    # one job per representation for all seeds: its vectors are read once, and the 1-NN
    # products are taken once over the union of the seeds' labelled images
    input:
        unpack(representation_inputs),
        data=rules.prepare_data.output.h5,
        labels=expand(rules.label_subsets.output.tsv, seed=EVALUATION_SEEDS),
    output:
        tsv=expand(out("eval/runs/{{rep}}/seed_{seed}.tsv"), seed=EVALUATION_SEEDS),
        sweep=expand(out("eval/sweeps/{{rep}}/seed_{seed}.tsv"), seed=EVALUATION_SEEDS),
        intervals=out("eval/intervals/{rep}.tsv"),
    log:
        out("logs/evaluate/{rep}.log"),
    benchmark:
        out("benchmarks/evaluate/{rep}.tsv")
    conda:
        ENV
    threads: ALL_CORES
    resources:
        gpu=1,
        mem_mb=memory_mib("evaluate"),
        runtime=minutes("evaluate"),
    params:
        code=code_version("evaluate.py"),
        representation=lambda w: "sparse" if w.rep.startswith("lam_") else w.rep,
        settings=settings.result_settings(config, "evaluation"),
        speed=settings.speed_knobs(config, "evaluation.knn_chunk_size"),
        bootstrap_seed=settings.stage_seed(config, "bootstrap"),
        device=config["device"],
    script:
        "../scripts/evaluate.py"


rule evaluation_table:
    input:
        runs=evaluation_runs(),
        intervals=expand(rules.evaluate.output.intervals, rep=REPRESENTATIONS),
    output:
        tsv=out("eval/results.tsv"),
        summary=out("eval/summary.tsv"),
    log:
        out("logs/evaluation_table.log"),
    conda:
        ENV
    params:
        code=code_version("evaluation_table.py"),
    script:
        "../scripts/evaluation_table.py"
