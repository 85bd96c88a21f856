"""Exact lasso codes and their certificate (the paper's Eq. 9).

For a dictionary ``D`` (m x n, unit-norm columns) and an image ``x`` the code is

    r(x) = argmin_r 1/2 ||x - D r||^2 + lam ||r||_1 .

``encode`` solves it for many images at once, all in coefficient space (with the Gram
matrix ``G = D^T D`` and the correlations ``C = X D``, so a step costs one n x n product per
image rather than an image-space residual), by

1. a batched homotopy that follows each image's solution path, from the zero code (the
   LARS-lasso path) or from a guess made exact for a tilted problem, keeping per image
   the inverse of its active Gram matrix by rank-one updates; it is exact by
   construction, and its cost grows with the number of atoms that enter or leave;
2. accelerated proximal gradient (FISTA with adaptive restart, stepping in a metric that
   takes the Gram matrix's one outlying eigenvalue apart, see ``Majorizer``) in stages
   of growing length, which finds the support, followed after each stage by a batched primal
   active-set polish for the images whose support stopped moving: on the signed support S
   solve the closed form of Eq. 4, ``G_SS r_S = c_S - lam s_S``, drop atoms whose sign
   flipped, add inactive atoms whose correlation exceeds ``lam``, until nothing changes;
   cheap when supports are small;
3. an active-set solver for sparse codes (feature-sign search with several atoms per
   round): from zero, the most violating atoms enter a few at a time, the closed form is
   solved on the active atoms, and a line search on the exact objective lets atoms whose
   sign would flip leave; its work per step grows with the support, not the dictionary;
4. exact coordinate descent (scikit-learn's ``Lasso`` on the Gram matrix) for images still
   open, followed by one more polish;
5. the LARS-lasso path one image at a time, compiled (``native``: C++ built on first use,
   threads over images): its steps cost as the support, not the batch.

The default ("hybrid") runs the compiled path on the CPU where it could be built. Elsewhere
it runs the active set where a probe of the batch shows sparse codes, otherwise five FISTA
stages with the polish; then the homotopy from the last iterate for the images that did
not settle.

``kkt_violation`` then checks every image independently against Eq. 9.

One module per part: ``options`` (the settings they share), ``problem`` (one batch in
coefficient space), ``fista`` and ``staged_fista`` (its stages with the polish),
``homotopy``, ``polish`` (with ``support``, the active-set linear algebra), ``active_set``,
``native`` (the compiled path and its build), ``certificate`` (Eq. 9 and Eq. 1), ``chain``
(the solvers behind one interface, and the chain each ``solver`` setting runs) and
``encode``, which runs a chain per batch and certifies the codes.
"""

from sparsesens.lasso.certificate import kkt_violation, lasso_objective, passes_eq9
from sparsesens.lasso.encode import EncodeResult, coordinate_descent, encode
from sparsesens.lasso.fista import FistaState, Majorizer, fista, fista_steps, gram_majorizer
from sparsesens.lasso.homotopy import homotopy
from sparsesens.lasso.options import SOLVERS, EncodeOptions
from sparsesens.lasso.polish import polish
from sparsesens.lasso.shrinkage import soft_threshold
from sparsesens.lasso.support import solve_on_support

__all__ = ["SOLVERS", "EncodeOptions", "EncodeResult", "FistaState", "Majorizer",
           "coordinate_descent", "encode", "fista", "fista_steps", "gram_majorizer",
           "homotopy", "kkt_violation", "lasso_objective", "passes_eq9", "polish",
           "soft_threshold", "solve_on_support"]
