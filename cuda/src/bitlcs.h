// The bit-parallel LCS step (Hyyrö 2004) and KATO's similarity, shared by the CPU and CUDA backends
// so both compute the same function by construction.
//
// For a state S of m symbols, bit i of the match mask M[c] is set when S[i] == c. V starts as all
// ones; for each pattern symbol c:  U = V & M[c];  V = (V + U) | (V - U).  The LCS length is the
// number of zero bits of V (bits at or above m stay one, so counting over whole words is exact).
// States longer than 64 symbols use ceil(m / 64) words; the addition carries from word to word, the
// subtraction never borrows: U is a subset of V's bits, so V - U == V & ~M, which is how it is
// computed (one three-input logic operation on the GPU together with the OR).
#ifndef MATCHER_BITLCS_H
#define MATCHER_BITLCS_H

#include <stdint.h>

#if defined(__CUDACC__)
#define BITLCS_FN __host__ __device__ __forceinline__
#else
#define BITLCS_FN inline
#endif

namespace bitlcs {

/** One step on a single word (m <= 64). */
BITLCS_FN uint64_t step1(uint64_t v, uint64_t mask) {
  const uint64_t u = v & mask;
  return (v + u) | (v & ~mask);  // == (v + u) | (v - u)
}

/**
 * One step on word w of a multi-word V. carry is the carry into this word and receives the carry out.
 * A symbol that matches nothing (mask 0 in every word) leaves V unchanged and produces no carry.
 */
BITLCS_FN uint64_t step_word(uint64_t v, uint64_t mask, uint64_t& carry) {
  const uint64_t u = v & mask;
  const uint64_t t = v + u;
  const uint64_t c1 = t < v ? 1u : 0u;
  const uint64_t s = t + carry;
  const uint64_t c2 = s < t ? 1u : 0u;
  carry = c1 | c2;
  return s | (v & ~mask);  // == s | (v - u)
}

/** Zero bits of one word of V. */
BITLCS_FN int zeros(uint64_t v) {
#if defined(__CUDA_ARCH__)
  return __popcll(~v);
#else
  return __builtin_popcountll(~v);
#endif
}

/** Number of 64-bit words for a state of m symbols (at least one, so m == 0 works unchanged). */
BITLCS_FN int words_for(int64_t m) { return m <= 64 ? 1 : static_cast<int>((m + 63) / 64); }

/**
 * KATO's similarity in IEEE double, exactly in this order: ((2.0 * lcs / (n + m)) * 100.0) / 100.0,
 * and 0.0 when n + m == 0. On the device the operations are spelled as round-to-nearest intrinsics
 * so no contraction or fast-math flag can change the result.
 */
BITLCS_FN double similarity(int64_t lcs, int64_t n, int64_t m) {
  const int64_t total = n + m;
  if (total == 0) return 0.0;
#if defined(__CUDA_ARCH__)
  const double q = __ddiv_rn(__dmul_rn(2.0, static_cast<double>(lcs)), static_cast<double>(total));
  return __ddiv_rn(__dmul_rn(q, 100.0), 100.0);
#else
  volatile double two_lcs = 2.0 * static_cast<double>(lcs);  // volatile: keep each rounding step
  volatile double q = two_lcs / static_cast<double>(total);
  volatile double scaled = q * 100.0;
  return scaled / 100.0;
#endif
}

}  // namespace bitlcs

#endif  // MATCHER_BITLCS_H
