/**
 * The `PatternStore` contract as a reusable test suite: every store implementation registers it
 * once (`storeContract("SqliteStore", …)`) and must pass every test.
 *
 * @module
 */

import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert";
import { patternName } from "../src/kato/hash.ts";
import type { Emotives, Event, PatternMetadata } from "../src/kato/types.ts";
import { type LearnRecord, type PatternStore, type StoredPattern, StoreUnavailableError } from "../src/store/mod.ts";

/** Options of {@linkcode learnRecord}. */
interface RecordOptions {
  nodeId?: string;
  emotives?: Emotives[];
  metadata?: PatternMetadata;
  persistence?: number;
}

/** A valid learn record of `events`, named as KATO names it. */
export function learnRecord(
  events: Event[],
  options: RecordOptions = {},
): LearnRecord {
  return {
    nodeId: options.nodeId ?? "node-a",
    name: patternName(events),
    events,
    length: events.reduce((sum, event) => sum + event.length, 0),
    emotives: options.emotives ?? [],
    metadata: options.metadata ?? {},
    persistence: options.persistence ?? 5,
  };
}

/** A stored pattern of `events` with the given fields, for the import tests. */
export function storedPattern(events: Event[], fields: Partial<StoredPattern> = {}): StoredPattern {
  return {
    name: patternName(events),
    events,
    length: events.reduce((sum, event) => sum + event.length, 0),
    frequency: 1,
    emotives: [],
    metadata: {},
    ...fields,
  };
}

/** Every pattern of a node, through `loadPatterns`. */
export async function allPatterns(
  store: PatternStore,
  nodeId: string,
): Promise<StoredPattern[]> {
  const patterns: StoredPattern[] = [];
  await store.loadPatterns(nodeId, 1000, (batch) => {
    patterns.push(...batch);
  });
  return patterns;
}

/**
 * Registers the contract's tests, named `"<name>: …"`.
 *
 * `open` must return an empty store (a fresh file or database) each time it is called: every test
 * opens its own. `cleanup`, when given, runs after each test once its store is closed.
 */
export function storeContract(
  name: string,
  open: () => Promise<PatternStore>,
  cleanup?: () => Promise<void>,
): void {
  function contractTest(
    title: string,
    body: (store: PatternStore) => Promise<void>,
  ): void {
    Deno.test(`${name}: ${title}`, async () => {
      const store = await open();
      try {
        await body(store);
      } finally {
        await store.close();
        await cleanup?.();
      }
    });
  }

  contractTest(
    "learn() stores a new pattern with frequency 1",
    async (store) => {
      const record = learnRecord([["a", "b"], ["c"]], {
        emotives: [{ joy: 0.5 }],
        metadata: { source: ["x"] },
      });
      const outcome = await store.learn(record);
      const expected: StoredPattern = {
        name: record.name,
        events: [["a", "b"], ["c"]],
        length: 3,
        frequency: 1,
        emotives: [{ joy: 0.5 }],
        metadata: { source: ["x"] },
      };
      strictEqual(outcome.created, true);
      deepStrictEqual(outcome.pattern, expected);
      deepStrictEqual(await store.getPattern("node-a", record.name), expected);
    },
  );

  contractTest(
    "learn() of a known pattern adds 1 to its frequency",
    async (store) => {
      const record = learnRecord([["a", "b"]]);
      await store.learn(record);
      await store.learn(record);
      const outcome = await store.learn(record);
      strictEqual(outcome.created, false);
      strictEqual(outcome.pattern.frequency, 3);
      deepStrictEqual(outcome.pattern.events, [["a", "b"]]);
      deepStrictEqual(
        await store.getPattern("node-a", record.name),
        outcome.pattern,
      );
      strictEqual(await store.countPatterns("node-a"), 1);
    },
  );

  contractTest(
    "learn() keeps the last `persistence` emotive dicts",
    async (store) => {
      const events = [["a", "b"]];
      const learn = (emotives: Emotives[], persistence = 3) =>
        store.learn(learnRecord(events, { emotives, persistence }));
      strictEqual(
        (await learn([{ e: 1 }, { e: 2 }, { e: 3 }, { e: 4 }])).pattern.emotives
          .length,
        3,
      );
      deepStrictEqual((await learn([{ e: 5 }])).pattern.emotives, [
        { e: 3 },
        { e: 4 },
        { e: 5 },
      ]);
      // A learn without emotives leaves the stored list as it is.
      deepStrictEqual((await learn([])).pattern.emotives, [{ e: 3 }, { e: 4 }, {
        e: 5,
      }]);
      deepStrictEqual((await learn([{ e: 6 }, { f: 7 }], 2)).pattern.emotives, [
        { e: 6 },
        { f: 7 },
      ]);
      strictEqual((await learn([])).pattern.frequency, 5);
    },
  );

  contractTest(
    "learn() merges metadata as a sorted set-union per key",
    async (store) => {
      const events = [["a", "b"]];
      await store.learn(
        learnRecord(events, { metadata: { user: ["2", "b"] } }),
      );
      const outcome = await store.learn(
        learnRecord(events, {
          metadata: { user: ["10", "b", "😀", "～"], source: ["s"] },
        }),
      );
      deepStrictEqual(outcome.pattern.metadata, {
        user: ["10", "2", "b", "～", "😀"],
        source: ["s"],
      });
      deepStrictEqual(
        (await store.getPattern("node-a", outcome.pattern.name))?.metadata,
        outcome.pattern.metadata,
      );
    },
  );

  contractTest(
    "learn() counts symbol frequency always, pmf only for new patterns",
    async (store) => {
      await store.learn(learnRecord([["a", "b"], ["a"]]));
      await store.learn(learnRecord([["a", "c"]]));
      await store.learn(learnRecord([["a", "b"], ["a"]])); // re-learn
      const stats = await store.loadSymbolStats("node-a");
      deepStrictEqual(Object.fromEntries(stats), {
        a: { frequency: 5, patternMemberFrequency: 2 },
        b: { frequency: 2, patternMemberFrequency: 1 },
        c: { frequency: 1, patternMemberFrequency: 1 },
      });
    },
  );

  contractTest("learn() updates node totals as KATO does", async (store) => {
    deepStrictEqual(await store.getTotals("node-a"), {
      totalSymbolsInPatternsFrequencies: 0,
      totalPatternFrequencies: 0,
      totalUniquePatterns: 0,
    });
    await store.learn(learnRecord([["a", "b"], ["c"]]));
    await store.learn(learnRecord([["d", "e"]]));
    await store.learn(learnRecord([["a", "b"], ["c"]])); // re-learn: only the symbol total grows
    deepStrictEqual(await store.getTotals("node-a"), {
      totalSymbolsInPatternsFrequencies: 8,
      totalPatternFrequencies: 2,
      totalUniquePatterns: 2,
    });
  });

  contractTest(
    "learn() refuses malformed records and stores nothing",
    async (store) => {
      const good = learnRecord([["a", "b"]]);
      const bad: [unknown, ErrorConstructor][] = [
        [{ ...good, nodeId: 7 }, TypeError],
        [{ ...good, name: null }, TypeError],
        [{ ...good, events: [["a", 1]] }, TypeError],
        [{ ...good, length: 3 }, RangeError],
        [{ ...good, persistence: 0 }, RangeError],
        [{ ...good, metadata: { k: [1] } }, TypeError],
        [{ ...good, emotives: "joy" }, TypeError],
      ];
      for (const [record, errorClass] of bad) {
        await rejects(store.learn(record as LearnRecord), errorClass);
      }
      strictEqual(await store.countPatterns("node-a"), 0);
      deepStrictEqual(await store.listNodes(), []);
    },
  );

  contractTest(
    "getPattern() is null for unknown names and other nodes",
    async (store) => {
      const record = learnRecord([["a", "b"]]);
      await store.learn(record);
      strictEqual(
        await store.getPattern("node-a", patternName([["x", "y"]])),
        null,
      );
      strictEqual(await store.getPattern("node-b", record.name), null);
      await rejects(
        store.getPattern(1 as unknown as string, record.name),
        TypeError,
      );
    },
  );

  contractTest(
    "loadPatterns() delivers learn order in batches of at most batchSize",
    async (store) => {
      const records = Array.from(
        { length: 7 },
        (_, i) => learnRecord([[`s${i}`, "t"]]),
      );
      for (const record of records) await store.learn(record);
      await store.learn(records[0]!); // a re-learn does not move a pattern
      await store.learn(learnRecord([["other", "node"]], { nodeId: "node-b" }));

      const sizes: number[] = [];
      const names: string[] = [];
      const count = await store.loadPatterns("node-a", 3, (batch) => {
        sizes.push(batch.length);
        names.push(...batch.map((p) => p.name));
      });
      strictEqual(count, 7);
      deepStrictEqual(sizes, [3, 3, 1]);
      deepStrictEqual(names, records.map((r) => r.name));
      strictEqual((await allPatterns(store, "node-a"))[0]!.frequency, 2);

      const exact: number[] = [];
      strictEqual(
        await store.loadPatterns("node-a", 7, (b) => {
          exact.push(b.length);
        }),
        7,
      );
      deepStrictEqual(exact, [7]);
    },
  );

  contractTest(
    "loadPatterns() waits for an async handler before the next batch",
    async (store) => {
      for (let i = 0; i < 5; i++) {
        await store.learn(learnRecord([[`s${i}`, "t"]]));
      }
      const log: string[] = [];
      await store.loadPatterns("node-a", 2, async (batch) => {
        log.push(`start ${batch.length}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        log.push("end");
      });
      deepStrictEqual(log, [
        "start 2",
        "end",
        "start 2",
        "end",
        "start 1",
        "end",
      ]);
    },
  );

  contractTest(
    "loadPatterns() of an empty node calls nothing and returns 0",
    async (store) => {
      let calls = 0;
      strictEqual(
        await store.loadPatterns("nobody", 10, () => {
          calls++;
        }),
        0,
      );
      strictEqual(calls, 0);
      await rejects(store.loadPatterns("nobody", 0, () => {}), RangeError);
    },
  );

  contractTest(
    "countPatterns() and listNodes() see every node",
    async (store) => {
      await store.learn(learnRecord([["a", "b"]], { nodeId: "node-b" }));
      await store.learn(learnRecord([["a", "c"]], { nodeId: "node-b" }));
      await store.learn(learnRecord([["a", "b"]], { nodeId: "node-a" }));
      await store.learn(learnRecord([["a", "b"]], { nodeId: "Node-Z" }));
      strictEqual(await store.countPatterns("node-a"), 1);
      strictEqual(await store.countPatterns("node-b"), 2);
      strictEqual(await store.countPatterns("node-c"), 0);
      deepStrictEqual(await store.listNodes(), ["Node-Z", "node-a", "node-b"]);
    },
  );

  contractTest(
    "clearNode() deletes one node's patterns, statistics, totals and metrics",
    async (store) => {
      const a = learnRecord([["a", "b"]], { nodeId: "node-a" });
      const b = learnRecord([["a", "b"]], { nodeId: "node-b" });
      await store.learn(a);
      await store.learn(b);
      const metrics = new Map([[a.name, {
        entropy: 1,
        normalized_entropy: 0.5,
        global_normalized_entropy: 0.25,
        tfidf_score: 2,
      }]]);
      await store.saveFinalized("node-a", metrics);
      await store.saveFinalized("node-b", metrics);
      await store.saveSession({
        sessionId: "s1",
        nodeId: "node-a",
        expiresAt: Date.now() + 10,
        data: {},
      });

      await store.clearNode("node-a");

      strictEqual(await store.countPatterns("node-a"), 0);
      strictEqual(await store.getPattern("node-a", a.name), null);
      strictEqual((await store.loadSymbolStats("node-a")).size, 0);
      strictEqual((await store.getTotals("node-a")).totalUniquePatterns, 0);
      strictEqual((await store.loadFinalized("node-a")).size, 0);
      deepStrictEqual(await store.listNodes(), ["node-b"]);
      // The other node and the sessions are untouched.
      strictEqual((await store.getPattern("node-b", b.name))?.frequency, 1);
      strictEqual((await store.loadSymbolStats("node-b")).size, 2);
      strictEqual((await store.getTotals("node-b")).totalUniquePatterns, 1);
      deepStrictEqual(await store.loadFinalized("node-b"), metrics);
      ok(await store.getSession("s1"));

      // A cleared node learns from scratch.
      strictEqual((await store.learn(a)).created, true);
      strictEqual((await store.getTotals("node-a")).totalPatternFrequencies, 1);
    },
  );

  contractTest(
    "saveFinalized() replaces the given patterns' metrics and keeps others",
    async (store) => {
      const m = (x: number) => ({
        entropy: x,
        normalized_entropy: x / 2,
        global_normalized_entropy: x / 4,
        tfidf_score: x * 3,
      });
      deepStrictEqual(await store.loadFinalized("node-a"), new Map());
      await store.saveFinalized(
        "node-a",
        new Map([["p1", m(1)], ["p2", m(2)]]),
      );
      await store.saveFinalized(
        "node-a",
        new Map([["p2", m(20)], ["p3", m(3)]]),
      );
      await store.saveFinalized("node-b", new Map([["p1", m(9)]]));
      deepStrictEqual(
        await store.loadFinalized("node-a"),
        new Map([["p1", m(1)], ["p2", m(20)], ["p3", m(3)]]),
      );
      deepStrictEqual(
        await store.loadFinalized("node-b"),
        new Map([["p1", m(9)]]),
      );
    },
  );

  contractTest("saveFinalized() keeps NaN and infinities", async (store) => {
    const metrics = {
      entropy: NaN,
      normalized_entropy: Infinity,
      global_normalized_entropy: -Infinity,
      tfidf_score: 0.1 + 0.2,
    };
    await store.saveFinalized("node-a", new Map([["p", metrics]]));
    deepStrictEqual((await store.loadFinalized("node-a")).get("p"), metrics);
  });

  contractTest(
    "appendVocabulary() appends in id order and refuses gaps and overlaps",
    async (store) => {
      deepStrictEqual(await store.loadVocabulary(), []);
      await store.appendVocabulary(1, ["b", "a"]);
      await store.appendVocabulary(3, []);
      await store.appendVocabulary(3, ["😀"]);
      deepStrictEqual(await store.loadVocabulary(), ["b", "a", "😀"]);

      await rejects(store.appendVocabulary(5, ["gap"]), RangeError);
      await rejects(store.appendVocabulary(3, ["overlap"]), RangeError);
      await rejects(store.appendVocabulary(0, ["zero"]), RangeError);
      // A symbol already present refuses the whole append.
      await rejects(store.appendVocabulary(4, ["new", "a"]), RangeError);
      await rejects(store.appendVocabulary(4, ["dup", "dup"]), RangeError);
      await rejects(
        store.appendVocabulary(4, [5 as unknown as string]),
        TypeError,
      );
      deepStrictEqual(await store.loadVocabulary(), ["b", "a", "😀"]);
      await store.appendVocabulary(4, ["new"]);
      deepStrictEqual(await store.loadVocabulary(), ["b", "a", "😀", "new"]);
    },
  );

  contractTest(
    "importPatterns() stores patterns exactly as given, in order, without statistics",
    async (store) => {
      const a = storedPattern([["a", "b"]], { frequency: 7, emotives: [{ joy: 1 }], metadata: { k: ["z", "a"] } });
      const b = storedPattern([["c"], ["d", "$x.y"]], { frequency: 1, metadata: { "$key.with.dots": ["v"] } });
      await store.importPatterns("node-a", [b, a]);
      deepStrictEqual(await allPatterns(store, "node-a"), [b, a]);
      deepStrictEqual(await store.getPattern("node-a", a.name), a);
      strictEqual((await store.loadSymbolStats("node-a")).size, 0);
      deepStrictEqual(await store.getTotals("node-a"), {
        totalSymbolsInPatternsFrequencies: 0,
        totalPatternFrequencies: 0,
        totalUniquePatterns: 0,
      });
      deepStrictEqual(await store.listNodes(), ["node-a"]);
      await store.importPatterns("node-a", []);
    },
  );

  contractTest(
    "importPatterns() overwrites a known name in place and appends new ones",
    async (store) => {
      const a = storedPattern([["a", "b"]]);
      const b = storedPattern([["b", "c"]]);
      const c = storedPattern([["c", "d"]]);
      await store.importPatterns("node-a", [a, b]);
      const a2 = { ...a, frequency: 9, emotives: [{ e: 2 }] };
      await store.importPatterns("node-a", [c, a2]);
      deepStrictEqual(await allPatterns(store, "node-a"), [a2, b, c]);
      // A learn after an import follows the learn rules from the imported values.
      const outcome = await store.learn(learnRecord([["c", "d"]]));
      strictEqual(outcome.created, false);
      strictEqual(outcome.pattern.frequency, 2);
    },
  );

  contractTest(
    "importPatterns() refuses bad patterns and writes none of the batch",
    async (store) => {
      const good = storedPattern([["a", "b"]]);
      const bad: [unknown, ErrorConstructor][] = [
        [{ ...good, frequency: 0 }, RangeError],
        [{ ...good, frequency: 1.5 }, RangeError],
        [{ ...good, length: 3 }, RangeError],
        [{ ...good, name: "" }, RangeError],
        [{ ...good, name: 5 }, TypeError],
        [{ ...good, events: [[1]] }, TypeError],
        [{ ...good, emotives: {} }, TypeError],
        [{ ...good, metadata: { k: "v" } }, TypeError],
      ];
      for (const [pattern, errorClass] of bad) {
        await rejects(store.importPatterns("node-a", [good, pattern as StoredPattern]), errorClass);
      }
      strictEqual(await store.countPatterns("node-a"), 0);
    },
  );

  contractTest(
    "importSymbolStats() and importTotals() set values exactly",
    async (store) => {
      await store.learn(learnRecord([["a", "b"]]));
      await store.importSymbolStats(
        "node-a",
        new Map([["a", { frequency: 10, patternMemberFrequency: 3 }], ["z", {
          frequency: 4,
          patternMemberFrequency: 4,
        }]]),
      );
      deepStrictEqual(Object.fromEntries(await store.loadSymbolStats("node-a")), {
        a: { frequency: 10, patternMemberFrequency: 3 },
        b: { frequency: 1, patternMemberFrequency: 1 },
        z: { frequency: 4, patternMemberFrequency: 4 },
      });
      const totals = { totalSymbolsInPatternsFrequencies: 40, totalPatternFrequencies: 5, totalUniquePatterns: 4 };
      await store.importTotals("node-b", totals);
      deepStrictEqual(await store.getTotals("node-b"), totals);
      deepStrictEqual(await store.listNodes(), ["node-a", "node-b"]);
      await rejects(
        store.importSymbolStats("node-a", new Map([["a", { frequency: -1, patternMemberFrequency: 0 }]])),
        RangeError,
      );
      await rejects(store.importTotals("node-a", { ...totals, totalUniquePatterns: 0.5 }), RangeError);
      strictEqual((await store.loadSymbolStats("node-a")).get("a")?.frequency, 10);
    },
  );

  contractTest(
    "saveSession() and getSession() round-trip the session state",
    async (store) => {
      const session = {
        sessionId: "s-1",
        nodeId: "node-a",
        expiresAt: 1_700_000_000_123,
        data: {
          stm: [["a", "b"]],
          time: 3,
          config: { persistence: 5 },
          note: null,
        },
      };
      await store.saveSession(session);
      deepStrictEqual(await store.getSession("s-1"), session);
      const replaced = {
        ...session,
        expiresAt: 1_800_000_000_000,
        data: { stm: [] },
      };
      await store.saveSession(replaced);
      deepStrictEqual(await store.getSession("s-1"), replaced);
      strictEqual(await store.getSession("s-2"), null);
    },
  );

  contractTest(
    "deleteSession() reports whether the session existed",
    async (store) => {
      await store.saveSession({
        sessionId: "s-1",
        nodeId: "n",
        expiresAt: Date.now() + 5,
        data: 1,
      });
      strictEqual(await store.deleteSession("s-1"), true);
      strictEqual(await store.deleteSession("s-1"), false);
      strictEqual(await store.getSession("s-1"), null);
    },
  );

  contractTest(
    "loadActiveSessions() and purgeExpiredSessions() split at expiresAt <= now",
    async (store) => {
      // Times near the present: a store may also drop sessions some time after they expired
      // (MongoDB's TTL index), which would make sessions dated 1970 vanish during the test.
      const t0 = Date.now();
      for (const [sessionId, offset] of [["old", 100], ["edge", 200], ["live", 300]] as const) {
        await store.saveSession({ sessionId, nodeId: "n", expiresAt: t0 + offset, data: { sessionId } });
      }
      deepStrictEqual((await store.loadActiveSessions(t0 + 200)).map((s) => s.sessionId), ["live"]);
      deepStrictEqual((await store.loadActiveSessions(t0 + 99)).map((s) => s.sessionId).sort(), [
        "edge",
        "live",
        "old",
      ]);
      // getSession still returns an expired session until it is purged.
      strictEqual((await store.getSession("old"))?.expiresAt, t0 + 100);
      strictEqual(await store.purgeExpiredSessions(t0 + 200), 2);
      strictEqual(await store.purgeExpiredSessions(t0 + 200), 0);
      strictEqual(await store.getSession("old"), null);
      deepStrictEqual(await store.getSession("live"), {
        sessionId: "live",
        nodeId: "n",
        expiresAt: t0 + 300,
        data: { sessionId: "live" },
      });
    },
  );

  contractTest(
    "close() is idempotent and later calls reject as unavailable",
    async (store) => {
      await store.close();
      await store.close();
      await rejects(
        store.learn(learnRecord([["a", "b"]])),
        StoreUnavailableError,
      );
      await rejects(store.countPatterns("node-a"), StoreUnavailableError);
      await rejects(
        store.loadPatterns("node-a", 10, () => {}),
        StoreUnavailableError,
      );
    },
  );
}
