/**
 * The load generator of the scale run: `clients` concurrent loops of `GET /sessions/{id}/predictions`
 * against a server on loopback, bounded both in time and in requests. Each request's latency is taken
 * on the client; the server's `Server-Timing` header says how much of it was matching and how much
 * KATO's prediction, and how many candidates there were.
 *
 * @module
 */

import { type Percentiles, percentiles } from "./_stats.ts";

/** What to run. */
export interface LoadOptions {
  /** `http://127.0.0.1:<port>`: loopback only. */
  base: string;
  /** Sessions with their STM in place; clients take them round-robin, so requests differ. */
  sessions: readonly string[];
  clients: number;
  /** Stop after this long... */
  durationMs: number;
  /** ...or after this many requests, whichever comes first. */
  maxRequests: number;
  /** Requests per client before timing starts (JIT, caches, the device's clocks). */
  warmup?: number;
}

/** What a run measured. */
export interface LoadResult {
  clients: number;
  requests: number;
  errors: number;
  seconds: number;
  /** Completed requests per second. */
  throughput: number;
  latency: Percentiles;
  /** From `Server-Timing`: the index query over both tiers, and native scoring where pruning needs it. */
  match: Percentiles;
  /** From `Server-Timing`: pruning, decoding and aligning the kept candidates, metrics and ranking. */
  predict: Percentiles;
  candidatesPerQuery: number;
  predictionsPerQuery: number;
  /** The first failure seen, if any. */
  firstError?: string;
}

const TIMING = /match;dur=([\d.]+), predict;dur=([\d.]+), candidates;desc="(\d+)"/;

/** Runs the load and summarises it; requests that fail are counted, not timed. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const host = new URL(options.base).hostname;
  if (host !== "127.0.0.1" && host !== "localhost" && host !== "[::1]") {
    throw new RangeError(`Cannot run load: ${options.base} is not loopback`);
  }
  if (options.sessions.length === 0) throw new RangeError("Cannot run load: no sessions");
  const latency: number[] = [];
  const match: number[] = [];
  const predict: number[] = [];
  let candidates = 0;
  let predictions = 0;
  let errors = 0;
  let firstError: string | undefined;
  let issued = 0;
  let next = 0;

  const request = async (sessionId: string, timed: boolean) => {
    const started = performance.now();
    try {
      const response = await fetch(`${options.base}/sessions/${sessionId}/predictions`);
      const body = await response.text();
      const elapsed = performance.now() - started;
      if (!response.ok) throw new Error(`${response.status} ${body.slice(0, 200)}`);
      if (!timed) return;
      latency.push(elapsed);
      const timing = TIMING.exec(response.headers.get("server-timing") ?? "");
      if (timing !== null) {
        match.push(Number(timing[1]));
        predict.push(Number(timing[2]));
        candidates += Number(timing[3]);
      }
      // `"count":N` is the body's own tally; reading it avoids parsing a large body on the client.
      predictions += Number(/"count":(\d+)/.exec(body)?.[1] ?? 0);
    } catch (error) {
      if (!timed) return;
      errors++;
      firstError ??= String(error);
    }
  };

  // Warm-up is bounded too: at most a quarter of the run's time (a slow workload gets fewer rounds).
  const warmupEnd = performance.now() + options.durationMs / 4;
  for (let round = 0; round < (options.warmup ?? 2) && performance.now() < warmupEnd; round++) {
    await Promise.all(
      Array.from(
        { length: options.clients },
        () => request(options.sessions[next++ % options.sessions.length]!, false),
      ),
    );
  }
  const started = performance.now();
  const deadline = started + options.durationMs;
  const client = async () => {
    while (performance.now() < deadline && issued < options.maxRequests) {
      issued++;
      await request(options.sessions[next++ % options.sessions.length]!, true);
    }
  };
  await Promise.all(Array.from({ length: options.clients }, client));
  const seconds = (performance.now() - started) / 1000;
  const done = latency.length;
  return {
    clients: options.clients,
    requests: done,
    errors,
    seconds: Math.round(seconds * 1000) / 1000,
    throughput: Number((done / seconds).toPrecision(4)),
    latency: percentiles(latency),
    match: percentiles(match),
    predict: percentiles(predict),
    candidatesPerQuery: done === 0 ? 0 : candidates / done,
    predictionsPerQuery: done === 0 ? 0 : predictions / done,
    ...(firstError === undefined ? {} : { firstError }),
  };
}
