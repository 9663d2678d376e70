// Internal interface between the C ABI layer (matcher.cpp) and the two backends.
#ifndef MATCHER_BACKEND_H
#define MATCHER_BACKEND_H

#include <stdint.h>

#include <climits>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>

#include "../include/matcher.h"
#include "bitlcs.h"

namespace matcher {

/** Thrown inside the library; the C ABI layer turns it into a status and a last-error message. */
class Error : public std::runtime_error {
 public:
  Error(matcher_status_t status, const std::string& message) : std::runtime_error(message), status_(status) {}
  matcher_status_t status() const noexcept { return status_; }

 private:
  matcher_status_t status_;
};

/** A validated batch of patterns; pointers borrowed from the caller for the duration of a call. */
struct PatternBatch {
  int32_t count;
  const int32_t* ids;
  const int32_t* lengths;
  const int32_t* symbols;
  const int64_t* offsets;  // offsets[i]: start of pattern i in symbols (count + 1 entries)
  int32_t max_symbol;
};

/** A validated batch of states and where the answers go. */
struct QueryBatch {
  int32_t n_states;
  const int32_t* lengths;
  const int32_t* symbols;
  const int64_t* offsets;  // n_states + 1 entries
  double threshold;
  int32_t capacity;
  int32_t* out_ids;
  int32_t* out_lcs;
  double* out_sim;
  int64_t* out_totals;
};

/** One candidate as both backends produce it before the answer is written out. */
struct Candidate {
  double sim;
  int32_t id;
  int32_t lcs;
};

/** The shared order: similarity descending, then id ascending (ids are unique, so it is total). */
inline bool candidate_before(const Candidate& a, const Candidate& b) {
  return a.sim > b.sim || (a.sim == b.sim && a.id < b.id);
}

/**
 * The pattern lengths n that can reach sim >= t against a state of m symbols: [lo, hi], empty when
 * lo > hi. Since LCS <= min(n, m) and the computed similarity is monotone in the LCS, the best a
 * length can do is similarity(min(n, m), n, m), which (each rounding step being monotone) rises with
 * n up to m and falls after it. Searching that exact double function, not a real-number bound,
 * guarantees no true candidate is ever skipped.
 */
struct LengthRange {
  int64_t lo;
  int64_t hi;
};

inline LengthRange length_range(int64_t m, double t) {
  const int64_t kMax = INT32_MAX;
  if (!(t > 0.0)) return {0, kMax};  // every pattern passes (sim >= 0 always)
  if (bitlcs::similarity(m, m, m) < t || m == 0) return {1, 0};
  // lo: smallest n in [0, m] with similarity(n, n, m) >= t (exists: n == m passes).
  int64_t a = 0, b = m;
  while (a < b) {
    const int64_t mid = a + (b - a) / 2;
    if (bitlcs::similarity(mid, mid, m) >= t) b = mid; else a = mid + 1;
  }
  const int64_t lo = a;
  // hi: largest n in [m, kMax] with similarity(m, n, m) >= t.
  a = m;
  b = kMax;
  while (a < b) {
    const int64_t mid = a + (b - a + 1) / 2;
    if (bitlcs::similarity(m, mid, m) >= t) a = mid; else b = mid - 1;
  }
  return {lo, a};
}

/** What a backend reports; the ABI layer fills in the rest of matcher_stats_t. */
struct BackendStats {
  int64_t device_bytes = 0;
  int64_t host_bytes = 0;
  int32_t device = -1;
  int32_t symbol_bits = 32;
  int32_t threads = 0;
  double last_query_ms = 0.0;
  std::string device_name;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual void reserve(int64_t patterns, int64_t symbols) = 0;
  /** Adds a validated batch; all or nothing. */
  virtual void add(const PatternBatch& batch) = 0;
  virtual void clear() = 0;
  /** Answers a validated batch (writes every output, padding included). */
  virtual void query(const QueryBatch& batch) = 0;
  virtual BackendStats stats() = 0;
};

std::unique_ptr<Backend> make_cpu_backend();
/** Throws Error(MATCHER_UNSUPPORTED) in a build without CUDA. */
std::unique_ptr<Backend> make_cuda_backend(int32_t device);
/** Number of CUDA devices; 0 (with *reason set) without CUDA support, driver or device. */
int32_t cuda_device_count(std::string* reason);
bool cuda_compiled();

/** Writes one state's sorted candidates (already ordered, already cut) into row s of the outputs. */
inline void write_row(const QueryBatch& q, int32_t s, const Candidate* sorted, int64_t n_sorted, int64_t total) {
  q.out_totals[s] = total;
  const int64_t cap = q.capacity;
  const int64_t k = n_sorted < cap ? n_sorted : cap;
  const int64_t base = static_cast<int64_t>(s) * cap;
  for (int64_t i = 0; i < k; ++i) {
    q.out_ids[base + i] = sorted[i].id;
    q.out_lcs[base + i] = sorted[i].lcs;
    q.out_sim[base + i] = sorted[i].sim;
  }
  for (int64_t i = k; i < cap; ++i) {
    q.out_ids[base + i] = -1;
    q.out_lcs[base + i] = -1;
    q.out_sim[base + i] = -1.0;
  }
}

}  // namespace matcher

#endif  // MATCHER_BACKEND_H
