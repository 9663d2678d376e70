import { deepStrictEqual, match, ok, strictEqual } from "node:assert";
import { HybridIndex } from "../src/engine/hybrid_index.ts";
import type { EncodedPattern } from "../src/engine/matcher.ts";
import { NativeIndex, tryOpenNative } from "../src/engine/native/mod.ts";
import { TsIndex } from "../src/engine/ts_index.ts";
import { observeAll, startService } from "./_service.ts";

const probe = tryOpenNative("cpu");
probe.index?.close();
const ignore = probe.index === null;
if (ignore) console.log(`SKIPPED hybrid tests: libmatcher not loadable (${probe.reason}); run deno task build:native`);

function patterns(count: number, seed: number): EncodedPattern[] {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: count }, (_, id) => ({
    id,
    symbols: Int32Array.from({ length: 2 + Math.floor(next() * 30) }, () => 1 + Math.floor(next() * 40)),
  }));
}

/** A hybrid over libmatcher's CPU backend (a real native tier), its source being `all`. */
function hybrid(all: EncodedPattern[], faults: string[] = []): { index: HybridIndex; stable: () => NativeIndex } {
  let last: NativeIndex | undefined;
  const index = new HybridIndex({
    openStable: () => last = NativeIndex.open("cpu"),
    openFallback: () => new TsIndex(),
    patterns: () => all,
    onFault: (what) => faults.push(what),
  });
  return { index, stable: () => last! };
}

Deno.test({ name: "HybridIndex answers like a TsIndex before, during and after promotion", ignore }, async () => {
  const all = patterns(300, 1);
  const reference = new TsIndex();
  reference.add(all);
  const { index } = hybrid(all);
  index.add(all.slice(0, 150));
  const state = Int32Array.from({ length: 25 }, (_, k) => 1 + ((k * 7) % 40));
  deepStrictEqual(
    await index.query(state, 0.2),
    (() => {
      const r = new TsIndex();
      r.add(all.slice(0, 150));
      return r.query(state, 0.2);
    })(),
  );
  strictEqual((await index.promote()).promoted, 150);
  index.add(all.slice(150));
  strictEqual(index.stableSize, 150);
  strictEqual(index.freshSize, 150);
  // Queries racing a promotion see every pattern exactly once.
  const [during, promoted] = await Promise.all([index.query(state, 0.2), index.promote(), index.query(state, 0.2)]);
  deepStrictEqual(during, reference.query(state, 0.2));
  strictEqual(promoted.promoted, 150);
  deepStrictEqual(await index.query(state, 0.2), reference.query(state, 0.2));
  strictEqual(index.freshSize, 0);
  index.close();
});

Deno.test({
  name: "HybridIndex falls back on a stable-tier query fault with an identical answer, then recovers",
  ignore,
}, async () => {
  const all = patterns(200, 2);
  const reference = new TsIndex();
  reference.add(all);
  const faults: string[] = [];
  const { index, stable } = hybrid(all, faults);
  index.add(all);
  await index.promote();
  const state = Int32Array.from({ length: 20 }, (_, k) => 1 + ((k * 3) % 40));
  stable().injectFault("query");
  deepStrictEqual(await index.query(state, 0.1), reference.query(state, 0.1));
  deepStrictEqual(faults, ["query"]);
  match(index.degraded ?? "", /GPU tier failed during query/);
  strictEqual(index.stableBackend, "ts");
  strictEqual(await index.recover(), true);
  strictEqual(index.degraded, undefined);
  strictEqual(index.stableBackend, "cpu");
  deepStrictEqual(await index.query(state, 0.1), reference.query(state, 0.1));
  index.close();
});

Deno.test({ name: "HybridIndex keeps serving fresh patterns when their upload fails", ignore }, async () => {
  const all = patterns(100, 3);
  const reference = new TsIndex();
  reference.add(all);
  const faults: string[] = [];
  const { index, stable } = hybrid(all, faults);
  index.add(all.slice(0, 60));
  await index.promote();
  index.add(all.slice(60));
  stable().injectFault("add");
  const result = await index.promote();
  strictEqual(result.promoted, 0);
  ok(result.error !== undefined);
  deepStrictEqual(faults, ["add"]);
  strictEqual(index.freshSize, 40);
  strictEqual(index.stableSize, 60);
  const state = Int32Array.from({ length: 15 }, (_, k) => 1 + ((k * 11) % 40));
  deepStrictEqual(await index.query(state, 0.1), reference.query(state, 0.1));
  strictEqual(await index.recover(), true);
  strictEqual((await index.promote()).promoted, 40);
  deepStrictEqual(await index.query(state, 0.1), reference.query(state, 0.1));
  index.close();
});

Deno.test({
  name: "sync triggers: threshold, training mode, leaving training, finalize, cron and POST /gpu/sync",
  ignore,
}, async () => {
  await using t = await startService({ GPU_SYNC_THRESHOLD: "3", GPU_SYNC_INTERVAL_MINUTES: "5" });
  const id = await t.session("tiers");
  const learn = async (a: string) => {
    await observeAll(t, id, [[a], ["z"]]);
    await t.call("POST", `/sessions/${id}/learn`);
  };
  const tiers = async () =>
    (await t.call("GET", "/gpu/status")).json.nodes.find((n: { node_id: string }) => n.node_id === "tiers");
  await learn("a");
  await learn("b");
  deepStrictEqual([(await tiers()).gpu_patterns, (await tiers()).cpu_patterns], [0, 2]);
  await learn("c"); // reaches the threshold of 3
  await new Promise((resolve) => setTimeout(resolve, 50));
  deepStrictEqual([(await tiers()).gpu_patterns, (await tiers()).cpu_patterns], [3, 0]);

  strictEqual((await t.call("POST", "/gpu/config", { training_mode: true })).status, 200);
  for (const a of ["d", "e", "f", "g"]) await learn(a);
  strictEqual((await tiers()).cpu_patterns, 4, "training mode pauses the threshold trigger");
  strictEqual(await t.built.sync.cronTick(Date.now() + 10 * 60_000), undefined, "training mode pauses cron");
  const left = await t.call("POST", "/gpu/config", { training_mode: false });
  strictEqual(left.json.sync.reason, "training");
  strictEqual(left.json.sync.promoted_total, 4);

  await t.call("POST", "/gpu/config", { training_mode: true });
  await learn("h");
  await t.call("POST", `/sessions/${id}/finalize-training`);
  strictEqual((await tiers()).cpu_patterns, 0, "finalize-training promotes");

  await learn("i");
  strictEqual(await t.built.sync.cronTick(Date.now()), undefined, "training mode: no cron sync");
  await t.call("POST", "/gpu/config", { training_mode: true, sync_threshold: 100 });
  await t.call("POST", "/gpu/config", { training_mode: false });
  await learn("j");
  strictEqual(await t.built.sync.cronTick(Date.now() + 60_000), undefined, "interval not yet passed");
  strictEqual((await t.built.sync.cronTick(Date.now() + 6 * 60_000))?.promoted.tiers, 1);
  await learn("k");
  const manual = await t.call("POST", "/gpu/sync");
  strictEqual(manual.json.promoted_total, 1);
  strictEqual(manual.json.reason, "manual");
  strictEqual((await t.call("POST", "/gpu/config", { sync_threshold: 0 })).status, 422);
  const metrics = (await t.call("GET", "/metrics")).json as string;
  match(metrics, /kato_gpu_sync_events_total\{reason="manual",outcome="ok"\} 1/);
  match(metrics, /kato_gpu_pattern_count \d+/);
});

Deno.test(
  { name: "predictions stay identical when a node falls back, and /health turns degraded", ignore },
  async () => {
    await using t = await startService();
    const id = await t.session("fallback");
    for (const events of [[["hello"], ["world"], ["test"]], [["hello"], ["there"]], [["a", "b"], ["world"]]]) {
      await observeAll(t, id, events);
      await t.call("POST", `/sessions/${id}/learn`);
    }
    await t.call("POST", "/gpu/sync");
    await observeAll(t, id, [["hello"], ["world"]]);
    const before = (await t.call("GET", `/sessions/${id}/predictions`)).json;
    strictEqual((await t.call("GET", "/health")).json.status, "healthy");
    const hybrid = t.built.engine.hybridOf("fallback")!;
    hybrid.injectFault("query");
    const after = (await t.call("GET", `/sessions/${id}/predictions`)).json;
    deepStrictEqual(after.predictions, before.predictions);
    const health = (await t.call("GET", "/health")).json;
    strictEqual(health.status, "degraded");
    match(health.issues[0], /node fallback: GPU tier failed during query/);
    const status = (await t.call("GET", "/gpu/status")).json;
    strictEqual(status.fallback, true);
    match((await t.call("GET", "/metrics")).json, /kato_gpu_fallback_events_total 1/);
    await t.call("POST", "/gpu/sync");
    strictEqual((await t.call("GET", "/health")).json.status, "healthy");
  },
);
