/**
 * KATO's symbolic semantics as pure functions: event normalisation, pattern
 * names, Ratcliff/Obershelp alignment, per-prediction fields, ensemble
 * metrics and ranking. No I/O.
 *
 * @example Name a pattern, then predict from it
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { lcsSimilarity, patternName, predict } from "./mod.ts";
 * const events = [["hello"], ["world"], ["test"]];
 * const stm = [["hello"], ["world"]];
 * const candidate = {
 *   name: patternName(events),
 *   events,
 *   length: 3,
 *   frequency: 1,
 *   emotives: [],
 *   similarity: lcsSimilarity(events.flat(), stm.flat()),
 * };
 * const stats = {
 *   patternMemberFrequency: () => 1,
 *   distinctSymbols: 3,
 *   totalUniquePatterns: 1,
 *   totalPatternFrequencies: 1,
 * };
 * const result = predict(stm, [candidate], stats, { maxPredictions: 100, rankSortAlgo: "potential" });
 * strictEqual(result.predictions[0]!.similarity, 0.8);
 * ```
 *
 * @module
 */

export * from "./types.ts";
export { compareCodePoints, flatten, sortSymbols } from "./normalize.ts";
export { isPrintable, pyReprEvents, pyReprString } from "./pyrepr.ts";
export { patternName } from "./hash.ts";
export {
  codePoints,
  type Match,
  type Opcode,
  type OpcodeTag,
  SequenceMatcher,
  type SequenceMatcherOptions,
} from "./difflib.ts";
export { differPlusCount, katoComparePlusCount } from "./differ.ts";
export { lcsLength, lcsSimilarity } from "./similarity.ts";
export { type Alignment, alignPattern } from "./alignment.ts";
export { averageEmotives } from "./emotives.ts";
export { countSymbols, entropyMetrics, finalizeMetrics } from "./entropy.ts";
export { type FutureInput, type PredictiveInformation, predictiveInformation } from "./predictive_information.ts";
export { type EnsembleMember, type EnsembleMetrics, ensembleMetrics, symbolProbabilities } from "./ensemble.ts";
export { fragmentationTerm, prePotential, pruneCandidates, type PruneInput, rankPredictions } from "./ranking.ts";
export { predict } from "./predict.ts";
