/**
 * libmatcher's symbol table for `Deno.dlopen`: one entry per exported C function of
 * `cuda/include/matcher.h`, each parameter commented with its C type.
 *
 * @module
 */

/** The library's major version this binding speaks (`MATCHER_VERSION_MAJOR`). */
export const MATCHER_VERSION_MAJOR = 1;

/** `matcher_backend_t`. */
export const MATCHER_BACKEND_CPU = 1;
/** `matcher_backend_t`. */
export const MATCHER_BACKEND_CUDA = 2;

/** `matcher_fault_t`. */
export const MATCHER_FAULT_NONE = 0;
/** `matcher_fault_t`. */
export const MATCHER_FAULT_QUERY = 1;
/** `matcher_fault_t`. */
export const MATCHER_FAULT_ADD = 2;

/** `sizeof(matcher_stats_t)`; its field offsets are listed in matcher.h. */
export const MATCHER_STATS_SIZE = 312;

/** The symbols of libmatcher. */
export const symbols = {
  /** int32_t matcher_version(void) */
  matcher_version: { parameters: [], result: "i32" },
  /** const char* matcher_status_string(matcher_status_t status) */
  matcher_status_string: {
    parameters: [
      "i32", // matcher_status_t status
    ],
    result: "pointer",
  },
  /** const char* matcher_last_error(void) */
  matcher_last_error: { parameters: [], result: "pointer" },
  /** int32_t matcher_backend_available(int32_t backend) */
  matcher_backend_available: {
    parameters: [
      "i32", // int32_t backend
    ],
    result: "i32",
  },
  /** int32_t matcher_device_count(void) */
  matcher_device_count: { parameters: [], result: "i32" },
  /** matcher_status_t matcher_index_create(int32_t backend, int32_t device, matcher_index_t* out) */
  matcher_index_create: {
    parameters: [
      "i32", // int32_t backend
      "i32", // int32_t device
      "buffer", // matcher_index_t* out
    ],
    result: "i32",
  },
  /** matcher_status_t matcher_index_destroy(matcher_index_t index) */
  matcher_index_destroy: {
    parameters: [
      "pointer", // matcher_index_t index
    ],
    result: "i32",
  },
  /** matcher_status_t matcher_index_reserve(matcher_index_t index, int64_t patterns, int64_t symbols) */
  matcher_index_reserve: {
    parameters: [
      "pointer", // matcher_index_t index
      "i64", // int64_t patterns
      "i64", // int64_t symbols
    ],
    result: "i32",
  },
  /**
   * matcher_status_t matcher_index_add(matcher_index_t index, int32_t count, const int32_t* ids,
   *                                    const int32_t* lengths, const int32_t* symbols)
   */
  matcher_index_add: {
    parameters: [
      "pointer", // matcher_index_t index
      "i32", // int32_t count
      "buffer", // const int32_t* ids
      "buffer", // const int32_t* lengths
      "buffer", // const int32_t* symbols
    ],
    result: "i32",
  },
  /** matcher_status_t matcher_index_clear(matcher_index_t index) */
  matcher_index_clear: {
    parameters: [
      "pointer", // matcher_index_t index
    ],
    result: "i32",
  },
  /**
   * matcher_status_t matcher_index_query(matcher_index_t index, int32_t n_states,
   *   const int32_t* state_lengths, const int32_t* states, double threshold, int32_t capacity,
   *   int32_t* out_ids, int32_t* out_lcs, double* out_sim, int64_t* out_totals)
   *
   * Runs on a worker thread: the event loop keeps serving while the GPU (or the CPU backend's
   * threads) work. Every buffer must stay referenced until the promise settles.
   */
  matcher_index_query: {
    parameters: [
      "pointer", // matcher_index_t index
      "i32", // int32_t n_states
      "buffer", // const int32_t* state_lengths
      "buffer", // const int32_t* states
      "f64", // double threshold
      "i32", // int32_t capacity
      "buffer", // int32_t* out_ids
      "buffer", // int32_t* out_lcs
      "buffer", // double* out_sim
      "buffer", // int64_t* out_totals
    ],
    result: "i32",
    nonblocking: true,
  },
  /** matcher_status_t matcher_index_stats(matcher_index_t index, matcher_stats_t* out) */
  matcher_index_stats: {
    parameters: [
      "pointer", // matcher_index_t index
      "buffer", // matcher_stats_t* out
    ],
    result: "i32",
  },
  /** matcher_status_t matcher_index_last_error(matcher_index_t index, char* buf, int32_t size) */
  matcher_index_last_error: {
    parameters: [
      "pointer", // matcher_index_t index
      "buffer", // char* buf
      "i32", // int32_t size
    ],
    result: "i32",
  },
  /** matcher_status_t matcher_debug_inject_fault(matcher_index_t index, int32_t kind) */
  matcher_debug_inject_fault: {
    parameters: [
      "pointer", // matcher_index_t index
      "i32", // int32_t kind
    ],
    result: "i32",
  },
  /**
   * matcher_status_t matcher_prescore(int64_t count, const int32_t* ids, const double* symbol_start,
   *   const int32_t* symbols, const double* event_start, const int32_t* event_sizes,
   *   int32_t state_length, const int32_t* state, double* out_pre)
   *
   * Since 1.1 (optional: older builds lack it). On a worker thread; buffers referenced until it settles.
   */
  matcher_prescore: {
    parameters: [
      "i64", // int64_t count
      "buffer", // const int32_t* ids
      "buffer", // const double* symbol_start
      "buffer", // const int32_t* symbols
      "buffer", // const double* event_start
      "buffer", // const int32_t* event_sizes
      "i32", // int32_t state_length
      "buffer", // const int32_t* state
      "buffer", // double* out_pre
    ],
    result: "i32",
    nonblocking: true,
    optional: true,
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** The loaded library's functions. */
export type MatcherSymbols = Deno.DynamicLibrary<typeof symbols>["symbols"];
