// The CPU backend: patterns bucketed by length; per query the states' distinct symbols get rows (a
// small hash, or a direct symbol -> row table while symbol ids stay below 2^24) and each state its
// masks by row; the threshold's length bound is a bucket range; patterns are split across hardware
// threads, and several states share each pass over a pattern.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <thread>
#include <vector>

#include "backend.h"
#include "mask_table.h"

namespace matcher {
namespace {

struct Bucket {
  std::vector<int32_t> ids;
  std::vector<int32_t> symbols;  // row-wise: pattern k at [k * length, (k + 1) * length)
};

// One state prepared for scanning: its masks by row (row 0 = no match, all zero).
struct PreparedState {
  int64_t m = 0;
  int words = 1;
  LengthRange range{1, 0};
  std::vector<uint64_t> masks;  // masks[row * words + w]
};

// A contiguous run of patterns of one length.
struct Segment {
  int32_t length;
  const Bucket* bucket;
  size_t begin;
  size_t end;
};

// Below this many pattern symbols to scan, threads cost more than they save.
constexpr int64_t kParallelMinSymbols = 200000;
// Symbol ids up to this get a direct row table (one load per pattern symbol); larger ones a hash.
constexpr int32_t kDirectRowsMaxSymbol = 1 << 24;

// Row of a symbol through the direct table (every stored symbol is < size).
struct DirectRows {
  const uint32_t* rows;
  uint32_t operator()(int32_t symbol) const { return rows[symbol]; }
};

// Row of a symbol through the union hash (row = dense index + 1, 0 when absent).
struct HashedRows {
  const SymbolHash* hash;
  uint32_t operator()(int32_t symbol) const { return static_cast<uint32_t>(hash->find(symbol) + 1); }
};

class CpuBackend final : public Backend {
 public:
  CpuBackend() {
    const unsigned hw = std::thread::hardware_concurrency();
    threads_ = hw == 0 ? 1 : hw;
  }

  void reserve(int64_t, int64_t) override {}  // buckets grow per length; nothing useful to pre-size

  void add(const PatternBatch& batch) override {
    // Pass 1 sizes every bucket (the only step that can throw); pass 2 appends and cannot throw,
    // so a failed add leaves the index as it was (at worst with some empty buckets or spare room).
    std::map<int32_t, std::pair<size_t, size_t>> grow;  // length -> (patterns, symbols)
    for (int32_t i = 0; i < batch.count; ++i) {
      auto& g = grow[batch.lengths[i]];
      g.first += 1;
      g.second += static_cast<size_t>(batch.lengths[i]);
    }
    for (const auto& [length, g] : grow) {
      Bucket& b = buckets_[length];
      b.ids.reserve(b.ids.size() + g.first);
      b.symbols.reserve(b.symbols.size() + g.second);
    }
    if (batch.max_symbol <= kDirectRowsMaxSymbol && static_cast<size_t>(batch.max_symbol) >= row_of_.size()) {
      row_of_.resize(static_cast<size_t>(batch.max_symbol) + 1, 0);
    }
    for (int32_t i = 0; i < batch.count; ++i) {
      Bucket& b = buckets_[batch.lengths[i]];
      b.ids.push_back(batch.ids[i]);
      const int32_t* p = batch.symbols + batch.offsets[i];
      b.symbols.insert(b.symbols.end(), p, p + batch.lengths[i]);
    }
    max_symbol_ = std::max(max_symbol_, batch.max_symbol);
  }

  void clear() override {
    buckets_.clear();
    row_of_.clear();
    row_of_.shrink_to_fit();
    max_symbol_ = 0;
  }

  void query(const QueryBatch& q) override {
    const auto started = std::chrono::steady_clock::now();
    const int32_t n = q.n_states;

    // The states' distinct symbols get rows 1..k (shared by all states); each state has masks by row.
    std::vector<int32_t> symbols;
    SymbolHash hash;
    int64_t total_m = 0;
    for (int32_t s = 0; s < n; ++s) total_m += q.lengths[s];
    hash.reset(total_m);
    std::vector<PreparedState> states(static_cast<size_t>(n));
    int64_t lo = INT64_MAX, hi = -1;
    for (int32_t s = 0; s < n; ++s) {
      PreparedState& st = states[s];
      st.m = q.lengths[s];
      st.words = bitlcs::words_for(st.m);
      st.range = length_range(st.m, q.threshold);
      if (st.range.lo > st.range.hi) continue;
      lo = std::min(lo, st.range.lo);
      hi = std::max(hi, st.range.hi);
      const int32_t* sym = q.symbols + q.offsets[s];
      for (int64_t i = 0; i < st.m; ++i) {
        if (sym[i] <= 0 || sym[i] > max_symbol_) continue;  // matches no stored pattern, still counts in m
        if (hash.insert(sym[i]) == static_cast<int32_t>(symbols.size())) symbols.push_back(sym[i]);
      }
    }
    for (int32_t s = 0; s < n; ++s) {
      PreparedState& st = states[s];
      if (st.range.lo > st.range.hi) continue;
      st.masks.assign((symbols.size() + 1) * st.words, 0);
      const int32_t* sym = q.symbols + q.offsets[s];
      for (int64_t i = 0; i < st.m; ++i) {
        if (sym[i] <= 0 || sym[i] > max_symbol_) continue;
        const size_t row = static_cast<size_t>(hash.find(sym[i])) + 1;
        st.masks[row * st.words + i / 64] |= uint64_t{1} << (i % 64);
      }
    }
    const bool direct = !row_of_.empty() && max_symbol_ < static_cast<int32_t>(row_of_.size());
    if (direct) {
      for (size_t k = 0; k < symbols.size(); ++k) row_of_[symbols[k]] = static_cast<uint32_t>(k + 1);
    }

    // Segments of the buckets any state can use, split so threads get similar work.
    std::vector<Segment> segments;
    int64_t work = 0;
    for (auto it = buckets_.lower_bound(static_cast<int32_t>(std::max<int64_t>(lo, 0)));
         it != buckets_.end() && it->first <= hi; ++it) {
      work += static_cast<int64_t>(it->second.symbols.size()) + static_cast<int64_t>(it->second.ids.size());
    }
    const unsigned threads = work >= kParallelMinSymbols ? threads_ : 1;
    const int64_t piece = std::max<int64_t>(4096, work / (static_cast<int64_t>(threads) * 8) + 1);
    for (auto it = buckets_.lower_bound(static_cast<int32_t>(std::max<int64_t>(lo, 0)));
         it != buckets_.end() && it->first <= hi; ++it) {
      const size_t count = it->second.ids.size();
      const size_t per = static_cast<size_t>(std::max<int64_t>(1, piece / (it->first + 1)));
      for (size_t b = 0; b < count; b += per) segments.push_back({it->first, &it->second, b, std::min(count, b + per)});
    }

    std::vector<std::vector<std::vector<Candidate>>> found(threads, std::vector<std::vector<Candidate>>(n));
    std::atomic<size_t> next{0};
    auto worker = [&](unsigned t) {
      std::vector<uint32_t> rows;
      std::vector<uint64_t> v;
      for (size_t i = next++; i < segments.size(); i = next++) {
        if (direct) scan(segments[i], states, q.threshold, DirectRows{row_of_.data()}, rows, v, found[t]);
        else scan(segments[i], states, q.threshold, HashedRows{&hash}, rows, v, found[t]);
      }
    };
    try {
      if (threads == 1) {
        worker(0);
      } else {
        std::vector<std::thread> pool;
        pool.reserve(threads - 1);
        for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker, t);
        worker(0);
        for (auto& th : pool) th.join();
      }
    } catch (...) {
      if (direct) for (int32_t sym : symbols) row_of_[sym] = 0;
      throw;
    }
    if (direct) for (int32_t sym : symbols) row_of_[sym] = 0;  // the table is all zero between queries

    std::vector<Candidate> merged;
    for (int32_t s = 0; s < n; ++s) {
      merged.clear();
      for (unsigned t = 0; t < threads; ++t) merged.insert(merged.end(), found[t][s].begin(), found[t][s].end());
      const int64_t total = static_cast<int64_t>(merged.size());
      const int64_t keep = std::min<int64_t>(total, q.capacity);
      std::partial_sort(merged.begin(), merged.begin() + keep, merged.end(), candidate_before);
      write_row(q, s, merged.data(), keep, total);
    }
    last_query_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  }

  BackendStats stats() override {
    BackendStats s;
    for (const auto& [length, b] : buckets_) {
      s.host_bytes += static_cast<int64_t>(b.ids.capacity() + b.symbols.capacity()) * 4;
    }
    s.host_bytes += static_cast<int64_t>(row_of_.capacity() * sizeof(uint32_t));
    s.threads = static_cast<int32_t>(threads_);
    s.symbol_bits = 32;
    s.last_query_ms = last_query_ms_;
    s.device_name = "cpu (" + std::to_string(threads_) + " threads)";
    return s;
  }

 private:
  // Rows of each pattern symbol are looked up once, then every state in range steps over them.
  template <typename Rows>
  static void scan(const Segment& seg, const std::vector<PreparedState>& states, double t, Rows row_of,
                   std::vector<uint32_t>& rows, std::vector<uint64_t>& v, std::vector<std::vector<Candidate>>& out) {
    const int32_t n = seg.length;
    std::vector<size_t> active;
    for (size_t s = 0; s < states.size(); ++s) {
      if (n >= states[s].range.lo && n <= states[s].range.hi) active.push_back(s);
    }
    if (active.empty()) return;
    rows.resize(static_cast<size_t>(n));
    for (size_t k = seg.begin; k < seg.end; ++k) {
      const int32_t* p = seg.bucket->symbols.data() + k * static_cast<size_t>(n);
      for (int32_t j = 0; j < n; ++j) rows[j] = row_of(p[j]);
      for (size_t s : active) {
        const PreparedState& st = states[s];
        const uint64_t* masks = st.masks.data();
        int lcs = 0;
        if (st.words == 1) {
          uint64_t word = ~uint64_t{0};
          for (int32_t j = 0; j < n; ++j) word = bitlcs::step1(word, masks[rows[j]]);  // row 0: no-op
          lcs = bitlcs::zeros(word);
        } else {
          const int w_count = st.words;
          v.assign(static_cast<size_t>(w_count), ~uint64_t{0});
          for (int32_t j = 0; j < n; ++j) {
            if (rows[j] == 0) continue;  // no match anywhere: V unchanged, no carry
            const uint64_t* mask = masks + static_cast<size_t>(rows[j]) * w_count;
            uint64_t carry = 0;
            for (int w = 0; w < w_count; ++w) v[w] = bitlcs::step_word(v[w], mask[w], carry);
          }
          for (int w = 0; w < w_count; ++w) lcs += bitlcs::zeros(v[w]);
        }
        const double sim = bitlcs::similarity(lcs, n, st.m);
        if (sim >= t) out[s].push_back({sim, seg.bucket->ids[k], lcs});
      }
    }
  }

  std::map<int32_t, Bucket> buckets_;
  std::vector<uint32_t> row_of_;  // symbol -> row during a query, all zero between queries
  int32_t max_symbol_ = 0;
  unsigned threads_ = 1;
  double last_query_ms_ = 0.0;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend() { return std::make_unique<CpuBackend>(); }

}  // namespace matcher
