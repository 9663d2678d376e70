/**
 * `deno task soak`: runs the real server on loopback for a bounded time under concurrent
 * observe/learn/predict clients, stops it with SIGTERM, restarts on the same data and checks that
 * every acknowledged learn is there. Prints a JSON summary; exits 1 if any request failed, a learn
 * went missing, shutdown was not clean, or memory kept growing.
 *
 * ```sh
 * deno task soak                        # 60 s, 8 clients
 * deno task soak --duration 300 --clients 16
 * ```
 *
 * Clients learn from a bounded set of patterns (re-learning bumps frequencies) and churn their
 * sessions, so after warm-up the service's state stops growing and so should its memory.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { buildService } from "../src/bootstrap.ts";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/log.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    duration: { type: "string", default: "60" },
    clients: { type: "string", default: "8" },
    patterns: { type: "string", default: "300" },
    keep: { type: "boolean", default: false },
  },
});
const DURATION_MS = Number(values.duration) * 1000;
const CLIENTS = Number(values.clients);
const PATTERNS = Number(values.patterns);
const NODES = ["soak-a", "soak-b"];
/** Memory may grow this much from the end of warm-up to the end (GC noise, caches settling). */
const FLAT_TOLERANCE = { ratio: 0.15, mb: 24 };

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const dataDir = await Deno.makeTempDir({ prefix: "kato-soak-" });

const server = new Deno.Command(Deno.execPath(), {
  args: ["run", "--allow-net", "--allow-env", "--allow-read", "--allow-write", "--allow-ffi", "--allow-sys", MAIN],
  // Loopback, the SQLite store and no keys, whatever this shell's environment says.
  env: {
    DATA_DIR: dataDir,
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "info",
    MONGODB_URL: "",
    KATO_API_KEYS: "",
    KATO_API_KEYS_FILE: "",
  },
  stdout: "null",
  stderr: "piped",
}).spawn();
let logText = "";
let listening: (base: string) => void = () => {};
const listeningAt = new Promise<string>((resolve) => listening = resolve);
const serverLog = (async () => {
  for await (const chunk of server.stderr.pipeThrough(new TextDecoderStream())) {
    logText += chunk;
    const match = /listening on (http:\/\/\S+)/.exec(logText);
    if (match) listening(match[1]!);
  }
  return logText;
})();

/** Resident set size of the server in MiB, from `ps` (Deno reads another process's /proc only with -A). */
function rssMb(pid: number): number {
  const { stdout } = new Deno.Command("ps", { args: ["-o", "rss=", "-p", String(pid)], stdout: "piped" }).outputSync();
  return Number(new TextDecoder().decode(stdout).trim()) / 1024;
}

/** The server's address once it listens; its log if it exits first. */
async function waitForListening(): Promise<string> {
  const exited = server.status.then(async (status) => {
    throw new Error(`Cannot start the service: it exited with ${status.code}\n${await serverLog}`);
  });
  return await Promise.race([listeningAt, exited]);
}

const latencies = new Map<string, number[]>();
const errors: string[] = [];
/** Acknowledged learns per node and pattern name. */
const acknowledged = new Map<string, number>();

async function call(kind: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const started = performance.now();
  try {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = await response.json();
    if (!response.ok) throw new Error(`${response.status} ${JSON.stringify(json).slice(0, 200)}`);
    return json;
  } catch (error) {
    errors.push(`${kind} ${method} ${path}: ${(error as Error).message}`);
    return {};
  } finally {
    const list = latencies.get(kind) ?? [];
    list.push(performance.now() - started);
    latencies.set(kind, list);
  }
}

/** Pattern `j` of the bounded set: 2-4 events drawn from a small vocabulary. */
function patternEvents(j: number): string[][] {
  const events = [[`w${j % 17}`, `v${j % 13}`], [`t${j}`]];
  if (j % 3 === 0) events.push([`u${j % 7}`]);
  if (j % 5 === 0) events.push([`w${(j + 1) % 17}`, `x${j % 11}`]);
  return events;
}

function acknowledge(node: string, name: unknown): void {
  if (typeof name !== "string" || name === "") return;
  const key = `${node} ${name}`;
  acknowledged.set(key, (acknowledged.get(key) ?? 0) + 1);
}

async function client(index: number, deadline: number): Promise<void> {
  const node = NODES[index % NODES.length]!;
  let sessionId = (await call("create-session", "POST", "/sessions", { node_id: node })).session_id as string;
  for (let round = 0; Date.now() < deadline; round++) {
    const j = (index * 7919 + round * 31) % PATTERNS;
    const events = patternEvents(j);
    if (round % 4 === 3) {
      const out = await call("observe-sequence", "POST", `/sessions/${sessionId}/observe-sequence`, {
        observations: events.map((strings) => ({ strings })),
        learn_at_end: true,
      });
      acknowledge(node, (out.final_learned_pattern as string | undefined)?.replace(/^PTRN\|/, ""));
    } else {
      for (const strings of events) await call("observe", "POST", `/sessions/${sessionId}/observe`, { strings });
      const out = await call("learn", "POST", `/sessions/${sessionId}/learn`);
      acknowledge(node, (out.pattern_name as string | undefined)?.replace(/^PTRN\|/, ""));
    }
    // Predict from the start of another pattern, then start clean.
    for (const strings of patternEvents((j + 1) % PATTERNS).slice(0, 2)) {
      await call("observe", "POST", `/sessions/${sessionId}/observe`, { strings });
    }
    await call("predict", "GET", `/sessions/${sessionId}/predictions`);
    await call("clear-stm", "POST", `/sessions/${sessionId}/clear-stm`);
    if (round % 50 === 49) {
      await call("delete-session", "DELETE", `/sessions/${sessionId}`);
      sessionId = (await call("create-session", "POST", "/sessions", { node_id: node })).session_id as string;
    }
  }
  await call("delete-session", "DELETE", `/sessions/${sessionId}`);
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}

const round = (value: number, digits = 2) => Number(value.toFixed(digits));

const base = await waitForListening();
const rssAtStart = rssMb(server.pid);
const started = Date.now();
const deadline = started + DURATION_MS;
const warmUpEnds = started + Math.max(5000, DURATION_MS * 0.15);
const samples: { at: number; mb: number }[] = [];
const sampler = setInterval(() => samples.push({ at: Date.now(), mb: rssMb(server.pid) }), 1000);
await Promise.all([...Array(CLIENTS)].map((_, i) => client(i, deadline)));
clearInterval(sampler);
const elapsedS = (Date.now() - started) / 1000;
const rssAtEnd = rssMb(server.pid);

const signalled = performance.now();
server.kill("SIGTERM");
const status = await server.status;
const shutdownMs = performance.now() - signalled;

// Restart on the same data, in process, and look for every acknowledged learn.
const built = await buildService(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: "error" }), createLogger("error"));
let missing = 0;
const missingSamples: string[] = [];
for (const [key, count] of acknowledged) {
  const [node, name] = key.split(" ") as [string, string];
  const pattern = await built.store.getPattern(node, name);
  const frequency = pattern?.frequency ?? 0;
  // With no failed request every learn was acknowledged, so the counts must match exactly.
  if (errors.length === 0 ? frequency !== count : frequency < count) {
    missing++;
    if (missingSamples.length < 5) missingSamples.push(`${key}: frequency ${frequency}, acknowledged ${count}`);
  }
}
await built.close();
if (!values.keep) await Deno.remove(dataDir, { recursive: true });

const afterWarmUp = samples.filter((s) => s.at >= warmUpEnds).map((s) => s.mb);
const fifth = Math.max(1, Math.floor(afterWarmUp.length / 5));
const settled = median(afterWarmUp.slice(0, fifth));
const final = median(afterWarmUp.slice(-fifth));
const memoryFlat = final <= settled * (1 + FLAT_TOLERANCE.ratio) || final - settled <= FLAT_TOLERANCE.mb;

const requests: Record<string, number> = {};
const latencyMs: Record<string, { p50: number; p99: number; max: number }> = {};
for (const [kind, list] of [...latencies].sort(([a], [b]) => a < b ? -1 : 1)) {
  const sorted = [...list].sort((a, b) => a - b);
  requests[kind] = list.length;
  latencyMs[kind] = {
    p50: round(percentile(sorted, 0.5)),
    p99: round(percentile(sorted, 0.99)),
    max: round(sorted.at(-1)!),
  };
}
const total = Object.values(requests).reduce((a, b) => a + b, 0);
const learns = [...acknowledged.values()].reduce((a, b) => a + b, 0);
const summary = {
  duration_s: round(elapsedS, 1),
  clients: CLIENTS,
  requests,
  requests_total: total,
  requests_per_s: round(total / elapsedS, 0),
  errors: errors.length,
  error_samples: errors.slice(0, 5),
  latency_ms: latencyMs,
  learns_acknowledged: learns,
  distinct_patterns: acknowledged.size,
  learns_missing_after_restart: missing,
  missing_samples: missingSamples,
  rss_mb: {
    start: round(rssAtStart, 1),
    after_warm_up: round(settled, 1),
    end: round(rssAtEnd, 1),
    max: round(Math.max(rssAtEnd, ...samples.map((s) => s.mb)), 1),
  },
  memory_flat: memoryFlat,
  shutdown: { exit_code: status.code, ms: round(shutdownMs, 0) },
};
console.log(JSON.stringify(summary, null, 2));
if (status.code !== 0) console.error(await serverLog);
const ok = errors.length === 0 && missing === 0 && status.code === 0 && memoryFlat && learns > 0;
Deno.exit(ok ? 0 : 1);
