import { deepStrictEqual, ok, rejects, strictEqual, throws } from "node:assert";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { countSymbols } from "../src/store/learn_merge.ts";
import {
  openStore,
  SQLITE_FILE_NAME,
  SqliteStore,
  type SqliteStoreOptions,
  StoreUnavailableError,
} from "../src/store/mod.ts";
import { allPatterns, learnRecord, storeContract } from "./store_contract.ts";

const tempDirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "kato_store_" });
  tempDirs.push(dir);
  return dir;
}

async function removeTempDirs(): Promise<void> {
  for (const dir of tempDirs.splice(0)) {
    // Restore permissions a test may have removed, so the directory can be deleted.
    await Deno.chmod(dir, 0o755).catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
}

storeContract(
  "SqliteStore",
  async () => SqliteStore.open(await tempDir()),
  removeTempDirs,
);

/** A fresh temporary directory, removed (with any other) when the test's scope ends. */
async function scratchDir(): Promise<{ dir: string } & AsyncDisposable> {
  return { dir: await tempDir(), [Symbol.asyncDispose]: removeTempDirs };
}

/** A store in a fresh temporary directory, closed and removed when the test's scope ends. */
async function scratch(
  options: SqliteStoreOptions = {},
): Promise<{ dir: string; store: SqliteStore } & AsyncDisposable> {
  const dir = await tempDir();
  const store = SqliteStore.open(dir, options);
  return {
    dir,
    store,
    async [Symbol.asyncDispose]() {
      await store.close();
      await removeTempDirs();
    },
  };
}

Deno.test("SqliteStore.open() creates the data directory and kato.db", async () => {
  await using scratch = await scratchDir();
  const dir = join(scratch.dir, "nested", "data");
  using store = SqliteStore.open(dir);
  strictEqual(store.location, join(dir, SQLITE_FILE_NAME));
  ok((await Deno.stat(store.location)).isFile);
});

Deno.test("SqliteStore keeps everything across close and reopen", async () => {
  await using s = await scratch();
  const record = learnRecord([["a", "b"], ["c"]], {
    emotives: [{ joy: 1 }],
    metadata: { k: ["v"] },
  });
  await s.store.learn(record);
  await s.store.learn(record);
  const metrics = new Map([[record.name, {
    entropy: 1,
    normalized_entropy: 2,
    global_normalized_entropy: 3,
    tfidf_score: 4,
  }]]);
  await s.store.saveFinalized("node-a", metrics);
  await s.store.appendVocabulary(1, ["a", "b", "c"]);
  const session = {
    sessionId: "s",
    nodeId: "node-a",
    expiresAt: 9e12,
    data: { t: 1 },
  };
  await s.store.saveSession(session);
  const before = await allPatterns(s.store, "node-a");
  await s.store.close();

  using reopened = SqliteStore.open(s.dir);
  deepStrictEqual(await allPatterns(reopened, "node-a"), before);
  strictEqual(before[0]!.frequency, 2);
  deepStrictEqual(await reopened.getTotals("node-a"), {
    totalSymbolsInPatternsFrequencies: 6,
    totalPatternFrequencies: 1,
    totalUniquePatterns: 1,
  });
  strictEqual(
    (await reopened.loadSymbolStats("node-a")).get("a")?.frequency,
    2,
  );
  deepStrictEqual(await reopened.loadFinalized("node-a"), metrics);
  deepStrictEqual(await reopened.loadVocabulary(), ["a", "b", "c"]);
  deepStrictEqual(await reopened.getSession("s"), session);
});

Deno.test("SqliteStore.learn() that fails at its last write leaves nothing behind", async () => {
  await using s = await scratch();
  const known = learnRecord([["a", "b"]], { emotives: [{ e: 1 }] });
  await s.store.learn(known);
  const stats = await s.store.loadSymbolStats("node-a");
  const totals = await s.store.getTotals("node-a");

  // A second connection makes the totals update, the last write of a learn, fail.
  const saboteur = new DatabaseSync(join(s.dir, SQLITE_FILE_NAME));
  saboteur.exec(`
    CREATE TRIGGER fail_totals_update BEFORE UPDATE ON totals
      BEGIN SELECT RAISE(ABORT, 'injected failure'); END;
    CREATE TRIGGER fail_totals_insert BEFORE INSERT ON totals
      BEGIN SELECT RAISE(ABORT, 'injected failure'); END;`);
  const fresh = learnRecord([["b", "c"], ["d"]], { metadata: { k: ["v"] } });
  await rejects(s.store.learn(fresh), StoreUnavailableError);
  await rejects(
    s.store.learn({ ...known, emotives: [{ e: 2 }] }),
    (e: unknown) =>
      e instanceof StoreUnavailableError && e.cause instanceof Error &&
      e.message.includes("injected failure"),
  );

  strictEqual(await s.store.getPattern("node-a", fresh.name), null);
  deepStrictEqual(await s.store.getPattern("node-a", known.name), {
    name: known.name,
    events: [["a", "b"]],
    length: 2,
    frequency: 1,
    emotives: [{ e: 1 }],
    metadata: {},
  });
  deepStrictEqual(await s.store.loadSymbolStats("node-a"), stats);
  deepStrictEqual(await s.store.getTotals("node-a"), totals);
  strictEqual(await s.store.countPatterns("node-a"), 1);

  saboteur.exec(
    "DROP TRIGGER fail_totals_update; DROP TRIGGER fail_totals_insert",
  );
  saboteur.close();
  strictEqual((await s.store.learn(fresh)).created, true);
  strictEqual((await s.store.getTotals("node-a")).totalUniquePatterns, 2);
});

Deno.test("SqliteStore write blocked by another process's lock rejects as unavailable", async () => {
  await using s = await scratch({ busyTimeoutMs: 50 });
  const { dir, store } = s;
  const record = learnRecord([["a", "b"]]);
  await store.learn(record);

  const other = new DatabaseSync(join(dir, SQLITE_FILE_NAME));
  other.exec("BEGIN IMMEDIATE");
  try {
    await rejects(
      store.learn(record),
      (e: unknown) => e instanceof StoreUnavailableError && /locked/.test(e.message),
    );
    await rejects(store.appendVocabulary(1, ["a"]), StoreUnavailableError);
    // WAL readers are not blocked by the writer.
    strictEqual((await store.getPattern("node-a", record.name))?.frequency, 1);
  } finally {
    other.exec("ROLLBACK");
    other.close();
  }
  strictEqual((await store.learn(record)).pattern.frequency, 2);
});

Deno.test("SqliteStore.appendVocabulary() from two processes: the stale writer is refused", async () => {
  await using s = await scratch();
  using second = SqliteStore.open(s.dir);
  await s.store.appendVocabulary(1, ["a", "b"]);
  // The second process believed the vocabulary was still empty.
  await rejects(second.appendVocabulary(1, ["c"]), RangeError);
  await second.appendVocabulary(3, ["c"]);
  deepStrictEqual(await s.store.loadVocabulary(), ["a", "b", "c"]);
});

Deno.test("SqliteStore.open() on a path that is a file rejects as unavailable", async () => {
  await using scratch = await scratchDir();
  const file = join(scratch.dir, "not-a-dir");
  await Deno.writeTextFile(file, "");
  const error = (() => {
    try {
      SqliteStore.open(file);
    } catch (e) {
      return e;
    }
  })();
  ok(error instanceof StoreUnavailableError, String(error));
  ok(error.cause instanceof Error);
  ok(
    error.message.startsWith(
      `Cannot open store at ${join(file, SQLITE_FILE_NAME)}`,
    ),
  );
});

Deno.test("SqliteStore.open() refuses a database written by a newer schema", async () => {
  await using scratch = await scratchDir();
  SqliteStore.open(scratch.dir)[Symbol.dispose]();
  const db = new DatabaseSync(join(scratch.dir, SQLITE_FILE_NAME));
  db.exec("UPDATE schema_version SET version = 999");
  db.close();
  throws(
    () => SqliteStore.open(scratch.dir),
    (e: unknown) =>
      e instanceof StoreUnavailableError &&
      /schema version 999/.test(e.message),
  );
});

/**
 * Whether this process can write into a directory it made read-only: true for root, or anyone
 * with CAP_DAC_OVERRIDE, for whom `chmod` cannot simulate a read-only disk.
 */
function writesIgnorePermissions(): boolean {
  const dir = mkdtempSync(join(tmpdir(), "kato_probe_"));
  try {
    chmodSync(dir, 0o555);
    writeFileSync(join(dir, "probe"), "");
    return true;
  } catch {
    return false;
  } finally {
    chmodSync(dir, 0o755);
    rmSync(dir, { recursive: true });
  }
}

const permissionsIgnored = writesIgnorePermissions();
if (permissionsIgnored) {
  console.warn(
    "Skipping the read-only data directory test: this process writes through chmod (root or CAP_DAC_OVERRIDE)",
  );
}

Deno.test({
  name: "SqliteStore on a read-only data directory rejects as unavailable, without crashing",
  ignore: permissionsIgnored,
  fn: async () => {
    await using scratch = await scratchDir();
    const { dir } = scratch;
    SqliteStore.open(dir)[Symbol.dispose]();
    await Deno.chmod(join(dir, SQLITE_FILE_NAME), 0o444);
    await Deno.chmod(dir, 0o555);
    throws(() => SqliteStore.open(dir), StoreUnavailableError);
    throws(() => SqliteStore.open(join(dir, "sub")), StoreUnavailableError);
  },
});

Deno.test("openStore() opens SQLite when no mongodbUrl is set", async () => {
  for (const mongodbUrl of [undefined, ""]) {
    const store = await openStore({ dataDir: ":memory:", mongodbUrl });
    strictEqual(store.kind, "sqlite");
    await store.close();
  }
  await rejects(openStore({ dataDir: "/proc/kato" }), StoreUnavailableError);
});

Deno.test("SqliteStore survives SIGKILL with every acknowledged learn and consistent statistics", async () => {
  await using scratch = await scratchDir();
  const { dir } = scratch;
  const fixture = new URL("./fixtures/store_learn_loop.ts", import.meta.url);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", fixture.pathname, dir],
    stdout: "piped",
    stderr: "piped",
  }).spawn();

  let output = "";
  let firstLine: () => void = () => {};
  const started = new Promise<void>((resolve) => firstLine = resolve);
  const reading = (async () => {
    for await (
      const chunk of child.stdout.pipeThrough(new TextDecoderStream())
    ) {
      output += chunk;
      if (output.includes("\n")) firstLine();
    }
  })();
  const errors = new Response(child.stderr).text();
  const startTimeout = setTimeout(() => child.kill("SIGKILL"), 30_000);
  await Promise.race([started, child.status]);
  clearTimeout(startTimeout);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  try {
    child.kill("SIGKILL");
  } catch {
    // Already dead: the assertions below report why.
  }
  const status = await child.status;
  await reading;
  const stderr = await errors;
  strictEqual(status.signal, "SIGKILL", `the child died on its own: ${stderr}`);

  // Only complete lines are acknowledged learns; a torn last line is not.
  const lines = output.split("\n").slice(0, -1);
  ok(
    lines.length > 50,
    `too few learns acknowledged (${lines.length}): ${stderr}`,
  );
  const acknowledged = new Map<string, number>();
  for (const line of lines) {
    const [name, frequency] = line.split(" ");
    acknowledged.set(
      name!,
      Math.max(acknowledged.get(name!) ?? 0, Number(frequency)),
    );
  }

  using store = SqliteStore.open(dir);
  const patterns = new Map(
    (await allPatterns(store, "crash")).map((p) => [p.name, p]),
  );
  for (const [name, frequency] of acknowledged) {
    const stored = patterns.get(name);
    ok(stored, `acknowledged pattern ${name} is missing`);
    ok(
      stored.frequency >= frequency,
      `${name}: ${stored.frequency} < ${frequency}`,
    );
  }
  // At most one learn can have committed without being acknowledged: the one being printed.
  const learned = [...patterns.values()].reduce(
    (sum, p) => sum + p.frequency,
    0,
  );
  ok(
    learned - lines.length <= 1,
    `${learned} learns stored, ${lines.length} acknowledged`,
  );

  const expectedSymbols = new Map<
    string,
    { frequency: number; patternMemberFrequency: number }
  >();
  let symbolsInPatterns = 0;
  for (const pattern of patterns.values()) {
    symbolsInPatterns += pattern.length * pattern.frequency;
    for (const [symbol, count] of countSymbols(pattern.events)) {
      const stats = expectedSymbols.get(symbol) ??
        { frequency: 0, patternMemberFrequency: 0 };
      stats.frequency += count * pattern.frequency;
      stats.patternMemberFrequency += 1;
      expectedSymbols.set(symbol, stats);
    }
  }
  deepStrictEqual(await store.getTotals("crash"), {
    totalSymbolsInPatternsFrequencies: symbolsInPatterns,
    totalPatternFrequencies: patterns.size,
    totalUniquePatterns: patterns.size,
  });
  deepStrictEqual(await store.loadSymbolStats("crash"), expectedSymbols);
});
