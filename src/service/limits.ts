/**
 * Resource limits: what one request, one session and one node may hold, and the error that says
 * which limit a request hit. Defaults are sized so that a typical KATO client never meets them.
 *
 * @module
 */

/** Every configurable limit (see docs/OPERATIONS.md for the environment variables). */
export interface Limits {
  /** Request body bytes (MAX_BODY_BYTES); more is 413. */
  maxBodyBytes: number;
  /** Symbols in one observation's `strings` (MAX_SYMBOLS_PER_OBSERVATION); more is 413. */
  maxSymbolsPerObservation: number;
  /** UTF-8 bytes of one symbol (MAX_SYMBOL_BYTES); longer is 413. */
  maxSymbolBytes: number;
  /** JSON bytes of one observation's `emotives` plus `metadata` (MAX_METADATA_BYTES); more is 413. */
  maxMetadataBytes: number;
  /** Observations in one observe-sequence (MAX_SEQUENCE_OBSERVATIONS); more is 413. */
  maxSequenceObservations: number;
  /** Active sessions per node (MAX_SESSIONS_PER_NODE); creating one more is 429. */
  maxSessionsPerNode: number;
  /** Active sessions in all (MAX_SESSIONS); creating one more is 429. */
  maxSessions: number;
  /** STM events kept (MAX_STM_EVENTS, KATO's 1000): the oldest are dropped, as KATO does. */
  maxStmEvents: number;
  /** STM symbols kept (MAX_STM_SYMBOLS): the oldest events are dropped until the STM fits. */
  maxStmSymbols: number;
  /**
   * Candidates one prediction may rank (MAX_PREDICTION_CANDIDATES): past it the request is refused
   * with 422 instead of holding millions of candidates (at a low threshold on a large node, enough of
   * those at once would run the process out of heap).
   */
  maxPredictionCandidates: number;
}

/**
 * The defaults.
 *
 * @example The STM keeps KATO's 1000 events
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { DEFAULT_LIMITS } from "./limits.ts";
 * strictEqual(DEFAULT_LIMITS.maxStmEvents, 1000);
 * ```
 */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxBodyBytes: 4 * 1024 * 1024,
  maxSymbolsPerObservation: 1000,
  maxSymbolBytes: 1024,
  maxMetadataBytes: 16 * 1024,
  maxSequenceObservations: 10_000,
  maxSessionsPerNode: 1000,
  maxSessions: 100_000,
  maxStmEvents: 1000,
  maxStmSymbols: 100_000,
  maxPredictionCandidates: 2_000_000,
});

/**
 * A request exceeds a configured limit: nothing was applied. `status` is 413 for request content
 * and 429 for a quota; the HTTP layer answers `{"detail": message}`.
 *
 * @example Report a limit
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { LimitExceededError } from "./limits.ts";
 * const error = new LimitExceededError(413, "Cannot observe: 2000 symbols in one observation, at most 1000");
 * strictEqual(error.status, 413);
 * ```
 */
export class LimitExceededError extends Error {
  /** The HTTP status that reports it. */
  readonly status: 413 | 422 | 429;
  constructor(status: 413 | 422 | 429, message: string) {
    super(message);
    this.name = "LimitExceededError";
    this.status = status;
  }
}

/**
 * UTF-8 length of a string without encoding it.
 *
 * @example Count bytes, not UTF-16 units
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { utf8Length } from "./limits.ts";
 * strictEqual(utf8Length("aé😀"), 1 + 2 + 4);
 * ```
 */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Drops the oldest events until the STM holds at most `maxStmEvents` events and `maxStmSymbols`
 * symbols; returns `stm` itself when it fits. The newest event is always kept, so an observation
 * is never lost to the symbol bound (`maxSymbolsPerObservation` bounds a single event).
 *
 * @example Drop the oldest events
 * ```ts
 * import { deepStrictEqual } from "node:assert";
 * import { trimStm } from "./limits.ts";
 * deepStrictEqual(trimStm([["a", "b"], ["c"], ["d"]], { maxStmEvents: 10, maxStmSymbols: 2 }), [["c"], ["d"]]);
 * ```
 */
export function trimStm<T extends readonly unknown[]>(
  stm: T[],
  limits: Pick<Limits, "maxStmEvents" | "maxStmSymbols">,
): T[] {
  let start = Math.max(0, stm.length - limits.maxStmEvents);
  let symbols = 0;
  for (let i = start; i < stm.length; i++) symbols += stm[i]!.length;
  while (symbols > limits.maxStmSymbols && start < stm.length - 1) symbols -= stm[start++]!.length;
  return start === 0 ? stm : stm.slice(start);
}
