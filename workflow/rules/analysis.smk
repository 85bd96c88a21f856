# The locally linear analysis (Sections 3 to 5): one digit's active dictionary (the numbers
# of Fig. 2 and 3) and the same numbers over many digits, Eq. 5 on many pairs of active
# filters, and the restricted isometry per lambda. Their figures are drawn in figures.smk.


rule analyse_digit:
    input:
        data=rules.prepare_data.output.h5,
        dictionary=dictionary_file(ANALYSIS_LAM),
        shards=shard_files(ANALYSIS_LAM, "train"),
        perturbations=rules.draw_perturbations.output.h5,
    output:
        numbers=out("analysis/digit_numbers.tsv"),
        gains=out("analysis/digit_gains.tsv"),
        overlaps=out("analysis/digit_overlaps.tsv"),
        spectrum=out("analysis/spectrum.tsv"),
    log:
        out("logs/analyse_digit.log"),
    benchmark:
        out("benchmarks/analyse_digit.tsv")
    conda:
        ENV
    resources:
        mem_mb=memory_mib("analyse_digit"),
        runtime=minutes("analyse_digit"),
    params:
        code=code_version("analyse_digit.py"),
        lam=config["analysis"]["lam"],
        analysis=settings.pick(config, "analysis", "digit", "top_pairs"),
        sensitivity=settings.pick(config, "sensitivity", *settings.ELASTIC_KEYS),
        seed=settings.stage_seed(config, "digit_perturbations"),
    script:
        "../scripts/analyse_digit.py"


# the same seeded digits (and the analysed one among them) in every dictionary seed's codes
rule digit_distribution:
    input:
        data=rules.prepare_data.output.h5,
        dictionaries=dictionary_files(ANALYSIS_TAGS),
        # each dictionary's training shards in turn, n_shards apiece
        shards=[path for tag in ANALYSIS_TAGS for path in shard_files(tag, "train")],
    output:
        tsv=out("analysis/digits.tsv"),
    log:
        out("logs/digit_distribution.log"),
    benchmark:
        out("benchmarks/digit_distribution.tsv")
    conda:
        ENV
    # the same codes as analyse_digit's, and far less work per digit than its spectra
    resources:
        mem_mb=memory_mib("analyse_digit"),
        runtime=minutes("analyse_digit"),
    params:
        code=code_version("digit_distribution.py"),
        lam=config["analysis"]["lam"],
        n_shards=len(settings.shard_ranges(config, "train")),
        digit=config["analysis"]["digit"],
        n_digits=config["analysis"]["distribution_digits"],
        top_pairs=config["analysis"]["top_pairs"],
        seed=settings.stage_seed(config, "distribution_digits"),
    script:
        "../scripts/digit_distribution.py"


rule eq5_check:
    input:
        data=rules.prepare_data.output.h5,
        dictionary=dictionary_file(ANALYSIS_LAM),
        perturbations=rules.draw_perturbations.output.h5,
    output:
        tsv=out("analysis/eq5.tsv"),
    log:
        out("logs/eq5_check.log"),
    benchmark:
        out("benchmarks/eq5_check.tsv")
    conda:
        ENV
    threads: ALL_CORES
    resources:
        mem_mb=memory_mib("eq5_check"),
        runtime=minutes("eq5_check"),
    params:
        code=code_version("eq5_check.py"),
        lam=config["analysis"]["lam"],
        analysis=settings.pick(config, "analysis", "eq5_images", "eq5_pairs_per_image", "eq5_eps"),
        codes=settings.result_settings(config, "codes", "shard_size"),
        speed=settings.speed_knobs(config, "codes.chunk_size"),
        seed=settings.stage_seed(config, "eq5_pairs"),
        device=config["device"],
    script:
        "../scripts/eq5_check.py"


rule rip:
    input:
        dictionary=rules.learn_dictionary.output.h5,
        shards=train_shards,
    output:
        tsv=out("analysis/rip/lam_{tag}.tsv"),
    log:
        out("logs/rip/lam_{tag}.log"),
    benchmark:
        out("benchmarks/rip/lam_{tag}.tsv")
    conda:
        ENV
    resources:
        mem_mb=memory_mib("rip"),
        runtime=minutes("rip"),
    params:
        code=code_version("rip.py"),
        lam=lam_of,
        n_images=config["analysis"]["rip_images"],
        # random atoms with as many active as each image: the null baseline
        seed=settings.stage_seed(config, "rip_null"),
    script:
        "../scripts/rip.py"


rule rip_summary:
    input:
        tables=expand(rules.rip.output.tsv, tag=PAPER_TAGS),
    output:
        tsv=out("analysis/rip.tsv"),
    log:
        out("logs/rip_summary.log"),
    conda:
        ENV
    params:
        code=code_version("rip_summary.py"),
    script:
        "../scripts/rip_summary.py"
