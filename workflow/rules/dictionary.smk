# Dictionary learning (Section 2.1), one job per lambda.


rule learn_dictionary:
    input:
        data=rules.prepare_mnist.output.h5,
    output:
        h5=out("dictionaries/lam_{lam}.h5"),
    params:
        code=code_version("learn_dictionary.py"),
        lam=lam_of,
        max_iter=lambda w: settings.dictionary_max_iter(config, lam_of(w)),
        settings={k: v for k, v in config["dictionary"].items() if k != "max_iter_per_lambda"},
        seed=config["seed"],
        device=config["device"],
    threads: ALL_CORES
    resources:
        gpu=1,
    log:
        out("logs/learn_dictionary/lam_{lam}.log"),
    benchmark:
        out("benchmarks/learn_dictionary/lam_{lam}.tsv")
    conda:
        ENV
    script:
        "../scripts/learn_dictionary.py"
