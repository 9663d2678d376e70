// The MongoDB store's pure parts: names, documents, updates, parsing and retry rules. These run in CI,
// where no MongoDB server exists; BSON round trips stand in for the server's storage.
import { deepStrictEqual, ok, rejects, strictEqual, throws } from "node:assert";
import { BSON, MongoNetworkError, MongoServerError, MongoServerSelectionError, ObjectId } from "mongodb";
import { patternName } from "../src/kato/hash.ts";
import {
  appliedOp,
  createdByOp,
  finalizedSets,
  importedPatternDoc,
  metaDbName,
  newPatternDoc,
  nodeDbName,
  nodeRegistryDoc,
  OPS_KEPT,
  parseFinalizedDoc,
  parsePatternDoc,
  parseSessionDoc,
  parseSymbolDoc,
  parseTotalsDoc,
  relearnedPatternDoc,
  relearnFilter,
  sessionDoc,
  symbolIncrements,
  symbolSets,
  totalsIncrement,
  totalsSet,
  vocabularyDocs,
} from "../src/store/_mongo_docs.ts";
import {
  backoffDelay,
  ConflictRetry,
  DEFAULT_RETRY,
  isDuplicateKeyError,
  isTransientError,
  translateMongoError,
  withRetry,
} from "../src/store/_mongo_retry.ts";
import { planLearn } from "../src/store/learn_merge.ts";
import { StoreUnavailableError } from "../src/store/mod.ts";
import { learnRecord } from "./store_contract.ts";

/** What the server would store and return: the document through BSON and back. */
function throughBson<T extends BSON.Document>(doc: T): BSON.Document {
  return BSON.deserialize(BSON.serialize(doc));
}

const byteLength = (text: string) => new TextEncoder().encode(text).length;

Deno.test("nodeDbName() names databases as KATO did", () => {
  strictEqual(nodeDbName("alice", "kato"), "alice_kato");
  strictEqual(nodeDbName("project-x", "kato"), "project_x_kato");
  strictEqual(nodeDbName("user/123", "kato"), "user_123_kato");
  strictEqual(nodeDbName('a.b c$d"e*f<g>h:i|j?k\\l', "kato"), "a_b_c_d_e_f_g_h_i_j_k_l_kato");
  strictEqual(nodeDbName("tab\there\u0000", "kato"), "tab_here__kato");
  strictEqual(nodeDbName("Ünïcode-😀", "svc"), "Ünïcode_😀_svc");
  strictEqual(metaDbName("kato"), "kato_gpu_meta");
});

Deno.test("nodeDbName() caps long names under 64 bytes and keeps them distinct", () => {
  const a = nodeDbName("n".repeat(80) + "a", "kato");
  const b = nodeDbName("n".repeat(80) + "b", "kato");
  strictEqual(byteLength(a), 63);
  ok(a !== b);
  ok(a.endsWith("_kato"));
  ok(/^n+_[0-9a-f]{12}_kato$/.test(a), a);
  // Multi-byte characters are never cut in half.
  const emoji = nodeDbName("😀".repeat(30), "kato");
  ok(byteLength(emoji) <= 63);
  ok(!emoji.includes("\ufffd"));
  strictEqual(nodeDbName("x".repeat(58), "kato"), "x".repeat(58) + "_kato");
  strictEqual(byteLength(nodeDbName("x".repeat(59), "kato")), 63);
});

Deno.test("nodeDbName() refuses an empty or long service name", () => {
  throws(() => nodeDbName("n", ""), RangeError);
  throws(() => nodeDbName("n", "s".repeat(25)), RangeError);
  throws(() => metaDbName(""), RangeError);
});

Deno.test("nodeRegistryDoc() keys database names without case", () => {
  const doc = nodeRegistryDoc("Node-Z", "Node_Z_kato");
  strictEqual(doc._id, "Node-Z");
  strictEqual(doc.db, "Node_Z_kato");
  strictEqual(doc.db_key, "node_z_kato");
});

Deno.test("newPatternDoc() writes KATO's fields, the load order and the creating learn", () => {
  const record = learnRecord([["a", "b"], ["c"]], { emotives: [{ joy: 1 }], metadata: { k: ["y", "x"] } });
  const plan = planLearn(null, record);
  const op = new ObjectId();
  const doc = newPatternDoc(plan.pattern, 7, op);
  deepStrictEqual(doc, {
    name: record.name,
    pattern_data: [["a", "b"], ["c"]],
    length: 3,
    frequency: 1,
    emotives: [{ joy: 1 }],
    metadata: { k: ["x", "y"] },
    seq: 7,
    ops: [op],
    created_op: op,
  });
  deepStrictEqual(Object.keys(doc).slice(0, 6), [
    "name",
    "pattern_data",
    "length",
    "frequency",
    "emotives",
    "metadata",
  ]);
  ok(appliedOp(doc as unknown as BSON.Document, op));
  ok(createdByOp(throughBson(doc), op));
  ok(!appliedOp(null, op));
});

Deno.test("relearnedPatternDoc() replaces with the planned pattern and keeps order and creator", () => {
  const record = learnRecord([["a", "b"]], { emotives: [{ e: 1 }], metadata: { k: ["b"] }, persistence: 2 });
  const created = new ObjectId();
  const stored = throughBson({ _id: new ObjectId(), ...newPatternDoc(planLearn(null, record).pattern, 3, created) });
  const again = { ...record, emotives: [{ e: 2 }, { e: 3 }], metadata: { k: ["a"], new: ["z"] } };
  const plan = planLearn(parsePatternDoc(stored), again);
  const op = new ObjectId();
  const doc = relearnedPatternDoc(stored, plan.pattern, op);
  strictEqual(doc.frequency, 2);
  deepStrictEqual(doc.emotives, [{ e: 2 }, { e: 3 }]);
  deepStrictEqual(doc.metadata, { k: ["a", "b"], new: ["z"] });
  strictEqual(doc.seq, 3);
  deepStrictEqual(doc.ops, [created, op]);
  ok(!createdByOp(doc as unknown as BSON.Document, op));
  ok(createdByOp(doc as unknown as BSON.Document, created));
  deepStrictEqual(relearnFilter(stored), { _id: stored._id, frequency: 1 });
});

Deno.test("relearnedPatternDoc() keeps only the last OPS_KEPT learn ids", () => {
  const pattern = planLearn(null, learnRecord([["a", "b"]])).pattern;
  let doc: BSON.Document = newPatternDoc(pattern, 1, new ObjectId());
  const ops: ObjectId[] = [];
  for (let i = 0; i < OPS_KEPT + 5; i++) {
    const op = new ObjectId();
    ops.push(op);
    doc = relearnedPatternDoc(doc, pattern, op);
  }
  deepStrictEqual(doc.ops, ops.slice(-OPS_KEPT));
  ok(appliedOp(doc, ops.at(-1)!));
  ok(!appliedOp(doc, ops[0]!));
});

Deno.test("relearnedPatternDoc() leaves a KATO-era document without seq unnumbered", () => {
  const legacy = { _id: new ObjectId(), name: "p", pattern_data: [["a", "b"]], length: 2, frequency: 2, emotives: {} };
  const plan = planLearn(parsePatternDoc(legacy), { ...learnRecord([["a", "b"]]), name: "p" });
  const doc = relearnedPatternDoc(legacy, plan.pattern, new ObjectId());
  ok(!("seq" in doc));
  ok(!("created_op" in doc));
  strictEqual(doc.frequency, 3);
});

Deno.test("parsePatternDoc() round-trips through BSON, odd keys and symbols included", () => {
  const events = [["it's", "\u0000", "😀"], ["$x.y"]];
  const pattern = {
    name: patternName(events),
    events,
    length: 4,
    frequency: 12,
    emotives: [{ "$joy.x": -0.5 }, { calm: 2 }],
    metadata: { "$k.1": ["a"], "": [""] },
  };
  deepStrictEqual(parsePatternDoc(throughBson(importedPatternDoc(pattern, 5))), pattern);
});

Deno.test("parsePatternDoc() reads KATO-era documents", () => {
  deepStrictEqual(
    parsePatternDoc({ _id: new ObjectId(), name: "p", pattern_data: [["a"], ["b", "a"]], frequency: 4, emotives: {} }),
    { name: "p", events: [["a"], ["b", "a"]], length: 3, frequency: 4, emotives: [], metadata: {} },
  );
});

Deno.test("symbolIncrements() adds pmf for a new pattern only", () => {
  const record = learnRecord([["a", "a"], ["b"]]);
  const fresh = symbolIncrements(planLearn(null, record).deltas.symbols);
  deepStrictEqual(fresh, [
    {
      updateOne: {
        filter: { name: "a" },
        update: { $inc: { frequency: 2, pattern_member_frequency: 1 } },
        upsert: true,
      },
    },
    {
      updateOne: {
        filter: { name: "b" },
        update: { $inc: { frequency: 1, pattern_member_frequency: 1 } },
        upsert: true,
      },
    },
  ]);
  const stored = planLearn(null, record).pattern;
  const again = symbolIncrements(planLearn(stored, record).deltas.symbols);
  deepStrictEqual(again.map((op) => "updateOne" in op && op.updateOne.update), [
    { $inc: { frequency: 2, pattern_member_frequency: 0 } },
    { $inc: { frequency: 1, pattern_member_frequency: 0 } },
  ]);
});

Deno.test("totalsIncrement() follows KATO's re-learn rule", () => {
  const record = learnRecord([["a", "b"], ["c"]]);
  const first = planLearn(null, record);
  deepStrictEqual(totalsIncrement(first.deltas.totals), {
    $inc: { total_symbols_in_patterns_frequencies: 3, total_pattern_frequencies: 1, total_unique_patterns: 1 },
  });
  deepStrictEqual(totalsIncrement(planLearn(first.pattern, record).deltas.totals), {
    $inc: { total_symbols_in_patterns_frequencies: 3, total_pattern_frequencies: 0, total_unique_patterns: 0 },
  });
});

Deno.test("symbolSets(), totalsSet() and their parsers import values exactly", () => {
  const ops = symbolSets(new Map([["a", { frequency: 9, patternMemberFrequency: 2 }]]));
  deepStrictEqual(ops, [{
    updateOne: { filter: { name: "a" }, update: { $set: { frequency: 9, pattern_member_frequency: 2 } }, upsert: true },
  }]);
  deepStrictEqual(parseSymbolDoc({ name: "a", frequency: 9, pattern_member_frequency: 2, "emotives.joy": 1 }), [
    "a",
    { frequency: 9, patternMemberFrequency: 2 },
  ]);
  deepStrictEqual(parseSymbolDoc({ name: "old", frequency: 3, model_member_frequency: 1 }), [
    "old",
    { frequency: 3, patternMemberFrequency: 1 },
  ]);
  const totals = { totalSymbolsInPatternsFrequencies: 2 ** 40, totalPatternFrequencies: 5, totalUniquePatterns: 5 };
  deepStrictEqual(parseTotalsDoc(throughBson({ class: "totals", ...totalsSet(totals).$set })), totals);
  deepStrictEqual(parseTotalsDoc(null), {
    totalSymbolsInPatternsFrequencies: 0,
    totalPatternFrequencies: 0,
    totalUniquePatterns: 0,
  });
});

Deno.test("finalizedSets() keeps NaN, infinities and -0 through BSON", () => {
  const metrics = { entropy: NaN, normalized_entropy: Infinity, global_normalized_entropy: -0, tfidf_score: 3 };
  const [op] = finalizedSets(new Map([["p", metrics]]));
  ok(op !== undefined && "updateOne" in op);
  const stored = throughBson({ name: "p", ...(op.updateOne.update as BSON.Document).$set });
  deepStrictEqual(parseFinalizedDoc(stored), ["p", metrics]);
  ok(Object.is(parseFinalizedDoc(stored)[1].global_normalized_entropy, -0));
  deepStrictEqual(parseFinalizedDoc({ name: "q" })[1].entropy, NaN);
});

Deno.test("sessionDoc() stores a Date for the TTL index and the state as JSON", () => {
  const session = { sessionId: "s1", nodeId: "n", expiresAt: 1_900_000_000_123, data: { stm: [["a"]], "$k.x": 1 } };
  const doc = sessionDoc(session);
  ok(doc.expires_at instanceof Date);
  strictEqual(typeof doc.data, "string");
  deepStrictEqual(parseSessionDoc(throughBson(doc)), session);
  // JSON semantics, as in SQLite: undefined members disappear.
  deepStrictEqual(parseSessionDoc(sessionDoc({ ...session, data: { a: undefined, b: 1 } })).data, { b: 1 });
  throws(() => sessionDoc({ ...session, data: undefined }), TypeError);
});

Deno.test("vocabularyDocs() uses ids as _id", () => {
  deepStrictEqual(vocabularyDocs(4, ["x", "y"]), [{ _id: 4, symbol: "x" }, { _id: 5, symbol: "y" }]);
});

const selectionError = () => new MongoServerSelectionError("Server selection timed out", {} as never);

Deno.test("isTransientError() retries network, election and conflict errors only", () => {
  ok(isTransientError(new MongoNetworkError("connection reset")));
  ok(isTransientError(new MongoServerError({ code: 112, errmsg: "WriteConflict" })));
  ok(isTransientError(new MongoServerError({ code: 10107, errmsg: "not primary" })));
  ok(isTransientError(new MongoServerError({ code: 1, errmsg: "x", errorLabels: ["TransientTransactionError"] })));
  ok(isTransientError(new ConflictRetry("changed")));
  ok(!isTransientError(selectionError()));
  ok(!isTransientError(new MongoServerError({ code: 11000, errmsg: "E11000 duplicate key" })));
  ok(!isTransientError(new TypeError("bad")));
});

Deno.test("isDuplicateKeyError() finds E11000 alone or in a bulk write", () => {
  ok(isDuplicateKeyError(new MongoServerError({ code: 11000, errmsg: "E11000" })));
  const bulk = Object.assign(new MongoServerError({ errmsg: "bulk" }), { writeErrors: [{ code: 11000 }] });
  ok(isDuplicateKeyError(bulk));
  ok(!isDuplicateKeyError(new MongoServerError({ code: 112, errmsg: "WriteConflict" })));
});

Deno.test("translateMongoError() makes driver errors 503s and oversize documents bad arguments", () => {
  const unavailable = translateMongoError("learn", selectionError());
  ok(unavailable instanceof StoreUnavailableError);
  strictEqual(unavailable.message, "Cannot learn: Server selection timed out");
  ok(translateMongoError("learn", new MongoServerError({ code: 10334, errmsg: "too big" })) instanceof RangeError);
  const own = new RangeError("Cannot learn: bad length");
  strictEqual(translateMongoError("learn", own), own);
});

Deno.test("withRetry() retries transient errors with backoff, then gives up as unavailable", async () => {
  const delays: number[] = [];
  const sleep = (ms: number) => {
    delays.push(ms);
    return Promise.resolve();
  };
  let calls = 0;
  const result = await withRetry(
    "learn",
    DEFAULT_RETRY,
    () => {
      calls++;
      if (calls < 3) throw new MongoNetworkError("reset");
      return Promise.resolve("done");
    },
    undefined,
    sleep,
  );
  strictEqual(result, "done");
  strictEqual(delays.length, 2);

  calls = 0;
  await rejects(
    withRetry(
      "learn",
      { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
      () => {
        calls++;
        throw new MongoNetworkError("down");
      },
      undefined,
      sleep,
    ),
    StoreUnavailableError,
  );
  strictEqual(calls, 3);

  calls = 0;
  await rejects(
    withRetry(
      "learn",
      DEFAULT_RETRY,
      () => {
        calls++;
        throw new RangeError("bad");
      },
      undefined,
      sleep,
    ),
    RangeError,
  );
  strictEqual(calls, 1);
});

Deno.test("backoffDelay() doubles up to the cap, with jitter between half and all", () => {
  const policy = { attempts: 10, baseDelayMs: 20, maxDelayMs: 800 };
  strictEqual(backoffDelay(1, policy, () => 1), 20);
  strictEqual(backoffDelay(1, policy, () => 0), 10);
  strictEqual(backoffDelay(3, policy, () => 1), 80);
  strictEqual(backoffDelay(10, policy, () => 1), 800);
});
