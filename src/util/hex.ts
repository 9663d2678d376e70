/**
 * Pattern names as raw bytes: 40 hex digits ↔ 20 bytes. Shared by the catalog and the store's column
 * decoder so that both read a name the same way.
 *
 * @module
 */

/** Bytes of a SHA-1 pattern name. */
export const NAME_BYTES = 20;

function nibble(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  if (code >= 97 && code <= 102) return code - 87; // a-f
  if (code >= 65 && code <= 70) return code - 55; // A-F
  return 0;
}

/**
 * Writes the 20 bytes of a 40-hex name into `out` at `offset`. A character that is not a hex digit
 * reads as 0 (only store imports can carry such names; `PatternCatalog.idOf` never finds them).
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert";
 * import { writeNameBytes } from "./hex.ts";
 * const out = new Uint8Array(20);
 * writeNameBytes("ff00" + "0".repeat(36), out, 0);
 * deepStrictEqual([out[0], out[1]], [255, 0]);
 * ```
 */
export function writeNameBytes(name: string, out: Uint8Array, offset: number): void {
  for (let k = 0; k < NAME_BYTES; k++) {
    out[offset + k] = (nibble(name.charCodeAt(2 * k)) << 4) | nibble(name.charCodeAt(2 * k + 1));
  }
}
