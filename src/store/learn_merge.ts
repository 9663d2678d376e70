/**
 * The learn rules of SEMANTICS.md §2 as pure functions, so that every store (SQLite now, MongoDB
 * later) and the engine's in-memory statistics apply exactly the same arithmetic.
 *
 * A store reads the existing pattern, calls {@linkcode planLearn}, and writes the planned pattern,
 * symbol deltas and totals delta in one transaction.
 *
 * @module
 */

import { compareCodePoints } from "../kato/normalize.ts";
import type { Emotives, Event, PatternMetadata } from "../kato/types.ts";
import type { LearnRecord, NodeTotals, StoredPattern } from "./types.ts";

/**
 * Appends this learn's emotive dicts to the stored ones and keeps the last `persistence`.
 *
 * When nothing is added the stored list is returned unchanged (not re-trimmed), as KATO only touches
 * the list when the learn carries emotives.
 *
 * @example Keep the newest dicts
 * ```ts
 * import { deepStrictEqual } from "node:assert";
 * import { mergeEmotives } from "./learn_merge.ts";
 *
 * deepStrictEqual(mergeEmotives([{ joy: 1 }, { joy: 2 }], [{ joy: 3 }], 2), [{ joy: 2 }, { joy: 3 }]);
 * deepStrictEqual(mergeEmotives([{ joy: 1 }], [], 5), [{ joy: 1 }]);
 * ```
 */
export function mergeEmotives(
  stored: readonly Emotives[],
  added: readonly Emotives[],
  persistence: number,
): Emotives[] {
  assertPersistence(persistence);
  const copy = (dict: Emotives): Emotives => ({ ...dict });
  if (added.length === 0) return stored.map(copy);
  return [...stored, ...added].slice(-persistence).map(copy);
}

/**
 * Set-union per key of stored and added metadata, each value list sorted by code point.
 *
 * Keys keep their first-seen order (stored keys first), like a Python dict being updated.
 *
 * @example Union of values, new keys appended
 * ```ts
 * import { deepStrictEqual } from "node:assert";
 * import { mergeMetadata } from "./learn_merge.ts";
 *
 * deepStrictEqual(
 *   mergeMetadata({ source: ["b", "c"] }, { source: ["a", "b"], user: ["10", "2"] }),
 *   { source: ["a", "b", "c"], user: ["10", "2"] },
 * );
 * ```
 */
export function mergeMetadata(
  stored: PatternMetadata,
  added: PatternMetadata,
): PatternMetadata {
  // A Map, then fromEntries: metadata keys are the client's, and "constructor" or "__proto__" must
  // stay data rather than reach Object.prototype.
  const merged = new Map<string, string[]>();
  for (const [key, values] of Object.entries(stored)) {
    merged.set(key, sortedDistinct(values));
  }
  for (const [key, values] of Object.entries(added)) {
    merged.set(key, sortedDistinct([...(merged.get(key) ?? []), ...values]));
  }
  return Object.fromEntries(merged);
}

function sortedDistinct(values: readonly string[]): string[] {
  return [...new Set(values)].sort(compareCodePoints);
}

/**
 * Occurrences of each distinct symbol of a pattern, in first-seen order.
 *
 * @example Repeated symbols are counted across events
 * ```ts
 * import { deepStrictEqual } from "node:assert";
 * import { countSymbols } from "./learn_merge.ts";
 *
 * deepStrictEqual([...countSymbols([["a", "b"], ["a"]])], [["a", 2], ["b", 1]]);
 * ```
 */
export function countSymbols(events: readonly Event[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of events) {
    for (const symbol of event) {
      counts.set(symbol, (counts.get(symbol) ?? 0) + 1);
    }
  }
  return counts;
}

/** What one learn adds to one symbol's statistics. */
export interface SymbolDelta {
  symbol: string;
  /** Occurrences of the symbol in the pattern. */
  frequency: number;
  /** 1 for a new pattern, 0 for a re-learn (**parity** with KATO). */
  patternMemberFrequency: number;
}

/** What one learn adds to a node's statistics. */
export interface LearnDeltas {
  symbols: SymbolDelta[];
  totals: NodeTotals;
}

/**
 * Statistics increments of one learn (SEMANTICS.md §2).
 *
 * A new pattern bumps every counter; a re-learn bumps only symbol frequencies and
 * `totalSymbolsInPatternsFrequencies`, leaving pmf, `totalPatternFrequencies` and
 * `totalUniquePatterns` alone, as KATO does.
 *
 * @example A re-learn adds occurrences but not pattern membership
 * ```ts
 * import { deepStrictEqual } from "node:assert";
 * import { learnDeltas } from "./learn_merge.ts";
 *
 * deepStrictEqual(learnDeltas([["a", "a"], ["b"]], false), {
 *   symbols: [
 *     { symbol: "a", frequency: 2, patternMemberFrequency: 0 },
 *     { symbol: "b", frequency: 1, patternMemberFrequency: 0 },
 *   ],
 *   totals: {
 *     totalSymbolsInPatternsFrequencies: 3,
 *     totalPatternFrequencies: 0,
 *     totalUniquePatterns: 0,
 *   },
 * });
 * ```
 */
export function learnDeltas(
  events: readonly Event[],
  created: boolean,
): LearnDeltas {
  const membership = created ? 1 : 0;
  const symbols: SymbolDelta[] = [];
  let length = 0;
  for (const [symbol, count] of countSymbols(events)) {
    symbols.push({
      symbol,
      frequency: count,
      patternMemberFrequency: membership,
    });
    length += count;
  }
  return {
    symbols,
    totals: {
      totalSymbolsInPatternsFrequencies: length,
      totalPatternFrequencies: membership,
      totalUniquePatterns: membership,
    },
  };
}

/** Everything a store writes for one learn. */
export interface LearnPlan {
  /** True when the pattern did not exist before. */
  created: boolean;
  /** The pattern as it must be stored after the learn. */
  pattern: StoredPattern;
  /** Increments to add to the node's statistics. */
  deltas: LearnDeltas;
}

/**
 * Plans one learn against the pattern currently stored (or `null`): the pattern to write and the
 * statistics to add. Validates the record first.
 *
 * A re-learn keeps the stored events (the name is their hash) and bumps the stored frequency.
 *
 * @example New pattern, then a re-learn of it
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { planLearn } from "./learn_merge.ts";
 *
 * const record = {
 *   nodeId: "n1",
 *   name: "395314cc2f2880a00c3e6e11f1e02d8b8c45a0e4",
 *   events: [["a", "b"]],
 *   length: 2,
 *   emotives: [{ joy: 1 }],
 *   metadata: { source: ["x"] },
 *   persistence: 5,
 * };
 * const first = planLearn(null, record);
 * strictEqual(first.created, true);
 * strictEqual(first.pattern.frequency, 1);
 * const second = planLearn(first.pattern, record);
 * strictEqual(second.created, false);
 * strictEqual(second.pattern.frequency, 2);
 * strictEqual(second.pattern.emotives.length, 2);
 * strictEqual(second.deltas.totals.totalUniquePatterns, 0);
 * ```
 */
export function planLearn(
  existing: StoredPattern | null,
  record: LearnRecord,
): LearnPlan {
  validateLearnRecord(record);
  const created = existing === null;
  const events = created ? record.events : existing.events;
  const pattern: StoredPattern = {
    name: record.name,
    events: events.map((event) => [...event]),
    length: created ? record.length : existing.length,
    frequency: created ? 1 : existing.frequency + 1,
    emotives: mergeEmotives(
      created ? [] : existing.emotives,
      record.emotives,
      record.persistence,
    ),
    metadata: mergeMetadata(created ? {} : existing.metadata, record.metadata),
  };
  return { created, pattern, deltas: learnDeltas(events, created) };
}

/**
 * Checks the shape of a learn record, so that a bad caller cannot corrupt node statistics.
 *
 * @throws {TypeError} When a field has the wrong type.
 * @throws {RangeError} When `length` is not the number of symbols or `persistence` is not a
 * positive integer.
 *
 * @example A length that disagrees with the events is refused
 * ```ts
 * import { throws } from "node:assert";
 * import { validateLearnRecord } from "./learn_merge.ts";
 *
 * const record = {
 *   nodeId: "n1",
 *   name: "p",
 *   events: [["a", "b"]],
 *   length: 3,
 *   emotives: [],
 *   metadata: {},
 *   persistence: 5,
 * };
 * throws(() => validateLearnRecord(record), RangeError);
 * ```
 */
export function validateLearnRecord(record: LearnRecord): void {
  assertString("nodeId", record.nodeId);
  assertString("name", record.name);
  validatePatternFields("learn", record);
  assertPersistence(record.persistence);
}

/** The fields of a pattern that {@linkcode validatePatternFields} checks. */
export type PatternFields = Pick<StoredPattern, "events" | "length" | "emotives" | "metadata">;

/**
 * Checks the shape of a pattern's events, length, emotives and metadata; shared by learn and import
 * so that neither path can store a pattern the other would refuse. `action` starts the messages.
 *
 * @throws {TypeError} When a field has the wrong type.
 * @throws {RangeError} When `length` is not the number of symbols of the events.
 *
 * @example Emotives must be a list of dicts
 * ```ts
 * import { throws } from "node:assert";
 * import { validatePatternFields } from "./learn_merge.ts";
 *
 * const fields = { events: [["a", "b"]], length: 2, emotives: [], metadata: {} };
 * validatePatternFields("import pattern", fields);
 * throws(() => validatePatternFields("import pattern", { ...fields, emotives: {} as never }), TypeError);
 * ```
 */
export function validatePatternFields(action: string, fields: PatternFields): void {
  const events: unknown = fields.events;
  if (!Array.isArray(events)) {
    throw new TypeError(`Cannot ${action}: events must be an array of string arrays`);
  }
  let symbols = 0;
  for (const event of events) {
    if (!Array.isArray(event) || !event.every((s) => typeof s === "string")) {
      throw new TypeError(`Cannot ${action}: events must be an array of string arrays`);
    }
    symbols += event.length;
  }
  if (fields.length !== symbols) {
    throw new RangeError(
      `Cannot ${action}: length ${fields.length} does not match the ${symbols} symbols of the events`,
    );
  }
  if (!Array.isArray(fields.emotives) || !fields.emotives.every(isPlainObject)) {
    throw new TypeError(`Cannot ${action}: emotives must be an array of objects`);
  }
  if (!isPlainObject(fields.metadata)) {
    throw new TypeError(`Cannot ${action}: metadata must be an object of string arrays`);
  }
  for (const values of Object.values(fields.metadata)) {
    if (!Array.isArray(values) || !values.every((v) => typeof v === "string")) {
      throw new TypeError(`Cannot ${action}: metadata must be an object of string arrays`);
    }
  }
}

/**
 * Throws a `TypeError` unless `value` is a string; stores call it on node ids and names.
 *
 * @example
 * ```ts
 * import { throws } from "node:assert";
 * import { assertString } from "./learn_merge.ts";
 *
 * assertString("nodeId", "n1");
 * throws(() => assertString("nodeId", 42), TypeError);
 * ```
 */
export function assertString(
  what: string,
  value: unknown,
): asserts value is string {
  if (typeof value !== "string") {
    throw new TypeError(
      `Invalid ${what}: expected a string, got ${typeof value}`,
    );
  }
}

function assertPersistence(persistence: number): void {
  // Python's `list[-0:]` keeps everything, so 0 would silently mean "unbounded"; refuse it instead.
  if (!Number.isInteger(persistence) || persistence < 1) {
    throw new RangeError(
      `Invalid persistence: expected a positive integer, got ${persistence}`,
    );
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
