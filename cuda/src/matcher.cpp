// The C ABI: argument validation, id bookkeeping, error reporting and locking around the backends.
// Every exported function catches everything: no C++ exception crosses the boundary.
#include <algorithm>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "backend.h"

using matcher::Backend;
using matcher::Error;

struct matcher_index {
  std::mutex mutex;
  int32_t backend_kind = 0;
  std::unique_ptr<Backend> backend;
  std::vector<uint64_t> id_bits;  // which ids are held (ids are dense per node, so a bitmap is small)
  int64_t patterns = 0;
  int64_t symbols = 0;
  int32_t pending_fault = MATCHER_FAULT_NONE;
  std::string last_error;
};

namespace {

thread_local std::string t_last_error;

bool has_id(const matcher_index* ix, int32_t id) {
  const size_t word = static_cast<size_t>(id) >> 6;
  return word < ix->id_bits.size() && (ix->id_bits[word] >> (id & 63) & 1u);
}

void set_id(matcher_index* ix, int32_t id, bool on) {
  const size_t word = static_cast<size_t>(id) >> 6;
  if (word >= ix->id_bits.size()) ix->id_bits.resize(std::max(word + 1, ix->id_bits.size() * 2), 0);
  if (on) ix->id_bits[word] |= uint64_t{1} << (id & 63);
  else ix->id_bits[word] &= ~(uint64_t{1} << (id & 63));
}

matcher_status_t fail(matcher_index* ix, matcher_status_t status, const std::string& message) {
  t_last_error = message;
  if (ix != nullptr) ix->last_error = message;
  return status;
}

// Runs body, mapping exceptions to statuses. body returns nothing; success clears the errors.
template <typename F>
matcher_status_t guarded(matcher_index* ix, const char* action, F&& body) {
  try {
    body();
    t_last_error.clear();
    return MATCHER_OK;
  } catch (const Error& e) {
    return fail(ix, e.status(), std::string(action) + ": " + e.what());
  } catch (const std::bad_alloc&) {
    return fail(ix, MATCHER_OUT_OF_MEMORY, std::string(action) + ": out of host memory");
  } catch (const std::exception& e) {
    return fail(ix, MATCHER_INTERNAL, std::string(action) + ": " + e.what());
  } catch (...) {
    return fail(ix, MATCHER_INTERNAL, std::string(action) + ": unknown exception");
  }
}

void require(bool ok, const std::string& message) {
  if (!ok) throw Error(MATCHER_INVALID_ARGUMENT, message);
}

// Validates lengths and returns the prefix offsets (n + 1 entries).
std::vector<int64_t> offsets_of(int32_t n, const int32_t* lengths, const char* what) {
  std::vector<int64_t> offsets(static_cast<size_t>(n) + 1);
  offsets[0] = 0;
  for (int32_t i = 0; i < n; ++i) {
    require(lengths[i] >= 0, std::string(what) + " " + std::to_string(i) + " has negative length " +
                                 std::to_string(lengths[i]));
    offsets[i + 1] = offsets[i] + lengths[i];
  }
  return offsets;
}

}  // namespace

extern "C" {

MATCHER_API int32_t matcher_version(void) { return MATCHER_VERSION; }

MATCHER_API const char* matcher_status_string(matcher_status_t status) {
  switch (status) {
    case MATCHER_OK: return "MATCHER_OK";
    case MATCHER_INVALID_ARGUMENT: return "MATCHER_INVALID_ARGUMENT";
    case MATCHER_OUT_OF_MEMORY: return "MATCHER_OUT_OF_MEMORY";
    case MATCHER_CUDA_ERROR: return "MATCHER_CUDA_ERROR";
    case MATCHER_NO_DEVICE: return "MATCHER_NO_DEVICE";
    case MATCHER_CAPACITY: return "MATCHER_CAPACITY";
    case MATCHER_UNSUPPORTED: return "MATCHER_UNSUPPORTED";
    case MATCHER_INTERNAL: return "MATCHER_INTERNAL";
  }
  return "MATCHER_UNKNOWN_STATUS";
}

MATCHER_API const char* matcher_last_error(void) {
  try {
    return t_last_error.c_str();
  } catch (...) {
    return "";
  }
}

MATCHER_API int32_t matcher_backend_available(int32_t backend) {
  try {
    if (backend == MATCHER_BACKEND_CPU) return 1;
    if (backend == MATCHER_BACKEND_CUDA) return matcher::cuda_compiled() ? 1 : 0;
    return 0;
  } catch (...) {
    return 0;
  }
}

MATCHER_API int32_t matcher_device_count(void) {
  try {
    std::string reason;
    const int32_t n = matcher::cuda_device_count(&reason);
    t_last_error = reason;
    return n;
  } catch (...) {
    return 0;
  }
}

MATCHER_API matcher_status_t matcher_index_create(int32_t backend, int32_t device, matcher_index_t* out) {
  if (out != nullptr) *out = nullptr;
  matcher_index* created = nullptr;
  const matcher_status_t status = guarded(nullptr, "Cannot create index", [&] {
    require(out != nullptr, "out is NULL");
    std::unique_ptr<matcher_index> ix(new matcher_index());
    ix->backend_kind = backend;
    if (backend == MATCHER_BACKEND_CPU) {
      ix->backend = matcher::make_cpu_backend();
    } else if (backend == MATCHER_BACKEND_CUDA) {
      require(device >= 0, "device must be >= 0, got " + std::to_string(device));
      ix->backend = matcher::make_cuda_backend(device);
    } else {
      throw Error(MATCHER_INVALID_ARGUMENT, "unknown backend " + std::to_string(backend));
    }
    created = ix.release();
  });
  if (status == MATCHER_OK) *out = created;
  return status;
}

MATCHER_API matcher_status_t matcher_index_destroy(matcher_index_t index) {
  return guarded(nullptr, "Cannot destroy index", [&] { delete index; });
}

MATCHER_API matcher_status_t matcher_index_reserve(matcher_index_t index, int64_t patterns, int64_t symbols) {
  if (index == nullptr) return fail(nullptr, MATCHER_INVALID_ARGUMENT, "Cannot reserve: index is NULL");
  std::lock_guard<std::mutex> lock(index->mutex);
  return guarded(index, "Cannot reserve", [&] {
    require(patterns >= 0 && symbols >= 0, "patterns and symbols must be >= 0");
    index->backend->reserve(patterns, symbols);
  });
}

MATCHER_API matcher_status_t matcher_index_add(matcher_index_t index, int32_t count, const int32_t* ids,
                                               const int32_t* lengths, const int32_t* symbols) {
  if (index == nullptr) return fail(nullptr, MATCHER_INVALID_ARGUMENT, "Cannot add patterns: index is NULL");
  std::lock_guard<std::mutex> lock(index->mutex);
  return guarded(index, "Cannot add patterns", [&] {
    require(count >= 0, "count must be >= 0, got " + std::to_string(count));
    if (count == 0) return;
    require(ids != nullptr && lengths != nullptr, "ids and lengths must not be NULL");
    if (index->pending_fault == MATCHER_FAULT_ADD) {
      index->pending_fault = MATCHER_FAULT_NONE;
      throw Error(MATCHER_CUDA_ERROR, "injected fault (matcher_debug_inject_fault)");
    }
    const std::vector<int64_t> offsets = offsets_of(count, lengths, "pattern");
    require(offsets[count] == 0 || symbols != nullptr, "symbols must not be NULL");
    require(index->patterns + count <= INT32_MAX, "index would exceed INT32_MAX patterns");
    int32_t max_symbol = 0;
    for (int64_t k = 0; k < offsets[count]; ++k) {
      if (symbols[k] <= 0) {
        const int64_t i = std::upper_bound(offsets.begin(), offsets.end(), k) - offsets.begin() - 1;
        throw Error(MATCHER_INVALID_ARGUMENT, "pattern " + std::to_string(i) + " (id " + std::to_string(ids[i]) +
                                                  ") has symbol " + std::to_string(symbols[k]) + ", symbols must be > 0");
      }
      max_symbol = std::max(max_symbol, symbols[k]);
    }
    // Mark ids as we check them (so duplicates inside the batch are caught), undo on any failure.
    int32_t marked = 0;
    try {
      for (; marked < count; ++marked) {
        const int32_t id = ids[marked];
        require(id >= 0, "pattern " + std::to_string(marked) + " has negative id " + std::to_string(id));
        require(!has_id(index, id), "id " + std::to_string(id) + " is already present");
        set_id(index, id, true);
      }
      const matcher::PatternBatch batch{count, ids, lengths, symbols, offsets.data(), max_symbol};
      index->backend->add(batch);
    } catch (...) {
      for (int32_t i = 0; i < marked; ++i) set_id(index, ids[i], false);
      throw;
    }
    index->patterns += count;
    index->symbols += offsets[count];
  });
}

MATCHER_API matcher_status_t matcher_index_clear(matcher_index_t index) {
  if (index == nullptr) return fail(nullptr, MATCHER_INVALID_ARGUMENT, "Cannot clear index: index is NULL");
  std::lock_guard<std::mutex> lock(index->mutex);
  return guarded(index, "Cannot clear index", [&] {
    index->backend->clear();
    index->id_bits.clear();
    index->id_bits.shrink_to_fit();
    index->patterns = 0;
    index->symbols = 0;
  });
}

MATCHER_API matcher_status_t matcher_index_query(matcher_index_t index, int32_t n_states,
                                                 const int32_t* state_lengths, const int32_t* states,
                                                 double threshold, int32_t capacity, int32_t* out_ids,
                                                 int32_t* out_lcs, double* out_sim, int64_t* out_totals) {
  if (index == nullptr) return fail(nullptr, MATCHER_INVALID_ARGUMENT, "Cannot query index: index is NULL");
  std::lock_guard<std::mutex> lock(index->mutex);
  return guarded(index, "Cannot query index", [&] {
    require(n_states >= 0, "n_states must be >= 0, got " + std::to_string(n_states));
    require(capacity >= 0, "capacity must be >= 0, got " + std::to_string(capacity));
    require(threshold == threshold, "threshold is NaN");
    if (n_states == 0) return;
    require(state_lengths != nullptr && out_totals != nullptr, "state_lengths and out_totals must not be NULL");
    require(capacity == 0 || (out_ids != nullptr && out_lcs != nullptr && out_sim != nullptr),
            "out_ids, out_lcs and out_sim must not be NULL when capacity > 0");
    require(static_cast<int64_t>(n_states) * capacity <= INT32_MAX, "n_states * capacity exceeds INT32_MAX");
    if (index->pending_fault == MATCHER_FAULT_QUERY) {
      index->pending_fault = MATCHER_FAULT_NONE;
      throw Error(MATCHER_CUDA_ERROR, "injected fault (matcher_debug_inject_fault)");
    }
    const std::vector<int64_t> offsets = offsets_of(n_states, state_lengths, "state");
    require(offsets[n_states] == 0 || states != nullptr, "states must not be NULL");
    const matcher::QueryBatch batch{n_states, state_lengths, states, offsets.data(), threshold,
                                    capacity, out_ids, out_lcs, out_sim, out_totals};
    index->backend->query(batch);
  });
}

MATCHER_API matcher_status_t matcher_index_stats(matcher_index_t index, matcher_stats_t* out) {
  if (index == nullptr) return fail(nullptr, MATCHER_INVALID_ARGUMENT, "Cannot read stats: index is NULL");
  std::lock_guard<std::mutex> lock(index->mutex);
  return guarded(index, "Cannot read stats", [&] {
    require(out != nullptr, "out is NULL");
    const matcher::BackendStats s = index->backend->stats();
    std::memset(out, 0, sizeof(*out));
    out->patterns = index->patterns;
    out->symbols = index->symbols;
    out->device_bytes = s.device_bytes;
    out->host_bytes = s.host_bytes + static_cast<int64_t>(index->id_bits.capacity() * sizeof(uint64_t));
    out->backend = index->backend_kind;
    out->device = s.device;
    out->symbol_bits = s.symbol_bits;
    out->threads = s.threads;
    out->last_query_ms = s.last_query_ms;
    std::strncpy(out->device_name, s.device_name.c_str(), sizeof(out->device_name) - 1);
  });
}

MATCHER_API matcher_status_t matcher_index_last_error(matcher_index_t index, char* buf, int32_t size) {
  if (index == nullptr) return fail(nullptr, MATCHER_INVALID_ARGUMENT, "Cannot read last error: index is NULL");
  if (buf == nullptr || size <= 0) {
    return fail(nullptr, MATCHER_INVALID_ARGUMENT, "Cannot read last error: buf is NULL or size <= 0");
  }
  std::lock_guard<std::mutex> lock(index->mutex);
  try {
    const size_t n = std::min(index->last_error.size(), static_cast<size_t>(size) - 1);
    std::memcpy(buf, index->last_error.data(), n);
    buf[n] = '\0';
    return MATCHER_OK;
  } catch (...) {
    return fail(nullptr, MATCHER_INTERNAL, "Cannot read last error: unknown exception");
  }
}

MATCHER_API matcher_status_t matcher_debug_inject_fault(matcher_index_t index, int32_t kind) {
  if (index == nullptr) return fail(nullptr, MATCHER_INVALID_ARGUMENT, "Cannot inject fault: index is NULL");
  std::lock_guard<std::mutex> lock(index->mutex);
  return guarded(index, "Cannot inject fault", [&] {
    require(kind == MATCHER_FAULT_NONE || kind == MATCHER_FAULT_QUERY || kind == MATCHER_FAULT_ADD,
            "unknown fault kind " + std::to_string(kind));
    index->pending_fault = kind;
  });
}

}  // extern "C"

static_assert(sizeof(matcher_stats_t) == 312, "matcher_stats_t layout is part of the ABI");
static_assert(offsetof(matcher_stats_t, last_query_ms) == 48, "matcher_stats_t layout is part of the ABI");
static_assert(offsetof(matcher_stats_t, device_name) == 56, "matcher_stats_t layout is part of the ABI");

#ifndef MATCHER_WITH_CUDA
namespace matcher {
std::unique_ptr<Backend> make_cuda_backend(int32_t) {
  throw Error(MATCHER_UNSUPPORTED, "this libmatcher was built without CUDA (no nvcc at build time)");
}
int32_t cuda_device_count(std::string* reason) {
  if (reason != nullptr) *reason = "this libmatcher was built without CUDA (no nvcc at build time)";
  return 0;
}
bool cuda_compiled() { return false; }
}  // namespace matcher
#endif
