# Supervised evaluation (Section 6). Every representation is evaluated on the same labelled
# images for a given seed and number of labels per class.


rule label_subsets:
    input:
        data=rules.prepare_mnist.output.h5,
    output:
        tsv=out("eval/labels/seed_{seed}.tsv"),
    params:
        labels_per_class=config["evaluation"]["labels_per_class"],
        seed=lambda w: int(w.seed),
    log:
        out("logs/label_subsets/seed_{seed}.log"),
    conda:
        ENV
    script:
        "../scripts/label_subsets.py"
