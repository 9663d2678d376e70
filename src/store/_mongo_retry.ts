/**
 * Error classification, bounded retries and error translation for {@linkcode MongoStore}. Pure
 * apart from the timer, so `tests/mongo_docs_test.ts` covers it without a server. Private to
 * `src/store`.
 *
 * @module
 */

import { BSON, MongoError, MongoNetworkError, MongoServerSelectionError } from "mongodb";

const { BSONError } = BSON;
import { StoreUnavailableError } from "./errors.ts";

/** How often and how patiently an operation is retried. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Delay before the second attempt; doubled each time, with jitter. */
  baseDelayMs: number;
  /** Cap of one delay. */
  maxDelayMs: number;
}

/**
 * 8 attempts over at most ~2.5 s: enough to ride out a burst of write conflicts on a hot pattern or
 * totals document. An election takes longer, but then the next attempt waits in server selection
 * (up to `serverSelectionTimeoutMS`) for the new primary, so few attempts are spent on it.
 */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, baseDelayMs: 20, maxDelayMs: 800 };

/** Server error codes after which the same operation may succeed (elections, shutdowns, network). */
const TRANSIENT_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  89, // NetworkTimeout
  91, // ShutdownInProgress
  112, // WriteConflict
  189, // PrimarySteppedDown
  251, // NoSuchTransaction (the transaction was aborted under us, e.g. by a failover)
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/** A compare-and-set that lost to a concurrent writer: re-read and try again. */
export class ConflictRetry extends Error {
  /** Names the document that changed under the writer. */
  constructor(message: string) {
    super(message);
    this.name = "ConflictRetry";
  }
}

/**
 * Whether retrying may succeed. Server selection timeouts are not retried: they already waited
 * `serverSelectionTimeoutMS`, and the caller should hear 503 rather than wait several times that.
 */
export function isTransientError(error: unknown): boolean {
  if (error instanceof ConflictRetry) return true;
  if (!(error instanceof MongoError) || error instanceof MongoServerSelectionError) return false;
  if (error.hasErrorLabel("TransientTransactionError") || error.hasErrorLabel("RetryableWriteError")) return true;
  if (error.hasErrorLabel("UnknownTransactionCommitResult")) return true;
  if (error instanceof MongoNetworkError) return true;
  return typeof error.code === "number" && TRANSIENT_CODES.has(error.code);
}

/** Whether the error is a unique-index violation (E11000), alone or inside a bulk write. */
export function isDuplicateKeyError(error: unknown): boolean {
  if (!(error instanceof MongoError)) return false;
  if (error.code === 11000) return true;
  const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
  return Array.isArray(writeErrors) && writeErrors.some((e: { code?: number }) => e?.code === 11000);
}

/** Whether the error means a document exceeded MongoDB's 16 MiB limit: the caller's data, not the server. */
export function isTooLargeError(error: unknown): boolean {
  if (error instanceof MongoError && (error.code === 10334 || error.code === 17419 || error.code === 17420)) {
    return true;
  }
  return (error instanceof MongoError || error instanceof BSONError) && /larger than the maximum/i.test(error.message);
}

/**
 * The delay before attempt `attempt + 1` (`attempt` ≥ 1): exponential, capped, with jitter between
 * half and all of it so that writers that collided do not collide again in lockstep.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling * (0.5 + random() / 2));
}

/**
 * The store's error for a driver error: `StoreUnavailableError` (HTTP 503) for anything the driver
 * or server raised, `RangeError` for a document over 16 MiB (a bad argument), and any other error
 * (the store's own `TypeError`/`RangeError`, a caller's callback) unchanged.
 */
export function translateMongoError(action: string, error: unknown): unknown {
  if (error instanceof StoreUnavailableError) return error;
  if (isTooLargeError(error)) {
    return new RangeError(`Cannot ${action}: a document exceeds MongoDB's 16 MiB limit`, { cause: error });
  }
  if (error instanceof MongoError || error instanceof BSONError || error instanceof ConflictRetry) {
    return new StoreUnavailableError(`Cannot ${action}: ${error.message}`, { cause: error });
  }
  return error;
}

/**
 * Runs `body` until it succeeds, `canRetry` refuses its error, or the attempts are spent; the last
 * error is translated with {@linkcode translateMongoError}.
 */
export async function withRetry<T>(
  action: string,
  policy: RetryPolicy,
  body: (attempt: number) => Promise<T>,
  canRetry: (error: unknown) => boolean = isTransientError,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await body(attempt);
    } catch (error) {
      if (attempt >= policy.attempts || !canRetry(error)) throw translateMongoError(action, error);
      await sleep(backoffDelay(attempt, policy));
    }
  }
}
