/**
 * Graceful shutdown: refuse new requests, let in-flight ones finish within a deadline, stop the
 * server, then release the engine and close the store, so that every acknowledged write is on disk.
 *
 * `Deno.HttpServer.shutdown()` alone is not enough: it cuts off request bodies still arriving, so an
 * upload in progress at SIGTERM would fail. {@linkcode RequestDrain} counts requests itself and the
 * server is shut down only once they are answered.
 *
 * @module
 */

import type { Logger } from "../log.ts";

/** A fetch handler, as `Deno.serve` takes it. */
export type FetchHandler = (request: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>;

/**
 * Counts in-flight requests and, once draining, answers new ones 503 with `Connection: close`, so
 * clients and load balancers (whose `/health` probe fails too) move on while the rest finish.
 *
 * @example Refuse requests once draining
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { RequestDrain } from "./shutdown.ts";
 *
 * const drain = new RequestDrain();
 * const handler = drain.wrap(() => new Response("ok"));
 * const info = {} as Deno.ServeHandlerInfo;
 * strictEqual((await handler(new Request("http://x/"), info)).status, 200);
 * drain.begin();
 * strictEqual((await handler(new Request("http://x/"), info)).status, 503);
 * await drain.idle();
 * ```
 */
export class RequestDrain {
  #active = 0;
  #draining = false;
  #waiters: (() => void)[] = [];

  /** Requests being handled now. */
  get active(): number {
    return this.#active;
  }

  /** Whether new requests are refused. */
  get draining(): boolean {
    return this.#draining;
  }

  /** Wraps the app's handler with the count and the refusal. */
  wrap(handler: FetchHandler): FetchHandler {
    return async (request, info) => {
      if (this.#draining) {
        return Response.json({ detail: "Service unavailable: shutting down" }, {
          status: 503,
          headers: { connection: "close", "retry-after": "1" },
        });
      }
      this.#active++;
      try {
        return await handler(request, info);
      } finally {
        this.#active--;
        if (this.#active === 0) { for (const wake of this.#waiters.splice(0)) wake(); }
      }
    };
  }

  /** Refuses every request from now on. */
  begin(): void {
    this.#draining = true;
  }

  /** Resolves when no request is in flight. */
  idle(): Promise<void> {
    if (this.#active === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

/** What {@linkcode gracefulShutdown} stops. */
export interface ShutdownOptions {
  /** The server; `shutdown()` closes the listener and its connections. */
  server: { shutdown(): Promise<void> };
  /** The drain wrapped around the server's handler. */
  drain: RequestDrain;
  /** Releases the engine and closes the store (`BuiltService.close`). */
  close: () => Promise<void>;
  /** How long in-flight requests may take (SHUTDOWN_TIMEOUT_MS) before the store closes anyway. */
  timeoutMs: number;
  log: Pick<Logger, "info" | "warn" | "error">;
}

/**
 * Returns the signal handler: the first call drains and closes, later calls return the same
 * promise. It resolves to the exit code: 0 when every request finished in time and the store
 * closed cleanly, 1 otherwise. After the deadline the store closes under the remaining requests:
 * their writes fail whole (503), as SQLite commits are synchronous, and nothing half-written stays.
 *
 * @example Drain and close
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { gracefulShutdown, RequestDrain } from "./shutdown.ts";
 * import { createLogger } from "../log.ts";
 *
 * let closed = false;
 * const shutdown = gracefulShutdown({
 *   server: { shutdown: () => Promise.resolve() },
 *   drain: new RequestDrain(),
 *   close: () => {
 *     closed = true;
 *     return Promise.resolve();
 *   },
 *   timeoutMs: 1000,
 *   log: createLogger("error"),
 * });
 * strictEqual(await shutdown("SIGTERM"), 0);
 * strictEqual(closed, true);
 * ```
 */
export function gracefulShutdown(options: ShutdownOptions): (signal: string) => Promise<number> {
  let stopping: Promise<number> | undefined;
  return (signal) => stopping ??= stop(signal, options);
}

async function stop(signal: string, { server, drain, close, timeoutMs, log }: ShutdownOptions): Promise<number> {
  const started = performance.now();
  log.info(`${signal} received: refusing new requests, finishing ${drain.active} in flight (up to ${timeoutMs} ms)`);
  drain.begin();
  let code = 0;
  const remaining = () => Math.max(0, timeoutMs - (performance.now() - started));
  if (!await within(drain.idle(), remaining())) {
    log.warn(`${drain.active} requests still running after ${timeoutMs} ms (SHUTDOWN_TIMEOUT_MS): closing under them`);
    code = 1;
  }
  try {
    // Responses still being written get what is left of the deadline.
    if (!await within(server.shutdown(), Math.max(remaining(), 100))) code = 1;
  } catch (error) {
    log.error(`Cannot stop the server cleanly: ${error}`);
    code = 1;
  }
  try {
    await close();
  } catch (error) {
    log.error(`Cannot close the store cleanly: ${error}`);
    code = 1;
  }
  log.info(`Stopped in ${(performance.now() - started).toFixed(0)} ms`);
  return code;
}

/** Whether `promise` settles within `ms`; a rejection propagates. */
async function within(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
  try {
    return await Promise.race([promise.then(() => true as const), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
