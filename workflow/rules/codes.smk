# Exact lasso codes, certified by Eq. 9, one job per lambda, split and shard.


rule encode:
    input:
        data=rules.prepare_data.output.h5,
        dictionary=rules.learn_dictionary.output.h5,
    output:
        h5=out("codes/lam_{tag}/{split}_{shard}.h5"),
    log:
        out("logs/encode/lam_{tag}/{split}_{shard}.log"),
    benchmark:
        out("benchmarks/encode/lam_{tag}/{split}_{shard}.tsv")
    conda:
        ENV
    threads: ALL_CORES
    resources:
        gpu=1,
        mem_mb=memory_mib("encode"),
        runtime=minutes("encode"),
    params:
        code=code_version("encode.py"),
        lam=lam_of,
        rows=lambda w: settings.shard_ranges(config, w.split)[int(w.shard)],
        # the shard's rows name what its size decides
        settings=settings.result_settings(config, "codes", "shard_size"),
        speed=settings.speed_knobs(config, "codes.chunk_size"),
        device=config["device"],
    script:
        "../scripts/encode.py"


rule code_summary:
    input:
        shards=code_shards(FIRST_SEED_TAGS),
    output:
        tsv=report(
            out("codes/summary.tsv"),
            caption="../report/codes.rst",
            category="Codes",
            labels={"figure": "code summary"},
        ),
    log:
        out("logs/code_summary.log"),
    conda:
        ENV
    params:
        code=code_version("code_summary.py"),
    script:
        "../scripts/code_summary.py"
