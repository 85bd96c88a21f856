"""The paper's numbers that this project compares with its own.

Luther and Seung, "Sensitivity of sparse codes to image distortions": every value below is
quoted from the paper (section or figure in the comment), and claims, analysis tables,
figures and studies all read them from here.
"""

from __future__ import annotations

# the lambda of Fig. 1 to 4 and of the first digit's analysis (Section 2.1)
ANALYSIS_LAM = 0.3

# the first training digit's active dictionary at ANALYSIS_LAM (Fig. 2 and 3, Sections 4, 5)
DIGIT = {
    "n_active": 122,                      # active filters (Fig. 2)
    "max_overlap": 0.6,                   # largest overlap of two active filters (Fig. 2b)
    "normalised_mean_filters": 0.66,      # filters of the 10 most overlapping pairs (4.2)
    "normalised_mean_differences": 0.09,  # and their differences (4.2)
    "smallest_singular_value": 0.158,     # of the active dictionary D+ (5.1)
    "largest_gain": 6.33,                 # 1 / smallest singular value (5.1)
    "gain_spread": 20.0,                  # largest / smallest nonzero gain, "about 20x" (3d)
    "max_coherence": 0.9,                 # largest cosine of two atoms, "about 0.9" (2.1)
}

# the supervised MLP, 784-784-10 (Section 2.3)
MLP_TRAIN_ACCURACY = 0.987
MLP_VALID_ACCURACY = 0.977

# Euclidean 1-NN on pixels with PIXELS_KNN_LABELS labels per class (Section 6.2)
PIXELS_KNN_ACCURACY = 0.975
PIXELS_KNN_LABELS = 3000

# The sentence of the paper that each claim of sparsesens.claims tests, verbatim (mathematical
# symbols written out), keyed by the claim's id without its lambda suffix.
QUOTES = {
    # Sections 2.2 and 2.3, Fig. 1 and 6
    "distortion_above_swap": "For every lambda we test, the sparse representations are more "
    "sensitive to distortions than to swaps. (Fig. 6)",
    "sparse_noise_lowest": "The sparse codes turn out to be most sensitive to distortions, "
    "followed by swaps, and finally noise (Figure 1c). (Section 2.2)",
    "distortion_swap_gap_intermediate": "This difference seems most pronounced for the "
    "intermediate values of lambda = 0.1, 0.3, 0.9. (Fig. 6)",
    "noise_falls_with_lambda": "The noise sensitivity appears to be most strongly impacted by "
    "the sparsity level, and the representations are less noise sensitive as the sparsity "
    "level increases. (Fig. 6)",
    "active_fraction_falls_with_lambda": "As lambda increases, the fraction of nonzero "
    "neurons decreases, and the dictionary elements move from resembling small spots and "
    "strokes [...] up to whole digits (Fig. 5)",
    "finite_perturbations_similar": "Finite perturbations give qualitatively similar "
    "results (data not shown). (Section 2)",
    "mlp_distortion_below_swap": "This representation turns out to be less sensitive to "
    "distortions than to swaps. (Section 2.3)",
    "mlp_noise_lowest": "Both representations are relatively less sensitive to noise than "
    "either warps or swaps. (Fig. 1)",
    "mlp_train_accuracy": "It achieves 98.7% training accuracy and 97.7% validation "
    "accuracy. (Section 2.3)",
    "mlp_valid_accuracy": "It achieves 98.7% training accuracy and 97.7% validation "
    "accuracy. (Section 2.3)",
    "reconstructions_accurate": "Reconstructions are highly accurate, and closely resemble "
    "the original images. (Section 2.1)",
    # Sections 4 and 5, Fig. 2 and 3, Appendix 7.2
    "digit_active_filters": "In (a) we show the reconstruction of the first MNIST digit and 5 "
    "of the 122 filters used in the reconstruction. (Fig. 2)",
    "digit_max_overlap": "In fact, the maximum overlap between filters in the active "
    "dictionary is about 0.6 (see Fig. 2b) (Section 5.2)",
    "normalised_mean_filters": "For the 10 filter pairs in Fig. 2c, the average of the "
    "normalized means [...] is 0.66. (Section 4.2)",
    "normalised_mean_differences": "The average of the mean of the difference [...] is only "
    "0.09. (Section 4.2)",
    "smallest_singular_value": "The smallest singular value of the active dictionary is "
    "0.158, corresponding to a maximum gain of 6.33. (Section 5.2)",
    "largest_gain": "The smallest singular value of the active dictionary is 0.158, "
    "corresponding to a maximum gain of 6.33. (Section 5.2)",
    "gain_spread": "The gains vary by 20x from the largest to the smallest nonzero gain. "
    "(Fig. 3)",
    "pair_gain_below_largest": "In fact, the maximum overlap between filters in the active "
    "dictionary is about 0.6 (see Fig. 2b), which amounts to a gain of only about 1.6 "
    "according to Eq. (5). (Section 5.2)",
    "max_atom_coherence": "uniqueness of representations is guaranteed because the learned "
    "dictionary elements turn out to be unique (the largest cosine similarity between any "
    "pair is 0.9). (Appendix 7.2)",
    "noise_power_mostly_null": "That means most of the power of a noise perturbation is in "
    "the numerous singular vectors with zero gain (Section 5.2)",
    "swap_distortion_power_off_null": "In contrast, both swaps and distortions have "
    "relatively little power in the singular vectors with zero gain, and more power in the "
    "singular vectors with nonzero gain. (Section 5.2)",
    "distortion_power_toward_high_gain": "Furthermore, the power spectrum for distortions is "
    "shifted to the left, towards the singular vectors with higher gain. (Section 5.2)",
    "eq5": "According to the second equation, r becomes more sensitive to difference "
    "perturbations as the overlap d1 . d2 increases. (Section 4.1, Eq. 5)",
    "rip_violated": "Figure 3 shows that the singular values of the active dictionary D+ can "
    "span a large range, so that the RIP is far from being satisfied. (Section 5.3)",
    "rip_beyond_random": "In sparse coding, the dictionary is learned rather than designed. "
    "(Section 5.3)",
    # Section 6, Fig. 4, Appendix 7.4
    "knn_euclidean_sparse_below_pixels": "The sparse representation is uniformly worse than "
    "pixels, and the hidden layer of the trained net is uniformly better. (Fig. 4)",
    "knn_cosine_sparse_below_pixels": "The sparse representation is uniformly worse than "
    "pixels, and the hidden layer of the trained net is uniformly better. (Fig. 4)",
    "knn_euclidean_mlp_above_pixels": "The sparse representation is uniformly worse than "
    "pixels, and the hidden layer of the trained net is uniformly better. (Fig. 4)",
    "knn_cosine_mlp_above_pixels": "The sparse representation is uniformly worse than "
    "pixels, and the hidden layer of the trained net is uniformly better. (Fig. 4)",
    "knn_random_equals_pixels": "For nearest neighbor classification (Euclidean or "
    "cosine distance), pixels and the random net yield nearly identical performance. (Fig. 4)",
    "knn_cosine_random_equals_pixels": "For nearest neighbor classification (Euclidean or "
    "cosine distance), pixels and the random net yield nearly identical performance. (Fig. 4)",
    "linear_sparse_below_pixels_few_labels": "For linear classification, the sparse "
    "representation is worse than pixels with few labels and better than pixels with many "
    "labels. (Fig. 4)",
    "linear_sparse_above_pixels_many_labels": "For linear classification, the sparse "
    "representation is worse than pixels with few labels and better than pixels with many "
    "labels. (Fig. 4)",
    "linear_sparse_never_above_random": "However, the sparse representation never "
    "outperforms the random net. (Fig. 4)",
    "linear_sparse_never_above_random_wide_grid": "However, the sparse representation never "
    "outperforms the random net. (Fig. 4)",
    "linear_sparse_never_above_random_rms_wide_grid": "However, the sparse representation "
    "never outperforms the random net. (Fig. 4)",
    "readout_decay_inside_grid": "For every configuration, we find the lambda_w in {1e-5, "
    "1e-4, 1e-3, 1e-2, 1e-1, 1} which yields the highest test accuracy. (Section 6.3)",
    "linear_mlp_above_all": "In all cases, the hidden layer of the backprop-trained net is "
    "uniformly better than all other representations. (Fig. 4)",
    "pixels_knn_accuracy": "the classifier achieves 97.5% validation accuracy when trained on "
    "pixels using Euclidean distance. (Section 6.2)",
    "classification_every_lambda": "The Appendix shows that the above findings regarding "
    "classification are robust to the specific choice of the sparsity hyperparameter lambda. "
    "(Section 6.3)",
    # Section 7
    "remedy": "A possible remedy is to add a term to the objective function that encourages "
    "the dictionary elements to be orthogonal (Sulam et al., 2020), though this may be less "
    "effective as the dictionary size grows large. (Section 7)",
}
