/**
 * Pattern names: KATO's `sha1(str(pattern_data).encode('utf-8')).hexdigest()`.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { pyReprEvents } from "./pyrepr.ts";
import type { Event } from "./types.ts";

/**
 * The bare name of a pattern: lowercase hex SHA-1 of the UTF-8 bytes of the
 * Python repr of its events. Clients see it as `PTRN|<name>`.
 *
 * @example The check values of SEMANTICS.md
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { patternName } from "./hash.ts";
 * strictEqual(patternName([["a", "b"]]), "395314cc2f2880a00c3e6e11f1e02d8b8c45a0e4");
 * strictEqual(
 *   patternName([["hello"], ["world"], ["test"]]),
 *   "386fbb12926e8e015a1483990df913e8410f94ce",
 * );
 * ```
 */
export function patternName(events: readonly Event[]): string {
  // The repr escapes every surrogate, so the UTF-8 encoding is lossless.
  return createHash("sha1").update(pyReprEvents(events), "utf8").digest("hex");
}
