/*
 * libmatcher: a pattern index answering "which patterns have LCS similarity >= t against this state".
 *
 * C ABI in the style of NCCL and the faiss C API:
 *   - every fallible call returns a matcher_status_t; matcher_status_string() names it and
 *     matcher_last_error() (thread-local) describes the last failure on the calling thread;
 *   - opaque handles with create/destroy pairs; callers own every buffer (sizes stated per call);
 *   - no C++ exception crosses the boundary; only matcher_* symbols are exported;
 *   - an index serialises its own calls (one mutex), so it may be used from several threads.
 *
 * Semantics (the KATO similarity, SEMANTICS.md section 3.2):
 *   sim = ((2.0 * LCS(P, S) / (|P| + |S|)) * 100.0) / 100.0 in IEEE double, exactly in that order
 *   (0.0 when |P| + |S| == 0); a pattern is a candidate when sim >= threshold.
 *   Pattern symbols are > 0. State symbols <= 0 never match (unknown symbols are sent as -1) but
 *   count towards |S|. Candidates are ordered by similarity descending, then pattern id ascending.
 */
#ifndef MATCHER_H
#define MATCHER_H

#include <stdint.h>

#if defined(_WIN32)
#define MATCHER_API __declspec(dllexport)
#else
#define MATCHER_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define MATCHER_VERSION_MAJOR 1
#define MATCHER_VERSION_MINOR 1
#define MATCHER_VERSION_PATCH 0
/** MAJOR * 10000 + MINOR * 100 + PATCH; compare with matcher_version() at load. */
#define MATCHER_VERSION \
  (MATCHER_VERSION_MAJOR * 10000 + MATCHER_VERSION_MINOR * 100 + MATCHER_VERSION_PATCH)

typedef enum matcher_status {
  MATCHER_OK = 0,
  MATCHER_INVALID_ARGUMENT = 1, /* a null handle or buffer, a negative size, a bad id or symbol */
  MATCHER_OUT_OF_MEMORY = 2,    /* host or device allocation failed */
  MATCHER_CUDA_ERROR = 3,       /* a CUDA call failed (or a fault was injected for tests) */
  MATCHER_NO_DEVICE = 4,        /* no CUDA device, or the device ordinal does not exist */
  MATCHER_CAPACITY = 5,         /* the index cannot grow further (ids, slots or symbols) */
  MATCHER_UNSUPPORTED = 6,      /* the backend was not compiled into this build */
  MATCHER_INTERNAL = 7          /* a bug: an unexpected exception or state */
} matcher_status_t;

typedef enum matcher_backend {
  MATCHER_BACKEND_CPU = 1,  /* multithreaded C++ */
  MATCHER_BACKEND_CUDA = 2  /* one CUDA device */
} matcher_backend_t;

typedef enum matcher_fault {
  MATCHER_FAULT_NONE = 0,  /* clears a pending injected fault */
  MATCHER_FAULT_QUERY = 1, /* the next matcher_index_query fails with MATCHER_CUDA_ERROR */
  MATCHER_FAULT_ADD = 2    /* the next matcher_index_add fails with MATCHER_CUDA_ERROR */
} matcher_fault_t;

/** Opaque index handle. */
typedef struct matcher_index* matcher_index_t;

/** What matcher_index_stats fills in (312 bytes, natural alignment, no packing). */
typedef struct matcher_stats {
  int64_t patterns;      /* offset 0: patterns held */
  int64_t symbols;       /* offset 8: symbols held (sum of pattern lengths) */
  int64_t device_bytes;  /* offset 16: device memory held by the index (0 on the CPU backend) */
  int64_t host_bytes;    /* offset 24: host memory held by the index (approximate) */
  int32_t backend;       /* offset 32: a matcher_backend_t */
  int32_t device;        /* offset 36: CUDA device ordinal, -1 on the CPU backend */
  int32_t symbol_bits;   /* offset 40: bits per stored symbol (16 while every symbol < 65536, else 32) */
  int32_t threads;       /* offset 44: worker threads (CPU backend), 0 on CUDA */
  double last_query_ms;  /* offset 48: duration of the last query (CUDA events on the device, wall clock on the CPU) */
  char device_name[256]; /* offset 56: NUL-terminated, e.g. "NVIDIA H100 80GB HBM3" or "cpu (16 threads)" */
} matcher_stats_t;

/** MATCHER_VERSION of the library actually loaded. */
MATCHER_API int32_t matcher_version(void);

/** A static, human-readable name for a status ("MATCHER_OK", ...); never NULL. */
MATCHER_API const char* matcher_status_string(matcher_status_t status);

/**
 * The message of the last failed call on the calling thread ("" if none). Valid until the next
 * matcher_* call on this thread.
 */
MATCHER_API const char* matcher_last_error(void);

/** 1 if this build contains the backend (CPU always; CUDA when built with nvcc), else 0. */
MATCHER_API int32_t matcher_backend_available(int32_t backend);

/** Number of usable CUDA devices; 0 without CUDA support, driver or device (reason in matcher_last_error). */
MATCHER_API int32_t matcher_device_count(void);

/**
 * Creates an empty index. backend: a matcher_backend_t. device: CUDA device ordinal (ignored by the
 * CPU backend). On success *out holds the handle; on failure *out is NULL.
 */
MATCHER_API matcher_status_t matcher_index_create(int32_t backend, int32_t device, matcher_index_t* out);

/** Destroys the index and frees its memory. NULL is accepted. */
MATCHER_API matcher_status_t matcher_index_destroy(matcher_index_t index);

/**
 * Optional: reserves room for this many more patterns and symbols, so a bulk load in several
 * matcher_index_add calls does not regrow (and overshoot) its buffers.
 */
MATCHER_API matcher_status_t matcher_index_reserve(matcher_index_t index, int64_t patterns, int64_t symbols);

/**
 * Adds count patterns. ids[count]: new, distinct ids >= 0. lengths[count] >= 0.
 * symbols[sum(lengths)]: the patterns' symbols concatenated, every one > 0.
 * All or nothing: on failure the index is unchanged.
 */
MATCHER_API matcher_status_t matcher_index_add(matcher_index_t index, int32_t count, const int32_t* ids,
                                               const int32_t* lengths, const int32_t* symbols);

/** Removes every pattern and releases pattern storage. */
MATCHER_API matcher_status_t matcher_index_clear(matcher_index_t index);

/**
 * Queries n_states states in one pass where possible.
 *   state_lengths[n_states] >= 0; states[sum(state_lengths)]: the states' symbols concatenated.
 *   threshold: candidates have sim >= threshold (not NaN).
 *   capacity >= 0: result slots per state.
 *   out_ids[n_states * capacity], out_lcs[n_states * capacity], out_sim[n_states * capacity]:
 *     row s holds state s's best min(total_s, capacity) candidates ordered by (sim desc, id asc),
 *     padded with id -1, lcs -1, sim -1.0. May be NULL when capacity == 0.
 *   out_totals[n_states]: the number of candidates of each state (may exceed capacity).
 */
MATCHER_API matcher_status_t matcher_index_query(matcher_index_t index, int32_t n_states,
                                                 const int32_t* state_lengths, const int32_t* states,
                                                 double threshold, int32_t capacity, int32_t* out_ids,
                                                 int32_t* out_lcs, double* out_sim, int64_t* out_totals);

/** Fills *out with the index's counters. */
MATCHER_API matcher_status_t matcher_index_stats(matcher_index_t index, matcher_stats_t* out);

/**
 * Copies the message of this index's last failure ("" if none) into buf[size], NUL-terminated and
 * truncated to fit. Unlike matcher_last_error it does not depend on the calling thread, so a caller
 * whose calls run on worker threads can still read why one failed.
 */
MATCHER_API matcher_status_t matcher_index_last_error(matcher_index_t index, char* buf, int32_t size);

/**
 * Test hook: makes the next matcher_index_query (MATCHER_FAULT_QUERY) or matcher_index_add
 * (MATCHER_FAULT_ADD) on this index fail with MATCHER_CUDA_ERROR, once, without touching its data.
 * MATCHER_FAULT_NONE clears a pending fault. Works on both backends.
 */
MATCHER_API matcher_status_t matcher_debug_inject_fault(matcher_index_t index, int32_t kind);

/**
 * KATO's pruning score (pre-potential) of `count` candidate patterns against one state, on host
 * threads; since 1.1. Patterns are read from a node's pools: pattern `ids[c]` has the symbols
 * `symbols[symbol_start[id] .. symbol_start[id + 1])` and the event sizes
 * `event_sizes[event_start[id] .. event_start[id + 1])` (offsets as doubles, as the engine keeps them).
 * `out_pre[c]` gets `(evidence + confidence) * snr + 1/(fragmentation + 1)` from the Ratcliff/Obershelp
 * matching blocks of (pattern, state) as CPython's difflib.SequenceMatcher(None, P, S, autojunk=False),
 * bit-identical to the TypeScript scorer. Unknown state symbols (<= 0) match nothing. Thread-safe;
 * touches no index. Errors: INVALID_ARGUMENT (negative count or length, NULL buffer), OUT_OF_MEMORY.
 */
MATCHER_API matcher_status_t matcher_prescore(int64_t count, const int32_t* ids, const double* symbol_start,
                                              const int32_t* symbols, const double* event_start,
                                              const int32_t* event_sizes, int32_t state_length, const int32_t* state,
                                              double* out_pre);

#ifdef __cplusplus
}
#endif

#endif /* MATCHER_H */
