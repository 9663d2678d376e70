/**
 * `SqliteStore.learn()` latency: new patterns and re-learns, with `synchronous=FULL` (the default,
 * an fsync per commit) against `NORMAL`. Run with `deno bench --allow-all bench/store_learn_bench.ts`.
 *
 * @module
 */

import { patternName } from "../src/kato/hash.ts";
import type { LearnRecord } from "../src/store/mod.ts";
import { SqliteStore } from "../src/store/mod.ts";

const dirs: string[] = [];

function openBenchStore(
  synchronous: "FULL" | "NORMAL",
): SqliteStore {
  const dir = Deno.makeTempDirSync({ prefix: "kato_store_bench_" });
  dirs.push(dir);
  return SqliteStore.open(dir, { synchronous });
}

globalThis.addEventListener("unload", () => {
  for (const dir of dirs) Deno.removeSync(dir, { recursive: true });
});

/** A realistic learn: 4 events, 10 symbols, one emotive dict and one metadata key. */
function record(i: number): LearnRecord {
  const events = [
    [`a${i % 101}`, `b${i % 37}`, `c${i}`],
    [`d${i % 13}`, "e"],
    [`f${i % 211}`, `g${i % 5}`, "h"],
    [`i${i % 1000}`, `j${i}`],
  ];
  return {
    nodeId: "bench",
    name: patternName(events),
    events,
    length: 10,
    emotives: [{ valence: (i % 10) / 10 }],
    metadata: { source: [`s${i % 3}`] },
    persistence: 5,
  };
}

for (const synchronous of ["FULL", "NORMAL"] as const) {
  const store = openBenchStore(synchronous);
  let next = 0;
  Deno.bench({
    name: `learn() new pattern, synchronous=${synchronous}`,
    group: "new pattern",
    baseline: synchronous === "FULL",
    fn: async () => {
      await store.learn(record(next++));
    },
  });

  const known = record(-1);
  Deno.bench({
    name: `learn() re-learn, synchronous=${synchronous}`,
    group: "re-learn",
    baseline: synchronous === "FULL",
    fn: async () => {
      await store.learn(known);
    },
  });
}
