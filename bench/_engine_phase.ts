/**
 * The engine phase of the scale run: the same N patterns in each index (the TypeScript index,
 * libmatcher's CPU backend, the GPU), the same states, timed in-process: load, one state per call,
 * several per call, candidates per query, memory. Answers are compared by digest across engines.
 *
 * @module
 */

import { encodedOf, type EncodedPattern, type PatternIndex } from "../src/engine/matcher.ts";
import { NativeIndex } from "../src/engine/native/mod.ts";
import { TsIndex } from "../src/engine/ts_index.ts";
import { candidateDigest } from "./_digest.ts";
import { type Percentiles, percentiles } from "./_stats.ts";

/** An engine of the comparison. */
export type EngineName = "ts" | "cpu" | "cuda";

/** One engine at one threshold. */
export interface EngineRow {
  engine: EngineName;
  /** `stats().deviceName` for native engines: the GPU, or the CPU backend's thread count. */
  device: string;
  threshold: number;
  loadSeconds: number;
  /** One state per call, wall time through `await index.query()`. */
  single: Percentiles;
  /**
   * The library's own time for the same calls (CUDA events on the GPU), native engines only; over the
   * queries answered in one library call (more candidates than the capacity guess take a second call).
   */
  singleDevice?: Percentiles;
  /** `batch` states per call, per query. */
  batched?: { width: number; perQuery: Percentiles; devicePerQuery: Percentiles };
  candidatesPerQuery: number;
  deviceBytes: number;
  hostBytes: number;
  /** Whether every answer equals the first engine's (same candidates, LCS and order). */
  agrees: boolean;
}

/** The columns and states every engine gets. */
export interface EngineWorkload {
  lengths: Int32Array;
  symbols: Int32Array;
  states: readonly Int32Array[];
  thresholds: readonly number[];
  batchWidth: number;
  warmup: number;
  /** Time budget per engine and threshold: stop issuing states after it (at least `minQueries` run). */
  budgetMs: number;
  minQueries: number;
}

/** Per threshold, the digest of each state's answer from the first engine that ran. */
export type ReferenceDigests = Map<number, string[]>;

const ADD_CHUNK = 1 << 20;
/** Most candidates one batched call may return (all its states together). */
const MAX_BATCH_CANDIDATES = 4_000_000;

function openIndex(engine: EngineName, workload: EngineWorkload): { index: PatternIndex; seconds: number } {
  const started = performance.now();
  const { lengths, symbols } = workload;
  if (engine === "ts") {
    const index = new TsIndex();
    const ids = Int32Array.from({ length: lengths.length }, (_, i) => i);
    const patterns: EncodedPattern[] = encodedOf(ids, lengths, symbols);
    for (let at = 0; at < patterns.length; at += ADD_CHUNK) index.add(patterns.slice(at, at + ADD_CHUNK));
    return { index, seconds: (performance.now() - started) / 1000 };
  }
  const index = NativeIndex.open(engine);
  index.reserve(lengths.length, symbols.length);
  let offset = 0;
  for (let at = 0; at < lengths.length; at += ADD_CHUNK) {
    const chunk = lengths.subarray(at, at + ADD_CHUNK);
    const count = chunk.reduce((sum, length) => sum + length, 0);
    const ids = Int32Array.from({ length: chunk.length }, (_, i) => at + i);
    index.addEncoded(ids, chunk, symbols.subarray(offset, offset + count));
    offset += count;
  }
  return { index, seconds: (performance.now() - started) / 1000 };
}

/** Runs one engine over the workload at every threshold; fills `reference` when it is the first. */
export async function measureEngine(
  engine: EngineName,
  workload: EngineWorkload,
  reference: ReferenceDigests,
  log: (line: string) => void,
): Promise<EngineRow[]> {
  const { index, seconds: loadSeconds } = openIndex(engine, workload);
  const native = index instanceof NativeIndex ? index : undefined;
  log(`${engine}: loaded ${index.size} patterns in ${loadSeconds.toFixed(1)} s`);
  const rows: EngineRow[] = [];
  try {
    for (const threshold of workload.thresholds) {
      const warmupEnd = performance.now() + workload.budgetMs / 4;
      for (const state of workload.states.slice(0, workload.warmup)) {
        if (performance.now() > warmupEnd) break;
        await index.query(state, threshold);
      }
      const wall: number[] = [];
      const device: number[] = [];
      const digests: string[] = [];
      let candidates = 0;
      const deadline = performance.now() + workload.budgetMs;
      for (const state of workload.states) {
        if (wall.length >= workload.minQueries && performance.now() > deadline) break;
        const calls = native?.calls ?? 0;
        const started = performance.now();
        const answer = await index.query(state, threshold);
        wall.push(performance.now() - started);
        if (native !== undefined && native.calls === calls + 1) device.push(native.stats().lastQueryMs);
        candidates += answer.length;
        digests.push(candidateDigest(answer));
      }
      const expected = reference.get(threshold);
      if (expected === undefined || expected.length < digests.length) reference.set(threshold, digests);
      // Engines stopped by the budget answered fewer states: compare the states both answered.
      const agrees = expected === undefined ||
        expected.slice(0, digests.length).every((digest, q) => digest === digests[q]);
      const row: EngineRow = {
        engine,
        device: native?.stats().deviceName ?? "TypeScript, one thread",
        threshold,
        loadSeconds: Math.round(loadSeconds * 100) / 100,
        single: percentiles(wall),
        candidatesPerQuery: candidates / wall.length,
        deviceBytes: native?.stats().deviceBytes ?? 0,
        hostBytes: native?.stats().hostBytes ?? 0,
        agrees,
      };
      if (native !== undefined) {
        row.singleDevice = percentiles(device);
        // A batch answers every state's candidates at once: at a low threshold on millions of patterns
        // that is tens of millions of objects, more than the heap holds.
        if (row.candidatesPerQuery * workload.batchWidth <= MAX_BATCH_CANDIDATES) {
          row.batched = await measureBatched(native, workload, threshold);
        }
      }
      rows.push(row);
      log(
        `${engine} t=${threshold}: single p50 ${row.single.p50} ms, ` +
          `${row.candidatesPerQuery.toFixed(1)} candidates/query${agrees ? "" : ", ANSWERS DIFFER"}` +
          (row.batched ? `, ${row.batched.width} per call ${row.batched.perQuery.p50} ms/query` : ""),
      );
    }
  } finally {
    index.close();
  }
  return rows;
}

async function measureBatched(
  index: NativeIndex,
  workload: EngineWorkload,
  threshold: number,
): Promise<NonNullable<EngineRow["batched"]>> {
  const width = workload.batchWidth;
  const wall: number[] = [];
  const device: number[] = [];
  await index.queryBatch(workload.states.slice(0, width), threshold);
  const deadline = performance.now() + workload.budgetMs;
  for (let at = 0; at + width <= workload.states.length; at += width) {
    if (wall.length >= 2 && performance.now() > deadline) break;
    const calls = index.calls;
    const started = performance.now();
    await index.queryBatch(workload.states.slice(at, at + width), threshold);
    wall.push((performance.now() - started) / width);
    if (index.calls === calls + 1) device.push(index.stats().lastQueryMs / width);
  }
  return { width, perQuery: percentiles(wall), devicePerQuery: percentiles(device) };
}
