"""A fast dictionary learner for Eq. 1: online block-coordinate descent with exactly held
statistics, warm-started codes and extrapolation.

It minimises the same objective as the paper's learner (:mod:`sparsesens.dictionary`),

    F(D, R) = sum_t 1/2 ||x_t - D r_t||^2 + lam ||r_t||_1,   unit-norm atoms,

from the same seeded dictionary, but spends its arithmetic differently. Every image keeps
its code between visits, and the learner holds the statistics of all stored codes exactly,

    A = sum_t r_t r_t^T,   B = sum_t x_t r_t^T,   F(D, R) = 1/2 sum ||x||^2 - <D, B>
                                                           + 1/2 <D^T D, A> + lam |R|_1,

so after each minibatch the dictionary can be moved many times per pass over the data
(Mairal, Bach, Ponce and Sapiro, "Online learning for matrix factorization and sparse
coding", JMLR 2010, in its variant for a finite training set that replaces an image's old
contribution by its new one). One epoch visits every image once, in a seeded order:

1. codes of the minibatch, from the stored ones: the encoder's active-set polish on each
   stored support (once the dictionary moves slowly most supports are still right, and
   the polish makes those codes exact for a few products); the rows it does not settle
   and whose stored codes are sparse follow their exact LARS-lasso paths (the encoder's
   compiled kernel, where it is built); the others take a few accelerated proximal steps
   (the encoder's FISTA, stepping in the metric that splits off the Gram matrix's
   outlying eigenvalue) and try the polish again. A row keeps
   whichever of its old and new code is better for the current dictionary, so no visit
   raises F;
2. statistics: ``A`` and ``B`` swap the minibatch's old codes for the new ones;
3. dictionary: one sweep of block-coordinate descent over the atoms. With ``A`` and ``B``
   fixed, the best unit-norm atom ``j`` given the others is ``u / ||u||`` with
   ``u = b_j - D a_j + A_jj d_j``: each atom step is exact, so F does not rise.

After each epoch the statistics are recomputed from the stored codes (no drift), atoms
that no stored code uses are resampled from the images the dictionary fits worst, and the
learner tries an extrapolated point ``(D, R) + beta (change over the epoch)``, kept only
where it lowers F, with ``beta`` grown after a success and shrunk after a failure (the
rule of Ang and Gillis, "Accelerating nonnegative matrix factorization algorithms using
extrapolation", Neural Computation 2019). It stops when F moved by less than ``rel_tol`` of
its value per dictionary sweep, averaged over an epoch (a larger rise, as a resampled atom
can cause, does not stop it), or after ``max_epochs``. Measuring the change per sweep
rather than per epoch makes one tolerance mean the same at every number of images: an
epoch over 50,000 images makes ten times the sweeps of one over 5,000.

F with the stored codes is an upper bound of the dictionary's certified objective (Eq. 1
with exact codes); the workflow reports the latter from the code shards.

Everything an epoch hands to the next is a :class:`LearnerState`: given to ``on_state``
after each epoch and back as ``resume``, it continues the run bit for bit (on the same
device and threads), so a job killed after hours loses at most the epochs since the
state was last kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from sparsesens.dictionary.atoms import initial_dictionary, normalise_columns, overlap_penalty
from sparsesens.dictionary.options import OnlineOptions
from sparsesens.lasso import FistaState, Majorizer, fista_steps, gram_majorizer, native, polish
from sparsesens.lasso.fista import widened

# The polish adds an atom once its correlation exceeds lam by this much (as the encoder
# does), and gives up after one round when that round would change more than this fraction
# of the support: from far off, FISTA steps are cheaper.
_POLISH_MARGIN, _GIVE_UP = 1e-7, 0.3

# The proximal steps' bound on the Gram matrix is widened by how far G moved since its last
# eigendecomposition, until that widening reaches this fraction of the bound's base:
# steps then stay within a few per cent of their longest, for one eigendecomposition every
# several minibatches instead of one each.
_MAJORIZER_SLACK = 0.05

# Extrapolation schedule of Ang and Gillis (2019): start, growth after a success, growth of
# its ceiling, and the divisor after a failure.
_BETA_START, _BETA_GROWTH, _CEILING_GROWTH, _BETA_SHRINK = 0.5, 1.05, 1.01, 1.5
_BETA_MAX = 1.0


@dataclass
class OnlineResult:
    """Outcome of :func:`learn_dictionary_online`.

    Attributes:
        D: (m, n_atoms) float64 dictionary with unit-norm columns.
        objective: F(D, R) per image, with the stored codes, after each epoch.
        seconds: wall time since the start at the end of each epoch.
        epochs: epochs run.
        converged: True when the relative-change rule stopped it before the cap.
        n_resampled: atoms resampled from the data because no stored code used them.
        n_unused: atoms no stored code uses at the end (0 unless the last epoch left some).
        extrapolations: extrapolated points kept.
    """

    D: np.ndarray
    objective: np.ndarray
    seconds: np.ndarray
    epochs: int
    converged: bool
    n_resampled: int
    n_unused: int
    extrapolations: int


@dataclass
class LearnerState:
    """Where :func:`learn_dictionary_online` stands after an epoch: all it needs to go on.

    The arrays are the learner's own (on the CPU, views of its tensors): read or copy them
    inside ``on_state``; they change once the next epoch starts.

    Attributes:
        epoch: epochs done.
        D: (m, n_atoms) float32 dictionary.
        R: (N, n_atoms) float32 stored codes.
        generator: state of the seeded generator (image order, resampling), uint8.
        objective: F per image after each epoch so far.
        seconds: wall time at the end of each epoch so far.
        n_resampled: atoms resampled so far.
        beta, ceiling, kept: the extrapolation's step, its ceiling and successes so far.
        previous_D, previous_R: the point the next extrapolation starts from (None before
            the first epoch).
    """

    epoch: int
    D: np.ndarray
    R: np.ndarray
    generator: np.ndarray
    objective: np.ndarray
    seconds: np.ndarray
    n_resampled: int
    beta: float
    ceiling: float
    kept: int
    previous_D: np.ndarray | None = None
    previous_R: np.ndarray | None = None


class _GramBound:
    """A :class:`~sparsesens.lasso.Majorizer` of the current Gram matrix, recomputed only
    when the dictionary has moved enough (:func:`~sparsesens.lasso.fista.widened`)."""

    def __init__(self) -> None:
        self._G: torch.Tensor | None = None
        self._exact: Majorizer | None = None

    def of(self, G: torch.Tensor) -> Majorizer:
        if self._exact is not None:
            slack = float(torch.linalg.matrix_norm(G - self._G))
            if slack <= _MAJORIZER_SLACK * self._exact.a:
                return widened(self._exact, G, slack) if slack > 0 else self._exact
        self._G, self._exact = G.clone(), gram_majorizer(G)
        return self._exact


@dataclass
class _Statistics:
    """``A = R^T R``, ``B = X^T R`` and ``|R|_1`` of the stored codes, in float64."""

    A: torch.Tensor
    B: torch.Tensor
    l1: float

    @classmethod
    def of(cls, X: torch.Tensor, R: torch.Tensor) -> _Statistics:
        return cls((R.T @ R).double(), (X.T @ R).double(), float(R.abs().sum(dtype=torch.float64)))

    def objective(self, D: torch.Tensor, half_sq_norm: float, lam: float,
                  weight: float = 0.0) -> float:
        """F(D, R) summed over images, plus ``weight`` times the overlap penalty
        (:func:`sparsesens.dictionary.atoms.overlap_penalty` with ``mu`` 1)."""
        D = D.double()
        fit = -float((D * self.B).sum()) + 0.5 * float(((D.T @ D) * self.A).sum())
        penalty = weight * overlap_penalty(D, 1.0) if weight else 0.0
        return half_sq_norm + fit + lam * self.l1 + penalty


def learn_dictionary_online(X: np.ndarray, lam: float, options: OnlineOptions | None = None,
                            *, n_atoms: int = 784, seed: int = 0, orthogonality: float = 0.0,
                            initial: np.ndarray | None = None,
                            device: torch.device | str = "cpu",
                            resume: LearnerState | None = None,
                            on_state: Callable[[LearnerState], None] | None = None,
                            progress: Callable[[int, float, float], None] | None = None,
                            on_resample: Callable[[int, int], None] | None = None,
                            callback: Callable[[int, float, torch.Tensor], None] | None = None,
                            ) -> OnlineResult:
    """Learn a dictionary for images ``X`` (N, m) by online block-coordinate descent.

    Args:
        X: (N, m) training images.
        lam: sparsity weight of Eq. 1, > 0.
        options: minibatches, code visits and stopping rule (:class:`OnlineOptions`; None:
            its defaults).
        n_atoms: number of atoms n.
        seed: seeds the initial dictionary (the same draw as the paper's learner), the
            order of the images and the resampling.
        orthogonality: ``mu`` of the remedy the paper proposes: F gains
            :func:`sparsesens.dictionary.atoms.overlap_penalty` per image (0: Eq. 1 alone).
        initial: (m, n_atoms) dictionary to start from instead of the seeded draw
            (continuation: the dictionary learned at a larger lambda); its atoms are
            normalised. ``seed`` still orders the images.
        device: where the arithmetic runs (float32 products, float64 statistics).
        resume: a state handed to ``on_state`` by an earlier run with the same images and
            settings: the run goes on after its epoch (``seed`` is then not used; wall
            times continue from the state's).
        on_state: called as ``on_state(state)`` after each epoch that another follows.
        progress: called as ``progress(epoch, objective_per_image, seconds)`` after each
            epoch.
        on_resample: called as ``on_resample(epoch, n_atoms_resampled)`` when atoms were
            resampled.
        callback: called as ``callback(epoch, seconds, D)`` after each epoch with the
            current dictionary (not to be modified); benchmarks take snapshots with it.

    Returns:
        An :class:`OnlineResult`.
    """
    X_np = np.asarray(X)
    options = OnlineOptions() if options is None else options
    _check_arguments(X_np, lam, n_atoms, orthogonality, initial)
    device = torch.device(device)
    X_t = torch.as_tensor(X_np, dtype=torch.float32, device=device)
    half_sq_norm = 0.5 * float((X_t.double() ** 2).sum())
    # the penalty is per image, as Eq. 1 is: summed over the images it weighs N times
    weight = X_t.shape[0] * orthogonality
    if resume is None:
        resume = _first_state(X_np.shape, n_atoms, seed, initial)
    D, R, generator, extrapolation = _restore(resume, X_np.shape, n_atoms, weight, device)
    curve, seconds = list(resume.objective), list(resume.seconds)
    n_resampled = resume.n_resampled
    start = time.perf_counter() - (seconds[-1] if seconds else 0.0)
    stats = _Statistics.of(X_t, R)
    converged = False
    tolerance = epoch_tolerance(X_t.shape[0], options.batch_size, options.rel_tol)
    bound = _GramBound()
    for epoch in range(resume.epoch + 1, options.max_epochs + 1):
        order = torch.randperm(X_t.shape[0], generator=generator).to(device)
        for first in range(0, len(order), options.batch_size):
            rows = order[first:first + options.batch_size]
            D = _minibatch_step(X_t, R, rows, D, stats, lam, options, bound, weight)
        stats = _Statistics.of(X_t, R)  # exact again: the running updates drift in float32
        unused = torch.nonzero(torch.diagonal(stats.A) == 0).squeeze(1)
        if len(unused):
            D = _resample(X_t, R, D, unused, generator)
            n_resampled += len(unused)
            if on_resample is not None:
                on_resample(epoch, len(unused))
        value = stats.objective(D, half_sq_norm, lam, weight)
        D, R, stats, value = extrapolation.try_step(X_t, D, R, stats, value, half_sq_norm, lam)
        curve.append(value / X_t.shape[0])
        seconds.append(time.perf_counter() - start)
        if progress is not None:
            progress(epoch, curve[-1], seconds[-1])
        if callback is not None:
            callback(epoch, seconds[-1], D)
        if options.rel_tol > 0 and _settled(curve, tolerance):
            converged = True
            break
        if options.max_seconds is not None and seconds[-1] >= options.max_seconds:
            break
        if on_state is not None and epoch < options.max_epochs:
            on_state(_state(epoch, D, R, generator, curve, seconds, n_resampled, extrapolation))
    n_unused = int((torch.diagonal(stats.A) == 0).sum())
    return OnlineResult(D=normalise_columns(D.double()).cpu().numpy(),
                        objective=np.asarray(curve), seconds=np.asarray(seconds),
                        epochs=len(curve), converged=converged, n_resampled=n_resampled,
                        n_unused=n_unused, extrapolations=extrapolation.kept)


def epoch_tolerance(n_images: int, batch_size: int, rel_tol: float) -> float:
    """The stopping rule per epoch: ``rel_tol`` per minibatch sweep times the sweeps of one
    epoch (so the rule means the same whatever the number of images)."""
    return rel_tol * -(-n_images // batch_size)


def relative_change(curve: Sequence[float]) -> float:
    """How far the last epoch moved F, as a fraction of its value (NaN before two epochs):
    the learner stops once this is at most :func:`epoch_tolerance`."""
    if len(curve) < 2:
        return float("nan")
    moved = abs(curve[-2] - curve[-1])
    return moved / abs(curve[-1]) if curve[-1] else (0.0 if moved == 0 else float("inf"))


def _settled(curve: list[float], tolerance: float) -> bool:
    """True when the last epoch moved F by at most ``tolerance`` of its value.

    A rise counts as settling only when it is as small as a fall would have to be: a
    resampled atom can raise F by far more, and that is a restart of part of the
    dictionary, not a sign of convergence.
    """
    return len(curve) > 1 and relative_change(curve) <= tolerance


def _check_arguments(X: np.ndarray, lam: float, n_atoms: int, orthogonality: float,
                     initial: np.ndarray | None) -> None:
    """Refuse bad arguments of :func:`learn_dictionary_online` before any work (its
    options check themselves)."""
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be a non-empty (N, m) array, got shape {X.shape}")
    if not lam > 0:
        raise ValueError(f"lam must be > 0, got {lam}")
    if n_atoms < 1:
        raise ValueError(f"n_atoms must be >= 1, got {n_atoms}")
    if not orthogonality >= 0:
        raise ValueError(f"orthogonality must be >= 0, got {orthogonality}")
    if initial is not None:
        initial = np.asarray(initial)
        if initial.shape != (X.shape[1], n_atoms):
            raise ValueError(f"initial must have shape {(X.shape[1], n_atoms)} (pixels, "
                             f"n_atoms), got {initial.shape}")
        norms = np.linalg.norm(initial, axis=0)
        if not (np.isfinite(initial).all() and (norms > 0).all()):
            raise ValueError("initial must be finite with no zero atom")


def _first_state(shape: tuple[int, int], n_atoms: int, seed: int,
                 initial: np.ndarray | None = None) -> LearnerState:
    """The state before the first epoch: the seeded dictionary (or ``initial``), all
    codes zero. The seeded draw is made either way, so the image order is the same."""
    generator = torch.Generator().manual_seed(seed)
    D = initial_dictionary(shape[1], n_atoms, generator)
    if initial is not None:
        D = normalise_columns(torch.as_tensor(np.asarray(initial), dtype=torch.float64))
    D = D.float().numpy()
    return LearnerState(epoch=0, D=D, R=np.zeros((shape[0], n_atoms), np.float32),
                        generator=generator.get_state().numpy(), objective=np.empty(0),
                        seconds=np.empty(0), n_resampled=0, beta=_BETA_START, ceiling=1.0,
                        kept=0)


def _restore(state: LearnerState, shape: tuple[int, int], n_atoms: int, weight: float,
             device: torch.device
             ) -> tuple[torch.Tensor, torch.Tensor, torch.Generator, _Extrapolation]:
    """The tensors, generator and extrapolation of ``state`` (copies), after checking that
    it belongs to images of ``shape`` and ``n_atoms`` atoms."""
    expected = {"D": (shape[1], n_atoms), "R": (shape[0], n_atoms)}
    for name, want in expected.items():
        got = tuple(getattr(state, name).shape)
        if got != want:
            raise ValueError(f"resume: {name} has shape {got}, these images and n_atoms "
                             f"need {want}")

    def tensor(array: np.ndarray) -> torch.Tensor:
        return torch.tensor(array, dtype=torch.float32, device=device)

    generator = torch.Generator()
    generator.set_state(torch.tensor(state.generator, dtype=torch.uint8))
    previous = None
    if state.previous_D is not None:
        previous = (tensor(state.previous_D), tensor(state.previous_R))
    extrapolation = _Extrapolation(weight=weight, beta=state.beta, ceiling=state.ceiling,
                                   kept=state.kept, previous=previous)
    return tensor(state.D), tensor(state.R), generator, extrapolation


def _state(epoch: int, D: torch.Tensor, R: torch.Tensor, generator: torch.Generator,
           curve: list[float], seconds: list[float], n_resampled: int,
           extrapolation: _Extrapolation) -> LearnerState:
    """The learner's state after ``epoch`` (CPU arrays; views where already there)."""
    previous = extrapolation.previous

    def array(tensor: torch.Tensor) -> np.ndarray:
        return tensor.detach().cpu().numpy()

    return LearnerState(epoch=epoch, D=array(D), R=array(R),
                        generator=generator.get_state().numpy(),
                        objective=np.asarray(curve), seconds=np.asarray(seconds),
                        n_resampled=n_resampled, beta=extrapolation.beta,
                        ceiling=extrapolation.ceiling, kept=extrapolation.kept,
                        previous_D=None if previous is None else array(previous[0]),
                        previous_R=None if previous is None else array(previous[1]))


def _code_objective(C: torch.Tensor, G: torch.Tensor, R: torch.Tensor, lam: float
                    ) -> torch.Tensor:
    """Per row, Eq. 1 less the constant ``1/2 ||x||^2``: ``1/2 r'Gr - c'r + lam |r|_1``."""
    return (0.5 * torch.linalg.vecdot(R @ G, R) - torch.linalg.vecdot(C, R)
            + lam * R.abs().sum(dim=1))


def _minibatch_step(X: torch.Tensor, R: torch.Tensor, rows: torch.Tensor, D: torch.Tensor,
                    stats: _Statistics, lam: float, options: OnlineOptions,
                    bound: _GramBound, weight: float = 0.0) -> torch.Tensor:
    """Codes of ``rows`` (stored in ``R``), their statistics (in ``stats``), then one
    dictionary sweep; returns the new dictionary."""
    X_b, old = X[rows], R[rows]
    G = D.T @ D
    C = X_b @ D
    new = _visit_codes(C, G, old, lam, options, bound)
    # new'new - old'old as the symmetric part of (new - old)'(new + old): one product
    # instead of two, and no cancellation between two large terms once codes settle
    change = new - old
    swap = change.T @ (new + old)
    stats.A += (0.5 * (swap + swap.T)).double()
    stats.B += (X_b.T @ change).double()
    stats.l1 += float(new.abs().sum(dtype=torch.float64) - old.abs().sum(dtype=torch.float64))
    R[rows] = new
    return _atom_sweep(D, stats.A.float(), stats.B.float(), weight)


def _visit_codes(C: torch.Tensor, G: torch.Tensor, old: torch.Tensor, lam: float,
                 options: OnlineOptions, bound: _GramBound) -> torch.Tensor:
    """New codes for one minibatch from its stored ones, none worse for the current ``G``.

    Once the dictionary moves slowly, most stored supports are still right: the active-set
    polish then makes those codes exact at the price of a few products, and only the other
    rows take the proximal steps (after which they try the polish once more).
    """
    new = old.clone()
    todo = torch.arange(len(old), device=old.device)
    if options.polish_rounds:
        todo = _polish_rows(C, G, new, todo, lam, options)
    if len(todo) and options.lars_max_support:
        todo = _path_rows(C, G, new, todo, lam, (old[todo] != 0).sum(dim=1),
                          options.lars_max_support)
    if len(todo) == 0:
        return new
    majorizer = bound.of(G)
    C_t, old_t = C[todo], old[todo]
    new[todo] = fista_steps(C_t, G, lam, options.code_steps,
                            FistaState.start(C_t, old_t, majorizer), majorizer).R
    if options.polish_rounds:
        todo = _polish_rows(C, G, new, todo, lam, options)
        C_t, old_t = C[todo], old[todo]
    # a settled row is the exact code; a stepped one may have been undone by momentum:
    # it keeps whichever of its codes is better now
    worse = _code_objective(C_t, G, new[todo], lam) > _code_objective(C_t, G, old_t, lam)
    new[todo[worse]] = old_t[worse]
    return new


def _path_rows(C: torch.Tensor, G: torch.Tensor, R: torch.Tensor, todo: torch.Tensor,
               lam: float, stored_support: torch.Tensor, max_support: int) -> torch.Tensor:
    """Exact codes by the compiled LARS-lasso path (in place) for the rows ``todo`` whose
    stored code is zero or has at most half of ``max_support`` atoms, where the kernel is
    built and the arrays are on the CPU; a path that would need more than ``max_support``
    atoms stops there. Returns the rows left unsettled."""
    if C.device.type != "cpu" or not native.available():
        return todo
    tried = (stored_support == 0) | (2 * stored_support <= max_support)
    rows = todo[tried]
    if len(rows) == 0:
        return todo
    exact, settled = native.lars(C[rows].double().numpy(), G.double().numpy(), lam,
                                 max_support=max_support, add_margin=_POLISH_MARGIN,
                                 n_threads=torch.get_num_threads())
    settled = torch.from_numpy(settled)
    R[rows[settled]] = torch.from_numpy(exact[settled.numpy()]).to(R.dtype)
    return torch.cat([rows[~settled], todo[~tried]])


def _polish_rows(C: torch.Tensor, G: torch.Tensor, R: torch.Tensor, todo: torch.Tensor,
                 lam: float, options: OnlineOptions) -> torch.Tensor:
    """Polish the codes ``R[todo]`` in place where ``options.polish_rounds`` active-set
    rounds settle (giving up early on supports far off; supports above
    ``options.polish_max_support`` are not tried);
    returns the rows that did not settle. On the CPU with the compiled kernel each row
    keeps its factor across rounds; elsewhere the batched polish factors every round."""
    small = (R[todo] != 0).sum(dim=1) <= options.polish_max_support
    rounds = options.polish_rounds
    tried, skipped = todo[small], todo[~small]
    if len(tried) == 0:
        return todo
    if C.device.type == "cpu" and native.available():
        exact, settled = native.polish(
            C[tried].double().numpy(), G.double().numpy(), R[tried].double().numpy(), lam,
            max_rounds=rounds, max_support=2 * options.polish_max_support,
            add_margin=_POLISH_MARGIN,
            give_up=_GIVE_UP, n_threads=torch.get_num_threads())
        exact, settled = torch.from_numpy(exact), torch.from_numpy(settled)
    else:
        exact, settled = polish(C[tried].double(), G.double(), R[tried].double(), lam,
                                rounds, _POLISH_MARGIN, give_up=_GIVE_UP)
    R[tried[settled]] = exact[settled].to(R.dtype)
    return torch.cat([tried[~settled], skipped])


def _atom_sweep(D: torch.Tensor, A: torch.Tensor, B: torch.Tensor, weight: float = 0.0
                ) -> torch.Tensor:
    """One pass of exact unit-norm block-coordinate steps over the atoms (Gauss-Seidel).

    An atom no code uses (``A_jj = 0``) has no say in F and is left as it is. With the
    overlap penalty (``weight`` > 0) the step majorises the penalty's quadratic
    ``weight/2 d' Q d``, ``Q = sum_{i != j} d_i d_i'``, by its tangent plus
    ``weight L / 2 ||d - d_j||^2`` with ``L`` above the largest eigenvalue of ``Q``; on the
    unit sphere that bound is linear in ``d``, so the step stays a normalised vector.
    """
    atoms, targets = D.T.contiguous(), B.T.contiguous()  # rows are contiguous
    usage = torch.diagonal(A).tolist()
    bound = 0.0
    if weight > 0:
        # the largest eigenvalue of D D' bounds every Q's; the margin covers the atoms that
        # move during the sweep
        bound = 1.05 * float(torch.linalg.eigvalsh((atoms @ atoms.T).double())[-1])
    for j, a_jj in enumerate(usage):
        if a_jj <= 0:
            continue
        u = targets[j] - A[j] @ atoms
        u += a_jj * atoms[j]
        if weight > 0:
            overlaps = atoms @ atoms[j]
            Qd = overlaps @ atoms - overlaps[j] * atoms[j]
            u += weight * (bound * atoms[j] - Qd)
        norm = torch.linalg.vector_norm(u)
        if norm > 0:
            atoms[j] = u / norm
    return atoms.T.contiguous()


def _resample(X: torch.Tensor, R: torch.Tensor, D: torch.Tensor, unused: torch.Tensor,
              generator: torch.Generator) -> torch.Tensor:
    """Replace the ``unused`` atoms by the normalised residuals of images drawn (seeded)
    among the worst-fitted half, so they start where the dictionary fails."""
    residual = X - R @ D.T
    worst = torch.argsort(torch.linalg.vector_norm(residual, dim=1), descending=True)
    worst = worst[:max(len(unused), len(X) // 2)]
    pick = worst[torch.randperm(len(worst), generator=generator)[:len(unused)].to(X.device)]
    D = D.clone()
    D[:, unused] = normalise_columns(residual[pick].T)
    return D


@dataclass
class _Extrapolation:
    """Extrapolation between epochs with the step rule of Ang and Gillis (2019)."""

    weight: float = 0.0  # of the overlap penalty in F
    beta: float = _BETA_START
    ceiling: float = 1.0
    kept: int = 0
    previous: tuple[torch.Tensor, torch.Tensor] | None = None

    def try_step(self, X: torch.Tensor, D: torch.Tensor, R: torch.Tensor, stats: _Statistics,
                 value: float, half_sq_norm: float, lam: float
                 ) -> tuple[torch.Tensor, torch.Tensor, _Statistics, float]:
        """The point ``(D, R) + beta ((D, R) - previous)`` with its statistics and F where it
        lowers F (``beta`` then grows), else the point given (``beta`` then shrinks)."""
        previous, self.previous = self.previous, (D.clone(), R.clone())
        if previous is None:
            return D, R, stats, value
        trial = _extrapolate(X, D, R, previous, self.beta, half_sq_norm, lam, self.weight)
        if trial is not None and trial[3] < value:
            self.kept += 1
            self.ceiling = min(_BETA_MAX, _CEILING_GROWTH * self.ceiling)
            self.beta = min(self.ceiling, _BETA_GROWTH * self.beta)
            return trial
        self.ceiling, self.beta = self.beta, self.beta / _BETA_SHRINK
        return D, R, stats, value


def _extrapolate(X: torch.Tensor, D: torch.Tensor, R: torch.Tensor,
                 previous: tuple[torch.Tensor, torch.Tensor], beta: float,
                 half_sq_norm: float, lam: float, weight: float = 0.0
                 ) -> tuple[torch.Tensor, torch.Tensor, _Statistics, float] | None:
    """The point ``(D, R) + beta ((D, R) - previous)`` with unit-norm atoms, its
    statistics and F; None when the atoms degenerate.

    Codes move only on their current support, and a coefficient that would change sign
    stops at zero: extrapolating a code that just left an atom would bring the atom back
    with the opposite sign.
    """
    D_old, R_old = previous
    D_new = D + beta * (D - D_old)
    if not bool((torch.linalg.vector_norm(D_new, dim=0) > 0).all()):
        return None
    D_new = normalise_columns(D_new)
    R_new = R + beta * (R - R_old) * (R != 0)
    R_new = torch.where(torch.sign(R_new) == torch.sign(R), R_new, 0.0)
    stats = _Statistics.of(X, R_new)
    return D_new, R_new, stats, stats.objective(D_new, half_sq_norm, lam, weight)
