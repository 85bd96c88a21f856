# Dictionary learning, one job per lambda and dictionary seed, and one per remedy penalty at
# the analysis lambda:
# the online learner (the default) or the paper's (Section 2.1), chosen by dictionary.method.
# Under continuation (dictionary.online.continuation) each job starts from the dictionary
# of the next larger lambda, or of the next smaller penalty: the jobs form chains.


rule learn_dictionary:
    input:
        unpack(continuation_input),
        data=rules.prepare_data.output.h5,
    output:
        h5=out("dictionaries/lam_{tag}.h5"),
    log:
        out("logs/learn_dictionary/lam_{tag}.log"),
    benchmark:
        out("benchmarks/learn_dictionary/lam_{tag}.tsv")
    conda:
        ENV
    threads: ALL_CORES
    resources:
        gpu=1,
        mem_mb=memory_mib("learn_dictionary"),
        runtime=minutes("learn_dictionary"),
    params:
        code=code_version("learn_dictionary.py"),
        record=record_attrs_of,
        settings=lambda w: settings.dictionary_settings(config, lam_of(w), mu_of(w)),
        seed=learner_seed_of,
        device=config["device"],
        # the online learner's state while it runs: a rerun goes on from it
        state=out("checkpoints/learn_dictionary/lam_{tag}.h5"),
        speed=settings.speed_knobs(config, "dictionary.online.checkpoint_minutes"),
    script:
        "../scripts/learn_dictionary.py"
