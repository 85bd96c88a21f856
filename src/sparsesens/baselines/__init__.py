"""The baselines the sparse codes are compared with: the supervised MLP (``mlp``, the
paper's Section 5) and the wide random net of Eq. 8 (``random_net``)."""
