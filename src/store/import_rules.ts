/**
 * Checks for the import path of every store (`importPatterns`, `importSymbolStats`, `importTotals`),
 * which writes values as given instead of deriving them by the learn rules: so the values are
 * checked here, the same way in every store and in the `kb_import` tool.
 *
 * @module
 */

import { assertString, validatePatternFields } from "./learn_merge.ts";
import type { NodeTotals, StoredPattern, SymbolStats } from "./types.ts";

/**
 * Checks one pattern to import: a non-empty name, the learn path's checks of events, length,
 * emotives and metadata, and a positive integer frequency.
 *
 * @throws {TypeError} When a field has the wrong type.
 * @throws {RangeError} When the name is empty, `length` disagrees with the events, or `frequency`
 * is not a positive safe integer.
 *
 * @example A pattern with frequency 0 is refused
 * ```ts
 * import { throws } from "node:assert";
 * import { validateImportedPattern } from "./import_rules.ts";
 *
 * const pattern = {
 *   name: "395314cc2f2880a00c3e6e11f1e02d8b8c45a0e4",
 *   events: [["a", "b"]],
 *   length: 2,
 *   frequency: 3,
 *   emotives: [],
 *   metadata: {},
 * };
 * validateImportedPattern(pattern);
 * throws(() => validateImportedPattern({ ...pattern, frequency: 0 }), RangeError);
 * ```
 */
export function validateImportedPattern(pattern: StoredPattern): void {
  if (typeof pattern !== "object" || pattern === null) {
    throw new TypeError("Cannot import pattern: expected an object");
  }
  assertString("name", pattern.name);
  if (pattern.name === "") throw new RangeError("Cannot import pattern: the name is empty");
  validatePatternFields(`import pattern ${pattern.name}`, pattern);
  assertCount(`import pattern ${pattern.name}`, "frequency", pattern.frequency, 1);
}

/**
 * Checks the statistics of one symbol to import: non-negative safe integers.
 *
 * @throws {TypeError} When the symbol is not a string.
 * @throws {RangeError} When a count is not a non-negative safe integer.
 *
 * @example
 * ```ts
 * import { throws } from "node:assert";
 * import { validateSymbolStats } from "./import_rules.ts";
 *
 * validateSymbolStats("a", { frequency: 5, patternMemberFrequency: 2 });
 * throws(() => validateSymbolStats("a", { frequency: 1.5, patternMemberFrequency: 1 }), RangeError);
 * ```
 */
export function validateSymbolStats(symbol: string, stats: SymbolStats): void {
  assertString("symbol", symbol);
  const action = `import symbol ${symbol}`;
  if (typeof stats !== "object" || stats === null) throw new TypeError(`Cannot ${action}: expected an object`);
  assertCount(action, "frequency", stats.frequency, 0);
  assertCount(action, "patternMemberFrequency", stats.patternMemberFrequency, 0);
}

/**
 * Checks node totals to import: non-negative safe integers.
 *
 * @throws {RangeError} When a total is not a non-negative safe integer.
 *
 * @example
 * ```ts
 * import { throws } from "node:assert";
 * import { validateTotals } from "./import_rules.ts";
 *
 * const totals = { totalSymbolsInPatternsFrequencies: 8, totalPatternFrequencies: 2, totalUniquePatterns: 2 };
 * validateTotals(totals);
 * throws(() => validateTotals({ ...totals, totalUniquePatterns: -1 }), RangeError);
 * ```
 */
export function validateTotals(totals: NodeTotals): void {
  if (typeof totals !== "object" || totals === null) throw new TypeError("Cannot import totals: expected an object");
  for (const key of ["totalSymbolsInPatternsFrequencies", "totalPatternFrequencies", "totalUniquePatterns"] as const) {
    assertCount("import totals", key, totals[key], 0);
  }
}

function assertCount(action: string, field: string, value: unknown, min: number): void {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    const what = min === 0 ? "a non-negative" : "a positive";
    throw new RangeError(`Cannot ${action}: ${field} must be ${what} integer, got ${String(value)}`);
  }
}
