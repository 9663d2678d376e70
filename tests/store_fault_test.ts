import { deepStrictEqual, match, ok, rejects, strictEqual } from "node:assert";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { SQLITE_FILE_NAME, StoreUnavailableError } from "../src/store/mod.ts";
import { canMakeImmutable, canMountTmpfs, FaultInjector, run, snapshot } from "./_fault_store.ts";
import { observeAll, startService, type TestService } from "./_service.ts";

const FAST_LOCK = { STORE_BUSY_TIMEOUT_MS: "50" };

const immutable = canMakeImmutable();
if (!immutable) {
  console.warn("Skipping the read-only tests: chattr +i needs root (CAP_LINUX_IMMUTABLE) and ext4-like files");
}
const tmpfs = canMountTmpfs();
if (!tmpfs) console.warn("Skipping the disk-full test: mounting a small tmpfs needs CAP_SYS_ADMIN");

/** A node with two learned patterns and a session whose STM predicts from them. */
async function seeded(t: TestService, nodeId: string): Promise<{ sessionId: string; learned: Map<string, number> }> {
  const sessionId = await t.session(nodeId);
  const learned = new Map<string, number>();
  for (const events of [[["a", "b"], ["c"]], [["a"], ["d", "e"]]]) {
    await observeAll(t, sessionId, events);
    const { json } = await t.call("POST", `/sessions/${sessionId}/learn`);
    learned.set(json.pattern_name, 1);
  }
  await observeAll(t, sessionId, [["a", "b"], ["fresh"]]);
  return { sessionId, learned };
}

/** Every request the fault must refuse whole: learn, observe, a new session, clear-all. */
async function assertRefusedWhole(t: TestService, nodeId: string, sessionId: string, cause: RegExp): Promise<void> {
  const before = await snapshot(t, nodeId, sessionId);
  const sessions = (await t.call("GET", "/sessions/count")).json.active_session_count;
  const learn = await t.call("POST", `/sessions/${sessionId}/learn`);
  strictEqual(learn.status, 503, JSON.stringify(learn.json));
  match(learn.json.detail, /^Service unavailable: the pattern store cannot be reached/);
  match(learn.json.detail, cause);
  deepStrictEqual(await snapshot(t, nodeId, sessionId), before, "a failed learn changed something");
  strictEqual((await t.call("POST", `/sessions/${sessionId}/observe`, { strings: ["new-symbol", "x"] })).status, 503);
  deepStrictEqual(await snapshot(t, nodeId, sessionId), before, "a failed observe changed something");
  strictEqual((await t.call("POST", "/sessions", { node_id: nodeId })).status, 503);
  strictEqual((await t.call("GET", "/sessions/count")).json.active_session_count, sessions);
  strictEqual((await t.call("POST", `/sessions/${sessionId}/clear-all`)).status, 503);
  deepStrictEqual(await snapshot(t, nodeId, sessionId), before, "a failed clear-all changed something");
  // Reads go on from memory and the open database.
  strictEqual((await t.call("GET", `/sessions/${sessionId}/predictions`)).status, 200);
  strictEqual((await t.call("GET", `/symbols/stats?node_id=${nodeId}`)).status, 200);
}

/** After the fault: the learn that failed goes through, and a restart serves everything acknowledged. */
async function assertRecovered(t: TestService, nodeId: string, sessionId: string, learned: Map<string, number>) {
  const learn = await t.call("POST", `/sessions/${sessionId}/learn`);
  strictEqual(learn.status, 200, JSON.stringify(learn.json));
  learned.set(learn.json.pattern_name, (learned.get(learn.json.pattern_name) ?? 0) + 1);
  await t.restart();
  for (const [name, frequency] of learned) {
    const { status, json } = await t.call("GET", `/pattern/${name}?node_id=${nodeId}`);
    strictEqual(status, 200, `${name} lost`);
    strictEqual(json.pattern.pattern.frequency, frequency);
  }
  strictEqual(t.built.engine.patternCount(nodeId), learned.size);
  deepStrictEqual((await t.call("GET", `/sessions/${sessionId}/stm`)).json.stm, []);
}

Deno.test("a database locked by another connection: 503s with nothing applied, recovery once released", async () => {
  await using t = await startService(FAST_LOCK);
  const { sessionId, learned } = await seeded(t, "locked");
  const other = new DatabaseSync(join(t.dataDir, SQLITE_FILE_NAME));
  other.exec("BEGIN EXCLUSIVE");
  try {
    await assertRefusedWhole(t, "locked", sessionId, /database is locked/);
  } finally {
    other.exec("ROLLBACK");
    other.close();
  }
  await assertRecovered(t, "locked", sessionId, learned);
});

Deno.test("a deleted database file is written back from the open database: nothing acknowledged is lost", async () => {
  await using t = await startService();
  const { sessionId, learned } = await seeded(t, "deleted");
  const file = join(t.dataDir, SQLITE_FILE_NAME);
  for (const suffix of ["", "-wal", "-shm"]) await Deno.remove(`${file}${suffix}`);
  const learn = await t.call("POST", `/sessions/${sessionId}/learn`);
  strictEqual(learn.status, 200);
  learned.set(learn.json.pattern_name, 1);
  ok((await Deno.stat(file)).isFile, "kato.db was not written back");
  await observeAll(t, sessionId, [["after"], ["restore"]]);
  await assertRecovered(t, "deleted", sessionId, learned);
});

Deno.test("a deleted write-ahead log is checkpointed and reopened: nothing acknowledged is lost", async () => {
  await using t = await startService();
  const { sessionId, learned } = await seeded(t, "wal");
  await Deno.remove(join(t.dataDir, `${SQLITE_FILE_NAME}-wal`));
  await assertRecovered(t, "wal", sessionId, learned);
});

Deno.test("a deleted data directory: 503s until it exists again, then the database is written back", async () => {
  await using t = await startService();
  const { sessionId, learned } = await seeded(t, "gone");
  await Deno.remove(t.dataDir, { recursive: true });
  await assertRefusedWhole(t, "gone", sessionId, /data directory .* is gone; create it again/);
  await Deno.mkdir(t.dataDir);
  await assertRecovered(t, "gone", sessionId, learned);
});

Deno.test("a database file replaced under the service: 503s, never overwritten; moving it away restores ours", async () => {
  await using t = await startService();
  const { sessionId, learned } = await seeded(t, "replaced");
  const file = join(t.dataDir, SQLITE_FILE_NAME);
  const elsewhere = join(t.dataDir, "someone-elses.db");
  await Deno.copyFile(file, elsewhere);
  await Deno.rename(file, `${file}.moved`);
  await Deno.rename(elsewhere, file);
  const { status, json } = await t.call("POST", `/sessions/${sessionId}/learn`);
  strictEqual(status, 503);
  match(json.detail, /was replaced by another file while open/);
  const replacement = await Deno.stat(file);
  await Deno.rename(file, elsewhere);
  ok((await Deno.stat(elsewhere)).ino === replacement.ino, "the replacement was touched");
  await assertRecovered(t, "replaced", sessionId, learned);
});

Deno.test({
  name: "a read-only data directory (immutable files): 503s with nothing applied, recovery once writable",
  ignore: !immutable,
  fn: async () => {
    await using t = await startService(FAST_LOCK);
    const { sessionId, learned } = await seeded(t, "readonly");
    // Not the -shm file: it is SQLite's mmapped lock table, and a mapping that cannot grow is SIGBUS.
    const paths = [t.dataDir, ...["", "-wal"].map((suffix) => join(t.dataDir, `${SQLITE_FILE_NAME}${suffix}`))];
    ok(run("chattr", "+i", ...paths));
    try {
      await assertRefusedWhole(t, "readonly", sessionId, /disk I\/O error|readonly|read-only/i);
    } finally {
      run("chattr", "-i", ...paths);
    }
    await assertRecovered(t, "readonly", sessionId, learned);
  },
});

Deno.test({
  name: "a read-only data directory at start is a clear error, not a crash later",
  ignore: !immutable,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "kato-readonly-" });
    ok(run("chattr", "+i", dir));
    try {
      await rejects(
        startService({}, dir),
        (error: unknown) => error instanceof StoreUnavailableError && error.message.startsWith("Cannot open store at"),
      );
    } finally {
      run("chattr", "-i", dir);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "a full disk: 503s with nothing applied while full, recovery once space is freed",
  ignore: !tmpfs,
  fn: async () => {
    const mount = await Deno.makeTempDir({ prefix: "kato-full-" });
    ok(run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mount));
    const filler = join(mount, "filler");
    try {
      await using t = await startService(FAST_LOCK, join(mount, "data"));
      const { sessionId, learned } = await seeded(t, "full");
      const chunk = new Uint8Array(64 * 1024);
      const file = await Deno.open(filler, { write: true, create: true });
      try {
        while (true) await file.write(chunk);
      } catch (error) {
        ok(String(error).includes("No space left"), String(error));
      } finally {
        file.close();
      }
      // Pages freed by earlier checkpoints may still take a write or two: learn new, wide patterns
      // until the disk refuses one, checking every refusal on the way.
      let refused = 0;
      for (let round = 0; round < 200 && refused === 0; round++) {
        const symbols = [...Array(100)].map((_, i) => `round-${round}-symbol-${i}-${"x".repeat(40)}`);
        const before = await snapshot(t, "full", sessionId);
        const observed = await t.call("POST", `/sessions/${sessionId}/observe`, { strings: symbols });
        if (observed.status !== 200) {
          strictEqual(observed.status, 503);
          deepStrictEqual(await snapshot(t, "full", sessionId), before);
        }
        const afterObserve = await snapshot(t, "full", sessionId);
        const learn = await t.call("POST", `/sessions/${sessionId}/learn`);
        if (learn.status === 200) learned.set(learn.json.pattern_name, 1);
        else {
          strictEqual(learn.status, 503, JSON.stringify(learn.json));
          match(learn.json.detail, /full/);
          deepStrictEqual(await snapshot(t, "full", sessionId), afterObserve);
          refused++;
        }
      }
      strictEqual(refused, 1, "the disk never filled");
      await Deno.remove(filler);
      await assertRecovered(t, "full", sessionId, learned);
    } finally {
      await Deno.remove(filler).catch(() => {});
      run("umount", mount);
      await Deno.remove(mount, { recursive: true });
    }
  },
});

Deno.test("store writes failing at each step leave sessions, engine and store as they were", async () => {
  const faults = new FaultInjector();
  await using t = await startService({}, undefined, { wrapStore: faults.wrap });
  const { sessionId, learned } = await seeded(t, "injected");
  const cases: [keyof typeof t.built.store, string, string, unknown?][] = [
    ["learn", "POST", "learn"],
    ["appendVocabulary", "POST", "observe-sequence", {
      observations: [{ strings: ["unseen", "symbols"] }],
      learn_at_end: true,
    }],
    ["saveSession", "POST", "observe", { strings: ["x"] }],
    ["saveSession", "POST", "clear-stm"],
    ["saveSession", "POST", "config", { recall_threshold: 0.5 }],
    ["saveSession", "POST", "extend?ttl_seconds=60"],
    ["clearNode", "POST", "clear-all"],
    ["saveFinalized", "POST", "finalize-training"],
    ["deleteSession", "DELETE", ""],
  ];
  for (const [method, verb, route, body] of cases) {
    const before = await snapshot(t, "injected", sessionId);
    const session = (await t.call("GET", `/sessions/${sessionId}`)).json;
    faults.failing.add(method);
    const path = route === "" ? `/sessions/${sessionId}` : `/sessions/${sessionId}/${route}`;
    const { status, json } = await t.call(verb, path, body);
    faults.failing.clear();
    strictEqual(status, 503, `${verb} ${route} with ${method} failing: ${status} ${JSON.stringify(json)}`);
    deepStrictEqual(await snapshot(t, "injected", sessionId), before, `${verb} ${route} changed something`);
    const after = (await t.call("GET", `/sessions/${sessionId}`)).json;
    deepStrictEqual(after.session_config, session.session_config);
    ok(after.ttl_seconds > 3000, `${verb} ${route} shortened the TTL to ${after.ttl_seconds} s`);
  }
  faults.failing.add("saveSession");
  strictEqual((await t.call("POST", "/sessions", { node_id: "injected" })).status, 503);
  faults.failing.clear();
  await assertRecovered(t, "injected", sessionId, learned);
});

Deno.test("a learn whose pattern committed but whose session save failed is acknowledged once, never twice", async () => {
  const faults = new FaultInjector();
  await using t = await startService({}, undefined, { wrapStore: faults.wrap });
  const sessionId = await t.session("half");
  await observeAll(t, sessionId, [["a"], ["b"]]);
  faults.failing.add("saveSession");
  const learn = await t.call("POST", `/sessions/${sessionId}/learn`);
  faults.failing.clear();
  strictEqual(learn.status, 200, JSON.stringify(learn.json));
  // The STM is the one learn left, so a retry cannot learn the pattern a second time.
  deepStrictEqual((await t.call("GET", `/sessions/${sessionId}/stm`)).json.stm, []);
  strictEqual((await t.call("POST", `/sessions/${sessionId}/learn`)).status, 400);
  strictEqual(
    (await t.call("GET", `/pattern/${learn.json.pattern_name}?node_id=half`)).json.pattern.pattern.frequency,
    1,
  );
  // The next successful save brings the stored session up to date.
  await observeAll(t, sessionId, [["c"]]);
  await t.restart();
  deepStrictEqual((await t.call("GET", `/sessions/${sessionId}/stm`)).json.stm, [["c"]]);
});

Deno.test("reads that slide a session's expiry keep working while the store refuses writes", async () => {
  const faults = new FaultInjector();
  await using t = await startService({}, undefined, { wrapStore: faults.wrap });
  const id = (await t.call("POST", "/sessions", { node_id: "reads", ttl_seconds: 5 })).json.session_id;
  await observeAll(t, id, [["a"]]);
  // Past a tenth of the TTL a read persists the slid expiry: that write fails here.
  await new Promise((resolve) => setTimeout(resolve, 600));
  faults.failing.add("saveSession");
  const refusedBefore = faults.refused;
  strictEqual((await t.call("GET", `/sessions/${id}/stm`)).status, 200);
  strictEqual((await t.call("GET", `/sessions/${id}/predictions`)).status, 200);
  ok(faults.refused > refusedBefore, "no expiry write was attempted");
  faults.failing.clear();
  // Shutdown writes the expiry that could not be persisted.
  const expires = (await t.call("GET", `/sessions/${id}`)).json.expires_at;
  await t.restart();
  strictEqual((await t.call("GET", `/sessions/${id}`)).json.expires_at, expires);
});

Deno.test("store faults log neither API keys nor observed symbols", async () => {
  const faults = new FaultInjector();
  const lines: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void lines.push(args.join(" "));
  try {
    await using t = await startService({}, undefined, { wrapStore: faults.wrap });
    const id = await t.session("private-node");
    await observeAll(t, id, [["secret-symbol-1"], ["secret-symbol-2"]]);
    faults.failing.add("learn");
    const response = await t.built.app.request(`/sessions/${id}/learn`, {
      method: "POST",
      headers: { authorization: "Bearer kato_not-a-real-key-but-secret" },
    });
    strictEqual(response.status, 503);
    await response.body?.cancel();
  } finally {
    console.error = original;
  }
  ok(lines.some((line) => line.includes("Store unavailable")), "the fault was not logged");
  for (const line of lines) {
    ok(!/secret-symbol|not-a-real-key/.test(line), `logged: ${line}`);
  }
});
