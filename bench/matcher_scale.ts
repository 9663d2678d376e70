/**
 * libmatcher at scale: the issue-3 workload (N patterns of 10..90 symbols, Zipf-like symbols over a
 * 50,000-symbol vocabulary, states of 50 symbols, threshold 0.5). Reports per-query time single and
 * batched (several states per pass), wall clock through FFI and device time, plus memory. Prints one
 * JSON object on stdout; progress goes to stderr.
 *
 *     deno run -A bench/matcher_scale.ts --n 10000000 --backend cuda
 *     deno run -A bench/matcher_scale.ts --n 1000000 --backend cpu --ts     # also the TS index, same data
 *
 * Options: --n N (1000000), --backend cuda|cpu (cuda), --queries Q (200), --batches 4,8,16,
 * --threshold T (0.5), --state S (50), --vocabulary V (50000), --seed (1), --ts (also time TsIndex).
 *
 * @module
 */

import { TsIndex } from "../src/engine/ts_index.ts";
import { NativeIndex } from "../src/engine/native/mod.ts";

function option(name: string, fallback: string): string {
  const at = Deno.args.indexOf(`--${name}`);
  return at >= 0 && at + 1 < Deno.args.length ? Deno.args[at + 1]! : fallback;
}
const N = Number(option("n", "1000000"));
const backend = option("backend", "cuda") as "cuda" | "cpu";
const queries = Number(option("queries", "200"));
const batches = option("batches", "4,8,16").split(",").map(Number);
const threshold = Number(option("threshold", "0.5"));
const stateLength = Number(option("state", "50"));
const vocabulary = Number(option("vocabulary", "50000"));
const seed = Number(option("seed", "1"));
const withTs = Deno.args.includes("--ts");
const log = (line: string) => console.error(`matcher_scale: ${line}`);

/** xorshift32: fast, seeded, good enough for a workload. Returns uint32. */
function xorshift(s: number): () => number {
  let x = (s | 0) || 0x9E3779B9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

/** Inverse-CDF table of Zipf (s = 1) over 1..vocabulary: 2^20 slots, one lookup per draw. */
function zipfTable(v: number): Int32Array {
  const bits = 20;
  const table = new Int32Array(1 << bits);
  let total = 0;
  for (let r = 1; r <= v; r++) total += 1 / r;
  let rank = 1;
  let cumulative = 1 / total;
  for (let i = 0; i < table.length; i++) {
    const u = (i + 0.5) / table.length;
    while (cumulative < u && rank < v) cumulative += 1 / (++rank * total);
    table[i] = rank;
  }
  return table;
}

const zipf = zipfTable(vocabulary);
const lengthRng = xorshift(seed * 7919 + 1);
const lengths = new Int32Array(N);
let totalSymbols = 0;
for (let i = 0; i < N; i++) totalSymbols += lengths[i] = 10 + (lengthRng() % 81);

const index = NativeIndex.open(backend);
const ts = withTs ? new TsIndex() : undefined;
index.reserve(N, totalSymbols);
const symbolRng = xorshift(seed * 104729 + 3);
const chunk = 1 << 20;
let last: { lengths: Int32Array; symbols: Int32Array; offsets: Float64Array } | undefined;
const loadStarted = performance.now();
for (let start = 0; start < N; start += chunk) {
  const count = Math.min(chunk, N - start);
  const ids = new Int32Array(count);
  const chunkLengths = lengths.subarray(start, start + count);
  let sum = 0;
  for (let i = 0; i < count; i++) {
    ids[i] = start + i;
    sum += chunkLengths[i]!;
  }
  const symbols = new Int32Array(sum);
  for (let k = 0; k < sum; k++) symbols[k] = zipf[symbolRng() >>> 12]!;
  index.addEncoded(ids, chunkLengths, symbols);
  const offsets = new Float64Array(count + 1);
  for (let i = 0; i < count; i++) offsets[i + 1] = offsets[i]! + chunkLengths[i]!;
  if (ts !== undefined) {
    ts.add(Array.from(ids, (id, i) => ({ id, symbols: symbols.subarray(offsets[i]!, offsets[i + 1]!) })));
  }
  last = { lengths: chunkLengths, symbols, offsets };
  log(`loaded ${start + count} / ${N} patterns`);
}
const loadSeconds = (performance.now() - loadStarted) / 1000;
const loaded = index.stats();

// States: half random Zipf, half a stored pattern's symbols with 10% replaced (real candidates).
const stateRng = xorshift(seed * 31337 + 5);
const states: Int32Array[] = [];
for (let q = 0; q < queries; q++) {
  const state = new Int32Array(stateLength);
  for (let k = 0; k < stateLength; k++) state[k] = zipf[stateRng() >>> 12]!;
  if (q % 2 === 1 && last !== undefined) {
    const i = stateRng() % last.lengths.length;
    const from = last.offsets[i]!;
    for (let k = 0; k < Math.min(stateLength, last.lengths[i]!); k++) {
      if (stateRng() % 10 !== 0) state[k] = last.symbols[from + k]!;
    }
  }
  states.push(state);
}

function summary(samples: number[]): { p50: number; p90: number; mean: number; min: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
    min: round(sorted[0]!),
  };
}

for (let q = 0; q < Math.min(10, queries); q++) await index.query(states[q]!, threshold); // warm-up

let candidates = 0;
const wall: number[] = [];
const device: number[] = [];
for (const state of states) {
  const started = performance.now();
  candidates += (await index.query(state, threshold)).length;
  wall.push(performance.now() - started);
  device.push(index.stats().lastQueryMs);
}
log(`single: p50 ${summary(wall).p50} ms wall, ${summary(device).p50} ms device`);

const batched: Record<
  string,
  { states: number; wallPerQuery: ReturnType<typeof summary>; devicePerQuery: ReturnType<typeof summary> }
> = {};
for (const b of batches) {
  const w: number[] = [];
  const d: number[] = [];
  await index.queryBatch(states.slice(0, b), threshold); // warm-up at this width
  for (let at = 0; at + b <= states.length; at += b) {
    const started = performance.now();
    await index.queryBatch(states.slice(at, at + b), threshold);
    w.push((performance.now() - started) / b);
    d.push(index.stats().lastQueryMs / b);
  }
  batched[String(b)] = { states: b, wallPerQuery: summary(w), devicePerQuery: summary(d) };
  log(`batch ${b}: p50 ${summary(w).p50} ms/query wall, ${summary(d).p50} ms/query device`);
}

let tsResult: { wall: ReturnType<typeof summary>; ratio: number } | undefined;
if (ts !== undefined) {
  const tw: number[] = [];
  const n = Math.min(states.length, 40);
  for (let q = 0; q < n; q++) {
    const started = performance.now();
    ts.query(states[q]!, threshold);
    tw.push(performance.now() - started);
  }
  const tsSummary = summary(tw);
  tsResult = { wall: tsSummary, ratio: Math.round((tsSummary.p50 / summary(wall).p50) * 100) / 100 };
  log(`ts index: p50 ${tsSummary.p50} ms (native is ${tsResult.ratio}x faster)`);
}

const after = index.stats();
console.log(JSON.stringify(
  {
    bench: "matcher_scale",
    backend,
    device: after.deviceName,
    patterns: N,
    symbols: totalSymbols,
    vocabulary,
    stateLength,
    threshold,
    queries,
    candidatesPerQuery: candidates / states.length,
    loadSeconds: Math.round(loadSeconds * 100) / 100,
    deviceBytesAfterLoad: loaded.deviceBytes,
    deviceBytes: after.deviceBytes,
    hostBytes: after.hostBytes,
    symbolBits: after.symbolBits,
    single: { wall: summary(wall), device: summary(device) },
    batched,
    ...(tsResult === undefined ? {} : { tsIndex: tsResult }),
  },
  null,
  2,
));
index.close();
