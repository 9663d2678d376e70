/**
 * The FFI binding to libmatcher (`cuda/`): a `PatternIndex` on the GPU, or on libmatcher's
 * multithreaded CPU backend where there is no GPU.
 *
 * @example Whatever this host offers
 * ```ts
 * import { tryOpenNative } from "./mod.ts";
 * const { index, reason } = tryOpenNative("auto");
 * console.log(reason);
 * index?.close();
 * ```
 *
 * @module
 */

import { MATCHER_BACKEND_CUDA } from "./_ffi.ts";
import { cString, loadMatcher, type MatcherLibrary } from "./library.ts";
import { type NativeBackend, NativeIndex } from "./native_index.ts";

export { libraryCandidates, loadMatcher, MatcherError, type MatcherLibrary, MatcherStatus } from "./library.ts";
export { type NativeBackend, NativeIndex, type NativeIndexStats, type TopCandidates } from "./native_index.ts";

/** What `tryOpenNative` found: an index, or null and why not. */
export interface NativeOpenResult {
  /** The opened index, or null when no native index could be opened. */
  index: NativeIndex | null;
  /** Why this backend (or none) was chosen, in words, for the log. */
  reason: string;
}

/** Whether this libmatcher build contains the CUDA backend, and how many devices it sees (0 with the reason). */
export function cudaAvailability(lib: MatcherLibrary): { devices: number; reason: string } {
  if (lib.symbols.matcher_backend_available(MATCHER_BACKEND_CUDA) !== 1) {
    return { devices: 0, reason: "libmatcher was built without CUDA" };
  }
  const devices = lib.symbols.matcher_device_count();
  return { devices, reason: devices > 0 ? "" : cString(lib.symbols.matcher_last_error()) };
}

/**
 * Opens a native index without throwing. `"cuda"` and `"cpu"` ask for that backend only; `"auto"`
 * takes CUDA when a device is usable, else the CPU backend. Returns `index: null` with the reason
 * when libmatcher cannot be loaded (not built, no `--allow-ffi`) or the backend cannot start.
 *
 * @example Preferring the GPU
 * ```ts
 * import { tryOpenNative } from "./mod.ts";
 * const { index, reason } = tryOpenNative("cuda");
 * if (index === null) console.log(`TypeScript index: ${reason}`);
 * index?.close();
 * ```
 */
export function tryOpenNative(prefer: NativeBackend | "auto" = "auto", device = 0): NativeOpenResult {
  let lib: MatcherLibrary;
  try {
    lib = loadMatcher();
  } catch (error) {
    return { index: null, reason: error instanceof Error ? error.message : String(error) };
  }
  const open = (backend: NativeBackend): NativeIndex | string => {
    try {
      return NativeIndex.open(backend, device);
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  };
  if (prefer === "cpu") {
    const index = open("cpu");
    return typeof index === "string" ? { index: null, reason: index } : { index, reason: "libmatcher CPU backend" };
  }
  const cuda = cudaAvailability(lib);
  let cudaReason = cuda.reason;
  if (cuda.devices > 0) {
    const index = open("cuda");
    if (typeof index !== "string") {
      return { index, reason: `libmatcher CUDA backend on ${index.stats().deviceName} (device ${device})` };
    }
    cudaReason = index;
  }
  if (prefer === "cuda") return { index: null, reason: `No CUDA backend: ${cudaReason}` };
  const index = open("cpu");
  return typeof index === "string"
    ? { index: null, reason: `No CUDA backend: ${cudaReason}; no CPU backend: ${index}` }
    : { index, reason: `libmatcher CPU backend (no CUDA backend: ${cudaReason})` };
}
