/**
 * The numbers of an alignment that pruning reads (evidence, confidence, snr, fragmentation), from the
 * matching blocks and the pattern's event sizes alone: no past/present/future/missing/extras lists.
 * `alignPattern` computes its numbers through the same functions, so the two cannot disagree; pruning
 * scores every candidate this way and aligns in full only the `3·max_predictions` it keeps.
 *
 * @module
 */

import type { Match } from "./difflib.ts";
import { SequenceMatcher } from "./difflib.ts";

/** The pruning fields of one candidate's alignment. */
export interface AlignmentScore {
  /** `|matches| / |P|`. */
  evidence: number;
  /** `|matches| / |flatten(present)|`, 0 for an empty present. */
  confidence: number;
  /** `(2·|matches| − E)/(2·|matches| + E)`, 0 when that denominator is 0. */
  snr: number;
  /** Blocks − 1 (−1 when nothing matched). */
  fragmentation: number;
}

/** Where past ends and present ends, in whole events, and how many symbols present holds. */
export interface EventSplit {
  /** Events `[0, pastEnd)` are past. */
  pastEnd: number;
  /** Events `[pastEnd, presentEnd)` are present; the rest is future. */
  presentEnd: number;
  /** KATO's fix-up moved the last past event into present. */
  fixedUp: boolean;
  /** Symbols of the present events. */
  presentSymbols: number;
}

/**
 * Splits events into past, present and future as KATO's `Prediction` does: walk whole events until
 * the running symbol count reaches the flat lengths; then, when the last past event contains the
 * first match (membership only), it joins present.
 */
export function splitEvents(
  eventSizes: ArrayLike<number>,
  pastLength: number,
  presentLength: number,
  lastPastHasFirstMatch: (pastEnd: number) => boolean,
): EventSplit {
  let target = pastLength;
  let count = 0;
  let n = 0;
  while (count < target) count += eventSizes[n++]!;
  let pastEnd = n;
  target += presentLength;
  while (count < target) count += eventSizes[n++]!;
  const fixedUp = pastEnd > 0 && lastPastHasFirstMatch(pastEnd);
  if (fixedUp) pastEnd--;
  let presentSymbols = 0;
  for (let k = pastEnd; k < n; k++) presentSymbols += eventSizes[k]!;
  return { pastEnd, presentEnd: n, fixedUp, presentSymbols };
}

/** Flat past and present lengths of the blocks: present spans the first block's start to the last's end. */
export function flatSpans(blocks: readonly Match[], patternLength: number): { past: number; present: number } {
  const first = blocks[0];
  const last = blocks[blocks.length - 1];
  if (first === undefined || last === undefined) return { past: 0, present: patternLength };
  return { past: first.a, present: last.a + last.size - first.a };
}

/**
 * The numbers from the matched count, the uncovered state symbols E and the present's size.
 *
 * @example Two of three pattern symbols matched, one state symbol uncovered, present of three
 * ```ts
 * import { deepStrictEqual } from "node:assert";
 * import { scoreOf } from "./alignment_score.ts";
 * deepStrictEqual(scoreOf(2, 1, 3, 1, 3), { evidence: 2 / 3, confidence: 2 / 3, snr: 3 / 5, fragmentation: 0 });
 * ```
 */
export function scoreOf(
  matched: number,
  blocks: number,
  patternLength: number,
  extrasCount: number,
  presentSymbols: number,
): AlignmentScore {
  const denominator = 2.0 * matched + extrasCount;
  return {
    evidence: patternLength > 0 ? matched / patternLength : 0.0,
    confidence: presentSymbols > 0 ? matched / presentSymbols : 0.0,
    snr: denominator > 0 ? (2.0 * matched - extrasCount) / denominator : 0.0,
    fragmentation: blocks - 1,
  };
}

/**
 * E, the state symbols KATO's flat diff of present against the state leaves uncovered: exactly
 * `|S| − |matches|` (see `alignPattern`), 0 for an empty present.
 */
export function extrasCountOf(presentLength: number, stateLength: number, matched: number): number {
  return presentLength === 0 ? 0 : stateLength - matched;
}

/**
 * Scores many patterns against one state: the state is indexed once (difflib's `set_seq2`), each
 * pattern is matched against it. Elements compare with `===`: strings, or the engine's symbol ids
 * (an id per distinct string, so the blocks are the same).
 *
 * @example The same numbers as alignPattern
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { AlignmentScorer } from "./alignment_score.ts";
 * import { alignPattern } from "./alignment.ts";
 * const events = [["a", "b"], ["c"], ["d"]];
 * const stm = [["b"], ["c"]];
 * const score = new AlignmentScorer(["b", "c"]).score(events.flat(), events.map((e) => e.length));
 * strictEqual(score.confidence, alignPattern(events, stm).confidence);
 * ```
 */
export class AlignmentScorer<T> {
  readonly #state: readonly T[];
  readonly #matcher: SequenceMatcher<T>;

  constructor(state: readonly T[]) {
    this.#state = state;
    this.#matcher = new SequenceMatcher<T>([], state, { autojunk: false });
  }

  /** The pruning numbers of `pattern` (flattened) whose events have `eventSizes` symbols each. */
  score(pattern: ArrayLike<T>, eventSizes: ArrayLike<number>): AlignmentScore {
    this.#matcher.setSeq1(pattern);
    const blocks = this.#matcher.matchingBlocks();
    let matched = 0;
    for (const block of blocks) matched += block.size;
    const spans = flatSpans(blocks, pattern.length);
    const firstMatch = blocks.length > 0 ? this.#state[blocks[0]!.b] : undefined;
    const split = splitEvents(eventSizes, spans.past, spans.present, (pastEnd) => {
      if (firstMatch === undefined) return false;
      let start = 0;
      for (let k = 0; k < pastEnd - 1; k++) start += eventSizes[k]!;
      for (let j = start; j < start + eventSizes[pastEnd - 1]!; j++) if (pattern[j] === firstMatch) return true;
      return false;
    });
    const extras = extrasCountOf(spans.present, this.#state.length, matched);
    return scoreOf(matched, blocks.length, pattern.length, extras, split.presentSymbols);
  }
}
