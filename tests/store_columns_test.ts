import { deepStrictEqual, rejects, strictEqual } from "node:assert";
import { Engine } from "../src/engine/engine.ts";
import { SymbolEncoder } from "../src/engine/encoder.ts";
import { TsIndex } from "../src/engine/ts_index.ts";
import type { Event } from "../src/kato/types.ts";
import { SqliteStore } from "../src/store/sqlite.ts";
import type { PatternColumns, PatternStore, StoredPattern } from "../src/store/types.ts";
import { NAME_BYTES } from "../src/util/hex.ts";
import { allPatterns, learnRecord } from "./store_contract.ts";

/** A seeded store: two nodes learned interleaved (so a node's seq range has gaps), re-learns, emotives. */
async function seededStore(): Promise<{ store: SqliteStore; dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "kato-columns-" });
  const store = SqliteStore.open(dir);
  let x = 7;
  const random = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  const odd = ["it's", 'say "hi"', "back\\slash", "new\nline", "😀", "\u0001"];
  const vocabulary = new Set<string>();
  const records = [];
  for (let k = 0; k < 300; k++) {
    const events: Event[] = Array.from(
      { length: 1 + Math.floor(random() * 4) },
      () =>
        [
          ...new Set(Array.from({ length: 1 + Math.floor(random() * 5) }, () => {
            const r = Math.floor(random() * 40);
            return r < odd.length ? odd[r]! : `s${r}`;
          })),
        ].sort(),
    );
    for (const symbol of events.flat()) vocabulary.add(symbol);
    records.push(learnRecord(events, {
      nodeId: k % 3 === 0 ? "other" : "node-a",
      ...(k % 7 === 0 ? { emotives: [{ joy: k / 10 }] } : {}),
    }));
  }
  await store.appendVocabulary(1, [...vocabulary]);
  for (const record of records) await store.learn(record);
  for (const record of records.slice(0, 20)) await store.learn(record);
  return { store, dir };
}

/** Columns back to stored-pattern fields, through the store's vocabulary. */
function decode(columns: PatternColumns[], encoder: SymbolEncoder) {
  const out = [];
  for (const run of columns) {
    let symbolAt = 0;
    let eventAt = 0;
    for (let i = 0; i < run.count; i++) {
      const name = Array.from(
        run.names.subarray(i * NAME_BYTES, (i + 1) * NAME_BYTES),
        (b) => b.toString(16).padStart(2, "0"),
      ).join("");
      const events: string[][] = [];
      for (let e = 0; e < run.eventCounts[i]!; e++) {
        const size = run.eventSizes[eventAt++]!;
        events.push(Array.from(run.symbols.subarray(symbolAt, symbolAt + size), (id) => encoder.symbolOf(id)));
        symbolAt += size;
      }
      const emotives = run.emotives.find(([at]) => at === i)?.[1] ?? [];
      out.push({ name, events, frequency: run.frequencies[i]!, emotives, length: run.lengths[i]! });
    }
  }
  return out;
}

const fieldsOf = (patterns: StoredPattern[]) =>
  patterns.map(({ name, events, frequency, emotives, length }) => ({ name, events, frequency, emotives, length }));

Deno.test("loadColumns delivers loadPatterns' patterns in the same order, on any number of workers", async () => {
  const { store, dir } = await seededStore();
  try {
    const encoder = new SymbolEncoder(await store.loadVocabulary());
    for (const node of ["node-a", "other", "absent"]) {
      const expected = fieldsOf(await allPatterns(store, node));
      for (const workers of [0, 1, 3]) {
        const runs: PatternColumns[] = [];
        let sized: [number, number] | undefined;
        const delivered = await store.loadColumns(node, workers, (columns) => {
          runs.push(columns);
        }, (patterns, symbols) => sized = [patterns, symbols]);
        strictEqual(delivered, expected.length, `${node}, ${workers} workers`);
        deepStrictEqual(decode(runs, encoder), expected, `${node}, ${workers} workers`);
        deepStrictEqual(sized, [expected.length, expected.reduce((sum, p) => sum + p.length, 0)]);
        if (workers > 0 && expected.length > 0) strictEqual(runs.length > 1, true, "the load is cut into ranges");
      }
    }
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an engine loaded through columns answers like one loaded through loadPatterns", async () => {
  const { store, dir } = await seededStore();
  try {
    // The same store without the fast path: the engine falls back to loadPatterns.
    const rowsOnly = new Proxy(store, {
      get: (target, key) => {
        if (key === "loadColumns") return undefined;
        const value = Reflect.get(target, key);
        return typeof value === "function" ? value.bind(target) : value;
      },
    }) as PatternStore;
    const open = (source: PatternStore, loadWorkers: number) =>
      Engine.open(source, { createIndex: () => new TsIndex(), loadWorkers });
    const reference = await open(rowsOnly, 0);
    const fast = await open(store, 2);
    try {
      strictEqual(fast.patternCount("node-a"), reference.patternCount("node-a"));
      for (const state of [["s1", "s2", "s3"], ["😀", "s5", "it's"], ["s10", "s11", "s12", "s13", "s14"]]) {
        for (const node of ["node-a", "other"]) {
          // Candidates decode lazily: compare what prediction reads of them, encoding included.
          const read = async (engine: Engine) => {
            const { candidates, encodedState } = await engine.candidates(node, state, 0.1);
            return {
              encodedState,
              candidates: candidates.map((c) => ({
                name: c.name,
                events: c.events,
                length: c.length,
                frequency: c.frequency,
                emotives: c.emotives,
                similarity: c.similarity,
                lcs: c.lcs,
                encoded: c.encoded,
              })),
            };
          };
          deepStrictEqual(await read(fast), await read(reference));
        }
      }
    } finally {
      fast.close();
      reference.close();
    }
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadColumns rejects bad arguments and a symbol missing from the vocabulary", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kato-columns-" });
  const store = SqliteStore.open(dir);
  try {
    await rejects(store.loadColumns("node-a", -1, () => {}), RangeError);
    await store.learn(learnRecord([["never-in-vocabulary"]]));
    for (const workers of [0, 1]) {
      await rejects(store.loadColumns("node-a", workers, () => {}), /never-in-vocabulary/);
    }
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
