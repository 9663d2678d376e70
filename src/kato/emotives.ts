/**
 * Emotive averaging (KATO's `average_emotives`).
 *
 * @module
 */

import type { Emotives } from "./types.ts";

/**
 * Per-key mean over the dicts that contain the key, keys in first-seen order;
 * `{}` for no dicts.
 *
 * @example Usage
 * ```ts
 * import { deepStrictEqual } from "node:assert";
 * import { averageEmotives } from "./emotives.ts";
 * deepStrictEqual(averageEmotives([{ happy: 4, sad: 2 }, { happy: 6 }, { sad: 4 }]), {
 *   happy: 5,
 *   sad: 3,
 * });
 * ```
 */
export function averageEmotives(record: readonly Emotives[]): Emotives {
  const sums = new Map<string, { sum: number; n: number }>();
  for (const bunch of record) {
    for (const [key, value] of Object.entries(bunch)) {
      const acc = sums.get(key);
      if (acc) {
        acc.sum += value;
        acc.n++;
      } else {
        // 0 + value, as Python's sum() starts from int 0 (turns -0.0 into 0.0).
        sums.set(key, { sum: 0 + value, n: 1 });
      }
    }
  }
  // fromEntries defines own properties, so a key like "__proto__" stays data.
  return Object.fromEntries(
    [...sums].map(([key, { sum, n }]) => [key, sum / n]),
  );
}
