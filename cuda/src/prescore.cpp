// matcher_prescore: KATO's pruning score of many candidate patterns against one state, on host threads.
//
// At low recall thresholds most of a node's patterns are candidates, and KATO keeps the best
// 3·max_predictions by pre = (evidence + confidence)·snr + 1/(fragmentation + 1), which needs each
// candidate's Ratcliff/Obershelp matching blocks. This is the TypeScript scorer
// (src/kato/alignment_score.ts) in C++: CPython's difflib.SequenceMatcher(None, P, S, autojunk=False)
// get_matching_blocks(), KATO's event split with its fix-up, the same double operations in the same
// order (built with -ffp-contract=off), so the scores are bit-identical.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <thread>
#include <unordered_map>
#include <vector>

#include "../include/matcher.h"

namespace {

struct Block {
  int32_t a, b, size;
};

// The state indexed once: for each distinct symbol, its positions in ascending order (difflib's b2j).
struct StateIndex {
  std::unordered_map<int32_t, std::vector<int32_t>> positions;
  const int32_t* state;
  int32_t length;
};

// Per-thread scratch of find_longest_match: two rows of j2len, all zero between calls.
struct Scratch {
  std::vector<int32_t> j2len, newj2len;
  std::vector<int32_t> touched, new_touched;
  std::vector<const std::vector<int32_t>*> a_index;
  std::vector<Block> found;
  std::vector<std::array<int32_t, 4>> queue;
};

const std::vector<int32_t> kNothing;

Block find_longest_match(const int32_t* a, const StateIndex& b, Scratch& s, int32_t alo, int32_t ahi, int32_t blo,
                         int32_t bhi) {
  int32_t besti = alo, bestj = blo, bestsize = 0;
  std::vector<int32_t>* j2len = &s.j2len;
  std::vector<int32_t>* newj2len = &s.newj2len;
  std::vector<int32_t>* touched = &s.touched;
  std::vector<int32_t>* new_touched = &s.new_touched;
  for (int32_t i = alo; i < ahi; i++) {
    const std::vector<int32_t>& js = *s.a_index[i];
    for (const int32_t j : js) {
      if (j < blo) continue;
      if (j >= bhi) break;
      const int32_t k = (*j2len)[j] + 1;  // j2len[j] is the run ending at a[i-1], b[j-1]
      (*newj2len)[j + 1] = k;
      new_touched->push_back(j + 1);
      if (k > bestsize) {
        besti = i - k + 1;
        bestj = j - k + 1;
        bestsize = k;
      }
    }
    for (const int32_t t : *touched) (*j2len)[t] = 0;
    std::swap(j2len, newj2len);
    std::swap(touched, new_touched);
    new_touched->clear();
  }
  for (const int32_t t : *touched) (*j2len)[t] = 0;
  touched->clear();
  // Without junk these extensions never apply; kept as CPython has them.
  while (besti > alo && bestj > blo && a[besti - 1] == b.state[bestj - 1]) {
    besti--;
    bestj--;
    bestsize++;
  }
  while (besti + bestsize < ahi && bestj + bestsize < bhi && a[besti + bestsize] == b.state[bestj + bestsize]) {
    bestsize++;
  }
  return {besti, bestj, bestsize};
}

// get_matching_blocks(): longest block, then the two sides recursively (a stack, as CPython's queue
// is popped from its end), sorted, adjacent blocks merged; the terminator is left out.
void matching_blocks(const int32_t* a, int32_t la, const StateIndex& b, Scratch& s, std::vector<Block>& merged) {
  s.a_index.resize(la);
  for (int32_t i = 0; i < la; i++) {
    const auto it = b.positions.find(a[i]);
    s.a_index[i] = it == b.positions.end() ? &kNothing : &it->second;
  }
  s.found.clear();
  s.queue.clear();
  s.queue.push_back({0, la, 0, b.length});
  while (!s.queue.empty()) {
    const auto [alo, ahi, blo, bhi] = s.queue.back();
    s.queue.pop_back();
    const Block x = find_longest_match(a, b, s, alo, ahi, blo, bhi);
    if (x.size > 0) {
      s.found.push_back(x);
      if (alo < x.a && blo < x.b) s.queue.push_back({alo, x.a, blo, x.b});
      if (x.a + x.size < ahi && x.b + x.size < bhi) s.queue.push_back({x.a + x.size, ahi, x.b + x.size, bhi});
    }
  }
  std::sort(s.found.begin(), s.found.end(), [](const Block& x, const Block& y) {
    if (x.a != y.a) return x.a < y.a;
    if (x.b != y.b) return x.b < y.b;
    return x.size < y.size;
  });
  merged.clear();
  int32_t i1 = 0, j1 = 0, k1 = 0;
  for (const Block& blk : s.found) {
    if (i1 + k1 == blk.a && j1 + k1 == blk.b) {
      k1 += blk.size;
    } else {
      if (k1 > 0) merged.push_back({i1, j1, k1});
      i1 = blk.a;
      j1 = blk.b;
      k1 = blk.size;
    }
  }
  if (k1 > 0) merged.push_back({i1, j1, k1});
}

// The pruning score of one pattern (symbols a[0..la), events of sizes[0..events)), as
// src/kato/alignment_score.ts and src/kato/ranking.ts prePotential compute it.
double prescore(const int32_t* a, int32_t la, const int32_t* sizes, int32_t events, const StateIndex& b, Scratch& s,
                std::vector<Block>& blocks) {
  matching_blocks(a, la, b, s, blocks);
  int32_t matched = 0;
  for (const Block& blk : blocks) matched += blk.size;
  const int32_t nb = static_cast<int32_t>(blocks.size());
  const int32_t past = nb > 0 ? blocks.front().a : 0;
  const int32_t present = nb > 0 ? blocks.back().a + blocks.back().size - blocks.front().a : la;
  // splitEvents: whole events until the running count reaches the flat lengths.
  int64_t count = 0;
  int32_t n = 0;
  while (count < past && n < events) count += sizes[n++];
  int32_t past_end = n;
  while (count < static_cast<int64_t>(past) + present && n < events) count += sizes[n++];
  if (past_end > 0 && nb > 0) {
    // KATO's fix-up: the last past event joins present when it holds the first matched symbol.
    int64_t start = 0;
    for (int32_t k = 0; k < past_end - 1; k++) start += sizes[k];
    const int32_t first_match = b.state[blocks.front().b];
    for (int64_t j = start; j < start + sizes[past_end - 1]; j++) {
      if (a[j] == first_match) {
        past_end--;
        break;
      }
    }
  }
  int64_t present_symbols = 0;
  for (int32_t k = past_end; k < n; k++) present_symbols += sizes[k];
  const int32_t extras = present == 0 ? 0 : b.length - matched;
  const double m = matched;
  const double denominator = 2.0 * m + extras;
  const double evidence = la > 0 ? m / la : 0.0;
  const double confidence = present_symbols > 0 ? m / static_cast<double>(present_symbols) : 0.0;
  const double snr = denominator > 0 ? (2.0 * m - extras) / denominator : 0.0;
  const int32_t fragmentation = nb - 1;
  const double fragment_term = fragmentation == -1 ? 0.0 : 1.0 / (fragmentation + 1);
  return (evidence + confidence) * snr + fragment_term;
}

}  // namespace

extern "C" {

MATCHER_API matcher_status_t matcher_prescore(int64_t count, const int32_t* ids, const double* symbol_start,
                                              const int32_t* symbols, const double* event_start,
                                              const int32_t* event_sizes, int32_t state_length, const int32_t* state,
                                              double* out_pre) {
  try {
    if (count < 0 || state_length < 0) return MATCHER_INVALID_ARGUMENT;
    if (count == 0) return MATCHER_OK;
    if (ids == nullptr || symbol_start == nullptr || symbols == nullptr || event_start == nullptr ||
        event_sizes == nullptr || out_pre == nullptr || (state_length > 0 && state == nullptr)) {
      return MATCHER_INVALID_ARGUMENT;
    }
    StateIndex index{{}, state, state_length};
    for (int32_t j = 0; j < state_length; j++) index.positions[state[j]].push_back(j);
    const int64_t threads =
        std::max<int64_t>(1, std::min<int64_t>(std::thread::hardware_concurrency(), (count + 4095) / 4096));
    const auto work = [&](int64_t from, int64_t to) {
      Scratch scratch;
      scratch.j2len.assign(state_length + 1, 0);
      scratch.newj2len.assign(state_length + 1, 0);
      std::vector<Block> blocks;
      for (int64_t c = from; c < to; c++) {
        const int32_t id = ids[c];
        const int64_t s0 = static_cast<int64_t>(symbol_start[id]), s1 = static_cast<int64_t>(symbol_start[id + 1]);
        const int64_t e0 = static_cast<int64_t>(event_start[id]), e1 = static_cast<int64_t>(event_start[id + 1]);
        out_pre[c] = prescore(symbols + s0, static_cast<int32_t>(s1 - s0), event_sizes + e0,
                              static_cast<int32_t>(e1 - e0), index, scratch, blocks);
      }
    };
    std::vector<std::thread> pool;
    const int64_t per = (count + threads - 1) / threads;
    for (int64_t t = 1; t < threads; t++) pool.emplace_back(work, t * per, std::min(count, (t + 1) * per));
    work(0, std::min(count, per));
    for (auto& thread : pool) thread.join();
    return MATCHER_OK;
  } catch (const std::bad_alloc&) {
    return MATCHER_OUT_OF_MEMORY;
  } catch (...) {
    return MATCHER_INTERNAL;
  }
}

}  // extern "C"
