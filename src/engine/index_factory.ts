/**
 * Chooses the pattern index each node gets:
 * - libmatcher loads and a CUDA device is usable (and `GPU_ENABLED`): hybrid, GPU stable tier, with
 *   libmatcher's CPU backend as the fallback;
 * - libmatcher loads without a usable GPU: hybrid, CPU-backend stable tier, TypeScript fallback;
 * - no libmatcher (or `NATIVE_ENABLED=false`): the TypeScript index alone.
 * All three answer identically; only speed differs.
 *
 * @module
 */

import type { ServiceConfig } from "../config.ts";
import type { Logger } from "../log.ts";
import { HybridIndex } from "./hybrid_index.ts";
import type { EncodedPattern, PatternIndex } from "./matcher.ts";
import { cudaAvailability, loadMatcher, MatcherError, NativeIndex } from "./native/mod.ts";
import { TsIndex } from "./ts_index.ts";

/** Where GPU faults are reported (metrics). */
export interface FaultHooks {
  onFault?: (errorType: string) => void;
  onFallback?: () => void;
}

/** Creates indexes and reports what backs them. */
export interface IndexFactory {
  create: (nodeId: string, patterns: () => Iterable<EncodedPattern>) => PatternIndex;
  /** One line naming the engine in use. */
  describe: () => string;
  /** `"cuda"`, `"cpu"` (libmatcher's CPU backend) or `"ts"`: the stable tier new nodes get. */
  stableBackend: "cuda" | "cpu" | "ts";
  /** Why the engine is not on the GPU, when it is not. */
  reason: string;
}

/** Probes libmatcher once and returns the factory for this process. */
export function createIndexFactory(config: ServiceConfig, log: Logger, hooks: FaultHooks = {}): IndexFactory {
  const ts = (reason: string): IndexFactory => ({
    create: () => new TsIndex(),
    describe: () => `TypeScript bit-parallel LCS index (${reason})`,
    stableBackend: "ts",
    reason,
  });
  if (!config.nativeEnabled) return ts("NATIVE_ENABLED=false");
  let lib;
  try {
    lib = loadMatcher();
  } catch (error) {
    if (error instanceof Deno.errors.PermissionDenied) throw error;
    log.warn(`libmatcher not loaded, using the TypeScript index: ${(error as Error).message}`);
    return ts("libmatcher not loaded");
  }
  const cuda = cudaAvailability(lib);
  const useGpu = config.gpuEnabled && cuda.devices > 0;
  const reason = useGpu ? "" : config.gpuEnabled ? `no usable GPU: ${cuda.reason}` : "GPU_ENABLED=false";
  const faults = new Set<string>();
  const onFault = (what: string, error: unknown) => {
    const errorType = error instanceof MatcherError ? `status_${error.code}` : what;
    hooks.onFault?.(errorType);
    if (what !== "recover") hooks.onFallback?.();
    // Logged once per kind of failure, so a broken device does not flood the log.
    const key = `${what}:${errorType}`;
    if (!faults.has(key)) {
      faults.add(key);
      log.error(`GPU tier ${what} failed (${errorType}), serving from the CPU side: ${(error as Error)?.message}`);
    }
  };
  const fallback = (): PatternIndex => {
    try {
      return useGpu ? NativeIndex.open("cpu") : new TsIndex();
    } catch {
      return new TsIndex();
    }
  };
  return {
    create: (_nodeId, patterns) =>
      new HybridIndex({
        openStable: () => NativeIndex.open(useGpu ? "cuda" : "cpu"),
        openFallback: fallback,
        patterns,
        onFault,
      }),
    describe: () =>
      useGpu
        ? "libmatcher CUDA tier + TypeScript fresh tier"
        : `libmatcher CPU tier + TypeScript fresh tier (${reason})`,
    stableBackend: useGpu ? "cuda" : "cpu",
    reason,
  };
}
