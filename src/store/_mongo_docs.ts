/**
 * The MongoDB layout of {@linkcode MongoStore} as pure functions: database and collection names,
 * documents and updates built from store values, and documents parsed back. Nothing here talks to
 * a server, so `tests/mongo_docs_test.ts` runs it in CI. Private to `src/store`.
 *
 * The per-node layout is KATO's MongoDB era (KATO_REFERENCE.md §2.7): `patterns_kb`, `symbols_kb`
 * and a `metadata` collection holding the `{class: "totals"}` document, plus `finalized_kb`.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { type AnyBulkWriteOperation, type Document, Double, type ObjectId } from "mongodb";
import type { FinalizedMetrics } from "../kato/types.ts";
import { countSymbols, type SymbolDelta } from "./learn_merge.ts";
import type { NodeTotals, SessionRecord, StoredPattern, SymbolStats } from "./types.ts";

/** Collection names: per node database first, then the service database. */
export const COLLECTIONS = {
  patterns: "patterns_kb",
  symbols: "symbols_kb",
  metadata: "metadata",
  finalized: "finalized_kb",
  nodes: "nodes",
  vocabulary: "vocabulary",
  sessions: "sessions",
  schemaVersion: "schema_version",
} as const;

/** `class` of the totals document in `metadata`, as KATO named it. */
export const TOTALS_CLASS = "totals";
/** `class` of the load-order counter in `metadata`. */
export const SEQUENCE_CLASS = "pattern_sequence";
/** Learn ids kept on a pattern document, to recognise a retried learn that was already applied. */
export const OPS_KEPT = 16;

/** MongoDB refuses database names of 64 bytes or more. */
const MAX_DB_NAME_BYTES = 63;
/** KATO's list (`/ \ . " $ * < > : | ? -` and space), plus NUL and other control characters. */
// deno-lint-ignore no-control-regex -- control characters are exactly what must not reach a database name
const ILLEGAL_DB_CHARS = /[/\\. "$*<>:|?\-\u0000-\u001f\u007f]/g;
const encoder = new TextEncoder();

/** KATO's sanitisation of a name for use in a database name: each illegal character becomes `_`. */
export function sanitizeDbPart(text: string): string {
  return text.replace(ILLEGAL_DB_CHARS, "_");
}

/**
 * The database of a node, as KATO named it: `sanitize(nodeId) + "_" + serviceName` (so an existing
 * KATO database is found under its old name). A name that would reach MongoDB's 64-byte limit is
 * cut at a character boundary and made unique again with the first 12 hex digits of the MD5 of the
 * node id. Different node ids can still share a name (`a-b` and `a_b`); the store's node registry
 * refuses the second one.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { nodeDbName } from "./_mongo_docs.ts";
 *
 * strictEqual(nodeDbName("project-x", "kato"), "project_x_kato");
 * strictEqual(nodeDbName("x".repeat(100), "kato").length, 63);
 * ```
 */
export function nodeDbName(nodeId: string, serviceName: string): string {
  const suffix = `_${serviceDbPart(serviceName)}`;
  const whole = sanitizeDbPart(nodeId) + suffix;
  if (byteLength(whole) <= MAX_DB_NAME_BYTES) return whole;
  const hash = createHash("md5").update(nodeId, "utf8").digest("hex").slice(0, 12);
  const tail = `_${hash}${suffix}`;
  return cutToBytes(sanitizeDbPart(nodeId), MAX_DB_NAME_BYTES - byteLength(tail)) + tail;
}

/**
 * The service database (node registry, vocabulary, sessions): `<serviceName>_gpu_meta`.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { metaDbName } from "./_mongo_docs.ts";
 *
 * strictEqual(metaDbName("kato"), "kato_gpu_meta");
 * ```
 */
export function metaDbName(serviceName: string): string {
  return `${serviceDbPart(serviceName)}_gpu_meta`;
}

function serviceDbPart(serviceName: string): string {
  const part = sanitizeDbPart(serviceName);
  // Keeps room for the node part of every database name.
  if (part === "" || byteLength(part) > 24) {
    throw new RangeError(`Invalid serviceName: expected 1 to 24 bytes, got ${JSON.stringify(serviceName)}`);
  }
  return part;
}

function byteLength(text: string): number {
  return encoder.encode(text).length;
}

function cutToBytes(text: string, maxBytes: number): string {
  let bytes = 0;
  let out = "";
  for (const char of text) {
    bytes += byteLength(char);
    if (bytes > maxBytes) break;
    out += char;
  }
  return out;
}

/** A node registry entry; `db_key` is unique because MongoDB refuses names differing only in case. */
export function nodeRegistryDoc(nodeId: string, db: string): Document {
  return { _id: nodeId, db, db_key: db.toLowerCase(), registered_at: new Date() };
}

/** A pattern document, KATO's fields first. */
export interface PatternDoc {
  name: string;
  pattern_data: string[][];
  length: number;
  frequency: number;
  emotives: StoredPattern["emotives"];
  metadata: StoredPattern["metadata"];
  /** Load order; absent on KATO-era documents until `loadPatterns` numbers them. */
  seq?: number;
  /** The last {@linkcode OPS_KEPT} learns applied, oldest first. */
  ops?: ObjectId[];
  /** The learn that created the pattern. */
  created_op?: ObjectId;
}

/** The document of a pattern created by learn `op`. */
export function newPatternDoc(pattern: StoredPattern, seq: number, op: ObjectId): PatternDoc {
  return { ...importedPatternDoc(pattern, seq), ops: [op], created_op: op };
}

/**
 * The replacement of `existing` after re-learn `op`: the planned pattern, the same `seq` and
 * creator, and `op` appended to the recent learns.
 */
export function relearnedPatternDoc(existing: Document, pattern: StoredPattern, op: ObjectId): PatternDoc {
  const doc: PatternDoc = importedPatternDoc(pattern, existing.seq);
  const ops: ObjectId[] = Array.isArray(existing.ops) ? existing.ops : [];
  doc.ops = [...ops, op].slice(-OPS_KEPT);
  if (existing.created_op !== undefined) doc.created_op = existing.created_op;
  return doc;
}

/**
 * The filter of a re-learn's compare-and-set: `_id` changes when a pattern is deleted and learned
 * again, and `frequency` grows by one with every learn, so together they name one version.
 */
export function relearnFilter(existing: Document): Document {
  return { _id: existing._id, frequency: existing.frequency };
}

/** A pattern document written by import, at `seq` (undefined keeps a KATO-era document unnumbered). */
export function importedPatternDoc(pattern: StoredPattern, seq: number | undefined): PatternDoc {
  const doc: PatternDoc = {
    name: pattern.name,
    pattern_data: pattern.events.map((event) => [...event]),
    length: pattern.length,
    frequency: pattern.frequency,
    emotives: pattern.emotives.map((dict) => ({ ...dict })),
    metadata: Object.fromEntries(Object.entries(pattern.metadata).map(([k, v]) => [k, [...v]])),
  };
  if (seq !== undefined) doc.seq = seq;
  return doc;
}

/** Whether learn `op` is among the learns recorded on a pattern document. */
export function appliedOp(doc: Document | null, op: ObjectId): boolean {
  return doc !== null && Array.isArray(doc.ops) && doc.ops.some((o: ObjectId) => op.equals(o));
}

/** Whether learn `op` created the pattern document. */
export function createdByOp(doc: Document, op: ObjectId): boolean {
  return doc.created_op !== undefined && op.equals(doc.created_op);
}

/**
 * A stored pattern from its document. KATO-era documents are accepted: `emotives: {}` (KATO's
 * empty value) reads as `[]`, a missing `metadata` as `{}`, a missing `length` is counted.
 */
export function parsePatternDoc(doc: Document): StoredPattern {
  const events: string[][] = doc.pattern_data;
  return {
    name: doc.name,
    events,
    length: typeof doc.length === "number" ? doc.length : [...countSymbols(events).values()].reduce((a, b) => a + b, 0),
    frequency: doc.frequency,
    emotives: Array.isArray(doc.emotives) ? doc.emotives : [],
    metadata: isPlainObject(doc.metadata) ? doc.metadata : {},
  };
}

/** Upserts adding one learn's increments to `symbols_kb`. */
export function symbolIncrements(deltas: readonly SymbolDelta[]): AnyBulkWriteOperation[] {
  return deltas.map((delta) => ({
    updateOne: {
      filter: { name: delta.symbol },
      update: { $inc: { frequency: delta.frequency, pattern_member_frequency: delta.patternMemberFrequency } },
      upsert: true,
    },
  }));
}

/** Upserts setting imported statistics in `symbols_kb`. */
export function symbolSets(stats: ReadonlyMap<string, SymbolStats>): AnyBulkWriteOperation[] {
  return [...stats].map(([symbol, s]) => ({
    updateOne: {
      filter: { name: symbol },
      update: { $set: { frequency: s.frequency, pattern_member_frequency: s.patternMemberFrequency } },
      upsert: true,
    },
  }));
}

/** A symbol's statistics from its document (`model_member_frequency` is the pre-rename KATO field). */
export function parseSymbolDoc(doc: Document): [string, SymbolStats] {
  return [doc.name, {
    frequency: doc.frequency ?? 0,
    patternMemberFrequency: doc.pattern_member_frequency ?? doc.model_member_frequency ?? 0,
  }];
}

/** The filter of the totals document. */
export const TOTALS_FILTER: Document = { class: TOTALS_CLASS };

/** The update adding one learn's totals. */
export function totalsIncrement(totals: NodeTotals): Document {
  return { $inc: totalsFields(totals) };
}

/** The update setting imported totals. */
export function totalsSet(totals: NodeTotals): Document {
  return { $set: totalsFields(totals) };
}

function totalsFields(totals: NodeTotals): Document {
  return {
    total_symbols_in_patterns_frequencies: totals.totalSymbolsInPatternsFrequencies,
    total_pattern_frequencies: totals.totalPatternFrequencies,
    total_unique_patterns: totals.totalUniquePatterns,
  };
}

/** Totals from the totals document; zeros for a missing document or field. */
export function parseTotalsDoc(doc: Document | null): NodeTotals {
  return {
    totalSymbolsInPatternsFrequencies: doc?.total_symbols_in_patterns_frequencies ?? 0,
    totalPatternFrequencies: doc?.total_pattern_frequencies ?? 0,
    totalUniquePatterns: doc?.total_unique_patterns ?? 0,
  };
}

const METRIC_KEYS = ["entropy", "normalized_entropy", "global_normalized_entropy", "tfidf_score"] as const;

/**
 * Upserts of finalize-training metrics. Values are sent as BSON doubles so that an integral value
 * or `-0` keeps its type and sign; NaN and infinities are BSON doubles too.
 */
export function finalizedSets(metrics: ReadonlyMap<string, FinalizedMetrics>): AnyBulkWriteOperation[] {
  return [...metrics].map(([name, m]) => ({
    updateOne: {
      filter: { name },
      update: { $set: Object.fromEntries(METRIC_KEYS.map((key) => [key, new Double(m[key])])) },
      upsert: true,
    },
  }));
}

/** Metrics from a `finalized_kb` document; a missing value reads as NaN. */
export function parseFinalizedDoc(doc: Document): [string, FinalizedMetrics] {
  const value = (key: (typeof METRIC_KEYS)[number]) => typeof doc[key] === "number" ? doc[key] : NaN;
  return [doc.name, {
    entropy: value("entropy"),
    normalized_entropy: value("normalized_entropy"),
    global_normalized_entropy: value("global_normalized_entropy"),
    tfidf_score: value("tfidf_score"),
  }];
}

/**
 * A session document. `expires_at` is a BSON Date so that the TTL index can delete sessions a
 * service never purged; `data` is JSON text, so the state round-trips exactly as in SQLite (keys
 * with `.` or `$`, and `undefined` members, behave as JSON says, not as BSON does).
 */
export function sessionDoc(session: SessionRecord): Document {
  const data = JSON.stringify(session.data);
  if (data === undefined) throw new TypeError("Invalid session data: not JSON-serialisable");
  return { _id: session.sessionId, node_id: session.nodeId, expires_at: new Date(session.expiresAt), data };
}

/** A session from its document. */
export function parseSessionDoc(doc: Document): SessionRecord {
  return {
    sessionId: doc._id,
    nodeId: doc.node_id,
    expiresAt: (doc.expires_at as Date).getTime(),
    data: JSON.parse(doc.data),
  };
}

/** Vocabulary documents: `_id` is the symbol's id, so two appends from the same size collide. */
export function vocabularyDocs(firstId: number, symbols: readonly string[]): Document[] {
  return symbols.map((symbol, i) => ({ _id: firstId + i, symbol }));
}

function isPlainObject(value: unknown): value is Record<string, never> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
