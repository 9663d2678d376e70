import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert";
import { MongoClient, ObjectId } from "mongodb";
import { patternName } from "../src/kato/hash.ts";
import { learnInMongo } from "../src/store/_mongo_learn.ts";
import { DEFAULT_RETRY } from "../src/store/_mongo_retry.ts";
import { MongoStore, openStore, StoreUnavailableError } from "../src/store/mod.ts";
import { allPatterns, learnRecord, storeContract } from "./store_contract.ts";

const url = Deno.env.get("MONGODB_URL") ?? "";

// An address where nothing listens: connection refused at once, so only the selection timeout counts.
const NOWHERE = "mongodb://kato:s3cret@127.0.0.1:9/";

Deno.test("openStore() with mongodbUrl fails with StoreUnavailableError when no server answers", async () => {
  const started = performance.now();
  const error = await openStore({
    dataDir: ":memory:",
    mongodbUrl: NOWHERE,
    mongodb: { serverSelectionTimeoutMS: 300 },
  }).then(() => null, (e: unknown) => e);
  ok(error instanceof StoreUnavailableError, String(error));
  ok(error.message.startsWith("Cannot open MongoDB store at mongodb://kato:***@127.0.0.1:9/"), error.message);
  ok(!error.message.includes("s3cret"));
  ok(performance.now() - started < 5000);
});

Deno.test("openStore() refuses a mongodbUrl that is not a MongoDB connection string", async () => {
  await rejects(openStore({ dataDir: ":memory:", mongodbUrl: "http://localhost:27017" }), TypeError);
});

if (url === "") {
  console.log("SKIPPED: MongoDB store contract — MONGODB_URL not set");
  Deno.test({
    name: "MongoStore contract and MongoDB tests: skipped, MONGODB_URL is not set (no MongoDB server here)",
    ignore: true,
    fn() {},
  });
} else {
  registerMongoTests(url);
}

function registerMongoTests(url: string): void {
  // Every store gets its own service name, so its databases are unique to this run and test.
  const run = `t${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 3).toString(36)}`;
  let opened = 0;
  const services: string[] = [];

  async function openFresh(): Promise<MongoStore> {
    const serviceName = `${run}x${opened++}`;
    services.push(serviceName);
    return await MongoStore.open(url, { serviceName });
  }

  async function dropAll(): Promise<void> {
    const client = new MongoClient(url);
    try {
      const { databases } = await client.db("admin").admin().listDatabases({ nameOnly: true });
      for (const serviceName of services.splice(0)) {
        for (const { name } of databases) {
          if (name.endsWith(`_${serviceName}`) || name === `${serviceName}_gpu_meta`) {
            await client.db(name).dropDatabase();
          }
        }
      }
    } finally {
      await client.close();
    }
  }

  storeContract("MongoStore", openFresh, dropAll);

  async function withStore(body: (store: MongoStore) => Promise<void>): Promise<void> {
    const store = await openFresh();
    try {
      await body(store);
    } finally {
      await store.close();
      await dropAll();
    }
  }

  Deno.test("openStore() with MONGODB_URL opens a MongoStore", async () => {
    const store = await openStore({ dataDir: ":memory:", mongodbUrl: url, mongodb: { serviceName: `${run}o` } });
    services.push(`${run}o`);
    strictEqual(store.kind, "mongodb");
    await store.close();
    await dropAll();
  });

  Deno.test("MongoStore serves KATO-era documents and numbers them for loading", () =>
    withStore(async (store) => {
      const client = new MongoClient(url);
      try {
        const db = client.db(store.dbNameOf("legacy"));
        const events = [["a", "b"], ["c"]];
        const name = patternName(events);
        await db.collection("patterns_kb").insertOne({
          name,
          pattern_data: events,
          length: 3,
          frequency: 3,
          emotives: {},
        });
        await db.collection("symbols_kb").insertOne({ name: "a", frequency: 3, model_member_frequency: 1 });
        deepStrictEqual(await allPatterns(store, "legacy"), [
          { name, events, length: 3, frequency: 3, emotives: [], metadata: {} },
        ]);
        ok(typeof (await db.collection("patterns_kb").findOne({ name }))?.seq === "number");
        deepStrictEqual(
          await store.loadSymbolStats("legacy"),
          new Map([["a", { frequency: 3, patternMemberFrequency: 1 }]]),
        );
        const outcome = await store.learn(learnRecord(events, { nodeId: "legacy", metadata: { k: ["v"] } }));
        strictEqual(outcome.created, false);
        strictEqual(outcome.pattern.frequency, 4);
        deepStrictEqual(await store.listNodes(), ["legacy"]);
      } finally {
        await client.close();
      }
    }));

  Deno.test("MongoStore refuses a node whose database name another node owns", () =>
    withStore(async (store) => {
      await store.learn(learnRecord([["a", "b"]], { nodeId: "a-b" }));
      strictEqual(store.dbNameOf("a_b"), store.dbNameOf("a-b"));
      await rejects(store.learn(learnRecord([["a", "b"]], { nodeId: "a_b" })), RangeError);
      strictEqual(await store.getPattern("a_b", patternName([["a", "b"]])), null);
      strictEqual(await store.countPatterns("a_b"), 0);
    }));

  Deno.test("MongoStore applies a retried learn (same op id) only once", () =>
    withStore(async (store) => {
      await store.learn(learnRecord([["x", "y"]])); // registers the node and creates its indexes
      const client = new MongoClient(url);
      try {
        const db = client.db(store.dbNameOf("node-a"));
        const op = new ObjectId();
        const record = learnRecord([["a", "b"]]);
        const ctx = { client, db, transactions: store.transactions, policy: DEFAULT_RETRY, op };
        const first = await learnInMongo(ctx, record);
        const again = await learnInMongo(ctx, record);
        strictEqual(first.created, true);
        strictEqual(again.created, true);
        strictEqual(again.pattern.frequency, 1);
        const relearn = await learnInMongo({ ...ctx, op: new ObjectId() }, record);
        strictEqual(relearn.created, false);
        if (store.transactions) {
          // In a transaction the statistics were committed with the pattern, so nothing is re-applied.
          deepStrictEqual(await store.getTotals("node-a"), {
            totalSymbolsInPatternsFrequencies: 6,
            totalPatternFrequencies: 2,
            totalUniquePatterns: 2,
          });
        }
      } finally {
        await client.close();
      }
    }));

  Deno.test("MongoStore keeps every concurrent learn of one pattern", () =>
    withStore(async (store) => {
      const record = learnRecord([["a", "b"], ["c"]], { emotives: [{ e: 1 }], persistence: 3 });
      const outcomes = await Promise.all(Array.from({ length: 20 }, () => store.learn(record)));
      strictEqual(outcomes.filter((o) => o.created).length, 1);
      const pattern = await store.getPattern("node-a", record.name);
      strictEqual(pattern?.frequency, 20);
      strictEqual(pattern?.emotives.length, 3);
      deepStrictEqual(await store.getTotals("node-a"), {
        totalSymbolsInPatternsFrequencies: 60,
        totalPatternFrequencies: 1,
        totalUniquePatterns: 1,
      });
      deepStrictEqual(Object.fromEntries(await store.loadSymbolStats("node-a")), {
        a: { frequency: 20, patternMemberFrequency: 1 },
        b: { frequency: 20, patternMemberFrequency: 1 },
        c: { frequency: 20, patternMemberFrequency: 1 },
      });
    }));
}
