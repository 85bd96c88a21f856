# Sensitivity of representations to noise, swaps and elastic distortions (Section 2):
# the supervised MLP baseline, the perturbation samples, the directional derivatives of
# every representation on the same samples, and finite perturbations.


rule train_mlp:
    input:
        data=rules.prepare_data.output.h5,
    output:
        model=out("mlp/model.pt"),
        metrics=out("mlp/metrics.json"),
        hidden=out("mlp/hidden.h5"),
    log:
        out("logs/train_mlp.log"),
    benchmark:
        out("benchmarks/train_mlp.tsv")
    conda:
        ENV
    threads: ALL_CORES
    resources:
        mem_mb=memory_mib("train_mlp"),
        runtime=minutes("train_mlp"),
    params:
        code=code_version("train_mlp.py"),
        settings=config["mlp"],
        seed=settings.stage_seed(config, "mlp"),
        device=config["device"],
    script:
        "../scripts/train_mlp.py"


rule draw_perturbations:
    input:
        data=rules.prepare_data.output.h5,
    output:
        h5=out("sensitivity/perturbations.h5"),
    log:
        out("logs/draw_perturbations.log"),
    benchmark:
        out("benchmarks/draw_perturbations.tsv")
    conda:
        ENV
    resources:
        mem_mb=memory_mib("draw_perturbations"),
        runtime=minutes("draw_perturbations"),
    params:
        code=code_version("draw_perturbations.py"),
        settings=settings.pick(config, "sensitivity", "n_samples", *settings.ELASTIC_KEYS),
        seed=settings.stage_seed(config, "perturbations"),
    script:
        "../scripts/draw_perturbations.py"


rule code_sensitivity:
    input:
        data=rules.prepare_data.output.h5,
        dictionary=rules.learn_dictionary.output.h5,
        perturbations=rules.draw_perturbations.output.h5,
        shards=train_shards,
    output:
        tsv=out("sensitivity/lam_{tag}.tsv"),
    log:
        out("logs/code_sensitivity/lam_{tag}.log"),
    benchmark:
        out("benchmarks/code_sensitivity/lam_{tag}.tsv")
    conda:
        ENV
    resources:
        mem_mb=memory_mib("code_sensitivity"),
        runtime=minutes("code_sensitivity"),
    params:
        code=code_version("code_sensitivity.py"),
        lam=lam_of,
        # Eq. 9 tolerances: which sampled codes count as certified
        codes=settings.pick(config, "codes", "tol_inactive", "tol_active"),
    script:
        "../scripts/code_sensitivity.py"


rule mlp_sensitivity:
    input:
        data=rules.prepare_data.output.h5,
        model=rules.train_mlp.output.model,
        perturbations=rules.draw_perturbations.output.h5,
    output:
        tsv=out("sensitivity/mlp.tsv"),
    log:
        out("logs/mlp_sensitivity.log"),
    benchmark:
        out("benchmarks/mlp_sensitivity.tsv")
    conda:
        ENV
    resources:
        mem_mb=memory_mib("mlp_sensitivity"),
        runtime=minutes("mlp_sensitivity"),
    params:
        code=code_version("mlp_sensitivity.py"),
    script:
        "../scripts/mlp_sensitivity.py"


rule finite_sensitivity:
    input:
        data=rules.prepare_data.output.h5,
        dictionary=rules.learn_dictionary.output.h5,
        perturbations=rules.draw_perturbations.output.h5,
        shards=train_shards,
    output:
        tsv=out("sensitivity/finite/lam_{tag}.tsv"),
    log:
        out("logs/finite_sensitivity/lam_{tag}.log"),
    benchmark:
        out("benchmarks/finite_sensitivity/lam_{tag}.tsv")
    conda:
        ENV
    threads: ALL_CORES
    resources:
        mem_mb=memory_mib("finite_sensitivity"),
        runtime=minutes("finite_sensitivity"),
    params:
        code=code_version("finite_sensitivity.py"),
        lam=lam_of,
        codes=settings.result_settings(config, "codes", "shard_size"),
        speed=settings.speed_knobs(config, "codes.chunk_size"),
        n_samples=config["sensitivity"]["finite_samples"],
        eps=config["sensitivity"]["finite_eps"],
        device=config["device"],
    script:
        "../scripts/finite_sensitivity.py"


rule sensitivity_summary:
    input:
        sparse=code_sensitivity_tables(),
        mlp=rules.mlp_sensitivity.output.tsv,
    output:
        tsv=out("sensitivity/summary.tsv"),
        paired=out("sensitivity/paired.tsv"),
    log:
        out("logs/sensitivity_summary.log"),
    conda:
        ENV
    params:
        code=code_version("sensitivity_summary.py"),
    script:
        "../scripts/sensitivity_summary.py"
