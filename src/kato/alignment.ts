/**
 * Alignment of one candidate pattern with the STM (SEMANTICS.md §3.3–3.4):
 * matches, past/present/future, missing, extras, evidence, confidence, snr and
 * fragmentation.
 *
 * Everything here follows KATO's `InformationExtractor.extract_prediction_info`
 * and `Prediction.__init__`, quirks included (membership tests for missing and
 * extras, the fix-up that can drag a whole past event into present).
 *
 * @module
 */

import { extrasCountOf, flatSpans, scoreOf, splitEvents } from "./alignment_score.ts";
import { type Match, SequenceMatcher } from "./difflib.ts";
import { flatten } from "./normalize.ts";
import type { Event } from "./types.ts";

/** The alignment fields of one candidate. */
export interface Alignment {
  /** Matching blocks of `SequenceMatcher(None, P, S, autojunk=False)`. */
  blocks: Match[];
  /** State tokens of the blocks, in order. */
  matches: string[];
  /** `P` before the first block. */
  pastFlat: string[];
  /** `P` from the first block to the end of the last one. */
  presentFlat: string[];
  /** Blocks − 1 (−1 when nothing matched). */
  fragmentation: number;
  /** E: state tokens that KATO's flat diff of `presentFlat` against `S` leaves uncovered. */
  extrasCount: number;
  /** Whole pattern events before the first match. */
  past: Event[];
  /** Whole pattern events spanning the matches, after KATO's fix-up. */
  present: Event[];
  /** The pattern events after present. */
  future: Event[];
  /** Aligned with `present`: its symbols that occur nowhere in `matches`. */
  missing: Event[];
  /** Aligned with the STM: its symbols that occur nowhere in `present`. */
  extras: Event[];
  /** `|matches| / |P|`. */
  evidence: number;
  /** `|matches| / |flatten(present)|`, 0 for an empty present. */
  confidence: number;
  /** `(2·|matches| − E)/(2·|matches| + E)`, 0 when that denominator is 0. */
  snr: number;
}

/**
 * Aligns a pattern's events with the STM.
 *
 * @param events The pattern's events, as learned.
 * @param stm The session's STM.
 * @param state `flatten(stm)`, when the caller already has it.
 *
 * @example KATO_REFERENCE §3.3: a mid-event first match pulls its event into present
 * ```ts
 * import { deepStrictEqual, strictEqual } from "node:assert";
 * import { alignPattern } from "./alignment.ts";
 * const a = alignPattern([["a", "b"], ["c"], ["d"]], [["b"], ["c"]]);
 * deepStrictEqual(a.past, []);
 * deepStrictEqual(a.present, [["a", "b"], ["c"]]);
 * deepStrictEqual(a.future, [["d"]]);
 * deepStrictEqual(a.missing, [["a"], []]);
 * strictEqual(a.confidence, 2 / 3);
 * ```
 */
export function alignPattern(
  events: readonly Event[],
  stm: readonly Event[],
  state: readonly string[] = flatten(stm),
): Alignment {
  const pattern = flatten(events);
  const blocks = new SequenceMatcher(pattern, state, { autojunk: false })
    .getMatchingBlocks();
  const matches: string[] = [];
  for (const { b: j, size } of blocks) {
    for (let k = j; k < j + size; k++) matches.push(state[k]!);
  }

  const spans = flatSpans(blocks, pattern.length);
  const pastFlat = pattern.slice(0, spans.past);
  const presentFlat = pattern.slice(spans.past, spans.past + spans.present);

  // KATO diffs presentFlat against S with its vendored matcher (no autojunk,
  // plain replace) and counts the `+ ` lines. presentFlat spans every block,
  // and Ratcliff/Obershelp on it finds the same blocks as on P (each longest
  // match of P already lies inside it), so the uncovered state tokens are
  // exactly |S| − |matches|. katoComparePlusCount computes it the long way.
  const extrasCount = extrasCountOf(presentFlat.length, state.length, matches.length);

  // The fix-up tests membership only, so a duplicate symbol is enough.
  const split = splitEvents(
    events.map((event) => event.length),
    pastFlat.length,
    presentFlat.length,
    (pastEnd) => matches.length > 0 && events[pastEnd - 1]!.includes(matches[0]!),
  );
  const copy = (slice: readonly Event[]) => slice.map((event) => [...event]);
  const past = copy(events.slice(0, split.pastEnd));
  const present = copy(events.slice(split.pastEnd, split.presentEnd));
  const future = copy(events.slice(split.presentEnd));

  const matched = new Set(matches);
  const missing = present.map((event) => event.filter((s) => !matched.has(s)));
  const inPresent = new Set(present.flat());
  const extras = stm.map((event) => event.filter((s) => !inPresent.has(s)));

  return {
    blocks,
    matches,
    pastFlat,
    presentFlat,
    extrasCount,
    past,
    present,
    future,
    missing,
    extras,
    ...scoreOf(matches.length, blocks.length, pattern.length, extrasCount, split.presentSymbols),
  };
}
