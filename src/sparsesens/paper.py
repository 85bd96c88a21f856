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
