/**
 * Service-level latencies on the embedded SQLite store:
 * - learn: in-process (`KatoService.learn`, durable write included) and over HTTP, p50/p99;
 * - predictions over HTTP at N patterns (lengths 10..30, states of 20 symbols), p50/p99, at the
 *   default threshold 0.1 and at 0.5.
 *
 *     deno run -A bench/service_latency.ts [--patterns 10000] [--queries 200]
 *
 * Loopback only; bounded in requests. Prints one JSON line per row.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { serveLoopback } from "./_http.ts";
import { buildService } from "../src/bootstrap.ts";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/log.ts";
import { generatePatterns, generateState, summarize, type WorkloadSpec } from "./_workload.ts";

const { values } = parseArgs({
  options: { patterns: { type: "string", default: "10000" }, queries: { type: "string", default: "200" } },
});
const patternCount = Number(values.patterns);
const queries = Number(values.queries);
const dataDir = await Deno.makeTempDir({ prefix: "kato-bench-" });
const built = await buildService(loadConfig({ DATA_DIR: dataDir, ...Deno.env.toObject() }), createLogger("warn"));
const spec: WorkloadSpec = { patterns: patternCount, minLength: 10, maxLength: 30, vocabulary: 5_000, seed: 7 };
const symbolsOf = (ids: Int32Array) => Array.from(ids, (id) => `s${id}`);

// Seed through the engine (store write included), one event of up to 5 symbols at a time.
const data = generatePatterns(spec);
const seedStarted = performance.now();
const learnMs: number[] = [];
for (const ids of data) {
  const symbols = symbolsOf(ids);
  const events = [];
  for (let k = 0; k < symbols.length; k += 5) events.push(symbols.slice(k, k + 5));
  const started = performance.now();
  await built.engine.learn({
    nodeId: "bench",
    name: crypto.randomUUID().replaceAll("-", "").padEnd(40, "0"),
    events,
    length: symbols.length,
    emotives: [],
    metadata: {},
    persistence: 5,
  });
  learnMs.push(performance.now() - started);
}
console.log(
  JSON.stringify({
    bench: "engine_learn_in_process",
    patterns: patternCount,
    ms: summarize(learnMs),
    seedSeconds: (performance.now() - seedStarted) / 1000,
  }),
);

const { server, call } = serveLoopback(built.app.fetch);

const sessionId = (await call("POST", "/sessions", { node_id: "bench" })).session_id;
const httpLearn: number[] = [];
for (let k = 0; k < queries; k++) {
  await call("POST", `/sessions/${sessionId}/observe`, { strings: [`h${k}`, "x"] });
  const started = performance.now();
  await call("POST", `/sessions/${sessionId}/learn`);
  httpLearn.push(performance.now() - started);
}
console.log(JSON.stringify({ bench: "http_learn_durable", ms: summarize(httpLearn) }));

for (const threshold of [0.1, 0.5]) {
  await call("POST", `/sessions/${sessionId}/config`, { recall_threshold: threshold });
  const times: number[] = [];
  let count = 0;
  for (let q = 0; q < Math.min(queries, threshold < 0.3 ? 40 : queries); q++) {
    await call("POST", `/sessions/${sessionId}/clear-stm`);
    const state = symbolsOf(generateState(data, 20, spec, 500 + q));
    await call("POST", `/sessions/${sessionId}/observe`, { strings: state.slice(0, 10) });
    await call("POST", `/sessions/${sessionId}/observe`, { strings: state.slice(10) });
    const started = performance.now();
    count += (await call("GET", `/sessions/${sessionId}/predictions`)).count;
    times.push(performance.now() - started);
  }
  console.log(
    JSON.stringify({
      bench: "http_predictions",
      patterns: patternCount,
      threshold,
      predictionsPerQuery: count / times.length,
      ms: summarize(times),
    }),
  );
}

await server.shutdown();
await built.close();
await Deno.remove(dataDir, { recursive: true });
