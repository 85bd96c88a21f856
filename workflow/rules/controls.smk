# Control dictionaries (analysis.controls): seeded random atoms and training images as
# atoms, each standing in for every learned dictionary of the first dictionary seed at the
# lambda that gives it as many active atoms, through the same sensitivities, RIP and digit
# analysis, so that the claims table can say which findings hold for any dictionary.


rule control_dictionary:
    input:
        data=rules.prepare_data.output.h5,
        # the images the analysis encodes, which the images control may not take as atoms
        perturbations=rules.draw_perturbations.output.h5,
    output:
        h5=out("controls/dictionaries/{kind}.h5"),
    log:
        out("logs/control_dictionary/{kind}.log"),
    conda:
        ENV
    params:
        code=code_version("control_dictionary.py"),
        n_atoms=config["dictionary"]["n_atoms"],
        seed=lambda w: settings.stage_seed(config, f"control/{w.kind}"),
        analysis=settings.pick(config, "analysis", "digit", "rip_images", "distribution_digits"),
        distribution_seed=settings.stage_seed(config, "distribution_digits"),
    script:
        "../scripts/control_dictionary.py"


rule control:
    input:
        data=rules.prepare_data.output.h5,
        control=rules.control_dictionary.output.h5,
        learned=rules.learn_dictionary.output.h5,
        shards=train_shards,
        perturbations=rules.draw_perturbations.output.h5,
    output:
        sensitivity=out("controls/{kind}/lam_{tag}/sensitivity.tsv"),
        rip=out("controls/{kind}/lam_{tag}/rip.tsv"),
        digit=out("controls/{kind}/lam_{tag}/digit_numbers.tsv"),
        spectrum=out("controls/{kind}/lam_{tag}/spectrum.tsv"),
        digits=out("controls/{kind}/lam_{tag}/digits.tsv"),
    log:
        out("logs/control/{kind}/lam_{tag}.log"),
    benchmark:
        out("benchmarks/control/{kind}/lam_{tag}.tsv")
    conda:
        ENV
    threads: ALL_CORES
    resources:
        gpu=1,
        mem_mb=memory_mib("control"),
        runtime=minutes("control"),
    params:
        code=code_version("control.py"),
        lam=lam_of,
        analysis=settings.pick(
            config,
            "analysis",
            "digit",
            "top_pairs",
            "rip_images",
            "matched_images",
            "distribution_digits",
        ),
        sensitivity=settings.pick(config, "sensitivity", *settings.ELASTIC_KEYS),
        codes=settings.result_settings(config, "codes", "shard_size"),
        speed=settings.speed_knobs(config, "codes.chunk_size"),
        seed=settings.stage_seed(config, "control_matched"),
        # the digit's examples and the RIP's random atoms: the learned dictionary's own
        digit_seed=settings.stage_seed(config, "digit_perturbations"),
        rip_seed=settings.stage_seed(config, "rip_null"),
        distribution_seed=settings.stage_seed(config, "distribution_digits"),
        device=config["device"],
    script:
        "../scripts/control.py"
