/**
 * End-to-end scale run: seeds an embedded store with N patterns (lengths 10..90, Zipf-like symbols over
 * a 50,000-symbol vocabulary), starts the whole service on it (cold start timed), and measures HTTP
 * predictions p50/p99 with one client on loopback, states of 50 symbols.
 *
 *     deno run -A bench/http_scale.ts --patterns 1000000 [--threshold 0.5] [--queries 200] [--data-dir DIR]
 *
 * The engine follows the environment (GPU_ENABLED=false forces the CPU side). An existing seeded
 * `--data-dir` is reused. Prints one JSON line.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { serveLoopback } from "./_http.ts";
import { buildService } from "../src/bootstrap.ts";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/log.ts";
import { SqliteStore } from "../src/store/sqlite.ts";
import type { StoredPattern, SymbolStats } from "../src/store/types.ts";
import { generatePatterns, generateState, summarize, type WorkloadSpec } from "./_workload.ts";

const { values } = parseArgs({
  options: {
    patterns: { type: "string", default: "100000" },
    threshold: { type: "string", default: "0.5" },
    queries: { type: "string", default: "200" },
    "data-dir": { type: "string" },
  },
});
const spec: WorkloadSpec = {
  patterns: Number(values.patterns),
  minLength: 10,
  maxLength: 90,
  vocabulary: 50_000,
  seed: 11,
};
const dataDir = values["data-dir"] ?? await Deno.makeTempDir({ prefix: "kato-scale-" });
const node = "scale";
const symbolsOf = (ids: Int32Array) => Array.from(ids, (id) => `s${id}`);
const data = generatePatterns(spec);

await seed();

const coldStarted = performance.now();
const built = await buildService(loadConfig({ ...Deno.env.toObject(), DATA_DIR: dataDir }), createLogger("info"));
const coldStartSeconds = (performance.now() - coldStarted) / 1000;
const { server, call } = serveLoopback(built.app.fetch);
const sessionId =
  (await call("POST", "/sessions", { node_id: node, config: { recall_threshold: Number(values.threshold) } }))
    .session_id;
const times: number[] = [];
let predictions = 0;
const queries = Number(values.queries);
for (let q = 0; q < queries + 10; q++) {
  await call("POST", `/sessions/${sessionId}/clear-stm`);
  const state = symbolsOf(generateState(data, 50, spec, 9000 + q));
  for (let k = 0; k < 50; k += 10) {
    await call("POST", `/sessions/${sessionId}/observe`, { strings: state.slice(k, k + 10) });
  }
  const started = performance.now();
  predictions += (await call("GET", `/sessions/${sessionId}/predictions`)).count;
  if (q >= 10) times.push(performance.now() - started);
}
const status = await call("GET", "/gpu/status");
console.log(JSON.stringify({
  bench: "http_predictions_scale",
  patterns: spec.patterns,
  threshold: Number(values.threshold),
  engine: status.engine,
  device: status.device,
  deviceBytes: status.device_memory_used_bytes,
  coldStartSeconds,
  predictionsPerQuery: predictions / (queries + 10),
  ms: summarize(times),
  rssBytes: Deno.memoryUsage().rss,
}));
await server.shutdown();
await built.close();

/** Writes the workload into the store once (patterns, vocabulary, statistics, totals). */
async function seed(): Promise<void> {
  const store = SqliteStore.open(dataDir);
  try {
    if (await store.countPatterns(node) >= spec.patterns) return;
    const started = performance.now();
    const vocabulary = await store.loadVocabulary();
    if (vocabulary.length === 0) {
      await store.appendVocabulary(1, Array.from({ length: spec.vocabulary }, (_, k) => `s${k + 1}`));
    }
    const stats = new Map<string, SymbolStats>();
    let symbolsTotal = 0;
    for (let start = 0; start < data.length; start += 20_000) {
      const batch: StoredPattern[] = data.slice(start, start + 20_000).map((ids, k) => {
        const symbols = symbolsOf(ids);
        const events = [];
        for (let j = 0; j < symbols.length; j += 5) events.push(symbols.slice(j, j + 5).sort());
        for (const [symbol, count] of countOf(symbols)) {
          const entry = stats.get(symbol) ?? { frequency: 0, patternMemberFrequency: 0 };
          entry.frequency += count;
          entry.patternMemberFrequency += 1;
          stats.set(symbol, entry);
        }
        symbolsTotal += symbols.length;
        return {
          name: (start + k).toString(16).padStart(40, "0"),
          events,
          length: symbols.length,
          frequency: 1,
          emotives: [],
          metadata: {},
        };
      });
      await store.importPatterns(node, batch);
      if ((start / 20_000) % 10 === 0) console.error(`seeded ${start + batch.length}/${data.length}`);
    }
    await store.importSymbolStats(node, stats);
    await store.importTotals(node, {
      totalSymbolsInPatternsFrequencies: symbolsTotal,
      totalPatternFrequencies: data.length,
      totalUniquePatterns: data.length,
    });
    console.error(`seeded ${data.length} patterns in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await store.close();
  }
}

function countOf(symbols: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of symbols) counts.set(s, (counts.get(s) ?? 0) + 1);
  return counts;
}
