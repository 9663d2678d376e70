/**
 * Domain errors of the service layer; `src/http/errors.ts` maps each to its documented JSON body.
 *
 * @module
 */

/** A session id that is unknown or expired. */
export class SessionNotFoundError extends Error {
  readonly sessionId: string;
  constructor(sessionId: string) {
    super(`Session ${sessionId} not found or expired`);
    this.name = "SessionNotFoundError";
    this.sessionId = sessionId;
  }
}

/** A request that is well-formed but cannot be carried out (HTTP 400 with `detail`). */
export class BadRequestError extends Error {
  readonly detail: unknown;
  constructor(detail: string | Record<string, unknown>) {
    super(typeof detail === "string" ? detail : JSON.stringify(detail));
    this.name = "BadRequestError";
    this.detail = detail;
  }
}

/** Something named in the request does not exist (HTTP 404 with a body of the caller's choosing). */
export class NotFoundError extends Error {
  readonly body: unknown;
  constructor(message: string, body: unknown) {
    super(message);
    this.name = "NotFoundError";
    this.body = body;
  }
}
