/**
 * The knowledge-base JSON Lines format of `kb_export` and `kb_import`: one JSON object per line,
 * told apart by `kind`.
 *
 * ```text
 * {"kind":"header","format":"kato-gpu-kb","version":1,"exported_at":"…","source":"sqlite","nodes":[{"node_id":"n1","patterns":2,"symbols":3,"finalized":0}]}
 * {"kind":"pattern","node_id":"n1","name":"<sha1>","pattern_data":[["a","b"]],"length":2,"frequency":3,"emotives":[],"metadata":{}}
 * {"kind":"symbol","node_id":"n1","name":"a","frequency":3,"pattern_member_frequency":1}
 * {"kind":"totals","node_id":"n1","total_symbols_in_patterns_frequencies":6,"total_pattern_frequencies":1,"total_unique_patterns":1}
 * {"kind":"finalized","node_id":"n1","name":"<sha1>","entropy":0.5,"normalized_entropy":"NaN","global_normalized_entropy":"-0","tfidf_score":1}
 * ```
 *
 * The header is optional and only allowed first. Statistics and totals are exported as stored, not
 * recomputed, so an import reproduces them exactly (KATO's re-learn rule makes `pattern_member_frequency`
 * differ from what the patterns' frequencies would suggest). JSON has no NaN, infinities or -0, so
 * finalized metrics write those as the strings `"NaN"`, `"Infinity"`, `"-Infinity"` and `"-0"`.
 *
 * @module
 */

import { patternName } from "../src/kato/hash.ts";
import type { FinalizedMetrics } from "../src/kato/types.ts";
import {
  type NodeTotals,
  type StoredPattern,
  type SymbolStats,
  validateImportedPattern,
  validateSymbolStats,
  validateTotals,
} from "../src/store/mod.ts";

/** The `format` of the header line. */
export const KB_FORMAT = "kato-gpu-kb";
/** The format version this build writes and reads. */
export const KB_VERSION = 1;

/** Counts of one node in the header. */
export interface HeaderNode {
  node_id: string;
  patterns: number;
  symbols: number;
  finalized: number;
}

/** A parsed line. */
export type KbLine =
  | { kind: "header"; exportedAt: string; source: string; nodes: HeaderNode[] }
  | { kind: "pattern"; nodeId: string; pattern: StoredPattern }
  | { kind: "symbol"; nodeId: string; symbol: string; stats: SymbolStats }
  | { kind: "totals"; nodeId: string; totals: NodeTotals }
  | { kind: "finalized"; nodeId: string; name: string; metrics: FinalizedMetrics };

const METRICS = ["entropy", "normalized_entropy", "global_normalized_entropy", "tfidf_score"] as const;

const FIELDS: Record<KbLine["kind"], readonly string[]> = {
  header: ["kind", "format", "version", "exported_at", "source", "nodes"],
  pattern: ["kind", "node_id", "name", "pattern_data", "length", "frequency", "emotives", "metadata"],
  symbol: ["kind", "node_id", "name", "frequency", "pattern_member_frequency"],
  totals: [
    "kind",
    "node_id",
    "total_symbols_in_patterns_frequencies",
    "total_pattern_frequencies",
    "total_unique_patterns",
  ],
  finalized: ["kind", "node_id", "name", ...METRICS],
};

/** The header line. */
export function headerLine(source: string, nodes: HeaderNode[], exportedAt = new Date()): string {
  return JSON.stringify({
    kind: "header",
    format: KB_FORMAT,
    version: KB_VERSION,
    exported_at: exportedAt.toISOString(),
    source,
    nodes,
  });
}

/** A pattern line. */
export function patternLine(nodeId: string, p: StoredPattern): string {
  return JSON.stringify({
    kind: "pattern",
    node_id: nodeId,
    name: p.name,
    pattern_data: p.events,
    length: p.length,
    frequency: p.frequency,
    emotives: p.emotives,
    metadata: p.metadata,
  });
}

/** A symbol statistics line, with KATO's `symbols_kb` field names. */
export function symbolLine(nodeId: string, symbol: string, s: SymbolStats): string {
  return JSON.stringify({
    kind: "symbol",
    node_id: nodeId,
    name: symbol,
    frequency: s.frequency,
    pattern_member_frequency: s.patternMemberFrequency,
  });
}

/** A totals line, with KATO's field names. */
export function totalsLine(nodeId: string, t: NodeTotals): string {
  return JSON.stringify({
    kind: "totals",
    node_id: nodeId,
    total_symbols_in_patterns_frequencies: t.totalSymbolsInPatternsFrequencies,
    total_pattern_frequencies: t.totalPatternFrequencies,
    total_unique_patterns: t.totalUniquePatterns,
  });
}

/** A finalized-metrics line; non-finite values and -0 are written as strings. */
export function finalizedLine(nodeId: string, name: string, m: FinalizedMetrics): string {
  const line: Record<string, unknown> = { kind: "finalized", node_id: nodeId, name };
  for (const key of METRICS) line[key] = encodeMetric(m[key]);
  return JSON.stringify(line);
}

/**
 * A metric as JSON can hold it: finite numbers as they are, the rest as strings.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { decodeMetric, encodeMetric } from "./_kb_jsonl.ts";
 *
 * strictEqual(encodeMetric(-0), "-0");
 * strictEqual(Object.is(decodeMetric(encodeMetric(-0)), -0), true);
 * strictEqual(encodeMetric(0.5), 0.5);
 * ```
 */
export function encodeMetric(value: number): number | string {
  return Number.isFinite(value) && !Object.is(value, -0) ? value : Object.is(value, -0) ? "-0" : String(value);
}

const SPECIAL_METRICS: Record<string, number> = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity, "-0": -0 };

/** The inverse of {@linkcode encodeMetric}; throws a `TypeError` for anything else. */
export function decodeMetric(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "string" && Object.hasOwn(SPECIAL_METRICS, value)) return SPECIAL_METRICS[value]!;
  throw new TypeError(`expected a number or "NaN", "Infinity", "-Infinity", "-0", got ${JSON.stringify(value)}`);
}

/**
 * Parses and validates one line.
 *
 * @throws {Error} With a message naming what is wrong (the caller adds the line number).
 */
export function parseLine(text: string): KbLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(`invalid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError("expected a JSON object");
  }
  const o = value as Record<string, unknown>;
  const kind = o.kind;
  if (typeof kind !== "string" || !Object.hasOwn(FIELDS, kind)) {
    throw new TypeError(`unknown kind ${JSON.stringify(kind)}: expected one of ${Object.keys(FIELDS).join(", ")}`);
  }
  const k = kind as KbLine["kind"];
  const unknown = Object.keys(o).filter((key) => !FIELDS[k].includes(key));
  if (unknown.length > 0) throw new TypeError(`unknown field(s) for kind ${k}: ${unknown.join(", ")}`);
  if (k === "header") return parseHeader(o);
  const nodeId = o.node_id;
  if (typeof nodeId !== "string") throw new TypeError("node_id must be a string");
  switch (k) {
    case "pattern": {
      const pattern = {
        name: o.name,
        events: o.pattern_data,
        length: o.length,
        frequency: o.frequency,
        emotives: o.emotives,
        metadata: o.metadata,
      } as StoredPattern;
      validateImportedPattern(pattern);
      const expected = patternName(pattern.events);
      if (pattern.name !== expected) {
        throw new RangeError(`name ${pattern.name} does not match pattern_data (its name is ${expected})`);
      }
      return { kind: k, nodeId, pattern };
    }
    case "symbol": {
      const stats = { frequency: o.frequency, patternMemberFrequency: o.pattern_member_frequency } as SymbolStats;
      validateSymbolStats(o.name as string, stats);
      return { kind: k, nodeId, symbol: o.name as string, stats };
    }
    case "totals": {
      const totals = {
        totalSymbolsInPatternsFrequencies: o.total_symbols_in_patterns_frequencies,
        totalPatternFrequencies: o.total_pattern_frequencies,
        totalUniquePatterns: o.total_unique_patterns,
      } as NodeTotals;
      validateTotals(totals);
      return { kind: k, nodeId, totals };
    }
    case "finalized": {
      if (typeof o.name !== "string") throw new TypeError("name must be a string");
      const metrics = {} as FinalizedMetrics;
      for (const key of METRICS) {
        try {
          metrics[key] = decodeMetric(o[key]);
        } catch (error) {
          throw new TypeError(`${key}: ${(error as Error).message}`);
        }
      }
      return { kind: k, nodeId, name: o.name, metrics };
    }
  }
}

function parseHeader(o: Record<string, unknown>): KbLine {
  if (o.format !== KB_FORMAT) throw new RangeError(`format ${JSON.stringify(o.format)} is not ${KB_FORMAT}`);
  if (o.version !== KB_VERSION) {
    throw new RangeError(`version ${JSON.stringify(o.version)} found, ${KB_VERSION} supported`);
  }
  const nodes = o.nodes ?? [];
  if (!Array.isArray(nodes) || !nodes.every((n) => typeof n?.node_id === "string")) {
    throw new TypeError("nodes must be an array of {node_id, patterns, symbols, finalized}");
  }
  return { kind: "header", exportedAt: String(o.exported_at ?? ""), source: String(o.source ?? ""), nodes };
}
