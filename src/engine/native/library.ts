/**
 * Loading libmatcher: path resolution, the version check, and errors that carry the C status.
 *
 * @module
 */

import { MATCHER_VERSION_MAJOR, type MatcherSymbols, symbols } from "./_ffi.ts";

/** `matcher_status_t`: the status codes of the C ABI. */
export const MatcherStatus = {
  OK: 0,
  INVALID_ARGUMENT: 1,
  OUT_OF_MEMORY: 2,
  CUDA_ERROR: 3,
  NO_DEVICE: 4,
  CAPACITY: 5,
  UNSUPPORTED: 6,
  INTERNAL: 7,
} as const;

/**
 * A failed libmatcher call: `code` is the C `matcher_status_t`, `status` its name.
 *
 * @example Telling a CUDA failure from bad input
 * ```ts
 * import { MatcherError, MatcherStatus } from "./library.ts";
 * const error = new MatcherError("Cannot query index", MatcherStatus.CUDA_ERROR, "MATCHER_CUDA_ERROR", "illegal address");
 * console.assert(error.code === MatcherStatus.CUDA_ERROR);
 * console.assert(error.message === "Cannot query index: MATCHER_CUDA_ERROR: illegal address");
 * ```
 */
export class MatcherError extends Error {
  /** The C status code (`MatcherStatus`). */
  readonly code: number;
  /** The C status name, e.g. `"MATCHER_INVALID_ARGUMENT"`. */
  readonly status: string;

  /** Builds the error from the failed action, the status and the library's last-error message. */
  constructor(action: string, code: number, status: string, detail: string) {
    super(`${action}: ${status}${detail === "" ? "" : `: ${detail}`}`);
    this.name = "MatcherError";
    this.code = code;
    this.status = status;
  }
}

/** A loaded libmatcher. */
export interface MatcherLibrary {
  /** The library's functions. */
  readonly symbols: MatcherSymbols;
  /** Where it was loaded from. */
  readonly path: string;
  /** `matcher_version()`: major * 10000 + minor * 100 + patch. */
  readonly version: number;
}

let loaded: MatcherLibrary | undefined;

function isPermissionError(error: unknown): boolean {
  return error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotCapable;
}

function fileUrlToPath(url: URL): string {
  return decodeURIComponent(url.pathname);
}

/**
 * The places libmatcher is looked for, in order: `$LIBMATCHER_PATH`, the build folder next to this
 * module (`cuda/build/libmatcher.so` of the checkout), and the folder of the running executable
 * (for `deno compile` binaries shipped with the library beside them).
 */
export function libraryCandidates(): string[] {
  const paths: string[] = [];
  const fromEnv = Deno.env.get("LIBMATCHER_PATH");
  if (fromEnv !== undefined && fromEnv !== "") paths.push(fromEnv);
  const nextToModule = new URL("../../../cuda/build/libmatcher.so", import.meta.url);
  if (nextToModule.protocol === "file:") paths.push(fileUrlToPath(nextToModule));
  const exec = Deno.execPath();
  paths.push(`${exec.slice(0, exec.lastIndexOf("/") + 1)}libmatcher.so`);
  return paths;
}

/**
 * Loads libmatcher once per process (later calls return the same library) and checks its version.
 * Permission errors (no `--allow-ffi`, `--allow-env` or `--allow-read`) pass through unchanged.
 *
 * @example Loading, or saying why not
 * ```ts
 * import { loadMatcher } from "./library.ts";
 * try {
 *   const lib = loadMatcher();
 *   console.log(`libmatcher ${lib.version} from ${lib.path}`);
 * } catch (error) {
 *   console.log((error as Error).message);
 * }
 * ```
 */
export function loadMatcher(): MatcherLibrary {
  if (loaded !== undefined) return loaded;
  const tried: string[] = [];
  for (const path of libraryCandidates()) {
    let library: Deno.DynamicLibrary<typeof symbols>;
    try {
      library = Deno.dlopen(path, symbols);
    } catch (error) {
      if (isPermissionError(error)) throw error;
      tried.push(`${path} (${error instanceof Error ? error.message : String(error)})`);
      continue;
    }
    const version = library.symbols.matcher_version();
    const major = Math.floor(version / 10000);
    if (major !== MATCHER_VERSION_MAJOR) {
      library.close();
      throw new Error(
        `Cannot load libmatcher: version ${major}.${Math.floor(version / 100) % 100} found, ` +
          `${MATCHER_VERSION_MAJOR}.x required (${path})`,
      );
    }
    loaded = { symbols: library.symbols, path, version };
    return loaded;
  }
  throw new Error(
    `Cannot load libmatcher: tried ${tried.join("; ")}: run \`deno task build:native\` or set LIBMATCHER_PATH`,
  );
}

/** Reads a NUL-terminated C string. */
export function cString(pointer: Deno.PointerValue): string {
  return pointer === null ? "" : Deno.UnsafePointerView.getCString(pointer);
}

/** The name of a status code, from the library itself. */
export function statusName(lib: MatcherLibrary, code: number): string {
  return cString(lib.symbols.matcher_status_string(code));
}

/**
 * A `MatcherError` for a failed call. `detail` is the library's message, which starts with the same
 * action ("Cannot query index: ..."); the repetition is dropped.
 */
export function matcherError(lib: MatcherLibrary, action: string, code: number, detail: string): MatcherError {
  const prefix = `${action}: `;
  const rest = detail.startsWith(prefix) ? detail.slice(prefix.length) : detail;
  return new MatcherError(action, code, statusName(lib, code), rest);
}

/** A `MatcherError` for a failed call, with the calling thread's last-error message. */
export function threadError(lib: MatcherLibrary, action: string, code: number): MatcherError {
  return matcherError(lib, action, code, cString(lib.symbols.matcher_last_error()));
}
