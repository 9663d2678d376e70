/**
 * KATO's pruning scores of many candidates on libmatcher's host threads (`matcher_prescore`, since
 * 1.1): bit-identical to `AlignmentScorer` + `prePotential` in TypeScript, which prediction falls back
 * to where the library is older, absent or fails.
 *
 * @module
 */

import type { CatalogView } from "../catalog_view.ts";
import { loadMatcher, type MatcherLibrary, MatcherStatus, statusName } from "./library.ts";

/** Scores `ids` (patterns of `view`) against `state`; one score per id, in order. */
export type Prescorer = (view: CatalogView, ids: Int32Array, state: Int32Array) => Promise<Float64Array>;

/**
 * The native prescorer, or undefined when libmatcher does not load or predates `matcher_prescore`.
 *
 * @example Whatever this host offers
 * ```ts
 * import { nativePrescorer } from "./prescore.ts";
 * console.log(nativePrescorer() === undefined ? "TypeScript scoring" : "native scoring");
 * ```
 */
export function nativePrescorer(lib?: MatcherLibrary): Prescorer | undefined {
  let loaded = lib;
  if (loaded === undefined) {
    try {
      loaded = loadMatcher();
    } catch {
      return undefined;
    }
  }
  const call = loaded.symbols.matcher_prescore;
  if (call === null) return undefined;
  const library = loaded;
  return async (view, ids, state) => {
    const out = new Float64Array(ids.length);
    const code = await call(
      BigInt(ids.length),
      ids,
      view.symbolStart,
      view.symbols,
      view.eventStart,
      view.eventSizes,
      state.length,
      state,
      out,
    );
    if (code !== MatcherStatus.OK) {
      throw new Error(`Cannot score candidates: ${statusName(library, code)}`);
    }
    return out;
  };
}
