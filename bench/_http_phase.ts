/**
 * The HTTP phase of the scale run: the dataset seeded into an embedded store (once; reused after),
 * the real server started on it as its own process (cold start timed: spawn to listening), then over
 * loopback: predictions with one client and with many (`_loadgen.ts`), learn latency, the server's
 * resident memory and device memory.
 *
 * @module
 */

import { openStore } from "../src/store/mod.ts";
import { spawnServer } from "../tests/_server.ts";
import type { Dataset } from "./_dataset.ts";
import { type LoadResult, runLoad } from "./_loadgen.ts";
import { processDeviceBytes, processMemory } from "./_machine.ts";
import { type SeedReport, seedStore } from "./_seed_store.ts";
import { type Percentiles, percentiles } from "./_stats.ts";

/** What the phase runs. */
export interface HttpOptions {
  dataDir: string;
  dataset: Dataset;
  /** Query states as the events a client observes, one observe call per event. */
  states: readonly (readonly string[])[][];
  thresholds: readonly number[];
  /** Concurrent clients per run, e.g. [1, 32]. */
  clients: readonly number[];
  durationMs: number;
  maxRequests: number;
  learns: number;
  maxPredictions: number;
  /** Environment of the server beyond the defaults (GPU_ENABLED, LOAD_WORKERS...). */
  env: Record<string, string>;
  /** Thresholds not to run, with why (the engine phase found too many candidates for HTTP). */
  skipThresholds: ReadonlyMap<number, string>;
  /** How long the server may take to listen. */
  readyTimeoutMs: number;
  log: (line: string) => void;
}

/** One load run at one threshold. */
export interface HttpRun extends LoadResult {
  threshold: number;
}

/** The phase's measurements for one server configuration. */
export interface HttpRow {
  /** `/gpu/status` backend: `cuda`, `cpu` or `ts`. */
  backend: string;
  engine: string;
  /** Null when the store was already seeded. */
  seed: SeedReport | null;
  storeBytes: number;
  coldStart: { seconds: number; loadSeconds: number | null; promoteMs: number | null };
  memoryAfterStart: { rssBytes: number; peakRssBytes: number } | null;
  memoryAfterRuns: { rssBytes: number; peakRssBytes: number } | null;
  /** The index's device allocation (`/gpu/status`). */
  deviceBytes: number;
  /** The server process's whole GPU footprint, CUDA context included (nvidia-smi). */
  deviceProcessBytes: number | null;
  runs: HttpRun[];
  /** Runs left out, and why (one request already slower than the run's whole time allows). */
  skipped: { threshold: number; clients: number; reason: string }[];
  /** POST learn with its two events already observed, one client, ms. */
  learn: Percentiles;
}

export const NODE_ID = "scale";
/** Learns go to their own node, so a reused store keeps exactly the dataset's patterns. */
const LEARN_NODE_ID = "scale-learn";

/** Seeds the store when it is short of the dataset's patterns. */
export async function ensureSeeded(
  dataDir: string,
  dataset: Dataset,
  log: (line: string) => void,
): Promise<SeedReport | null> {
  const store = await openStore({ dataDir, mongodbUrl: undefined });
  try {
    const present = await store.countPatterns(NODE_ID);
    if (present > dataset.spec.patterns) {
      throw new RangeError(
        `Cannot reuse ${dataDir}: it holds ${present} patterns, the dataset ${dataset.spec.patterns}; delete it`,
      );
    }
    if (present === dataset.spec.patterns) return null;
    log(`seeding ${dataDir} with ${dataset.spec.patterns} patterns`);
    return await seedStore(store, NODE_ID, dataset, log);
  } finally {
    await store.close();
  }
}

// deno-lint-ignore no-explicit-any -- benchmark responses are read field by field
async function call(base: string, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

async function observeAll(base: string, sessionId: string, events: readonly (readonly string[])[]) {
  for (const strings of events) await call(base, "POST", `/sessions/${sessionId}/observe`, { strings });
}

/** Runs the phase with one server configuration. */
export async function measureHttp(options: HttpOptions): Promise<HttpRow> {
  const { log } = options;
  const seed = await ensureSeeded(options.dataDir, options.dataset, log);
  const storeBytes = (await Deno.stat(`${options.dataDir}/kato.db`)).size;
  const started = performance.now();
  const server = await spawnServer(options.dataDir, {
    NATIVE_ENABLED: "true",
    LOG_LEVEL: "info",
    MONGODB_URL: "",
    KATO_API_KEYS: "",
    KATO_API_KEYS_FILE: "",
    ...options.env,
  }, options.readyTimeoutMs);
  const coldSeconds = (performance.now() - started) / 1000;
  const pid = server.child.pid;
  let exited: Deno.CommandStatus | undefined;
  server.child.status.then((status) => exited = status);
  /** A dead server fails the phase with its own last words, not with a run of connection errors. */
  const alive = async () => {
    if (exited === undefined) return;
    const tail = (await server.log).split("\n").slice(-12).join("\n");
    throw new Error(`Cannot measure: the server exited (code ${exited.code}, signal ${exited.signal}):\n${tail}`);
  };
  try {
    const memoryAfterStart = processMemory(pid) ?? null;
    const status = await call(server.base, "GET", "/gpu/status");
    log(`server ${status.backend} ready in ${coldSeconds.toFixed(1)} s, rss ${memoryAfterStart?.rssBytes} B`);
    const sessions: string[] = [];
    for (const state of options.states) {
      const { session_id } = await call(server.base, "POST", "/sessions", { node_id: NODE_ID });
      await observeAll(server.base, session_id, state);
      sessions.push(session_id);
    }
    const runs: HttpRun[] = [];
    const skipped: HttpRow["skipped"] = [];
    for (const threshold of options.thresholds) {
      const skip = options.skipThresholds.get(threshold);
      if (skip !== undefined) {
        for (const clients of options.clients) skipped.push({ threshold, clients, reason: skip });
        log(`http t=${threshold}: skipped, ${skip}`);
        continue;
      }
      for (const id of sessions) {
        await call(server.base, "POST", `/sessions/${id}/config`, {
          recall_threshold: threshold,
          max_predictions: options.maxPredictions,
        });
      }
      let fewest: HttpRun | undefined;
      for (const clients of [...options.clients].sort((a, b) => a - b)) {
        // Clients queue behind one another on a slow workload: 32 clients of 40 s requests would run
        // for 20 minutes and hold 32 candidate sets at once. Measured with fewer clients, said here.
        if (fewest !== undefined && fewest.latency.p50 * clients > options.durationMs) {
          const reason = `one request takes ${fewest.latency.p50.toFixed(0)} ms with ${fewest.clients} client(s); ` +
            `${clients} clients would queue past the ${options.durationMs / 1000} s run`;
          skipped.push({ threshold, clients, reason });
          log(`http t=${threshold} clients=${clients}: skipped, ${reason}`);
          continue;
        }
        const result = await runLoad({
          base: server.base,
          sessions,
          clients,
          durationMs: options.durationMs,
          maxRequests: options.maxRequests,
        });
        await alive();
        runs.push({ threshold, ...result });
        fewest ??= { threshold, ...result };
        log(
          `http t=${threshold} clients=${clients}: ${result.requests} requests, p50 ${result.latency.p50} ms, ` +
            `p99 ${result.latency.p99} ms, ${result.throughput}/s, match p50 ${result.match.p50} ms, ` +
            `${result.candidatesPerQuery.toFixed(0)} candidates` + (result.errors ? `, ${result.errors} ERRORS` : ""),
        );
      }
    }
    const deviceProcessBytes = processDeviceBytes(pid) ?? null;
    const learn = await measureLearn(server.base, options);
    log(`learn: p50 ${learn.p50} ms, p99 ${learn.p99} ms`);
    // Sessions are durable: leave the store as the phase found it.
    for (const id of sessions) await call(server.base, "DELETE", `/sessions/${id}`);
    const memoryAfterRuns = processMemory(pid) ?? null;
    const text = () => server.log;
    server.child.kill("SIGTERM");
    await server.child.status;
    const lines = await text();
    const load = /Loaded node \S+: \d+ patterns in ([\d.]+) s/.exec(lines);
    const promote = /Promoted loaded patterns to the \S+ tier in (\d+) ms/.exec(lines);
    return {
      backend: status.backend,
      engine: status.engine,
      seed,
      storeBytes,
      coldStart: {
        seconds: Math.round(coldSeconds * 100) / 100,
        loadSeconds: load ? Number(load[1]) : null,
        promoteMs: promote ? Number(promote[1]) : null,
      },
      memoryAfterStart,
      memoryAfterRuns,
      deviceBytes: status.device_memory_used_bytes ?? 0,
      deviceProcessBytes,
      runs,
      skipped,
      learn,
    };
  } finally {
    try {
      server.child.kill("SIGKILL");
    } catch { /* already stopped */ }
  }
}

/** Learns `options.learns` new patterns of known symbols: observe two events (untimed), then time learn. */
async function measureLearn(base: string, options: HttpOptions): Promise<Percentiles> {
  const { session_id } = await call(base, "POST", "/sessions", { node_id: LEARN_NODE_ID });
  const times: number[] = [];
  for (let i = 0; i < options.learns; i++) {
    // States far past the query states: new patterns, made of the dataset's own symbols.
    const events = options.dataset.stateEvents(1_000_000 + i, 2 * options.dataset.spec.eventSize);
    await observeAll(base, session_id, events);
    const started = performance.now();
    const learned = await call(base, "POST", `/sessions/${session_id}/learn`);
    times.push(performance.now() - started);
    if (learned.status !== "learned") throw new Error(`learn ${i}: ${JSON.stringify(learned)}`);
  }
  // Forget them (patterns and statistics of the learn node), so the next run learns new patterns too.
  await call(base, "POST", `/sessions/${session_id}/clear-all`);
  await call(base, "DELETE", `/sessions/${session_id}`);
  return percentiles(times);
}
