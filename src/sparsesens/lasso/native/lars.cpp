// The LARS-lasso path and the active-set polish of one image at a time, compiled: for
// sparse codes a per-image path costs a few steps of O(n k) each, which batched tensor
// steps cannot reach (their overhead per step is that of a whole batch), and a per-image
// polish keeps its factor from round to round where the batched one factors every block
// anew. Built and loaded by sparsesens.lasso.native; the polish is at the end.
//
// For an image with correlations c = D^T x and the Gram matrix G = D^T D, the code of
//     min_r 1/2 ||x - D r||^2 + lam ||r||_1
// is followed from lam_max = max_i |c_i| (code zero) down to lam. Between events the
// active code moves along d = G_AA^{-1} s_A (s the active signs), while the residual
// correlations of the active atoms stay at +-lam_now; an event is an atom whose residual
// correlation reaches +-lam_now (it enters) or an active coefficient reaching zero (it
// leaves). The active Gram block is held as a Cholesky factor, extended by one row when
// an atom enters and rotated down when one leaves; an atom in the span of the active ones
// (its pivot near zero) is kept out. At lam the active code is set to the closed form
// G_AA^{-1} (c_A - lam s_A) and every atom is checked against Eq. 9; an image that fails
// the check or outgrows max_support is returned unsettled with its last iterate, for the
// batched solvers to finish.

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <thread>
#include <vector>

// The hot loops are built twice on x86-64, for AVX2 with FMA and for any x86-64 CPU, and
// the loader picks per CPU: the same library serves every node of a cluster.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define HOT __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define HOT
#endif

namespace {

// smallest Cholesky pivot taken as nonsingular (unit-norm atoms: the pivot is the
// distance of an atom from the span of the active ones)
constexpr double kPivot = 1e-6;

struct Workspace {
  int64_t n, cap;
  // c: residual correlations; a32: their fall per unit fall of lam along the path;
  // a: the closed form's products in the final check; L: Cholesky factor of the active
  // Gram block; x, s, d: active code, signs and direction; ws = L^-1 s, kept as atoms
  // enter, so that a direction costs one triangular sweep
  std::vector<double> c, a, L, x, d, s, ws, rhs;
  std::vector<float> a32;
  std::vector<int64_t> active;
  std::vector<uint8_t> in_active, blocked;
  // the polish's atoms of one round: active slots whose sign flipped, atoms entering
  std::vector<int64_t> flipped, entering;

  Workspace(int64_t n_atoms, int64_t max_support)
      : n(n_atoms), cap(max_support), c(n_atoms), a(n_atoms), L(max_support * max_support),
        x(max_support), d(max_support), s(max_support), ws(max_support), rhs(max_support),
        a32(n_atoms), in_active(n_atoms), blocked(n_atoms) {}
};

// sum_t u[t] v[t] with four partial sums, so that the compiler may vectorize it
HOT double dot(const double* u, const double* v, int64_t len) {
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  int64_t t = 0;
  for (; t + 4 <= len; t += 4) {
    s0 += u[t] * v[t];
    s1 += u[t + 1] * v[t + 1];
    s2 += u[t + 2] * v[t + 2];
    s3 += u[t + 3] * v[t + 3];
  }
  for (; t < len; ++t) s0 += u[t] * v[t];
  return (s0 + s1) + (s2 + s3);
}

// Solves L y = b in place (L: k x k lower triangle, row stride cap).
HOT void forward_sweep(const double* L, int64_t cap, int64_t k, double* y) {
  for (int64_t i = 0; i < k; ++i) y[i] = (y[i] - dot(L + i * cap, y, i)) / L[i * cap + i];
}

// Solves L^T y = b in place, reading L by rows.
HOT void backward_sweep(const double* L, int64_t cap, int64_t k, double* y) {
  for (int64_t i = k - 1; i >= 0; --i) {
    const double* row = L + i * cap;
    y[i] /= row[i];
    const double yi = y[i];
    for (int64_t j = 0; j < i; ++j) y[j] -= yi * row[j];
  }
}

// Appends row k of the factor for atom j given the first k active atoms; false if the
// atom is (nearly) in their span.
bool cholesky_append(Workspace& w, const double* G, int64_t k, int64_t j) {
  const int64_t n = w.n, cap = w.cap;
  double* row = &w.L[k * cap];
  for (int64_t i = 0; i < k; ++i)
    row[i] = (G[w.active[i] * n + j] - dot(&w.L[i * cap], row, i)) / w.L[i * cap + i];
  const double sq = G[j * n + j] - dot(row, row, k);
  if (!(sq > kPivot * kPivot)) return false;
  row[k] = std::sqrt(sq);
  return true;
}

// Removes atom p from a factor of k atoms: without row p the rows below it reach one
// column past the diagonal, which Givens rotations of neighbouring columns clear. The
// pivots left can only grow (each is a distance from the span of fewer atoms).
void cholesky_remove(Workspace& w, int64_t k, int64_t p) {
  const int64_t cap = w.cap;
  double* L = w.L.data();
  for (int64_t r = p; r + 1 < k; ++r)
    std::copy(L + (r + 1) * cap, L + (r + 1) * cap + r + 2, L + r * cap);
  for (int64_t i = p; i + 1 < k; ++i) {
    const double a = L[i * cap + i], b = L[i * cap + i + 1];
    const double h = std::hypot(a, b), cs = a / h, sn = b / h;
    for (int64_t r = i; r + 1 < k; ++r) {
      const double u = L[r * cap + i], v = L[r * cap + i + 1];
      L[r * cap + i] = cs * u + sn * v;
      L[r * cap + i + 1] = cs * v - sn * u;
    }
  }
}

// out = sum_i weights[i] G[rows[i], :], eight rows per pass over out
template <typename T>
HOT void combine_rows(const T* G, int64_t n, const int64_t* rows, const double* weights,
                      int64_t k, T* out) {
  std::fill(out, out + n, T(0));
  int64_t i = 0;
  for (; i + 8 <= k; i += 8) {
    T w[8];
    const T* g[8];
    for (int t = 0; t < 8; ++t) {
      w[t] = static_cast<T>(weights[i + t]);
      g[t] = G + rows[i + t] * n;
    }
    for (int64_t j = 0; j < n; ++j)
      out[j] += ((w[0] * g[0][j] + w[1] * g[1][j]) + (w[2] * g[2][j] + w[3] * g[3][j])) +
                ((w[4] * g[4][j] + w[5] * g[5][j]) + (w[6] * g[6][j] + w[7] * g[7][j]));
  }
  for (; i < k; ++i) {
    const T wi = static_cast<T>(weights[i]);
    const T* gi = G + rows[i] * n;
    for (int64_t j = 0; j < n; ++j) out[j] += wi * gi[j];
  }
}

// Atom j joins the active set (its factor row is in place): its sign is that of its
// correlation, its coefficient starts at zero, and ws gains one entry.
void enter(Workspace& w, int64_t k, int64_t j) {
  w.active.push_back(j);
  w.in_active[j] = 1;
  w.s[k] = w.c[j] > 0 ? 1.0 : -1.0;
  w.ws[k] = (w.s[k] - dot(&w.L[k * w.cap], w.ws.data(), k)) / w.L[k * w.cap + k];
  w.x[k] = 0.0;
}

// The atom in active slot i (of k) leaves; the factor is rotated down and ws recomputed.
void leave(Workspace& w, int64_t k, int64_t i) {
  w.in_active[w.active[i]] = 0;
  w.active.erase(w.active.begin() + i);
  for (int64_t t = i; t + 1 < k; ++t) {
    w.x[t] = w.x[t + 1];
    w.s[t] = w.s[t + 1];
  }
  cholesky_remove(w, k, i);
  std::copy(w.s.begin(), w.s.begin() + k - 1, w.ws.begin());
  forward_sweep(w.L.data(), w.cap, k - 1, w.ws.data());
}

struct Event {
  double gamma;   // fall of lam to the event
  int64_t enter;  // the atom entering there, or -1
  int64_t leave;  // the active slot leaving there, or -1 (neither: lam reached)
};

// The first event along the direction d (a32 for the correlations): lam reached, an
// inactive atom's correlation reaching the bound, or an active coefficient reaching zero.
HOT Event next_event(const Workspace& w, int64_t k, double lam_now, double lam,
                     int64_t left_last) {
  Event event{lam_now - lam, -1, -1};
  for (int64_t j = 0; j < w.n; ++j) {
    if (w.in_active[j] || w.blocked[j] || j == left_last) continue;
    // atom j reaches +-(lam_now - g) at g = (lam_now -+ c_j) / (1 -+ a_j); comparing by
    // products spares a division for every atom that does not come first
    const double cj = w.c[j], aj = w.a32[j];
    const double up = lam_now - cj, up_rate = 1.0 - aj;
    if (up_rate > 0.0 && up > 0.0 && up < event.gamma * up_rate) event = {up / up_rate, j, -1};
    const double down = lam_now + cj, down_rate = 1.0 + aj;
    if (down_rate > 0.0 && down > 0.0 && down < event.gamma * down_rate)
      event = {down / down_rate, j, -1};
  }
  for (int64_t i = 0; i < k; ++i) {
    if (w.x[i] == 0.0 || w.x[i] * w.d[i] >= 0.0) continue;
    const double g = -w.x[i] / w.d[i];
    if (g < event.gamma) event = {g, -1, i};
  }
  return event;
}

// At lam, the closed form on the path's k active atoms, then Eq. 9 for every atom; writes
// the code to r when both hold.
bool closed_form_passes(Workspace& w, int64_t k, const double* C, const double* G, double lam,
                        double add_margin, double* r) {
  for (int64_t i = 0; i < k; ++i) w.rhs[i] = C[w.active[i]] - lam * w.s[i];
  forward_sweep(w.L.data(), w.cap, k, w.rhs.data());
  backward_sweep(w.L.data(), w.cap, k, w.rhs.data());
  for (int64_t i = 0; i < k; ++i)
    if (w.rhs[i] * w.s[i] <= 0.0) return false;  // a sign the path got wrong
  combine_rows(G, w.n, w.active.data(), w.rhs.data(), k, w.a.data());
  for (int64_t j = 0; j < w.n; ++j)
    if (!w.in_active[j] && std::fabs(C[j] - w.a[j]) > lam + add_margin) return false;
  for (int64_t i = 0; i < k; ++i) r[w.active[i]] = w.rhs[i];
  return true;
}

// The path of one image; writes its code to r (n values) and returns whether it settled.
HOT bool solve_one(Workspace& w, const double* C, const double* G, const float* G32,
                   double lam, int64_t max_steps, double add_margin, double* r) {
  const int64_t n = w.n;
  std::fill(r, r + n, 0.0);
  std::copy(C, C + n, w.c.begin());
  std::fill(w.in_active.begin(), w.in_active.end(), 0);
  std::fill(w.blocked.begin(), w.blocked.end(), 0);
  w.active.clear();
  int64_t entering = 0;
  for (int64_t j = 1; j < n; ++j)
    if (std::fabs(w.c[j]) > std::fabs(w.c[entering])) entering = j;
  double lam_now = std::fabs(w.c[entering]);
  if (lam_now <= lam) return true;  // the zero code is optimal

  int64_t k = 0, left_last = -1;
  for (int64_t step = 0; step < max_steps; ++step) {
    if (entering >= 0) {
      if (k == w.cap) break;
      if (cholesky_append(w, G, k, entering)) {
        enter(w, k++, entering);
      } else {
        // the atom lies in the span of the active ones (a duplicate, say): it stays out,
        // and the final check says whether the code is optimal without it
        w.blocked[entering] = 1;
      }
    }
    // the active code's direction per unit fall of lam_now, and the correlations'
    std::copy(w.ws.begin(), w.ws.begin() + k, w.d.begin());
    backward_sweep(w.L.data(), w.cap, k, w.d.data());
    combine_rows(G32, n, w.active.data(), w.d.data(), k, w.a32.data());
    const Event event = next_event(w, k, lam_now, lam, left_last);
    for (int64_t i = 0; i < k; ++i) w.x[i] += event.gamma * w.d[i];
    for (int64_t j = 0; j < n; ++j) w.c[j] -= event.gamma * w.a32[j];
    lam_now -= event.gamma;
    entering = event.enter;
    left_last = event.leave >= 0 ? w.active[event.leave] : -1;
    if (event.leave >= 0) leave(w, k--, event.leave);
    if (event.enter < 0 && event.leave < 0) {  // lam reached
      if (closed_form_passes(w, k, C, G, lam, add_margin, r)) return true;
      break;
    }
  }
  // unsettled: the path's last iterate, exact for lam_now
  for (int64_t i = 0; i < k; ++i) r[w.active[i]] = w.x[i];
  return false;
}

// ---- The active-set polish, one image at a time -------------------------------------
// From a code with nearly the right signed support: the closed form of Eq. 4 on the
// support, then the atoms whose sign flipped leave and the inactive atoms beyond lam (by
// add_margin) enter with the sign of their correlation, until a round changes nothing. The
// factor of the active Gram block is kept across rounds: an atom that leaves is rotated
// out and one that enters appends a row, so a round after the first costs O(n k), not a
// new factorisation.

enum class Polished { kSettled, kUnsettled, kUntouched };

// Rebuilds the active set from the signed support of r; false if an atom lies in the span
// of the others or the support exceeds the workspace.
bool start_support(Workspace& w, const double* G, const double* r) {
  w.active.clear();
  std::fill(w.in_active.begin(), w.in_active.end(), 0);
  int64_t k = 0;
  for (int64_t j = 0; j < w.n; ++j) {
    if (r[j] == 0.0) continue;
    if (k == w.cap || !cholesky_append(w, G, k, j)) return false;
    w.active.push_back(j);
    w.in_active[j] = 1;
    w.s[k++] = r[j] > 0.0 ? 1.0 : -1.0;
  }
  return true;
}

// One image: r holds the stored code on entry and the polished one on exit (untouched
// when the support could not be factored). give_up < 0: never stop early.
HOT Polished polish_one(Workspace& w, const double* C, const double* G, double lam,
                        int64_t max_rounds, double add_margin, double give_up, double* r) {
  if (!start_support(w, G, r)) return Polished::kUntouched;
  std::vector<int64_t>& flipped = w.flipped;
  std::vector<int64_t>& entering = w.entering;
  for (int64_t round = 0; round < max_rounds; ++round) {
    const int64_t k = static_cast<int64_t>(w.active.size());
    for (int64_t i = 0; i < k; ++i) w.rhs[i] = C[w.active[i]] - lam * w.s[i];
    forward_sweep(w.L.data(), w.cap, k, w.rhs.data());
    backward_sweep(w.L.data(), w.cap, k, w.rhs.data());
    combine_rows(G, w.n, w.active.data(), w.rhs.data(), k, w.a.data());
    flipped.clear();
    entering.clear();
    for (int64_t i = 0; i < k; ++i)
      if (w.rhs[i] * w.s[i] <= 0.0) flipped.push_back(i);
    for (int64_t j = 0; j < w.n; ++j)
      if (!w.in_active[j] && std::fabs(C[j] - w.a[j]) > lam + add_margin) entering.push_back(j);
    // the round's code: the closed form without the atoms whose sign flipped
    std::fill(r, r + w.n, 0.0);
    for (int64_t i = 0; i < k; ++i) r[w.active[i]] = w.rhs[i];
    for (int64_t i : flipped) r[w.active[i]] = 0.0;
    if (flipped.empty() && entering.empty()) return Polished::kSettled;
    const double changes = static_cast<double>(flipped.size() + entering.size());
    if (round == 0 && give_up >= 0.0 && changes > std::max(give_up * k, 2.0))
      return Polished::kUnsettled;
    // the flipped atoms leave, last slot first so that the earlier slots stay in place
    int64_t kept = k;
    for (auto it = flipped.rbegin(); it != flipped.rend(); ++it) {
      const int64_t i = *it;
      w.in_active[w.active[i]] = 0;
      w.active.erase(w.active.begin() + i);
      for (int64_t t = i; t + 1 < kept; ++t) w.s[t] = w.s[t + 1];
      cholesky_remove(w, kept--, i);
    }
    for (int64_t j : entering) {
      if (kept == w.cap || !cholesky_append(w, G, kept, j)) return Polished::kUnsettled;
      w.active.push_back(j);
      w.in_active[j] = 1;
      w.s[kept++] = C[j] - w.a[j] > 0.0 ? 1.0 : -1.0;
    }
  }
  return Polished::kUnsettled;
}

// Calls per_image(workspace, b) for every image b < B, the images shared among n_threads
// threads in chunks of eight, each thread with its own workspace.
template <typename PerImage>
void for_each_image(int64_t B, int64_t n, int64_t max_support, int64_t n_threads,
                    PerImage per_image) {
  constexpr int64_t kChunk = 8;
  std::atomic<int64_t> next{0};
  auto work = [&]() {
    Workspace w(n, max_support);
    for (int64_t start = next.fetch_add(kChunk); start < B; start = next.fetch_add(kChunk))
      for (int64_t b = start; b < std::min(start + kChunk, B); ++b) per_image(w, b);
  };
  const int64_t threads = std::min(n_threads, (B + kChunk - 1) / kChunk);
  std::vector<std::thread> pool;
  for (int64_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
}

}  // namespace

extern "C" {

// Polishes B codes in place: C (B x n) correlations, G (n x n) Gram matrix, R (B x n)
// stored codes, all row-major float64. status[b]: 0 settled (the code is exact), 1 not
// settled (R holds the last round's code), 2 untouched (its support could not be
// factored or exceeds max_support). Returns 0, or 1 on bad sizes.
int sparsesens_polish(const double* C, const double* G, int64_t B, int64_t n, double lam,
                      int64_t max_rounds, int64_t max_support, double add_margin,
                      double give_up, int64_t n_threads, double* R, uint8_t* status) {
  if (B < 0 || n < 1 || max_support < 1 || max_rounds < 1 || n_threads < 1) return 1;
  for_each_image(B, n, std::min(max_support, n), n_threads, [&](Workspace& w, int64_t b) {
    status[b] = static_cast<uint8_t>(
        polish_one(w, C + b * n, G, lam, max_rounds, add_margin, give_up, R + b * n));
  });
  return 0;
}

// Codes of B images: C (B x n) correlations, G (n x n) Gram matrix, both row-major
// float64; writes R (B x n) and settled (B flags). Images are shared among n_threads
// threads in chunks. Returns 0, or 1 on bad sizes.
int sparsesens_lars(const double* C, const double* G, int64_t B, int64_t n, double lam,
                    int64_t max_support, int64_t max_steps, double add_margin,
                    int64_t n_threads, double* R, uint8_t* settled) {
  if (B < 0 || n < 1 || max_support < 1 || max_steps < 1 || n_threads < 1) return 1;
  std::vector<float> G32(G, G + n * n);
  for_each_image(B, n, std::min(max_support, n), n_threads, [&](Workspace& w, int64_t b) {
    settled[b] = solve_one(w, C + b * n, G, G32.data(), lam, max_steps, add_margin, R + b * n);
  });
  return 0;
}

}  // extern "C"
