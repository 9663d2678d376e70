/**
 * The store's domain error.
 *
 * @module
 */

/**
 * The store could not do its job for an operational reason: the disk is full or read-only, the
 * database is locked by another process past the busy timeout, the data directory cannot be opened,
 * or the store was closed. The request was not applied (a learn is all or nothing), so the HTTP layer
 * answers 503 and the client may retry. The original error is kept as `cause`.
 *
 * Bad arguments are not this error: they throw `TypeError` or `RangeError`.
 *
 * @example Recognise the error and keep the driver's error for the log
 * ```ts
 * import { ok } from "node:assert";
 * import { StoreUnavailableError } from "./errors.ts";
 *
 * const cause = new Error("database or disk is full");
 * const error = new StoreUnavailableError("Cannot learn: database or disk is full", { cause });
 * ok(error instanceof StoreUnavailableError);
 * ok(error.cause === cause);
 * ok(error.name === "StoreUnavailableError");
 * ```
 */
export class StoreUnavailableError extends Error {
  /** Wraps `options.cause` (the driver's error) under a message that names the failed action. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StoreUnavailableError";
  }
}
