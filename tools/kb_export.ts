/**
 * `deno task export`: writes knowledge bases (patterns, symbol statistics, totals, finalized
 * metrics) from either store as JSON Lines (format in `_kb_jsonl.ts`).
 *
 * ```sh
 * deno task export --data-dir ./data --out kb.jsonl
 * deno task export --mongodb-url mongodb://localhost:27017 --node node-1 --node node-2 > kb.jsonl
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { compareCodePoints } from "../src/kato/normalize.ts";
import type { PatternStore } from "../src/store/mod.ts";
import { elapsed, LineWriter, openTarget, stderrLog, STORE_FLAGS, storeTarget, UsageError } from "./_kb_cli.ts";
import { finalizedLine, headerLine, type HeaderNode, patternLine, symbolLine, totalsLine } from "./_kb_jsonl.ts";

/** Options of {@linkcode exportKb}. */
export interface ExportOptions {
  /** Nodes to export, in this order; default every node the store lists. */
  nodes?: readonly string[] | undefined;
  /** Patterns per `loadPatterns` batch (default 10 000). */
  batchSize?: number;
  /** A progress message every this many lines (default 100 000). */
  progressEvery?: number;
  log?: (message: string) => void;
}

/** What an export wrote. */
export interface ExportSummary {
  nodes: number;
  lines: number;
  patterns: number;
  symbols: number;
  finalized: number;
  /** Requested nodes that have no data (not exported). */
  missing: string[];
}

/**
 * Writes the header and then, node by node, its patterns in load order, its symbol statistics and
 * finalized metrics sorted by code point, and its totals. Patterns stream in batches; statistics
 * are held one node at a time.
 *
 * @example Export an in-memory store into a string
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { SqliteStore } from "../src/store/mod.ts";
 * import { exportKb } from "./kb_export.ts";
 *
 * const store = SqliteStore.open(":memory:");
 * await store.learn({
 *   nodeId: "n1",
 *   name: "395314cc2f2880a00c3e6e11f1e02d8b8c45a0e4",
 *   events: [["a", "b"]],
 *   length: 2,
 *   emotives: [],
 *   metadata: {},
 *   persistence: 5,
 * });
 * const lines: string[] = [];
 * const summary = await exportKb(store, (line) => void lines.push(line));
 * strictEqual(summary.patterns, 1);
 * strictEqual(lines.length, 1 + 1 + 2 + 1); // header, pattern, 2 symbols, totals
 * await store.close();
 * ```
 */
export async function exportKb(
  store: PatternStore,
  write: (line: string) => void | Promise<void>,
  options: ExportOptions = {},
): Promise<ExportSummary> {
  const log = options.log ?? (() => {});
  const progressEvery = options.progressEvery ?? 100_000;
  const started = performance.now();
  const known = new Set(await store.listNodes());
  const requested = options.nodes ?? [...known];
  const nodes = requested.filter((node) => known.has(node));
  const summary: ExportSummary = {
    nodes: nodes.length,
    lines: 0,
    patterns: 0,
    symbols: 0,
    finalized: 0,
    missing: requested.filter((node) => !known.has(node)),
  };
  let nextProgress = progressEvery;
  const emit = async (line: string) => {
    await write(line);
    if (++summary.lines >= nextProgress) {
      log(`${summary.lines} lines (${summary.patterns} patterns), ${elapsed(started)}`);
      nextProgress += progressEvery;
    }
  };

  // Counts first, so that an import can tell a truncated file; the statistics are read again below
  // rather than held for every node at once.
  const counts: HeaderNode[] = [];
  for (const node of nodes) {
    counts.push({
      node_id: node,
      patterns: await store.countPatterns(node),
      symbols: (await store.loadSymbolStats(node)).size,
      finalized: (await store.loadFinalized(node)).size,
    });
  }
  await emit(headerLine(store.kind, counts));

  for (const node of nodes) {
    await store.loadPatterns(node, options.batchSize ?? 10_000, async (batch) => {
      for (const pattern of batch) {
        summary.patterns++;
        await emit(patternLine(node, pattern));
      }
    });
    const stats = [...await store.loadSymbolStats(node)].sort(([a], [b]) => compareCodePoints(a, b));
    for (const [symbol, s] of stats) await emit(symbolLine(node, symbol, s));
    summary.symbols += stats.length;
    await emit(totalsLine(node, await store.getTotals(node)));
    const metrics = [...await store.loadFinalized(node)].sort(([a], [b]) => compareCodePoints(a, b));
    for (const [name, m] of metrics) await emit(finalizedLine(node, name, m));
    summary.finalized += metrics.length;
  }
  return summary;
}

const USAGE = `Usage: deno task export [--data-dir DIR | --mongodb-url URL] [--service-name NAME]
                        [--node ID]... [--out FILE] [--progress-every N]

Writes the knowledge base as JSON Lines to FILE or stdout. Without --data-dir or --mongodb-url the
store is chosen like the service's: MONGODB_URL, else DATA_DIR, else ./data.`;

async function main(args: string[]): Promise<number> {
  const log = stderrLog("export");
  let values;
  try {
    values = parseArgs({
      args,
      options: {
        ...STORE_FLAGS,
        node: { type: "string", multiple: true },
        out: { type: "string" },
        "progress-every": { type: "string", default: "100000" },
        help: { type: "boolean" },
      },
    }).values;
  } catch (error) {
    log(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const progressEvery = Number(values["progress-every"]);
  let target;
  try {
    if (!Number.isInteger(progressEvery) || progressEvery < 1) {
      throw new UsageError("--progress-every: a positive integer");
    }
    target = storeTarget(values, Deno.env.toObject());
  } catch (error) {
    log(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const started = performance.now();
  const store = await openTarget(target);
  const output = values.out === undefined ? Deno.stdout.writable : (await Deno.create(values.out)).writable;
  const writer = new LineWriter(output);
  try {
    const summary = await exportKb(store, (line) => writer.write(line), { nodes: values.node, progressEvery, log });
    await writer.close();
    for (const node of summary.missing) log(`error: node ${node} has no data in the ${store.kind} store`);
    log(
      `done in ${elapsed(started)}: ${summary.nodes} nodes, ${summary.lines} lines, ${summary.patterns} patterns, ` +
        `${summary.symbols} symbols, ${summary.finalized} finalized metrics`,
    );
    return summary.missing.length > 0 ? 1 : 0;
  } finally {
    await store.close();
  }
}

if (import.meta.main) {
  try {
    Deno.exitCode = await main(Deno.args);
  } catch (error) {
    stderrLog("export")(`failed: ${(error as Error).message}`);
    Deno.exitCode = 1;
  }
}
