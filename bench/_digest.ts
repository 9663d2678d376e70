/**
 * One short fingerprint of a query's answer, so engines (and the Python baseline, which computes the
 * same in `kato_baseline.py`) can be compared without keeping every candidate list.
 *
 * @module
 */

import { createHash } from "node:crypto";

/**
 * SHA-1 hex of `"<id>:<lcs>\n"` per candidate, in the order given (similarity desc, id asc).
 *
 * @example Empty and one candidate
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { candidateDigest } from "./_digest.ts";
 * strictEqual(candidateDigest([]), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
 * strictEqual(candidateDigest([{ id: 3, lcs: 2 }]).length, 40);
 * ```
 */
export function candidateDigest(candidates: readonly { id: number; lcs: number }[]): string {
  const hash = createHash("sha1");
  // Hashed in chunks: one update per candidate costs more than the matching at millions of them.
  for (let at = 0; at < candidates.length; at += 4096) {
    let chunk = "";
    for (const { id, lcs } of candidates.slice(at, at + 4096)) chunk += `${id}:${lcs}\n`;
    hash.update(chunk);
  }
  return hash.digest("hex");
}
