# Figures. Each takes tidy inputs and draws with sparsesens.figures.


rule fig5:
    input:
        dictionaries=dictionary_files(),
        summary=rules.code_summary.output.tsv,
    output:
        atoms=out("figures/fig5_atoms.png"),
        active=out("figures/fig5_active_fraction.png"),
        loss=out("figures/dictionary_loss.png"),
    log:
        out("logs/fig5.log"),
    conda:
        ENV
    script:
        "../scripts/fig5.py"
