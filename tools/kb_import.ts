/**
 * `deno task import`: loads a JSON Lines knowledge base (format in `_kb_jsonl.ts`) into either
 * store, writing patterns, statistics, totals and finalized metrics exactly as given.
 *
 * ```sh
 * deno task import --mongodb-url mongodb://localhost:27017 kb.jsonl
 * deno task import --data-dir ./data --replace < kb.jsonl
 * ```
 *
 * Every line is validated; a bad line is reported with its number and skipped, the rest goes on,
 * and the exit status is 1 if any line failed. A node that already has data in the target is
 * refused unless `--replace` clears it first: merging two knowledge bases would need the learn
 * rules, which an import does not apply.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { FinalizedMetrics } from "../src/kato/types.ts";
import type { PatternStore, StoredPattern, SymbolStats } from "../src/store/mod.ts";
import { elapsed, openTarget, readLines, stderrLog, STORE_FLAGS, storeTarget, UsageError } from "./_kb_cli.ts";
import { type HeaderNode, type KbLine, parseLine } from "./_kb_jsonl.ts";

/** Options of {@linkcode importKb}. */
export interface ImportOptions {
  /** Clear a node that already has data instead of refusing it. */
  replace?: boolean;
  /** Patterns, symbols or metrics written per store call (default 1000). */
  batchSize?: number;
  /** A progress message every this many lines (default 100 000). */
  progressEvery?: number;
  log?: (message: string) => void;
}

/** A line that was not imported. */
export interface LineError {
  line: number;
  message: string;
}

/** What an import did. */
export interface ImportSummary {
  lines: number;
  patterns: number;
  symbols: number;
  totals: number;
  finalized: number;
  /** Lines of refused nodes after the first (which is in `errors`). */
  skipped: number;
  errors: LineError[];
  /** Where the header's counts disagree with what was imported (e.g. a truncated file). */
  warnings: string[];
}

interface NodeImport {
  refused: boolean;
  patterns: StoredPattern[];
  symbols: Map<string, SymbolStats>;
  finalized: Map<string, FinalizedMetrics>;
  counts: { patterns: number; symbols: number; finalized: number };
}

/**
 * Imports lines into `store`. Line errors are collected (and logged) without stopping; a store
 * error (e.g. `StoreUnavailableError`) stops the import and rejects.
 *
 * @example Import two lines into an in-memory store
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { SqliteStore } from "../src/store/mod.ts";
 * import { importKb } from "./kb_import.ts";
 *
 * const store = SqliteStore.open(":memory:");
 * const summary = await importKb(store, [
 *   '{"kind":"pattern","node_id":"n1","name":"395314cc2f2880a00c3e6e11f1e02d8b8c45a0e4","pattern_data":[["a","b"]],"length":2,"frequency":4,"emotives":[],"metadata":{}}',
 *   '{"kind":"pattern","node_id":"n1","name":"bad"}',
 * ]);
 * strictEqual(summary.patterns, 1);
 * strictEqual(summary.errors[0]?.line, 2);
 * strictEqual((await store.getPattern("n1", "395314cc2f2880a00c3e6e11f1e02d8b8c45a0e4"))?.frequency, 4);
 * await store.close();
 * ```
 */
export async function importKb(
  store: PatternStore,
  lines: AsyncIterable<string> | Iterable<string>,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const log = options.log ?? (() => {});
  const batchSize = options.batchSize ?? 1000;
  const progressEvery = options.progressEvery ?? 100_000;
  const started = performance.now();
  const summary: ImportSummary = {
    lines: 0,
    patterns: 0,
    symbols: 0,
    totals: 0,
    finalized: 0,
    skipped: 0,
    errors: [],
    warnings: [],
  };
  const withData = new Set(await store.listNodes());
  const nodes = new Map<string, NodeImport>();
  let header: HeaderNode[] | null = null;

  const fail = (line: number, message: string) => {
    summary.errors.push({ line, message });
    log(`line ${line}: ${message}`);
  };

  const flushPatterns = async (nodeId: string, node: NodeImport) => {
    if (node.patterns.length === 0) return;
    await store.importPatterns(nodeId, node.patterns);
    summary.patterns += node.patterns.length;
    node.patterns = [];
  };
  const flushSymbols = async (nodeId: string, node: NodeImport) => {
    if (node.symbols.size === 0) return;
    await store.importSymbolStats(nodeId, node.symbols);
    summary.symbols += node.symbols.size;
    node.symbols = new Map();
  };
  const flushFinalized = async (nodeId: string, node: NodeImport) => {
    if (node.finalized.size === 0) return;
    await store.saveFinalized(nodeId, node.finalized);
    summary.finalized += node.finalized.size;
    node.finalized = new Map();
  };

  const nodeFor = async (nodeId: string, lineNo: number): Promise<NodeImport> => {
    let node = nodes.get(nodeId);
    if (node !== undefined) return node;
    node = {
      refused: false,
      patterns: [],
      symbols: new Map(),
      finalized: new Map(),
      counts: { patterns: 0, symbols: 0, finalized: 0 },
    };
    nodes.set(nodeId, node);
    if (withData.has(nodeId)) {
      if (options.replace) {
        await store.clearNode(nodeId);
        log(`cleared node ${nodeId} (--replace)`);
      } else {
        node.refused = true;
        fail(lineNo, `node ${nodeId} already has data in the ${store.kind} store; use --replace to clear it first`);
      }
    }
    return node;
  };

  let lineNo = 0;
  for await (const text of lines) {
    lineNo++;
    summary.lines = lineNo;
    if (lineNo % progressEvery === 0) {
      log(`${lineNo} lines (${summary.patterns} patterns, ${summary.errors.length} errors), ${elapsed(started)}`);
    }
    if (text.trim() === "") continue;
    let line: KbLine;
    try {
      line = parseLine(text);
    } catch (error) {
      fail(lineNo, (error as Error).message);
      continue;
    }
    if (line.kind === "header") {
      if (lineNo !== 1) fail(lineNo, "a header is only allowed on the first line");
      else header = line.nodes;
      continue;
    }
    const node = await nodeFor(line.nodeId, lineNo);
    if (node.refused) {
      if (summary.errors.at(-1)?.line !== lineNo) summary.skipped++;
      continue;
    }
    switch (line.kind) {
      case "pattern":
        node.patterns.push(line.pattern);
        node.counts.patterns++;
        if (node.patterns.length >= batchSize) await flushPatterns(line.nodeId, node);
        break;
      case "symbol":
        node.symbols.set(line.symbol, line.stats);
        node.counts.symbols++;
        if (node.symbols.size >= batchSize) await flushSymbols(line.nodeId, node);
        break;
      case "totals":
        await store.importTotals(line.nodeId, line.totals);
        summary.totals++;
        break;
      case "finalized":
        node.finalized.set(line.name, line.metrics);
        node.counts.finalized++;
        if (node.finalized.size >= batchSize) await flushFinalized(line.nodeId, node);
        break;
    }
  }
  for (const [nodeId, node] of nodes) {
    await flushPatterns(nodeId, node);
    await flushSymbols(nodeId, node);
    await flushFinalized(nodeId, node);
  }
  for (const expected of header ?? []) {
    const got = nodes.get(expected.node_id);
    if (got?.refused) continue;
    const counts = got?.counts ?? { patterns: 0, symbols: 0, finalized: 0 };
    for (const key of ["patterns", "symbols", "finalized"] as const) {
      if (typeof expected[key] === "number" && expected[key] !== counts[key]) {
        summary.warnings.push(`node ${expected.node_id}: header says ${expected[key]} ${key}, file has ${counts[key]}`);
      }
    }
  }
  for (const warning of summary.warnings) log(`warning: ${warning}`);
  return summary;
}

const USAGE = `Usage: deno task import [--data-dir DIR | --mongodb-url URL] [--service-name NAME]
                        [--replace] [--batch-size N] [--progress-every N] [FILE]

Reads JSON Lines from FILE (or stdin when FILE is absent or "-") into the store. Without --data-dir
or --mongodb-url the store is chosen like the service's: MONGODB_URL, else DATA_DIR, else ./data.
Exit status: 0 when every line was imported, 1 when a line failed or the store failed, 2 for usage.`;

async function main(args: string[]): Promise<number> {
  const log = stderrLog("import");
  let parsed;
  let target;
  let batchSize: number;
  let progressEvery: number;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        ...STORE_FLAGS,
        replace: { type: "boolean", default: false },
        "batch-size": { type: "string", default: "1000" },
        "progress-every": { type: "string", default: "100000" },
        help: { type: "boolean" },
      },
    });
    if (parsed.values.help) {
      console.log(USAGE);
      return 0;
    }
    batchSize = positiveInteger("--batch-size", parsed.values["batch-size"]);
    progressEvery = positiveInteger("--progress-every", parsed.values["progress-every"]);
    if (parsed.positionals.length > 1) throw new UsageError("at most one FILE");
    target = storeTarget(parsed.values, Deno.env.toObject());
  } catch (error) {
    log(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const file = parsed.positionals[0];
  const input = file === undefined || file === "-" ? Deno.stdin.readable : (await Deno.open(file)).readable;
  const started = performance.now();
  const store = await openTarget(target);
  try {
    const summary = await importKb(store, readLines(input), {
      replace: parsed.values.replace,
      batchSize,
      progressEvery,
      log,
    });
    log(
      `done in ${
        elapsed(started)
      }: ${summary.lines} lines, ${summary.patterns} patterns, ${summary.symbols} symbols, ` +
        `${summary.totals} totals, ${summary.finalized} finalized metrics, ${summary.errors.length} failed lines` +
        (summary.skipped > 0 ? `, ${summary.skipped} lines of refused nodes skipped` : ""),
    );
    return summary.errors.length > 0 ? 1 : 0;
  } finally {
    await store.close();
  }
}

function positiveInteger(flag: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${flag}: expected a positive integer, got ${text}`);
  return value;
}

if (import.meta.main) {
  try {
    Deno.exitCode = await main(Deno.args);
  } catch (error) {
    stderrLog("import")(`failed: ${(error as Error).message}`);
    Deno.exitCode = 1;
  }
}
