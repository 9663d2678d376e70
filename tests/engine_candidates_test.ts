import { deepStrictEqual, strictEqual } from "node:assert";
import { Engine } from "../src/engine/engine.ts";
import type { MatchCandidate, PatternIndex } from "../src/engine/matcher.ts";
import { TsIndex } from "../src/engine/ts_index.ts";
import { patternName } from "../src/kato/hash.ts";
import { SqliteStore } from "../src/store/sqlite.ts";

/** A TsIndex whose answers wait for `release()`: computed at the call, or at the release. */
class HeldIndex implements PatternIndex {
  readonly inner = new TsIndex();
  readonly backend = "ts";
  #held: (() => void)[] = [];
  constructor(readonly answerAt: "call" | "release") {}
  get size(): number {
    return this.inner.size;
  }
  add(patterns: Parameters<TsIndex["add"]>[0]): void {
    this.inner.add(patterns);
  }
  clear(): void {
    this.inner.clear();
  }
  query(state: Int32Array, threshold: number): Promise<MatchCandidate[]> {
    const early = this.answerAt === "call" ? this.inner.query(state, threshold) : undefined;
    return new Promise((resolve) => this.#held.push(() => resolve(early ?? this.inner.query(state, threshold))));
  }
  release(): void {
    for (const go of this.#held.splice(0)) go();
  }
  close(): void {}
  [Symbol.dispose](): void {}
}

async function engineWith(index: HeldIndex): Promise<{ engine: Engine; store: SqliteStore; dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "kato-engine-" });
  const store = SqliteStore.open(dir);
  const engine = await Engine.open(store, { createIndex: () => index });
  return { engine, store, dir };
}

const learn = (engine: Engine, events: string[][]) =>
  engine.learn({
    nodeId: "n",
    name: patternName(events),
    events,
    length: events.flat().length,
    emotives: [],
    metadata: {},
    persistence: 5,
  });

Deno.test("Engine.candidates() answers as of its start when a learn lands while the index works", async () => {
  const index = new HeldIndex("release");
  const { engine, store, dir } = await engineWith(index);
  try {
    await learn(engine, [["a", "b"], ["c"]]);
    const pending = engine.candidates("n", ["a", "b", "z"], 0.1);
    await learn(engine, [["z", "a"]]); // new symbol z, new pattern: in the index before the answer
    index.release();
    const { candidates, encodedState } = await pending;
    deepStrictEqual(candidates.map((c) => c.events), [[["a", "b"], ["c"]]]);
    // z was learned meanwhile: the state is encoded with its id, as the candidates' ids are.
    deepStrictEqual([...encodedState], [1, 2, 4]);
  } finally {
    engine.close();
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Engine.candidates() decodes what the index matched even when clear-all lands meanwhile", async () => {
  const index = new HeldIndex("call");
  const { engine, store, dir } = await engineWith(index);
  try {
    await learn(engine, [["a", "b"], ["c"]]);
    const pending = engine.candidates("n", ["a", "b"], 0.1);
    const cleared = engine.clearNode("n");
    index.release();
    await cleared;
    const { candidates } = await pending;
    strictEqual(candidates.length, 1);
    const [c] = candidates;
    deepStrictEqual(
      { name: c!.name, events: c!.events, length: c!.length, frequency: c!.frequency },
      { name: patternName([["a", "b"], ["c"]]), events: [["a", "b"], ["c"]], length: 3, frequency: 1 },
    );
    strictEqual(engine.patternCount("n"), 0);
  } finally {
    engine.close();
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
