/**
 * The one place where errors become HTTP responses, with SEMANTICS.md's bodies.
 *
 * @module
 */

import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { StoreUnavailableError } from "../store/errors.ts";
import { ConfigValidationError } from "../service/session_config.ts";
import { BadRequestError, NotFoundError, SessionNotFoundError } from "../service/errors.ts";
import { LimitExceededError } from "../service/limits.ts";
import { ValidationError } from "./validation.ts";

/** Maps an error thrown by a handler to its JSON response; unknown errors are logged and become 500. */
export function errorResponse(error: unknown, c: Context, log: (message: string) => void): Response {
  if (error instanceof SessionNotFoundError) {
    return c.json({ error: { code: "SESSION_NOT_FOUND", message: error.message, session_id: error.sessionId } }, 404);
  }
  if (error instanceof ValidationError) return c.json({ detail: error.detail }, 422);
  if (error instanceof ConfigValidationError) {
    return c.json({ detail: { error: "Configuration validation failed", validation_errors: error.errors } }, 400);
  }
  if (error instanceof BadRequestError) return c.json({ detail: error.detail }, 400);
  if (error instanceof NotFoundError) return c.json(error.body, 404);
  if (error instanceof LimitExceededError) return c.json({ detail: error.message }, error.status);
  if (error instanceof StoreUnavailableError) {
    log(`Store unavailable: ${error.message}`);
    // Nothing was applied and the fault may clear (a lock released, space freed): the client may retry.
    c.header("Retry-After", "1");
    return c.json({ detail: `Service unavailable: the pattern store cannot be reached (${error.message})` }, 503);
  }
  if (error instanceof HTTPException) {
    return c.json({ detail: error.message || "Request rejected" }, error.status);
  }
  log(`Unhandled error on ${c.req.method} ${c.req.path}: ${(error as Error)?.stack ?? String(error)}`);
  return c.json({ detail: "Internal server error" }, 500);
}
