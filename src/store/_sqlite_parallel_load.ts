/**
 * {@linkcode SqliteStore.loadColumns}: a node's rows cut into seq ranges, decoded by a pool of workers
 * (each with its own read-only connection) and delivered in learn order. At 10M patterns the bulk load
 * is bound by decoding JSON rows, which parallelises; the catalog append that follows is a memcpy.
 * Private to `src/store`.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { decodeRange, SELECT_SPAN, vocabularyIds } from "./_sqlite_columns.ts";
import type { LoadTask } from "./_sqlite_load_worker.ts";
import type { ColumnsHandler, PatternColumns } from "./types.ts";

/** Patterns per range: small enough to keep every worker busy, large enough to amortise a message. */
const CHUNK_PATTERNS = 50_000;

type Reply = { chunk: number; columns: PatternColumns } | { chunk: number; error: string };

/** One worker and the replies it owes, in the order it was asked (a worker answers in order). */
class Lane {
  readonly #worker = new Worker(new URL("./_sqlite_load_worker.ts", import.meta.url), { type: "module" });
  readonly #waiting: { resolve: (columns: PatternColumns) => void; reject: (error: Error) => void }[] = [];

  constructor() {
    this.#worker.onmessage = (event: MessageEvent<Reply>) => {
      const waiter = this.#waiting.shift();
      if (waiter === undefined) return;
      const reply = event.data;
      if ("error" in reply) waiter.reject(new Error(reply.error));
      else waiter.resolve(reply.columns);
    };
    this.#worker.onerror = (event) => {
      event.preventDefault();
      for (const waiter of this.#waiting.splice(0)) waiter.reject(new Error(`load worker failed: ${event.message}`));
    };
  }

  decode(task: LoadTask): Promise<PatternColumns> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#worker.postMessage(task);
    });
  }

  terminate(): void {
    this.#worker.terminate();
  }
}

/**
 * Delivers every pattern of `nodeId` as columns, in seq order, decoded on `workers` threads (in this
 * thread when 0, or for an in-memory database, which no other connection can open).
 */
export async function loadColumns(
  db: DatabaseSync,
  location: string | undefined,
  nodeId: string,
  workers: number,
  onColumns: ColumnsHandler,
  onSize?: (patterns: number, symbols: number) => void,
): Promise<number> {
  const span = db.prepare(SELECT_SPAN).get(nodeId)!;
  const count = span.count as number;
  onSize?.(count, span.symbols as number);
  if (count === 0) return 0;
  const first = span.first as number;
  const width = (span.last as number) - first + 1;
  // At least four ranges per worker, so a slow range does not leave the others idle.
  const chunks = Math.min(count, Math.max(Math.ceil(count / CHUNK_PATTERNS), 4 * workers));
  // Ranges of equal seq width; seq is shared by all nodes, so a range may hold fewer rows than others.
  const range = (i: number) => ({
    after: first - 1 + Math.floor((i * width) / chunks),
    upTo: first - 1 + Math.floor(((i + 1) * width) / chunks),
  });
  let delivered = 0;
  if (workers === 0 || location === undefined) {
    const vocabulary = vocabularyIds(db);
    for (let i = 0; i < chunks; i++) {
      const { after, upTo } = range(i);
      const columns = decodeRange(db, nodeId, after, upTo, vocabulary);
      delivered += columns.count;
      await onColumns(columns);
    }
    return delivered;
  }
  const lanes = Array.from({ length: Math.min(workers, chunks) }, () => new Lane());
  const ask = (i: number) => lanes[i % lanes.length]!.decode({ location, nodeId, chunk: i, ...range(i) });
  // Two ranges queued per worker: it starts the next while its last result is being appended.
  const pending: Promise<PatternColumns>[] = [];
  try {
    for (let i = 0; i < Math.min(chunks, 2 * lanes.length); i++) pending[i] = ask(i);
    for (let i = 0; i < chunks; i++) {
      const columns = await pending[i]!;
      delete pending[i];
      if (i + 2 * lanes.length < chunks) pending[i + 2 * lanes.length] = ask(i + 2 * lanes.length);
      delivered += columns.count;
      await onColumns(columns);
    }
  } finally {
    for (const lane of lanes) lane.terminate();
    // A failure leaves later ranges in flight; their rejections are expected and not reported.
    for (const promise of pending) promise?.catch(() => {});
  }
  return delivered;
}
