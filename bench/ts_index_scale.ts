/**
 * Query time of the TypeScript index at 10K and 100K patterns (lengths 10..30, average 20), states of
 * 20 symbols, threshold 0.1 (KATO's default) and 0.5. Prints a JSON line per row.
 *
 *     deno run bench/ts_index_scale.ts [N ...]
 *
 * @module
 */

import { TsIndex } from "../src/engine/ts_index.ts";
import { generatePatterns, generateState, summarize, type WorkloadSpec } from "./_workload.ts";

const sizes = Deno.args.length > 0 ? Deno.args.map(Number) : [10_000, 100_000];
for (const patterns of sizes) {
  const spec: WorkloadSpec = { patterns, minLength: 10, maxLength: 30, vocabulary: 5_000, seed: 1 };
  const data = generatePatterns(spec);
  const index = new TsIndex();
  index.add(data.map((symbols, id) => ({ id, symbols })));
  for (const threshold of [0.1, 0.5]) {
    const times: number[] = [];
    let candidates = 0;
    for (let q = 0; q < 60; q++) {
      const state = generateState(data, 20, spec, 1000 + q);
      const started = performance.now();
      candidates += index.query(state, threshold).length;
      if (q >= 10) times.push(performance.now() - started);
    }
    console.log(
      JSON.stringify({
        bench: "ts_index_query",
        patterns,
        state: 20,
        threshold,
        candidatesPerQuery: candidates / 60,
        ms: summarize(times),
      }),
    );
  }
}
