// The CUDA backend.
//
// Storage: patterns are bucketed by length class (the exact length up to 256, then 8 classes per
// octave) and stored in groups of 32 patterns, one pattern per lane of a warp. A group is laid out
// column-wise in chunks of 4 symbols: chunk c holds, for lane 0..31, that lane's symbols 4c..4c+3,
// so one warp-wide load of a chunk is 32 contiguous 8-byte (16-bit symbols) or 16-byte (32-bit
// symbols) vectors. Shorter patterns and empty lanes are padded with symbol 0, which matches nothing
// and leaves V unchanged. A table of groups sorted by length class turns the threshold's length
// bound into a contiguous range of groups.
//
// Query: the host builds the states' symbol hash (keys and per-state masks in separate arrays) for
// each pass; the kernel copies it to shared memory, every warp walks its groups and runs the
// bit-parallel step for up to 16 states at once, computes the similarity in double exactly as KATO
// does, and appends passing candidates with one atomic per warp. A second kernel orders each state's
// candidates by (similarity desc, id asc) in shared memory (CUB's radix sort for large counts), and
// only min(total, capacity) candidates per state travel to pinned host memory.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <unordered_set>
#include <vector>

#include <cub/device/device_radix_sort.cuh>
#include <cuda/std/tuple>

#include "backend.h"
#include "mask_table.h"
#include "probe_table.h"

namespace matcher {
namespace {

[[noreturn]] void throw_cuda(cudaError_t e, const char* expr, int line) {
  (void)cudaGetLastError();  // clear the error if it is not sticky
  matcher_status_t status = MATCHER_CUDA_ERROR;
  if (e == cudaErrorMemoryAllocation) status = MATCHER_OUT_OF_MEMORY;
  if (e == cudaErrorNoDevice || e == cudaErrorInvalidDevice || e == cudaErrorInsufficientDriver) {
    status = MATCHER_NO_DEVICE;
  }
  throw Error(status, std::string(cudaGetErrorName(e)) + ": " + cudaGetErrorString(e) + " (" + expr +
                          ", cuda_backend.cu:" + std::to_string(line) + ")");
}

#define CUDA_CHECK(expr)                                    \
  do {                                                      \
    const cudaError_t cuda_check_error_ = (expr);           \
    if (cuda_check_error_ != cudaSuccess) throw_cuda(cuda_check_error_, #expr, __LINE__); \
  } while (0)

constexpr int kLanes = 32;
constexpr int kChunk = 4;                      // symbols per lane per chunk
constexpr int kGroupChunkElems = kLanes * kChunk;  // 128 elements per chunk of a group
constexpr int kThreads = 256;
constexpr int kMaxStates = 16;                 // states per pass (W == 1)
// States per pass for W words: V takes S * W registers per lane, so fewer states for longer ones.
constexpr int states_for_words(int w) { return w == 1 ? 16 : w == 2 ? 8 : 4; }
constexpr int kFastWords = 4;                  // fast path: states up to 256 symbols
constexpr int kSmallSort = 4096;               // candidates ordered in shared memory up to this count
constexpr int kSortThreads = 1024;
constexpr size_t kPassSharedBudget = 100 * 1024;

struct GroupEntry {
  uint64_t offset;    // first element of the group
  int32_t slot_base;  // first of its 32 slots (ids and lengths)
  int32_t chunks;     // chunks of 4 symbols per lane
};

// A candidate on the device: the key (sim desc, then ~id desc == id asc) and its LCS.
struct DevCandidate {
  double sim;
  uint32_t nid;  // ~id
  int32_t lcs;
};
static_assert(sizeof(DevCandidate) == 16, "DevCandidate is 16 bytes");

struct CandidateDecomposer {
  __host__ __device__ ::cuda::std::tuple<double&, uint32_t&> operator()(DevCandidate& c) const {
    return {c.sim, c.nid};
  }
};

struct PassState {
  double threshold;
  int32_t m;
  int32_t g_lo;
  int32_t g_hi;
  int32_t out;  // the state's index in the query (row of counts and candidates)
};

struct PassParams {
  const GroupEntry* groups;
  const void* syms;
  const int32_t* ids;
  const int32_t* lens;
  const void* table;       // cap entries: uint32 (key << 16 | row) for 16-bit storage, uint2 {key, row} for 32-bit
  const uint64_t* masks;   // masks[row * mask_stride + s * words + w]; row 0 is all zeros
  uint64_t* scratch;       // general path: V words per lane
  DevCandidate* cand;
  uint32_t* counts;
  int64_t bufcap;
  int32_t g_begin;
  int32_t g_end;
  int32_t hash_bits;
  int32_t probes;          // 1 (collision-free multiplier) or 2 (cuckoo)
  uint32_t mult0;
  uint32_t mult1;
  int32_t table_cap;
  int32_t mask_rows;
  int32_t mask_stride;     // in 64-bit words
  int32_t n_states;
  int32_t words;
  PassState states[kMaxStates];
};

template <typename SymT> struct TableEntry;
template <> struct TableEntry<uint16_t> { using type = uint32_t; };
template <> struct TableEntry<uint32_t> { using type = uint2; };

__device__ __forceinline__ uint32_t probe(const uint32_t* table, uint32_t slot, uint32_t sym) {
  const uint32_t e = table[slot];
  return (e >> 16) == sym ? (e & 0xFFFFu) : 0u;
}
__device__ __forceinline__ uint32_t probe(const uint2* table, uint32_t slot, uint32_t sym) {
  const uint2 e = table[slot];
  return e.x == sym ? e.y : 0u;
}

// The mask row of a symbol: its row when the states contain it, else 0 (an all-zero row, so a miss
// is a no-op step). Empty slots hold key 0 and row 0, so padding (symbol 0) also gets row 0.
template <typename EntryT>
__device__ __forceinline__ uint32_t lookup(const EntryT* table, const PassParams& p, uint32_t sym) {
  const int shift = 32 - p.hash_bits;
  uint32_t row = probe(table, (sym * p.mult0) >> shift, sym);
  if (p.probes == 2) row |= probe(table, (sym * p.mult1) >> shift, sym);  // a key sits in one slot
  return row;
}

template <typename SymT> struct ChunkOf;
template <> struct ChunkOf<uint16_t> { using type = uint2; };
template <> struct ChunkOf<uint32_t> { using type = uint4; };

__device__ __forceinline__ void unpack(const uint2 v, uint32_t* s) {
  s[0] = v.x & 0xFFFFu; s[1] = v.x >> 16; s[2] = v.y & 0xFFFFu; s[3] = v.y >> 16;
}
__device__ __forceinline__ void unpack(const uint4 v, uint32_t* s) {
  s[0] = v.x; s[1] = v.y; s[2] = v.z; s[3] = v.w;
}

// Appends this lane's candidate (when pass) with one atomic per warp. Every lane of the warp calls it.
__device__ __forceinline__ void append(const PassParams& p, int out, bool pass, double sim, int32_t id, int lcs) {
  const unsigned ballot = __ballot_sync(0xFFFFFFFFu, pass);
  if (ballot == 0) return;
  const int lane = threadIdx.x & 31;
  const int leader = __ffs(ballot) - 1;
  uint32_t base = 0;
  if (lane == leader) base = atomicAdd(p.counts + out, static_cast<uint32_t>(__popc(ballot)));
  base = __shfl_sync(0xFFFFFFFFu, base, leader);
  if (pass) {
    const int64_t pos = static_cast<int64_t>(base) + __popc(ballot & ((1u << lane) - 1u));
    if (pos < p.bufcap) {
      DevCandidate c;
      c.sim = sim;
      c.nid = ~static_cast<uint32_t>(id);
      c.lcs = lcs;
      p.cand[static_cast<int64_t>(out) * p.bufcap + pos] = c;
    }
  }
}

// Fast path: states of up to 64 * W symbols, up to S states per pass, table and masks in shared
// memory. A row's S * W masks are contiguous (padded to an odd number of 16-byte units so the
// lanes' 16-byte loads of different rows spread over the banks).
// Blocks per multiprocessor the fast kernel is compiled for: caps its registers (V and a row of
// masks per state) so that wide passes still keep several warps per scheduler.
constexpr int fast_min_blocks(int row) { return row >= 16 ? 2 : row >= 8 ? 3 : 4; }

template <typename SymT, int W, int S>
__global__ void __launch_bounds__(kThreads, fast_min_blocks(S * W)) scan_fast(const PassParams p) {
  using EntryT = typename TableEntry<SymT>::type;
  using Chunk = typename ChunkOf<SymT>::type;
  constexpr int kRow = S * W;
  extern __shared__ __align__(16) unsigned char smem[];
  EntryT* s_table = reinterpret_cast<EntryT*>(smem);
  uint64_t* s_masks = reinterpret_cast<uint64_t*>(smem + static_cast<size_t>(p.table_cap) * sizeof(EntryT));
  for (int i = threadIdx.x; i < p.table_cap; i += blockDim.x) s_table[i] = static_cast<const EntryT*>(p.table)[i];
  const int n_masks = p.mask_rows * p.mask_stride;
  for (int i = threadIdx.x; i < n_masks; i += blockDim.x) s_masks[i] = p.masks[i];
  __syncthreads();

  const int lane = threadIdx.x & 31;
  const int warps_per_block = blockDim.x >> 5;
  const int warp = blockIdx.x * warps_per_block + (threadIdx.x >> 5);
  const int n_warps = gridDim.x * warps_per_block;
  const int stride = p.mask_stride;

  for (int g = p.g_begin + warp; g < p.g_end; g += n_warps) {
    const GroupEntry e = p.groups[g];
    bool active[S];
    uint64_t v[S][W];
#pragma unroll
    for (int s = 0; s < S; ++s) {
      active[s] = s < p.n_states && g >= p.states[s].g_lo && g < p.states[s].g_hi;  // warp-uniform
#pragma unroll
      for (int w = 0; w < W; ++w) v[s][w] = ~uint64_t{0};
    }
    const Chunk* src = reinterpret_cast<const Chunk*>(static_cast<const SymT*>(p.syms) + e.offset) + lane;
    // Chunks are processed in pairs with the next pair already loading. Every state steps on every
    // symbol (no per-symbol branch); a state outside its length range is simply not reported.
    const int chunks = e.chunks;
    Chunk a0 = chunks > 0 ? __ldg(src) : Chunk{};
    Chunk a1 = chunks > 1 ? __ldg(src + kLanes) : Chunk{};
    for (int c = 0; c < chunks; c += 2) {
      const Chunk b0 = c + 2 < chunks ? __ldg(src + (c + 2) * kLanes) : Chunk{};
      const Chunk b1 = c + 3 < chunks ? __ldg(src + (c + 3) * kLanes) : Chunk{};
      uint32_t sym[8];
      unpack(a0, sym);
      unpack(a1, sym + kChunk);  // a zero chunk past the end: no-op steps
      a0 = b0;
      a1 = b1;
#pragma unroll
      for (int k = 0; k < 2 * kChunk; ++k) {
        const uint64_t* row = s_masks + lookup(s_table, p, sym[k]) * stride;
        uint64_t m[kRow];
        if constexpr (kRow % 2 == 0) {
#pragma unroll
          for (int i = 0; i < kRow / 2; ++i) {
            const ulonglong2 pair = reinterpret_cast<const ulonglong2*>(row)[i];
            m[2 * i] = pair.x;
            m[2 * i + 1] = pair.y;
          }
        } else {
#pragma unroll
          for (int i = 0; i < kRow; ++i) m[i] = row[i];
        }
#pragma unroll
        for (int s = 0; s < S; ++s) {
          if (W == 1) {
            v[s][0] = bitlcs::step1(v[s][0], m[s]);
          } else {
            uint64_t carry = 0;
#pragma unroll
            for (int w = 0; w < W; ++w) v[s][w] = bitlcs::step_word(v[s][w], m[s * W + w], carry);
          }
        }
      }
    }
    const int slot = e.slot_base + lane;
    const int32_t id = p.ids[slot];
    const int32_t n = p.lens[slot];
#pragma unroll
    for (int s = 0; s < S; ++s) {
      if (!active[s]) continue;
      int lcs = 0;
#pragma unroll
      for (int w = 0; w < W; ++w) lcs += bitlcs::zeros(v[s][w]);
      const double sim = bitlcs::similarity(lcs, n, p.states[s].m);
      append(p, p.states[s].out, id >= 0 && sim >= p.states[s].threshold, sim, id, lcs);
    }
  }
}

// Single state of up to 64 * W symbols with a one-probe table: a symbol's masks sit at its slot
// (no row indirection), and a slot whose key is not the symbol reads the all-zero row at index cap.
// The common case (one query, states of 50) runs here: per symbol one key load, a select, one mask
// load and the step. Chunks are processed in pairs with the next pair already loading.
template <typename SymT, int W>
__global__ void __launch_bounds__(kThreads, W == 1 ? 8 : 4) scan_single(const PassParams p) {
  using Chunk = typename ChunkOf<SymT>::type;
  extern __shared__ __align__(16) unsigned char smem[];
  uint32_t* s_keys = reinterpret_cast<uint32_t*>(smem);
  uint64_t* s_masks = reinterpret_cast<uint64_t*>(smem + static_cast<size_t>(p.table_cap) * 4);
  for (int i = threadIdx.x; i < p.table_cap; i += blockDim.x) s_keys[i] = static_cast<const uint32_t*>(p.table)[i];
  const int n_masks = (p.table_cap + 1) * W;
  for (int i = threadIdx.x; i < n_masks; i += blockDim.x) s_masks[i] = p.masks[i];
  __syncthreads();

  const int lane = threadIdx.x & 31;
  const int warps_per_block = blockDim.x >> 5;
  const int warp = blockIdx.x * warps_per_block + (threadIdx.x >> 5);
  const int n_warps = gridDim.x * warps_per_block;
  const int shift = 32 - p.hash_bits;
  const uint32_t mult = p.mult0;
  const uint32_t miss = static_cast<uint32_t>(p.table_cap);
  const PassState st = p.states[0];

  auto run = [&](const Chunk chunk, uint64_t (&v)[W]) {
    uint32_t sym[4];
    unpack(chunk, sym);
#pragma unroll
    for (int k = 0; k < kChunk; ++k) {
      const uint32_t slot = (sym[k] * mult) >> shift;
      const uint32_t row = s_keys[slot] == sym[k] ? slot : miss;  // padding meets an empty slot: zero masks
      if (W == 1) {
        v[0] = bitlcs::step1(v[0], s_masks[row]);
      } else {
        uint64_t carry = 0;
#pragma unroll
        for (int w = 0; w < W; ++w) v[w] = bitlcs::step_word(v[w], s_masks[row * W + w], carry);
      }
    }
  };

  for (int g = p.g_begin + warp; g < p.g_end; g += n_warps) {
    const GroupEntry e = p.groups[g];
    uint64_t v[W];
#pragma unroll
    for (int w = 0; w < W; ++w) v[w] = ~uint64_t{0};
    const Chunk* src = reinterpret_cast<const Chunk*>(static_cast<const SymT*>(p.syms) + e.offset) + lane;
    const int chunks = e.chunks;
    Chunk a0 = chunks > 0 ? __ldg(src) : Chunk{};
    Chunk a1 = chunks > 1 ? __ldg(src + kLanes) : Chunk{};
    for (int c = 0; c < chunks; c += 2) {
      const Chunk b0 = c + 2 < chunks ? __ldg(src + (c + 2) * kLanes) : Chunk{};
      const Chunk b1 = c + 3 < chunks ? __ldg(src + (c + 3) * kLanes) : Chunk{};
      run(a0, v);
      if (c + 1 < chunks) run(a1, v);
      a0 = b0;
      a1 = b1;
    }
    const int slot = e.slot_base + lane;
    const int32_t id = p.ids[slot];
    int lcs = 0;
#pragma unroll
    for (int w = 0; w < W; ++w) lcs += bitlcs::zeros(v[w]);
    const double sim = bitlcs::similarity(lcs, p.lens[slot], st.m);
    append(p, st.out, id >= 0 && sim >= st.threshold, sim, id, lcs);
  }
}

// General path: one state of any length; V lives in global scratch (interleaved by lane), the
// table and masks in global memory (cached). Misses skip the update entirely (mask 0 changes nothing).
template <typename SymT>
__global__ void __launch_bounds__(kThreads) scan_general(const PassParams p) {
  using EntryT = typename TableEntry<SymT>::type;
  using Chunk = typename ChunkOf<SymT>::type;
  const int lane = threadIdx.x & 31;
  const int warps_per_block = blockDim.x >> 5;
  const int warp = blockIdx.x * warps_per_block + (threadIdx.x >> 5);
  const int n_warps = gridDim.x * warps_per_block;
  const int words = p.words;
  const PassState st = p.states[0];
  const EntryT* table = static_cast<const EntryT*>(p.table);
  uint64_t* v = p.scratch + static_cast<int64_t>(warp) * words * kLanes + lane;

  for (int g = p.g_begin + warp; g < p.g_end; g += n_warps) {
    if (g < st.g_lo || g >= st.g_hi) continue;  // warp-uniform
    const GroupEntry e = p.groups[g];
    for (int w = 0; w < words; ++w) v[w * kLanes] = ~uint64_t{0};
    const Chunk* src = reinterpret_cast<const Chunk*>(static_cast<const SymT*>(p.syms) + e.offset) + lane;
    for (int c = 0; c < e.chunks; ++c) {
      uint32_t sym[4];
      unpack(__ldg(src + c * kLanes), sym);
      for (int k = 0; k < kChunk; ++k) {
        const uint32_t row = lookup(table, p, sym[k]);
        if (row == 0) continue;
        const uint64_t* mask = p.masks + static_cast<int64_t>(row) * p.mask_stride;
        uint64_t carry = 0;
        for (int w = 0; w < words; ++w) v[w * kLanes] = bitlcs::step_word(v[w * kLanes], mask[w], carry);
      }
    }
    int lcs = 0;
    for (int w = 0; w < words; ++w) lcs += bitlcs::zeros(v[w * kLanes]);
    const int slot = e.slot_base + lane;
    const int32_t id = p.ids[slot];
    const double sim = bitlcs::similarity(lcs, p.lens[slot], st.m);
    append(p, st.out, id >= 0 && sim >= st.threshold, sim, id, lcs);
  }
}

__device__ __forceinline__ bool dev_before(const DevCandidate& a, const DevCandidate& b) {
  return a.sim > b.sim || (a.sim == b.sim && a.nid > b.nid);
}

// Orders each state's candidates in place when there are at most kSmallSort of them (bitonic sort
// in shared memory; the order is total, so the result is the same as any other correct sort).
__global__ void __launch_bounds__(kSortThreads) sort_small(DevCandidate* cand, const uint32_t* counts, int64_t bufcap) {
  extern __shared__ __align__(16) unsigned char smem[];
  DevCandidate* s = reinterpret_cast<DevCandidate*>(smem);
  const uint32_t count = counts[blockIdx.x];
  if (count <= 1 || count > kSmallSort || count > bufcap) return;
  DevCandidate* base = cand + static_cast<int64_t>(blockIdx.x) * bufcap;
  uint32_t n2 = 2;
  while (n2 < count) n2 <<= 1;
  for (uint32_t i = threadIdx.x; i < n2; i += blockDim.x) {
    if (i < count) {
      s[i] = base[i];
    } else {
      DevCandidate pad;
      pad.sim = -1.0;  // below every similarity (all are >= 0), so padding sorts last
      pad.nid = 0;
      pad.lcs = -1;
      s[i] = pad;
    }
  }
  __syncthreads();
  for (uint32_t k = 2; k <= n2; k <<= 1) {
    for (uint32_t j = k >> 1; j > 0; j >>= 1) {
      for (uint32_t i = threadIdx.x; i < n2; i += blockDim.x) {
        const uint32_t ixj = i ^ j;
        if (ixj > i) {
          const DevCandidate a = s[i];
          const DevCandidate b = s[ixj];
          const bool forward = (i & k) == 0;
          if (forward ? dev_before(b, a) : dev_before(a, b)) {
            s[i] = b;
            s[ixj] = a;
          }
        }
      }
      __syncthreads();
    }
  }
  for (uint32_t i = threadIdx.x; i < count; i += blockDim.x) base[i] = s[i];
}

__global__ void widen_symbols(const uint16_t* in, uint32_t* out, uint64_t n) {
  for (uint64_t i = blockIdx.x * static_cast<uint64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<uint64_t>(gridDim.x) * blockDim.x) {
    out[i] = in[i];
  }
}

// Length classes: exact up to 256 symbols, then 8 per octave (at most 12.5% padding).
int64_t class_of(int64_t n) {
  if (n <= 256) return n;
  int b = 63 - __builtin_clzll(static_cast<unsigned long long>(n));
  const int64_t step = int64_t{1} << (b - 3);
  return (n + step - 1) / step * step;
}
int32_t chunks_of_class(int64_t c) { return static_cast<int32_t>((c + kChunk - 1) / kChunk); }

// A device allocation that knows its size; growth copies the used prefix.
struct DeviceBuffer {
  void* ptr = nullptr;
  size_t bytes = 0;
  void release() {
    if (ptr != nullptr) cudaFree(ptr);
    ptr = nullptr;
    bytes = 0;
  }
};

struct PinnedBuffer {
  void* ptr = nullptr;
  size_t bytes = 0;
  void ensure(size_t need) {
    if (need <= bytes) return;
    const size_t grown = std::max(need, bytes + bytes / 2);
    void* fresh = nullptr;
    CUDA_CHECK(cudaMallocHost(&fresh, grown));
    if (ptr != nullptr) cudaFreeHost(ptr);
    ptr = fresh;
    bytes = grown;
  }
  void release() {
    if (ptr != nullptr) cudaFreeHost(ptr);
    ptr = nullptr;
    bytes = 0;
  }
};

struct HostGroup {
  uint64_t offset;
  int32_t chunks;
  int64_t cls;
};

// The open (not yet full) group of a class, mirrored on the host so it can be rewritten whole.
struct OpenGroup {
  int32_t group = -1;  // index in groups_
  int32_t fill = 0;
  std::vector<uint32_t> elems;
  std::vector<int32_t> ids;
  std::vector<int32_t> lens;
};

struct PreparedState {
  int32_t index;
  int64_t m;
  int words;
  int32_t g_lo = 0;
  int32_t g_hi = 0;
  std::vector<int32_t> distinct;  // positive symbols, first-seen order
};

struct Pass {
  int words;
  std::vector<int32_t> states;   // indices into prepared states
  std::vector<int32_t> symbols;  // the union of their distinct symbols; symbol i has mask row i + 1
  ProbeTable table;
  int kernel_states = 1;         // S of the kernel that runs it (fast path)
  int mask_stride = 1;           // 64-bit words per mask row
  bool direct = false;           // scan_single: one probe, masks at the slot (mask_stride = words)
  size_t table_offset = 0;       // in the staging buffer
  size_t masks_offset = 0;
  size_t shared_bytes = 0;
};

// Largest one-probe table tried before falling back to two probes.
constexpr size_t kPerfectTableCap = 4096;
// A single-state pass keeps its masks at the table's slots while table and masks fit this.
constexpr size_t kDirectSharedCap = 48 * 1024;

// S of the kernel for ns states of `words` words: a power of two, at most states_for_words.
int kernel_states(int ns, int words) {
  int s = 1;
  while (s < ns) s <<= 1;
  return std::min(s, states_for_words(words));
}

// 64-bit words per mask row: S * W, padded to an odd number of 16-byte units when it is even, so
// the lanes' 16-byte loads of different rows land on different banks.
int mask_stride(int s, int words) {
  const int row = s * words;
  if (row % 2 != 0) return row;
  int units = row / 2;
  if (units % 2 == 0) ++units;
  return units * 2;
}

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(int32_t device) : device_(device) {
    int count = 0;
    const cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {
      (void)cudaGetLastError();
      throw Error(MATCHER_NO_DEVICE, std::string("no usable CUDA driver or device: ") + cudaGetErrorString(e));
    }
    if (device >= count) {
      throw Error(MATCHER_NO_DEVICE, "CUDA device " + std::to_string(device) + " does not exist (" +
                                         std::to_string(count) + " found)");
    }
    CUDA_CHECK(cudaSetDevice(device_));
    cudaDeviceProp prop{};
    CUDA_CHECK(cudaGetDeviceProperties(&prop, device_));
    name_ = prop.name;
    sms_ = prop.multiProcessorCount;
    CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    CUDA_CHECK(cudaEventCreate(&ev_start_));
    CUDA_CHECK(cudaEventCreate(&ev_stop_));
    CUDA_CHECK(cudaFuncSetAttribute(sort_small, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                    kSmallSort * static_cast<int>(sizeof(DevCandidate))));
  }

  ~CudaBackend() override {
    cudaSetDevice(device_);
    if (stream_ != nullptr) cudaStreamSynchronize(stream_);
    for (DeviceBuffer* b : {&syms_, &ids_, &lens_, &table_, &dev_tables_, &counts_, &cand_, &sorted_, &cub_temp_, &scratch_}) {
      b->release();
    }
    pinned_tables_.release();
    pinned_counts_.release();
    pinned_results_.release();
    if (ev_start_ != nullptr) cudaEventDestroy(ev_start_);
    if (ev_stop_ != nullptr) cudaEventDestroy(ev_stop_);
    if (stream_ != nullptr) cudaStreamDestroy(stream_);
  }

  void reserve(int64_t patterns, int64_t symbols) override {
    guard([&] {
      const size_t elem = sym_bytes();
      grow(syms_, (used_elems_ + static_cast<uint64_t>(symbols + 3 * patterns) + 256ull * kGroupChunkElems) * elem,
           used_elems_ * elem, true);
      const size_t slots = used_slots() + static_cast<size_t>(patterns) + 256ull * kLanes;
      grow(ids_, slots * 4, used_slots() * 4, true);
      grow(lens_, slots * 4, used_slots() * 4, true);
    });
  }

  void add(const PatternBatch& b) override {
    guard([&] { add_impl(b); });
  }

  void clear() override {
    guard([&] {
      for (DeviceBuffer* buf : {&syms_, &ids_, &lens_, &table_, &cand_, &sorted_, &cub_temp_, &scratch_}) buf->release();
      groups_.clear();
      open_.clear();
      table_class_.clear();
      used_elems_ = 0;
      wide_ = false;
      bufcap_ = 0;
    });
  }

  void query(const QueryBatch& q) override {
    guard([&] { query_impl(q); });
  }

  BackendStats stats() override {
    BackendStats s;
    for (const DeviceBuffer* b : {&syms_, &ids_, &lens_, &table_, &dev_tables_, &counts_, &cand_, &sorted_, &cub_temp_, &scratch_}) {
      s.device_bytes += static_cast<int64_t>(b->bytes);
    }
    s.host_bytes = static_cast<int64_t>(pinned_tables_.bytes + pinned_counts_.bytes + pinned_results_.bytes +
                                        groups_.capacity() * sizeof(HostGroup) + table_class_.capacity() * 8);
    for (const auto& [cls, o] : open_) s.host_bytes += static_cast<int64_t>(o.elems.capacity() * 4 + 256);
    s.device = device_;
    s.symbol_bits = wide_ ? 32 : 16;
    s.last_query_ms = last_query_ms_;
    s.device_name = name_;
    return s;
  }

 private:
  template <typename F>
  void guard(F&& body) {
    if (broken_) {
      throw Error(MATCHER_CUDA_ERROR, "the index is unusable after an earlier CUDA error (" + broken_reason_ +
                                          "); destroy it and create a new one");
    }
    CUDA_CHECK(cudaSetDevice(device_));  // calls may arrive on any thread
    try {
      body();
    } catch (const Error& e) {
      if (e.status() == MATCHER_CUDA_ERROR) {
        broken_ = true;
        broken_reason_ = e.what();
      }
      throw;
    }
  }

  size_t sym_bytes() const { return wide_ ? 4 : 2; }
  size_t used_slots() const { return groups_.size() * kLanes; }

  void alloc(DeviceBuffer& b, size_t bytes) {
    void* p = nullptr;
    CUDA_CHECK(cudaMalloc(&p, bytes));
    b.ptr = p;
    b.bytes = bytes;
  }

  // Makes b hold at least need bytes, keeping its first used bytes. exact: no geometric overshoot.
  void grow(DeviceBuffer& b, size_t need, size_t used, bool exact = false) {
    if (need <= b.bytes) return;
    const size_t target = exact ? need : std::max(need, b.bytes + b.bytes / 4);
    DeviceBuffer fresh;
    alloc(fresh, target);
    if (used > 0) {
      const cudaError_t e = cudaMemcpyAsync(fresh.ptr, b.ptr, used, cudaMemcpyDeviceToDevice, stream_);
      if (e != cudaSuccess) {
        fresh.release();
        throw_cuda(e, "cudaMemcpyAsync(grow)", __LINE__);
      }
      CUDA_CHECK(cudaStreamSynchronize(stream_));
    }
    b.release();
    b = fresh;
  }

  // Switches storage to 32-bit symbols (same element positions).
  void widen() {
    DeviceBuffer fresh;
    const size_t cap_elems = syms_.bytes / 2;
    alloc(fresh, std::max<size_t>(cap_elems, 1) * 4);
    if (used_elems_ > 0) {
      widen_symbols<<<std::max(1, sms_ * 4), 256, 0, stream_>>>(static_cast<const uint16_t*>(syms_.ptr),
                                                               static_cast<uint32_t*>(fresh.ptr), used_elems_);
      const cudaError_t e = cudaGetLastError();
      if (e != cudaSuccess) {
        fresh.release();
        throw_cuda(e, "widen_symbols", __LINE__);
      }
      CUDA_CHECK(cudaStreamSynchronize(stream_));
    }
    syms_.release();
    syms_ = fresh;
    wide_ = true;
  }

  void add_impl(const PatternBatch& b) {
    if (!wide_ && b.max_symbol > 0xFFFF) widen();

    // Members of each class, in input order.
    std::map<int64_t, std::vector<int32_t>> by_class;
    for (int32_t i = 0; i < b.count; ++i) by_class[class_of(b.lengths[i])].push_back(i);

    uint64_t new_elems = 0;
    size_t new_groups = 0;
    for (const auto& [cls, members] : by_class) {
      auto it = open_.find(cls);
      const int32_t room = it == open_.end() ? 0 : kLanes - it->second.fill;
      const int32_t rest = std::max<int32_t>(0, static_cast<int32_t>(members.size()) - room);
      const int32_t groups = (rest + kLanes - 1) / kLanes;
      new_elems += static_cast<uint64_t>(groups) * chunks_of_class(cls) * kGroupChunkElems;
      new_groups += static_cast<size_t>(groups);
    }
    if ((groups_.size() + new_groups) * kLanes > static_cast<size_t>(INT32_MAX)) {
      throw Error(MATCHER_CAPACITY, "the index would exceed INT32_MAX pattern slots");
    }

    // Room first: an allocation failure leaves the index untouched.
    const size_t elem = sym_bytes();
    const size_t slots_after = (groups_.size() + new_groups) * kLanes;
    grow(syms_, (used_elems_ + new_elems) * elem, used_elems_ * elem);
    grow(ids_, slots_after * 4, used_slots() * 4);
    grow(lens_, slots_after * 4, used_slots() * 4);
    grow(table_, slots_after / kLanes * sizeof(GroupEntry), 0);

    // Fill the open groups (host mirrors, rewritten whole) and stage the appended groups.
    std::vector<uint32_t> stage(new_elems, 0);
    std::vector<int32_t> stage_ids(new_groups * kLanes, -1);
    std::vector<int32_t> stage_lens(new_groups * kLanes, 0);
    std::vector<HostGroup> appended;
    std::vector<OpenGroup> rewritten;           // open groups after this add, to upload
    std::map<int64_t, OpenGroup> open_after;    // the classes' open groups once committed
    auto place = [&](uint32_t* group_elems, int lane, int32_t i) {
      const int32_t* sym = b.symbols + b.offsets[i];
      for (int32_t j = 0; j < b.lengths[i]; ++j) {
        group_elems[static_cast<size_t>(j / kChunk) * kGroupChunkElems + lane * kChunk + j % kChunk] =
            static_cast<uint32_t>(sym[j]);
      }
    };
    uint64_t cursor = 0;
    for (const auto& [cls, members] : by_class) {
      const int32_t chunks = chunks_of_class(cls);
      const size_t group_elems = static_cast<size_t>(chunks) * kGroupChunkElems;
      size_t k = 0;
      auto it = open_.find(cls);
      if (it != open_.end()) {
        OpenGroup o = it->second;
        for (; k < members.size() && o.fill < kLanes; ++k, ++o.fill) {
          place(o.elems.data(), o.fill, members[k]);
          o.ids[o.fill] = b.ids[members[k]];
          o.lens[o.fill] = b.lengths[members[k]];
        }
        if (o.fill < kLanes) open_after[cls] = o;
        rewritten.push_back(std::move(o));
      }
      while (k < members.size()) {
        const size_t group_index = groups_.size() + appended.size();
        const size_t slot0 = appended.size() * kLanes;
        uint32_t* base = stage.data() + cursor;
        int lane = 0;
        for (; lane < kLanes && k < members.size(); ++lane, ++k) {
          place(base, lane, members[k]);
          stage_ids[slot0 + lane] = b.ids[members[k]];
          stage_lens[slot0 + lane] = b.lengths[members[k]];
        }
        appended.push_back({used_elems_ + cursor, chunks, cls});
        if (lane < kLanes) {
          OpenGroup o;
          o.group = static_cast<int32_t>(group_index);
          o.fill = lane;
          o.elems.assign(base, base + group_elems);
          o.ids.assign(stage_ids.begin() + slot0, stage_ids.begin() + slot0 + kLanes);
          o.lens.assign(stage_lens.begin() + slot0, stage_lens.begin() + slot0 + kLanes);
          open_after[cls] = std::move(o);
        }
        cursor += group_elems;
      }
    }

    // Upload: the rewritten open groups, then the appended region.
    for (const OpenGroup& o : rewritten) {
      upload_symbols(groups_[o.group].offset, o.elems.data(), o.elems.size());
      const size_t slot0 = static_cast<size_t>(o.group) * kLanes;
      CUDA_CHECK(cudaMemcpy(static_cast<int32_t*>(ids_.ptr) + slot0, o.ids.data(), kLanes * 4, cudaMemcpyHostToDevice));
      CUDA_CHECK(cudaMemcpy(static_cast<int32_t*>(lens_.ptr) + slot0, o.lens.data(), kLanes * 4, cudaMemcpyHostToDevice));
    }
    if (new_elems > 0) upload_symbols(used_elems_, stage.data(), stage.size());
    if (new_groups > 0) {
      CUDA_CHECK(cudaMemcpy(static_cast<int32_t*>(ids_.ptr) + used_slots(), stage_ids.data(), stage_ids.size() * 4,
                            cudaMemcpyHostToDevice));
      CUDA_CHECK(cudaMemcpy(static_cast<int32_t*>(lens_.ptr) + used_slots(), stage_lens.data(), stage_lens.size() * 4,
                            cudaMemcpyHostToDevice));
    }

    // Commit the host bookkeeping. Classes this add did not touch keep their open group.
    for (auto& [cls, o] : open_) {
      if (by_class.find(cls) == by_class.end()) open_after.emplace(cls, std::move(o));
    }
    used_elems_ += new_elems;
    groups_.insert(groups_.end(), appended.begin(), appended.end());
    open_ = std::move(open_after);
    rebuild_table();
  }

  // Copies count symbols (held as uint32 on the host) to element offset `at`, narrowing when the
  // storage is 16-bit, in bounded pieces so staging memory stays small.
  void upload_symbols(uint64_t at, const uint32_t* src, size_t count) {
    if (wide_) {
      CUDA_CHECK(cudaMemcpy(static_cast<uint32_t*>(syms_.ptr) + at, src, count * 4, cudaMemcpyHostToDevice));
      return;
    }
    constexpr size_t kPiece = size_t{1} << 24;
    std::vector<uint16_t> narrow(std::min(count, kPiece));
    for (size_t done = 0; done < count; done += kPiece) {
      const size_t n = std::min(kPiece, count - done);
      for (size_t i = 0; i < n; ++i) narrow[i] = static_cast<uint16_t>(src[done + i]);
      CUDA_CHECK(cudaMemcpy(static_cast<uint16_t*>(syms_.ptr) + at + done, narrow.data(), n * 2, cudaMemcpyHostToDevice));
    }
  }

  // The group table sorted by length class (stable: a class's groups in creation order).
  void rebuild_table() {
    std::vector<int32_t> order(groups_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int32_t>(i);
    std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return groups_[a].cls < groups_[b].cls; });
    std::vector<GroupEntry> table(order.size());
    table_class_.resize(order.size());
    for (size_t i = 0; i < order.size(); ++i) {
      const HostGroup& g = groups_[order[i]];
      table[i] = {g.offset, order[i] * kLanes, g.chunks};
      table_class_[i] = g.cls;
    }
    grow(table_, table.size() * sizeof(GroupEntry), 0);
    if (!table.empty()) {
      CUDA_CHECK(cudaMemcpy(table_.ptr, table.data(), table.size() * sizeof(GroupEntry), cudaMemcpyHostToDevice));
    }
  }

  void query_impl(const QueryBatch& q) {
    const int32_t n = q.n_states;
    // Prepare states: length bound as a range of groups, distinct symbols.
    std::vector<PreparedState> states(static_cast<size_t>(n));
    for (int32_t s = 0; s < n; ++s) {
      PreparedState& st = states[s];
      st.index = s;
      st.m = q.lengths[s];
      st.words = bitlcs::words_for(st.m);
      const LengthRange r = length_range(st.m, q.threshold);
      if (r.lo <= r.hi && !groups_.empty()) {
        const int64_t c_lo = class_of(r.lo);
        const int64_t c_hi = class_of(r.hi);
        st.g_lo = static_cast<int32_t>(std::lower_bound(table_class_.begin(), table_class_.end(), c_lo) - table_class_.begin());
        st.g_hi = static_cast<int32_t>(std::upper_bound(table_class_.begin(), table_class_.end(), c_hi) - table_class_.begin());
      }
      if (st.g_lo < st.g_hi) {
        SymbolHash seen;
        seen.reset(st.m);
        const int32_t* sym = q.symbols + q.offsets[s];
        for (int64_t i = 0; i < st.m; ++i) {
          if (!matchable(sym[i])) continue;
          if (seen.insert(sym[i]) == static_cast<int32_t>(st.distinct.size())) st.distinct.push_back(sym[i]);
        }
      }
    }

    // Passes: states of the same word count share one walk over the groups, as many as the kernel's
    // registers and the shared-memory budget (their union of symbols) allow.
    std::vector<Pass> passes;
    for (int words = 1; words <= kFastWords; ++words) {
      std::unordered_set<int32_t> keys;
      bool open = false;
      for (const PreparedState& st : states) {
        if (st.words != words || st.g_lo >= st.g_hi) continue;
        if (open) {
          size_t added = 0;
          for (int32_t sym : st.distinct) added += keys.count(sym) == 0 ? 1 : 0;
          const int ns = static_cast<int>(passes.back().states.size()) + 1;
          if (ns > states_for_words(words) || fast_shared_bytes(keys.size() + added, ns, words) > kPassSharedBudget) {
            open = false;
          }
        }
        if (!open) {
          passes.push_back(Pass{words, {}, {}});
          keys.clear();
          open = true;
        }
        passes.back().states.push_back(st.index);
        for (int32_t sym : st.distinct) {
          if (keys.insert(sym).second) passes.back().symbols.push_back(sym);
        }
      }
    }
    for (const PreparedState& st : states) {
      if (st.words > kFastWords && st.g_lo < st.g_hi) passes.push_back(Pass{st.words, {st.index}, st.distinct});
    }

    // Tables and masks for every pass, staged in one pinned buffer, uploaded once.
    const size_t entry_bytes = wide_ ? 8 : 4;
    size_t staged = 0;
    for (Pass& pass : passes) {
      const bool fast = pass.words <= kFastWords;
      const int ns = static_cast<int>(pass.states.size());
      pass.table = build_probe_table(pass.symbols, fast ? kPerfectTableCap : size_t{1} << 16);
      pass.kernel_states = fast ? kernel_states(ns, pass.words) : 1;
      pass.mask_stride = fast ? mask_stride(pass.kernel_states, pass.words) : pass.words;
      pass.direct = fast && ns == 1 && pass.table.probes == 1 &&
                    pass.table.cap() * (4 + 8 * pass.words) <= kDirectSharedCap;
      if (pass.direct) pass.mask_stride = pass.words;
      // Direct: 32-bit keys, a mask row per slot and the zero row after them.
      const size_t table_bytes = pass.table.cap() * (pass.direct ? 4 : entry_bytes);
      const size_t mask_rows = pass.direct ? pass.table.cap() + 1 : pass.symbols.size() + 1;
      const size_t mask_bytes = mask_rows * pass.mask_stride * 8;
      pass.table_offset = staged;
      pass.masks_offset = staged + table_bytes;
      pass.shared_bytes = table_bytes + mask_bytes;
      staged += (table_bytes + mask_bytes + 15) / 16 * 16;
    }
    pinned_tables_.ensure(std::max<size_t>(staged, 16));
    for (Pass& pass : passes) {
      unsigned char* base = static_cast<unsigned char*>(pinned_tables_.ptr);
      const ProbeTable& t = pass.table;
      for (size_t i = 0; i < t.cap(); ++i) {
        if (pass.direct) {
          reinterpret_cast<uint32_t*>(base + pass.table_offset)[i] = t.keys[i];
        } else if (wide_) {
          uint32_t* e = reinterpret_cast<uint32_t*>(base + pass.table_offset) + 2 * i;
          e[0] = t.keys[i];
          e[1] = t.rows[i];
        } else {
          reinterpret_cast<uint32_t*>(base + pass.table_offset)[i] = t.keys[i] << 16 | t.rows[i];
        }
      }
      uint64_t* masks = reinterpret_cast<uint64_t*>(base + pass.masks_offset);
      const size_t mask_rows = pass.direct ? t.cap() + 1 : pass.symbols.size() + 1;
      std::memset(masks, 0, mask_rows * pass.mask_stride * 8);  // row 0 (or empty slots): no match
      SymbolHash row_of;
      row_of.reset(static_cast<int64_t>(pass.symbols.size()));
      for (int32_t sym : pass.symbols) row_of.insert(sym);
      for (size_t k = 0; k < pass.states.size(); ++k) {
        const int32_t s = pass.states[k];
        const int32_t* sym = q.symbols + q.offsets[s];
        for (int64_t i = 0; i < states[s].m; ++i) {
          if (!matchable(sym[i])) continue;
          const size_t row = pass.direct ? probe_slot(static_cast<uint32_t>(sym[i]), t.mult[0], t.bits)
                                         : static_cast<size_t>(row_of.find(sym[i])) + 1;
          masks[row * pass.mask_stride + k * pass.words + i / 64] |= uint64_t{1} << (i % 64);
        }
      }
    }

    // Candidate room per state: whatever the buffer already holds, at least 4096; grown on overflow.
    bufcap_ = std::max<int64_t>(4096, static_cast<int64_t>(cand_.bytes / (sizeof(DevCandidate) * n)));
    grow(dev_tables_, std::max<size_t>(staged, 16), 0);
    grow(counts_, static_cast<size_t>(n) * 4, 0);
    pinned_counts_.ensure(static_cast<size_t>(n) * 4);
    CUDA_CHECK(cudaEventRecord(ev_start_, stream_));
    if (staged > 0) CUDA_CHECK(cudaMemcpyAsync(dev_tables_.ptr, pinned_tables_.ptr, staged, cudaMemcpyHostToDevice, stream_));

    uint32_t* counts = static_cast<uint32_t*>(pinned_counts_.ptr);
    for (int attempt = 0;; ++attempt) {
      grow(cand_, static_cast<size_t>(n) * bufcap_ * sizeof(DevCandidate), 0, true);
      CUDA_CHECK(cudaMemsetAsync(counts_.ptr, 0, static_cast<size_t>(n) * 4, stream_));
      for (const Pass& pass : passes) launch_pass(pass, states, q.threshold);
      CUDA_CHECK(cudaMemcpyAsync(counts, counts_.ptr, static_cast<size_t>(n) * 4, cudaMemcpyDeviceToHost, stream_));
      CUDA_CHECK(cudaStreamSynchronize(stream_));
      uint32_t most = 0;
      for (int32_t s = 0; s < n; ++s) most = std::max(most, counts[s]);
      if (most <= bufcap_) break;
      if (attempt > 0) throw Error(MATCHER_INTERNAL, "candidate count grew between two scans of the same index");
      bufcap_ = std::max<int64_t>(most, bufcap_ * 2);  // room for every candidate, then scan again
    }

    // Order each state's candidates, then fetch min(total, capacity) of them.
    if (q.capacity > 0) {
      sort_small<<<n, kSortThreads, kSmallSort * sizeof(DevCandidate), stream_>>>(
          static_cast<DevCandidate*>(cand_.ptr), static_cast<const uint32_t*>(counts_.ptr), bufcap_);
      CUDA_CHECK(cudaGetLastError());
    }
    std::vector<size_t> result_at(static_cast<size_t>(n), 0);
    size_t results = 0;
    for (int32_t s = 0; s < n; ++s) {
      result_at[s] = results;
      results += std::min<size_t>(counts[s], static_cast<size_t>(q.capacity));
    }
    pinned_results_.ensure(std::max<size_t>(results, 1) * sizeof(DevCandidate));
    DevCandidate* host = static_cast<DevCandidate*>(pinned_results_.ptr);
    for (int32_t s = 0; s < n; ++s) {
      const size_t k = std::min<size_t>(counts[s], static_cast<size_t>(q.capacity));
      if (k == 0) continue;
      const DevCandidate* src = static_cast<DevCandidate*>(cand_.ptr) + static_cast<int64_t>(s) * bufcap_;
      if (counts[s] > static_cast<uint32_t>(kSmallSort)) src = sort_large(src, counts[s]);
      CUDA_CHECK(cudaMemcpyAsync(host + result_at[s], src, k * sizeof(DevCandidate), cudaMemcpyDeviceToHost, stream_));
      if (counts[s] > static_cast<uint32_t>(kSmallSort)) CUDA_CHECK(cudaStreamSynchronize(stream_));  // sorted_ is reused
    }
    CUDA_CHECK(cudaEventRecord(ev_stop_, stream_));
    CUDA_CHECK(cudaStreamSynchronize(stream_));
    float ms = 0;
    CUDA_CHECK(cudaEventElapsedTime(&ms, ev_start_, ev_stop_));
    last_query_ms_ = ms;

    std::vector<Candidate> row;
    for (int32_t s = 0; s < n; ++s) {
      const size_t k = std::min<size_t>(counts[s], static_cast<size_t>(q.capacity));
      row.resize(k);
      for (size_t i = 0; i < k; ++i) {
        const DevCandidate& c = host[result_at[s] + i];
        row[i] = {c.sim, static_cast<int32_t>(~c.nid), c.lcs};
      }
      write_row(q, s, row.data(), static_cast<int64_t>(k), counts[s]);
    }
  }

  // A state symbol no stored pattern can contain (<= 0, or beyond 16-bit storage) matches nothing.
  bool matchable(int32_t symbol) const { return symbol > 0 && (wide_ || symbol <= 0xFFFF); }

  // An upper bound of a fast pass's shared memory: its table, then (keys + 1) mask rows.
  size_t fast_shared_bytes(size_t keys, int ns, int words) const {
    size_t cuckoo = 4;
    while (cuckoo < 4 * keys) cuckoo <<= 1;
    const size_t table = std::max(kPerfectTableCap, cuckoo) * (wide_ ? 8 : 4);
    return table + 8 * (keys + 1) * static_cast<size_t>(mask_stride(kernel_states(ns, words), words));
  }

  // Orders count (> kSmallSort) candidates with CUB's radix sort into sorted_; returns it.
  const DevCandidate* sort_large(const DevCandidate* src, uint32_t count) {
    size_t temp_bytes = 0;
    CUDA_CHECK(cub::DeviceRadixSort::SortKeysDescending(nullptr, temp_bytes, src, static_cast<DevCandidate*>(nullptr),
                                                        count, CandidateDecomposer{}, stream_));
    grow(cub_temp_, temp_bytes, 0);
    grow(sorted_, static_cast<size_t>(count) * sizeof(DevCandidate), 0);
    CUDA_CHECK(cub::DeviceRadixSort::SortKeysDescending(cub_temp_.ptr, temp_bytes, src,
                                                        static_cast<DevCandidate*>(sorted_.ptr), count,
                                                        CandidateDecomposer{}, stream_));
    return static_cast<const DevCandidate*>(sorted_.ptr);
  }

  template <typename SymT, int W, int S>
  void launch_fast(const PassParams& p, size_t shared) {
    auto kernel = scan_fast<SymT, W, S>;
    CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(shared)));
    int per_sm = 0;
    CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, kThreads, shared));
    const int64_t groups = p.g_end - p.g_begin;
    const int64_t needed = (groups + kThreads / 32 - 1) / (kThreads / 32);
    const int blocks = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(needed, static_cast<int64_t>(sms_) * std::max(per_sm, 1))));
    kernel<<<blocks, kThreads, shared, stream_>>>(p);
    CUDA_CHECK(cudaGetLastError());
  }

  template <typename SymT, int W>
  void launch_fast_s(const PassParams& p, size_t shared, int s) {
    constexpr int kMax = states_for_words(W);
    if (p.n_states > s || s > kMax) throw Error(MATCHER_INTERNAL, "a pass holds more states than its kernel");
    switch (s) {
      case 1: launch_fast<SymT, W, 1>(p, shared); break;
      case 2: launch_fast<SymT, W, 2>(p, shared); break;
      case 4: launch_fast<SymT, W, 4>(p, shared); break;
      case 8: launch_fast<SymT, W, (kMax < 8 ? kMax : 8)>(p, shared); break;
      default: launch_fast<SymT, W, kMax>(p, shared); break;
    }
  }

  template <typename SymT, int W>
  void launch_single(const PassParams& p, size_t shared) {
    auto kernel = scan_single<SymT, W>;
    CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(shared)));
    int per_sm = 0;
    CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, kThreads, shared));
    const int64_t groups = p.g_end - p.g_begin;
    const int64_t needed = (groups + kThreads / 32 - 1) / (kThreads / 32);
    const int blocks = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(needed, static_cast<int64_t>(sms_) * std::max(per_sm, 1))));
    kernel<<<blocks, kThreads, shared, stream_>>>(p);
    CUDA_CHECK(cudaGetLastError());
  }

  template <typename SymT>
  void launch_typed(const PassParams& p, const Pass& pass) {
    if (pass.direct) {
      switch (p.words) {
        case 1: launch_single<SymT, 1>(p, pass.shared_bytes); return;
        case 2: launch_single<SymT, 2>(p, pass.shared_bytes); return;
        case 3: launch_single<SymT, 3>(p, pass.shared_bytes); return;
        default: launch_single<SymT, 4>(p, pass.shared_bytes); return;
      }
    }
    switch (p.words) {
      case 1: launch_fast_s<SymT, 1>(p, pass.shared_bytes, pass.kernel_states); break;
      case 2: launch_fast_s<SymT, 2>(p, pass.shared_bytes, pass.kernel_states); break;
      case 3: launch_fast_s<SymT, 3>(p, pass.shared_bytes, pass.kernel_states); break;
      case 4: launch_fast_s<SymT, 4>(p, pass.shared_bytes, pass.kernel_states); break;
      default: {
        const int per_block = kThreads / 32;
        const int64_t groups = p.g_end - p.g_begin;
        const size_t per_warp = static_cast<size_t>(p.words) * kLanes * 8;
        int64_t blocks = std::min<int64_t>((groups + per_block - 1) / per_block, static_cast<int64_t>(sms_) * 4);
        blocks = std::max<int64_t>(1, std::min<int64_t>(blocks, (256ll << 20) / (per_warp * per_block)));
        grow(scratch_, static_cast<size_t>(blocks) * per_block * per_warp, 0);
        PassParams g = p;
        g.scratch = static_cast<uint64_t*>(scratch_.ptr);
        scan_general<SymT><<<static_cast<int>(blocks), kThreads, 0, stream_>>>(g);
        CUDA_CHECK(cudaGetLastError());
      }
    }
  }

  void launch_pass(const Pass& pass, const std::vector<PreparedState>& states, double threshold) {
    PassParams p{};
    p.groups = static_cast<const GroupEntry*>(table_.ptr);
    p.syms = syms_.ptr;
    p.ids = static_cast<const int32_t*>(ids_.ptr);
    p.lens = static_cast<const int32_t*>(lens_.ptr);
    unsigned char* base = static_cast<unsigned char*>(dev_tables_.ptr);
    p.table = base + pass.table_offset;
    p.masks = reinterpret_cast<const uint64_t*>(base + pass.masks_offset);
    p.cand = static_cast<DevCandidate*>(cand_.ptr);
    p.counts = static_cast<uint32_t*>(counts_.ptr);
    p.bufcap = bufcap_;
    p.hash_bits = pass.table.bits;
    p.probes = pass.table.probes;
    p.mult0 = pass.table.mult[0];
    p.mult1 = pass.table.mult[1];
    p.table_cap = static_cast<int32_t>(pass.table.cap());
    p.mask_rows = static_cast<int32_t>(pass.symbols.size() + 1);
    p.mask_stride = pass.mask_stride;
    p.n_states = static_cast<int32_t>(pass.states.size());
    p.words = pass.words;
    p.g_begin = INT32_MAX;
    p.g_end = 0;
    for (size_t k = 0; k < pass.states.size(); ++k) {
      const PreparedState& st = states[pass.states[k]];
      p.states[k] = {threshold, static_cast<int32_t>(st.m), st.g_lo, st.g_hi, st.index};
      p.g_begin = std::min(p.g_begin, st.g_lo);
      p.g_end = std::max(p.g_end, st.g_hi);
    }
    if (wide_) launch_typed<uint32_t>(p, pass);
    else launch_typed<uint16_t>(p, pass);
  }

  int32_t device_;
  std::string name_;
  int sms_ = 1;
  cudaStream_t stream_ = nullptr;
  cudaEvent_t ev_start_ = nullptr;
  cudaEvent_t ev_stop_ = nullptr;
  bool broken_ = false;
  std::string broken_reason_;
  bool wide_ = false;
  uint64_t used_elems_ = 0;
  std::vector<HostGroup> groups_;
  std::map<int64_t, OpenGroup> open_;
  std::vector<int64_t> table_class_;
  DeviceBuffer syms_, ids_, lens_, table_, dev_tables_, counts_, cand_, sorted_, cub_temp_, scratch_;
  PinnedBuffer pinned_tables_, pinned_counts_, pinned_results_;
  int64_t bufcap_ = 0;
  double last_query_ms_ = 0.0;
};

}  // namespace

std::unique_ptr<Backend> make_cuda_backend(int32_t device) { return std::make_unique<CudaBackend>(device); }

int32_t cuda_device_count(std::string* reason) {
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    (void)cudaGetLastError();
    if (reason != nullptr) *reason = std::string("no usable CUDA driver or device: ") + cudaGetErrorString(e);
    return 0;
  }
  if (count == 0 && reason != nullptr) *reason = "no CUDA device found";
  return count;
}

bool cuda_compiled() { return true; }

}  // namespace matcher
